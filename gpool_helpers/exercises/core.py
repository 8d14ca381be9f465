"""Auto-checked exercises in the style of Kaggle learntools.

(About 780 lines, on purpose: the three question kinds share one ``check``
flow and one feedback format, and read best side by side. Reading an answer
lives in :mod:`.diagnosis`.)

A notebook imports its exercise set and calls, for each question::

    from gpool_helpers.exercises import nb02
    nb02.q1.check(my_global_avg_pool)   # the learner's answer is passed explicitly
    nb02.q1.hint()                      # first hint; nb02.q1.hint(2) for the second
    nb02.q1.solution()                  # the reference answer as code

``check`` sorts an answer into one of five outcomes (see :class:`Outcome`) and
never raises into the notebook: a learner's exception is caught and
summarised, and so is anything odd the answer returns (a generator, a numpy
array, a module, a tensor that needs grad). Only ``KeyboardInterrupt`` passes
through, so the stop button still stops a learner's endless loop.

Feedback renders as short HTML with a plain-text twin, and holds nothing that
changes between runs (no memory addresses, no timings), so strict nbval can
compare it.

Every text a learner reads is written in English here and in the exercise sets
and shown through ``_()`` (:mod:`gpool_helpers.i18n`), so ``set_language("zh")``
gives the prompts, feedback, hints and solutions in Chinese
(``locale/zh/exercises.po``). A sentence with values in it is a template with
named placeholders, translated before it is formatted; ``Feedback.outcome``
says what was decided in any language.

Three question kinds:

- :class:`FunctionQuestion`: write a function; it is run on several inputs and
  compared with the reference; known mistakes are recognised and named.
- :class:`ValueQuestion`: compute a number, shape or tensor. A number is
  compared at the precision its prompt states (:mod:`.precision`); a shape
  gets feedback part by part.
- :class:`ThoughtQuestion`: multiple choice (checked) or a short answer
  (solution only).

Feedback never shows an expected value: a wrong number is told which way and
roughly how far it is off, a wrong shape which parts and dims are wrong, and a
function the form (kind and shape) of the output each case wants.
``solution()`` is the one place an answer is shown. A function question may
also hold :mod:`.rules`, things its prompt forbids (nn layers, autograd), and
checks them on every case.

Besides the mistakes a question lists, every function answer is screened for
the common ones: changing the input in place, a numpy array or a module
instead of a tensor, ``(values, indices)`` instead of values, size-1 dims kept
or dropped, pooling over the wrong dims or with the wrong reduction, and an
answer that is right one sample at a time but wrong on a batch (the blog
post's depth-pooling bug).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import html
import numbers
import re
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import torch
from torch import nn

from ..examples import article_example
from ..i18n import N_
from ..i18n import gettext as _
from .diagnosis import (  # noqa: F401  (MAX_ERROR_CHARS: tests and nbgrader read it here)
    MAX_ERROR_CHARS,
    _as_number,
    _deterministic,
    _join,
    _safe_repr,
    _same_up_to_size_one_dims,
    _summarise,
    describe_form,
    describe_output,
    generic_diagnosis,
    matches_wrong_answer,
    number_of,
    outputs_equal,
    shape_diagnosis,
    shapes_of,
)
from .precision import WHOLE_NUMBER, Precision, how_far, significant
from .rules import Rule, watching

# English, as the code compares them; shown through _() in the learner's language.
IN_PLACE_MESSAGE = N_(
    "Your function changed its input in place; work on a copy or use "
    "out-of-place operations (no trailing underscore as in x.mul_(2), no x[...] = ...)."
)
BATCH_ONE_ONLY_MESSAGE = N_(
    "It works one sample at a time but not on a batch: keep the batch dim N "
    "in every view or reshape (the blog post's depth-pooling class has the same bug)."
)
RETURNED_NONE_MESSAGE = N_("Your function returned None: did you forget the return statement?")


class Outcome(enum.Enum):
    """What ``check`` decided; the value is the English heading, shown through ``_()``."""

    NOT_ATTEMPTED = N_("not attempted yet")
    INCORRECT = N_("incorrect")
    ERROR = N_("raised an error")
    UNCHECKABLE = N_("cannot be checked")
    CORRECT = N_("correct")


_COLOURS = {
    Outcome.NOT_ATTEMPTED: "#5f6b7a",
    Outcome.INCORRECT: "#b3261e",
    Outcome.ERROR: "#b3261e",
    Outcome.UNCHECKABLE: "#8a5a00",
    Outcome.CORRECT: "#1b6e20",
}

# Marks "check() was called with no argument", which is not the same as a
# starter's ``answer = ...``.
_NO_ANSWER = object()


@dataclass(frozen=True)
class Feedback:
    """What ``check``, ``hint`` and ``solution`` return; it renders itself.

    Its texts are in the language chosen when it was made (``set_language``);
    ``outcome`` says the same as the heading whatever the language.
    """

    question: str
    heading: str
    lines: tuple[str, ...] = ()
    outcome: Outcome | None = None
    code: str | None = None

    @property
    def correct(self) -> bool:
        return self.outcome is Outcome.CORRECT

    @property
    def text(self) -> str:
        parts = [f"{self.question}: {self.heading}", *self.lines]
        if self.code:
            parts.append(self.code)
        return "\n".join(parts)

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        colour = _COLOURS.get(self.outcome, "#1f4e79")
        body = "".join(f"<div>{html.escape(line)}</div>" for line in self.lines)
        code = f"<pre>{html.escape(self.code)}</pre>" if self.code else ""
        # Dark text on a white card: readable in JupyterLab's light and dark themes.
        return (
            f'<div style="border-left: 4px solid {colour}; padding: 2px 8px; '
            f'background: #ffffff; color: #1a1a1a;">'
            f'<strong style="color: {colour};">{html.escape(self.question)}: '
            f"{html.escape(self.heading)}</strong>{body}{code}</div>"
        )


@dataclass(frozen=True)
class Case:
    """One input a function answer is run on. ``args`` are made fresh per call.

    The batch check reads the batch size from the first argument itself.
    """

    name: str
    make_args: Callable[[], tuple]


@dataclass(frozen=True)
class Mistake:
    """A recognised wrong answer.

    ``matches(answer_output, case_args, reference_output)`` says whether a wrong
    output looks like this mistake (for a value question: ``matches(answer, (),
    expected)``). ``example`` is a wrong answer showing the mistake; the test
    suite feeds it to ``check`` and expects ``message`` back.
    """

    name: str
    message: str
    matches: Callable[[Any, tuple, Any], bool] | None
    example: Any = None

    @classmethod
    def wrong_function(cls, name: str, message: str, wrong: Callable[..., Any]) -> "Mistake":
        """The mistake of writing ``wrong``: recognised by running it, and ``wrong`` is its example."""
        return cls(name, message, matches_wrong_answer(wrong), example=wrong)

    @classmethod
    def wrong_value(cls, name: str, message: str, value: Any) -> "Mistake":
        """The mistake of answering ``value`` (a number or a shape) to a value question.

        Recognised as the question compares its own answer: a number at the
        precision the prompt states (a learner rounds a wrong number too), a
        shape as a tuple, list or torch.Size.
        """
        return cls(name, message, None, example=value)


# ----------------------------------------------------------------------------
# Questions
# ----------------------------------------------------------------------------


class Question:
    """Shared behaviour: numbering, hints and the solution."""

    #: What an answer may not use (see :mod:`.rules`); only a function question has any.
    rules: tuple[Rule, ...] = ()

    def __init__(
        self,
        qid: str,
        prompt: str,
        hints: Sequence[str],
        solution_code: str,
        answer_name: str,
    ) -> None:
        name = type(self).__name__
        if not isinstance(qid, str) or not re.fullmatch(r"nb\d\d\.q\w+", qid):
            raise ValueError(f"{name} expects qid like 'nb02.q1'; got {qid!r}")
        if isinstance(hints, str) or not hints:
            raise ValueError(f"{name} {qid} expects a non-empty sequence of hint strings; got {hints!r}")
        if not isinstance(answer_name, str) or not answer_name.isidentifier():
            raise ValueError(f"{name} {qid} expects answer_name to be a Python name; got {answer_name!r}")
        if not isinstance(solution_code, str) or not solution_code.strip():
            raise ValueError(f"{name} {qid} expects solution_code as non-empty text; got {solution_code!r}")
        self.qid = qid
        #: The English source texts, as the code writes them and ``tools.translate``
        #: extracts them; :attr:`prompt` and :attr:`hints` give them in the learner's language.
        self.english_prompt = prompt
        self.english_hints = tuple(hints)
        self.solution_code = solution_code.strip("\n")
        #: The name the starter cell binds; ``make solutions`` defines it from
        #: ``solution_code``.
        self.answer_name = answer_name
        self.mistakes: tuple[Mistake, ...] = ()

    @property
    def prompt(self) -> str:
        """The question in the learner's language (``set_language``): ``print(nb07.q2.prompt)``."""
        return _(self.english_prompt)

    @property
    def hints(self) -> tuple[str, ...]:
        """The hints in the learner's language; ``hint(number)`` shows one."""
        return tuple(_(hint) for hint in self.english_hints)

    def __repr__(self) -> str:
        return f"{self.qid}: {self.prompt}"

    def learner_texts(self) -> list[tuple[str, str]]:
        """(field, English text) for everything this question shows a learner; each is translated."""
        texts = [("prompt", self.english_prompt), ("solution", self.solution_code)]
        texts += [(f"hint {number}", hint) for number, hint in enumerate(self.english_hints, 1)]
        texts += [(f"mistake {mistake.name!r}", mistake.message) for mistake in self.mistakes]
        texts += [(f"case {case.name!r}", case.name) for case in getattr(self, "cases", ())]
        texts += [(f"explanation of {choice!r}", text) for choice, text in getattr(self, "explanations", {}).items()]
        texts += [(f"rule {rule.name!r}", rule.message) for rule in self.rules]
        return texts

    def hint(self, number: int = 1) -> Feedback:
        count = len(self.english_hints)
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= count:
            return Feedback(
                self.qid,
                _("there are hints 1 to {count}; got {got}").format(count=count, got=_safe_repr(number)),
            )
        heading = _("hint {number} of {count}").format(number=number, count=count)
        return Feedback(self.qid, heading, (_(self.english_hints[number - 1]),))

    def solution(self) -> Feedback:
        # The translation is the same code with its comments translated.
        return Feedback(self.qid, _("solution"), code=_(self.solution_code))

    def solved_answer(self) -> Any:
        """Run ``solution_code`` and return what it binds to ``answer_name``."""
        namespace: dict[str, Any] = {}
        exec(self.solution_code, namespace)  # noqa: S102 - our own reference code
        return namespace[self.answer_name]

    def check(self, answer: Any = _NO_ANSWER) -> Feedback:
        """Check ``answer``; never raises (except KeyboardInterrupt, to stop a hung answer)."""
        if answer is _NO_ANSWER:
            return self._feedback(
                Outcome.NOT_ATTEMPTED,
                _("Pass your answer to the check: {qid}.check({name}).").format(qid=self.qid, name=self.answer_name),
            )
        try:
            # The checker's own comparisons of odd answers (complex, half
            # precision...) may make torch warn; a warning printed once per
            # session would make the cell's output differ between runs.
            # The learner's own warnings are recorded separately.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return self._check(answer)
        except Exception as error:  # noqa: BLE001 - a checker bug must not reach the learner
            return Feedback(
                self.qid,
                _(Outcome.UNCHECKABLE.value),
                (_("The checker itself failed ({error}). Please report this.").format(error=_summarise(error)),),
                Outcome.UNCHECKABLE,
            )

    def _check(self, answer: Any) -> Feedback:  # pragma: no cover - abstract
        raise NotImplementedError

    def _feedback(self, outcome: Outcome, *lines: str) -> Feedback:
        """Feedback headed by ``outcome`` in the learner's language; ``lines`` are translated already."""
        return Feedback(self.qid, _(outcome.value), tuple(line for line in lines if line), outcome)

    def _not_attempted(self) -> Feedback:
        return self._feedback(
            Outcome.NOT_ATTEMPTED,
            _("Fill in {name} above, run that cell, then run this check again.").format(name=self.answer_name),
            _("Stuck? {qid}.hint() gives a hint.").format(qid=self.qid),
        )


def _as_clause(text: str) -> str:
    """``text`` without its own final full stop, for a template that ends the sentence itself."""
    return text[:-1] if text.endswith(".") and not text.endswith("..") else text


def _clone_args(args: tuple) -> tuple:
    return tuple(a.clone() if isinstance(a, torch.Tensor) else a for a in args)


def _call_quietly(function: Callable, args: tuple) -> tuple[Any, list[str]]:
    """Call a learner's function; return its output and the warnings it raised.

    Warnings are collected rather than printed, so they land in the feedback
    instead of scattering over the check cell's output.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        output = function(*args)
    messages = []
    for warning in caught:
        text = f"{warning.category.__name__}: {warning.message}"
        messages.append(_deterministic(text.splitlines()[0])[:MAX_ERROR_CHARS])
    return output, messages


def _package_own_name(answer: Any) -> str | None:
    """The name of ``answer`` when it is one of gpool_helpers' own functions, layers or classes, else None.

    The exercise sets are left out: a recognised mistake's example is a function written there.
    """
    # A layer instance has its class's __module__ but no __qualname__ of its own.
    home = getattr(answer, "__module__", None)
    name = getattr(answer, "__qualname__", None) or type(answer).__qualname__
    if isinstance(home, str) and home.split(".")[0] == "gpool_helpers" and not home.startswith(__package__):
        return str(name)
    return None


@dataclass(frozen=True)
class _CaseResult:
    case: Case
    kind: str  # "ok", "wrong", "error", "not attempted", "returned None"
    output: Any
    expected: Any
    detail: str
    warnings: tuple[str, ...] = ()
    # Rule name -> what the answer used against it on this case.
    broken: tuple[tuple[str, tuple[str, ...]], ...] = ()


class FunctionQuestion(Question):
    """Write a function; it is run on ``cases`` and compared with ``reference``.

    A starter that raises ``NotImplementedError`` (or returns ``...``) on every
    case counts as not attempted. Returning ``None`` is taken as a forgotten
    ``return``. ``rules`` are what the prompt forbids; an answer that breaks one
    is incorrect, however right its values.
    """

    def __init__(
        self,
        qid: str,
        prompt: str,
        reference: Callable,
        cases: Sequence[Case],
        hints: Sequence[str],
        solution_code: str,
        answer_name: str,
        mistakes: Sequence[Mistake] = (),
        atol: float = 1e-5,
        rules: Sequence[Rule] = (),
    ) -> None:
        super().__init__(qid, prompt, hints, solution_code, answer_name)
        if not callable(reference):
            raise TypeError(f"FunctionQuestion {qid} expects a callable reference; got {describe_output(reference)}")
        if not cases:
            raise ValueError(f"FunctionQuestion {qid} needs at least one case")
        if any(mistake.matches is None for mistake in mistakes):
            raise ValueError(f"FunctionQuestion {qid}: a wrong_value mistake belongs to a ValueQuestion")
        self.reference = reference
        self.cases = tuple(cases)
        self.mistakes = tuple(mistakes)
        self.atol = atol
        self.rules = tuple(rules)

    def _check(self, answer: Any) -> Feedback:
        if answer is ... or answer is None:
            return self._not_attempted()
        if not callable(answer):
            return self._feedback(
                Outcome.INCORRECT,
                _("Expected a function; got {got}.").format(got=describe_output(answer)),
                _("Pass the function itself: {qid}.check({name}).").format(qid=self.qid, name=self.answer_name),
            )
        if isinstance(answer, type) and issubclass(answer, nn.Module):
            return self._feedback(
                Outcome.INCORRECT,
                _(
                    "You passed the class {name}; pass an instance, {name}(...), "
                    "so that calling it on x gives the pooled tensor."
                ).format(name=answer.__name__),
            )
        package_own = _package_own_name(answer)
        if package_own is not None:
            # The helper is the reference's twin: passing it proves nothing, and nbgrader's audit refuses it too.
            return self._feedback(
                Outcome.INCORRECT,
                _("That is gpool_helpers' own {name}, not code of yours: write this function yourself.").format(
                    name=package_own),
            )
        results = [self._run_case(answer, case) for case in self.cases]
        if all(r.kind == "not attempted" for r in results):
            return self._not_attempted()
        outcome, lines = self._judge(answer, results)
        broken: dict[str, list[str]] = {}
        for result in results:
            for rule_name, used in result.broken:
                broken.setdefault(rule_name, [])
                broken[rule_name] += [name for name in used if name not in broken[rule_name]]
        if not broken:
            return self._feedback(outcome, *lines)
        rule_lines = [
            _(rule.message).format(used=", ".join(broken[rule.name])) for rule in self.rules if rule.name in broken
        ]
        if outcome is Outcome.CORRECT:
            return self._feedback(
                Outcome.INCORRECT,
                *rule_lines,
                _("Apart from that, your function is right on all {count} cases.").format(count=len(self.cases)),
            )
        return self._feedback(outcome, *rule_lines, *lines)

    def _judge(self, answer: Callable, results: list[_CaseResult]) -> tuple[Outcome, list[str]]:
        """The outcome and feedback lines from the outputs alone, rules aside."""
        failures = [r for r in results if r.kind != "ok"]
        if not failures:
            lines = [
                _("Correct on all {count} cases: {cases}.").format(
                    count=len(self.cases), cases=_join(_("{earlier}; {later}"), (_(c.name) for c in self.cases))
                )
            ]
            warned = sorted({w for r in results for w in r.warnings})
            if warned:
                lines.append(_("Your function also issued a warning: {warning}").format(warning=warned[0]))
            return Outcome.CORRECT, lines
        batch_hint = _(BATCH_ONE_ONLY_MESSAGE) if self._batch_one_only(answer, failures) else ""
        passed = len(results) - len(failures)
        tally = _("{passed} of {total} cases right.").format(passed=passed, total=len(results))
        first = failures[0]
        case = _(first.case.name)
        if first.kind == "not attempted" and not first.detail:
            return Outcome.INCORRECT, [
                _("On case '{case}' your function returned ..., the starter's placeholder.").format(case=case),
                tally,
            ]
        if first.kind in ("error", "not attempted"):
            return Outcome.ERROR, [
                _("On case '{case}' your function raised {error}.").format(case=case, error=_as_clause(first.detail)),
                batch_hint,
                tally,
            ]
        if first.kind == "returned None":
            return Outcome.INCORRECT, [
                _("On case '{case}': {message}").format(case=case, message=_(RETURNED_NONE_MESSAGE)),
                tally,
            ]
        detail = first.detail
        if batch_hint and detail == BATCH_ONE_ONLY_MESSAGE:
            detail = ""
        # The form (kind, shape, dtype) each case wants is the learner's to know; its values are not.
        wanted, got = describe_form(first.expected), describe_form(first.output)
        if wanted == got:
            summary = _("On case '{case}': your output has the right form, {form}, but not the right values.").format(
                case=case, form=got
            )
        else:
            summary = _("On case '{case}': expected {expected}, got {got}.").format(
                case=case, expected=wanted, got=got
            )
        return Outcome.INCORRECT, [
            summary,
            # A mistake's message or a constant, in English until here; a diagnosis is translated already.
            _(detail) if detail else "",
            batch_hint,
            tally,
        ]

    def _run_case(self, answer: Callable, case: Case) -> _CaseResult:
        args = case.make_args()
        expected = self.reference(*_clone_args(args))
        originals = _clone_args(args)
        with watching(self.rules) as used:
            try:
                output, warned = _call_quietly(answer, args)
            except NotImplementedError as error:
                output, warned, failure = None, [], ("not attempted", _summarise(error))
            except (Exception, SystemExit) as error:  # noqa: BLE001 - the learner's error is the feedback
                output, warned, failure = None, [], ("error", _summarise(error))
            else:
                failure = None
        result = functools.partial(_CaseResult, case, expected=expected, broken=tuple(
            (name, tuple(names)) for name, names in used.items()
        ))
        if failure is not None:
            return result(failure[0], None, detail=failure[1])
        if output is ...:
            return result("not attempted", output, detail="")
        if output is None:
            return result("returned None", output, detail="")
        warned = tuple(warned)
        try:
            if self._changed_in_place(originals, args):
                return result("wrong", output, detail=IN_PLACE_MESSAGE, warnings=warned)
            if outputs_equal(output, expected, atol=self.atol):
                return result("ok", output, detail="", warnings=warned)
            return result("wrong", output, detail=self._diagnose(output, originals, expected), warnings=warned)
        except Exception as error:  # noqa: BLE001 - an output too odd to compare is still wrong
            detail = _("Your output could not be compared ({error}).").format(error=_summarise(error))
            return result("wrong", output, detail=detail)

    @staticmethod
    def _changed_in_place(originals: tuple, args: tuple) -> bool:
        for before, after in zip(originals, args):
            if not isinstance(before, torch.Tensor):
                continue
            if not isinstance(after, torch.Tensor) or before.shape != after.shape:
                return True
            # equal_nan: an input holding NaN must not look changed.
            if not torch.allclose(before.detach(), after.detach(), rtol=0.0, atol=0.0, equal_nan=True):
                return True
        return False

    def _diagnose(self, output: Any, args: tuple, expected: Any) -> str:
        for mistake in self.mistakes:
            try:
                if mistake.matches(output, args, expected):
                    return mistake.message
            except Exception:  # noqa: BLE001 - a detector that cannot decide says nothing
                continue
        return generic_diagnosis(output, expected, args)

    def _batch_one_only(self, answer: Callable, failures: list[_CaseResult]) -> bool:
        """True when a failing batch is answered right one sample at a time.

        Each sample ``x[i:i+1]`` is run alone and compared with the reference on
        it, allowing size-1 dims to be added or dropped (the blog post's class
        returns an (H, W) tensor for a batch of one, with the right values).
        """
        for result in failures:
            if result.kind == "wrong" and (
                result.detail == IN_PLACE_MESSAGE or _same_up_to_size_one_dims(result.output, result.expected)
            ):
                # Explained already: an in-place change, or only size-1 dims off,
                # which a batch of one shows just as well.
                continue
            if result.kind not in ("wrong", "error"):
                continue
            args = result.case.make_args()
            if not args or not isinstance(args[0], torch.Tensor) or args[0].dim() < 1:
                continue
            batch = args[0].shape[0]
            if not 1 < batch <= 8:
                continue
            if all(self._sample_right(answer, args, index) for index in range(batch)):
                return True
        return False

    def _sample_right(self, answer: Callable, args: tuple, index: int) -> bool:
        sample_args = (args[0][index : index + 1].clone(), *_clone_args(args[1:]))
        try:
            # Only the first argument is sliced: a question whose other arguments share the batch dim
            # (nb08's mask, its batch vector) has no one-sample reference, and says no.
            expected = self.reference(*_clone_args(sample_args))
        except (Exception, SystemExit):  # noqa: BLE001
            return False
        try:
            output, _ = _call_quietly(answer, sample_args)
            return outputs_equal(output, expected, atol=self.atol) or _same_up_to_size_one_dims(output, expected)
        except (Exception, SystemExit):  # noqa: BLE001 - a sample that fails just says no
            return False


class ValueQuestion(Question):
    """Compute a value; compared with ``expected`` (a value, or a zero-argument callable).

    A number is compared at ``precision`` (see :mod:`.precision`), which the
    prompt states; without one, an int is an exact whole number and any other
    number needs 4 significant figures. A shape (a tuple of ints) or several
    shapes (a tuple of such tuples) may come back as tuples, lists or
    torch.Size. A tensor is compared with ``atol`` and ``rtol``.
    """

    def __init__(
        self,
        qid: str,
        prompt: str,
        expected: Any,
        hints: Sequence[str],
        solution_code: str,
        answer_name: str,
        mistakes: Sequence[Mistake] = (),
        atol: float = 1e-5,
        rtol: float = 1e-4,
        precision: Precision | None = None,
    ) -> None:
        super().__init__(qid, prompt, hints, solution_code, answer_name)
        if precision is not None and not isinstance(precision, Precision):
            raise TypeError(f"ValueQuestion {qid} expects a Precision; got {describe_output(precision)}")
        self._expected = expected
        self._precision = precision
        self.mistakes = tuple(
            mistake if mistake.matches is not None else dataclasses.replace(mistake, matches=self._gives(mistake.example))
            for mistake in mistakes
        )
        self.atol = atol
        self.rtol = rtol

    @property
    def expected(self) -> Any:
        return self._expected() if callable(self._expected) else self._expected

    @property
    def precision(self) -> Precision | None:
        """How precise a number answer must be; None when the answer is not a number."""
        if self._precision is not None:
            return self._precision
        expected = self.expected
        if number_of(expected) is None:
            return None
        integral = isinstance(expected, numbers.Integral) and not isinstance(expected, bool)
        return WHOLE_NUMBER if integral else significant(4)

    def _gives(self, value: Any) -> Callable[[Any, tuple, Any], bool]:
        """A matcher for 'the answer is ``value``', compared as this question compares its own answer."""

        def matches(answer: Any, args: tuple, expected: Any) -> bool:
            number, target = _as_number(answer), number_of(value)
            if target is not None:
                return number is not None and self.precision.matches(number, target)
            return outputs_equal(answer, value)

        return matches

    def _check(self, answer: Any) -> Feedback:
        if answer is ... or answer is None:
            return self._not_attempted()
        expected = self.expected
        target = number_of(expected)
        try:
            if target is not None:
                number = _as_number(answer)
                right = number is not None and self.precision.matches(number, target)
            else:
                right = outputs_equal(answer, expected, atol=self.atol, rtol=self.rtol)
        except Exception as error:  # noqa: BLE001 - an answer too odd to compare is still wrong
            return self._feedback(
                Outcome.INCORRECT,
                _("Your answer, {got}, could not be compared ({error}).").format(
                    got=describe_form(answer), error=_summarise(error)
                ),
            )
        if right:
            return self._feedback(Outcome.CORRECT, _("That is the value."))
        recognised = []
        for mistake in self.mistakes:
            try:
                if mistake.matches(answer, (), expected) and _(mistake.message) not in recognised:
                    recognised.append(_(mistake.message))
            except Exception:  # noqa: BLE001 - a detector that cannot decide says nothing
                continue
        if recognised:
            return self._feedback(Outcome.INCORRECT, *recognised)
        if target is not None:
            return self._feedback(Outcome.INCORRECT, *self._number_lines(answer, target))
        if shapes_of(expected) is not None:
            return self._feedback(Outcome.INCORRECT, *shape_diagnosis(answer, expected))
        lines = []
        if describe_form(answer) != describe_form(expected):
            lines.append(
                _("This question wants {wanted}; you gave {got}.").format(
                    wanted=describe_form(expected), got=describe_form(answer)
                )
            )
        try:
            lines.append(generic_diagnosis(answer, expected))
        except Exception:  # noqa: BLE001 - the first line already says what is wrong
            pass
        return self._feedback(Outcome.INCORRECT, *(lines or [_("Not that value; recheck your working.")]))

    def _number_lines(self, answer: Any, target: float) -> list[str]:
        precision = self.precision
        number = _as_number(answer)
        if number is None:
            return [
                _("This question wants a number ({precision}); you gave {got}.").format(
                    precision=precision.phrase(), got=describe_form(answer)
                )
            ]
        if precision.rounded_further(number, target):
            if precision.whole:
                return [_("Close, but rounded: this is a count, so give it exactly, every digit.")]
            return [_("Close, but rounded further than asked: give it {precision}.").format(precision=precision.phrase())]
        lines = []
        if precision.whole and not float(number).is_integer():
            lines.append(_("This answer is a count, so it must be a whole number."))
        how = how_far(number, target, precision)
        if how:
            lines.append(_("Your answer {how}.").format(how=how))
        return lines or [_("Not that value; recheck your working.")]


class ThoughtQuestion(Question):
    """A question to think about.

    With ``choices`` and ``correct_choice`` it is multiple choice and checked
    (case and surrounding spaces or brackets ignored: "b", "B", "(b)" all pick
    "B"); otherwise ``check`` says it cannot be checked and points to the
    solution. ``explanations`` maps a choice to why it is wrong (or right).
    """

    def __init__(
        self,
        *question: Any,
        choices: Sequence[str] = (),
        correct_choice: str | None = None,
        explanations: dict[str, str] | None = None,
        **common: Any,
    ) -> None:
        # qid, prompt, hints, solution_code as for every Question; a choice is bound to the name "answer".
        if len(question) < 5:  # answer_name not given positionally
            common.setdefault("answer_name", "answer")
        super().__init__(*question, **common)
        qid = self.qid
        # A multiple-choice question explains every choice, so the choices default to those keys.
        choices = tuple(choices) or tuple(explanations or {})
        if choices and correct_choice not in choices:
            raise ValueError(f"ThoughtQuestion {qid}: correct_choice {correct_choice!r} is not among {list(choices)}")
        self.choices = tuple(choices)
        self.correct_choice = correct_choice
        self.explanations = dict(explanations or {})

    @staticmethod
    def _normalise(choice: str) -> str:
        return choice.strip().strip("()[].").strip().upper()

    def _check(self, answer: Any) -> Feedback:
        if answer is ... or answer is None:
            return self._not_attempted()
        if not self.choices:
            return self._feedback(
                Outcome.UNCHECKABLE,
                _("This one is for thinking, not for checking: compare your answer with {qid}.solution().").format(
                    qid=self.qid
                ),
            )
        by_key = {self._normalise(c): c for c in self.choices}
        chosen = by_key.get(self._normalise(answer)) if isinstance(answer, str) else None
        if chosen is None:
            return self._feedback(
                Outcome.INCORRECT,
                _("Answer with one of {choices}; got {got}.").format(
                    choices=", ".join(repr(c) for c in self.choices), got=_safe_repr(answer)
                ),
            )
        explanation = _(self.explanations[chosen]) if self.explanations.get(chosen) else ""
        if chosen == self.correct_choice:
            return self._feedback(Outcome.CORRECT, explanation)
        return self._feedback(Outcome.INCORRECT, explanation or _("Not that one."))


# ----------------------------------------------------------------------------
# Shared cases and mistakes for pooling questions
# ----------------------------------------------------------------------------


def pooling_cases() -> list[Case]:
    """Inputs every pooling function answer should handle, seeded.

    Batch 1 and larger batches, square and non-square maps, channels_last and a
    non-contiguous view, and odd sizes; values are random so a coincidence
    cannot pass.
    """
    return [
        Case("the 1x8x4x4 example", lambda: (article_example(seed=0, shape=(1, 8, 4, 4)),)),
        Case("batch of 2, non-square 5x7", lambda: (article_example(seed=1, shape=(2, 3, 5, 7)),)),
        Case(
            "batch of 4, channels_last",
            lambda: (article_example(seed=2, shape=(4, 6, 3, 3)).contiguous(memory_format=torch.channels_last),),
        ),
        Case("non-contiguous (H and W swapped)", lambda: (article_example(seed=3, shape=(3, 5, 4, 6)).transpose(2, 3),)),
        Case("odd sizes 1x1x1x9", lambda: (article_example(seed=4, shape=(1, 1, 1, 9)),)),
    ]
