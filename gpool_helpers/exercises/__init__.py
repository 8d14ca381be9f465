"""Exercise sets, one module per notebook: ``from gpool_helpers.exercises import nb02``.

Each module defines ``q1``, ``q2``, ... and ``QUESTIONS``, the tuple of them.
The checker itself is :mod:`.core` (questions and feedback) with
:mod:`.diagnosis` (reading an answer, and ready-made matchers for known
mistakes), :mod:`.precision` (how precise a number answer must be, and how
far off a wrong one is, said without the answer) and :mod:`.rules` (what a
prompt forbids an answer to use, checked while it runs).
"""

from .core import (  # noqa: F401
    BATCH_ONE_ONLY_MESSAGE,
    IN_PLACE_MESSAGE,
    RETURNED_NONE_MESSAGE,
    Case,
    Feedback,
    FunctionQuestion,
    Mistake,
    Outcome,
    Question,
    ThoughtQuestion,
    ValueQuestion,
    pooling_cases,
)
from .diagnosis import (  # noqa: F401
    as_shape,
    describe_form,
    guess_reduction,
    matches_reduction,
    matches_wrong_answer,
    outputs_equal,
    reduced_over_other_dims,
    returned_numpy,
)
from .precision import WHOLE_NUMBER, Precision, how_far, significant  # noqa: F401
from .rules import NO_AUTOGRAD, NO_NN_LAYERS, Rule, broken_rules, no_call_to  # noqa: F401

#: Notebook exercise modules, in order: what ``from gpool_helpers import nb02`` offers, and
#: what the tests iterate (``make solutions`` finds each question by its cell's id instead).
NOTEBOOK_SETS = ("nb01", "nb02", "nb03", "nb04", "nb05", "nb06", "nb07", "nb08")
