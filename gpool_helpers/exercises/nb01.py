"""Exercises for notebook 01, why global pooling.

- q1: count the parameters of a flatten + fully connected head.
- q2: count the parameters of a global average pooling head on the same maps.
- q3: multiple choice: what happens to each head when the feature maps double in size.
"""

from __future__ import annotations

from ..cnn.heads import flatten_head_cost, pooled_head_cost
from .core import Mistake, ThoughtQuestion, ValueQuestion
from .diagnosis import is_exact_number

# The feature maps of both counting questions: 64 channels of 8 x 8, 10 classes.
CHANNELS, HEIGHT, WIDTH, CLASSES = 64, 8, 8, 10



# ----------------------------------------------------------------------------
# q1: the flatten head
# ----------------------------------------------------------------------------

_FLATTEN_WEIGHTS = CHANNELS * HEIGHT * WIDTH * CLASSES

q1 = ValueQuestion(
    qid="nb01.q1",
    prompt=(
        f"Feature maps shaped (N, {CHANNELS}, {HEIGHT}, {WIDTH}) go into nn.Flatten() and then "
        f"nn.Linear(in_features, {CLASSES}) with a bias. How many parameters does this head have? "
        "Work it out by hand, or build the two layers and sum p.numel() over .parameters()."
    ),
    expected=lambda: flatten_head_cost(CHANNELS, HEIGHT, WIDTH, CLASSES).parameters,
    hints=[
        f"Flatten turns each example into one vector of C·H·W = {CHANNELS}·{HEIGHT}·{WIDTH} numbers: that is in_features.",
        "nn.Linear(in_features, out_features) holds an out x in weight matrix and out biases.",
    ],
    solution_code=f"""
# Flatten gives C·H·W inputs; the linear layer has one weight per (input, class) pair plus one bias per class.
in_features = {CHANNELS} * {HEIGHT} * {WIDTH}
answer = in_features * {CLASSES} + {CLASSES}
""",
    answer_name="answer",
    mistakes=[
        Mistake(
            "no bias",
            f"That is the weights only: nn.Linear also has one bias per output, {CLASSES} more.",
            lambda value, args, expected: is_exact_number(value, _FLATTEN_WEIGHTS),
            example=_FLATTEN_WEIGHTS,
        ),
        Mistake(
            "channels only",
            "That counts one input per channel, which is the pooled head. Flatten keeps every "
            "position: C·H·W inputs, not C.",
            lambda value, args, expected: is_exact_number(value, CHANNELS * CLASSES + CLASSES),
            example=CHANNELS * CLASSES + CLASSES,
        ),
        Mistake(
            "forgot a side",
            "You multiplied by H or W but not both: a map has H·W positions.",
            lambda value, args, expected: is_exact_number(value, CHANNELS * HEIGHT * CLASSES + CLASSES),
            example=CHANNELS * HEIGHT * CLASSES + CLASSES,
        ),
    ],
)


# ----------------------------------------------------------------------------
# q2: the global average pooling head
# ----------------------------------------------------------------------------

q2 = ValueQuestion(
    qid="nb01.q2",
    prompt=(
        f"Now the same (N, {CHANNELS}, {HEIGHT}, {WIDTH}) maps go through global average pooling "
        f"(one mean per channel) and then nn.Linear(in_features, {CLASSES}) with a bias. "
        "How many parameters does this head have?"
    ),
    expected=lambda: pooled_head_cost(CHANNELS, HEIGHT, WIDTH, CLASSES).parameters,
    hints=[
        "Global average pooling has no weights. Its output is (N, C): how many numbers per example?",
        "Same formula as before, in·out + out, with in = C.",
    ],
    solution_code=f"""
# Pooling learns nothing and leaves one number per channel: C inputs to the linear layer.
in_features = {CHANNELS}
answer = in_features * {CLASSES} + {CLASSES}
""",
    answer_name="answer",
    mistakes=[
        Mistake(
            "the flatten count",
            "That is the flatten head of q1. After pooling, each channel's H x W map is one number.",
            lambda value, args, expected: is_exact_number(value, _FLATTEN_WEIGHTS + CLASSES),
            example=_FLATTEN_WEIGHTS + CLASSES,
        ),
        Mistake(
            "no bias",
            f"That is the weights only: add the {CLASSES} biases of nn.Linear.",
            lambda value, args, expected: is_exact_number(value, CHANNELS * CLASSES),
            example=CHANNELS * CLASSES,
        ),
        Mistake(
            "zero",
            "The pooling has no parameters, but the linear layer after it does.",
            lambda value, args, expected: is_exact_number(value, 0),
            example=0,
        ),
    ],
)


# ----------------------------------------------------------------------------
# q3: larger input images
# ----------------------------------------------------------------------------

q3 = ThoughtQuestion(
    qid="nb01.q3",
    prompt=(
        "Both heads were built for 7 x 7 feature maps. You feed a larger image, and the maps become "
        "14 x 14 (same C). What happens?\n"
        "  A: both heads still run; the flatten head just sees more numbers\n"
        "  B: the flatten head raises an error; the pooled head runs and returns the same shape (N, K)\n"
        "  C: the pooled head raises an error; the flatten head runs\n"
        "  D: both raise an error\n"
        "Answer with a letter, e.g. answer = 'A'."
    ),
    hints=[
        "The first nn.Linear of the flatten head was built with in_features = C·7·7. What does it get now?",
        "A mean over H x W gives one number per channel whatever H and W are.",
    ],
    solution_code="""
# Flatten now offers C·14·14 numbers to a layer built for C·7·7: a shape error. The mean does not care.
answer = "B"
""",
    choices=("A", "B", "C", "D"),
    correct_choice="B",
    explanations={
        "A": "nn.Linear does not stretch: it multiplies by a fixed in x out matrix, so 4 times as many "
             "inputs is a shape error.",
        "B": "Right: the flatten head is tied to H and W; the pooled head is not.",
        "C": "Pooling works for any H and W: it is the flatten head that is tied to one size.",
        "D": "Global pooling returns (N, C) for any H and W, so the pooled head runs.",
    },
)

QUESTIONS = (q1, q2, q3)
