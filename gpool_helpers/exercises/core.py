"""Auto-checked exercises in the style of Kaggle learntools.

A notebook imports its exercise set and calls, for each question::

    from gpool_helpers.exercises import nb02
    nb02.q1.check(my_global_avg_pool)   # the learner's answer is passed explicitly
    nb02.q1.hint()                      # first hint; nb02.q1.hint(2) for the second
    nb02.q1.solution()                  # the reference answer as code

``check`` sorts an answer into one of five outcomes (see :class:`Outcome`) and
never raises into the notebook: a learner's exception is caught and
summarised. Feedback renders as short HTML with a plain-text twin, and holds
nothing that changes between runs (no addresses, no timings), so strict nbval
can compare it.

Three question kinds:

- :class:`FunctionQuestion`: write a function; it is run on several inputs and
  compared with the reference; known mistakes are recognised and named.
- :class:`ValueQuestion`: compute a number or tensor; compared with a tolerance.
- :class:`ThoughtQuestion`: multiple choice (checked) or a short answer
  (solution only).
"""

from __future__ import annotations

import enum
import html
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import torch

MAX_ERROR_CHARS = 300


class Outcome(enum.Enum):
    NOT_ATTEMPTED = "not attempted yet"
    INCORRECT = "incorrect"
    ERROR = "raised an error"
    UNCHECKABLE = "cannot be checked"
    CORRECT = "correct"


_COLOURS = {
    Outcome.NOT_ATTEMPTED: "#5f6b7a",
    Outcome.INCORRECT: "#b3261e",
    Outcome.ERROR: "#b3261e",
    Outcome.UNCHECKABLE: "#8a5a00",
    Outcome.CORRECT: "#1b6e20",
}


@dataclass(frozen=True)
class Feedback:
    """What ``check``, ``hint`` and ``solution`` return; it renders itself."""

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
        return (
            f'<div style="border-left: 4px solid {colour}; padding: 2px 8px;">'
            f'<strong style="color: {colour};">{html.escape(self.question)}: '
            f"{html.escape(self.heading)}</strong>{body}{code}</div>"
        )


@dataclass(frozen=True)
class Case:
    """One input a function answer is run on. ``args`` are made fresh per call."""

    name: str
    make_args: Callable[[], tuple]
    batch_size: int = 1


@dataclass(frozen=True)
class Mistake:
    """A recognised wrong answer.

    ``matches(answer_output, case_args, reference_output)`` says whether a wrong
    output looks like this mistake. ``example`` is a wrong answer showing the
    mistake; the test suite feeds it to ``check`` and expects ``message`` back.
    """

    name: str
    message: str
    matches: Callable[[Any, tuple, Any], bool]
    example: Any = None


class Question:
    """Shared behaviour: numbering, hints and the solution."""

    def __init__(
        self,
        qid: str,
        prompt: str,
        hints: Sequence[str],
        solution_code: str,
        answer_name: str,
    ) -> None:
        if not hints:
            raise ValueError(f"{qid} needs at least one hint")
        self.qid = qid
        self.prompt = prompt
        self.hints = tuple(hints)
        self.solution_code = solution_code.strip("\n")
        #: The name the starter cell binds; ``make solutions`` defines it from
        #: ``solution_code``.
        self.answer_name = answer_name

    def __repr__(self) -> str:
        return f"{self.qid}: {self.prompt}"

    def hint(self, number: int = 1) -> Feedback:
        if not isinstance(number, int) or not 1 <= number <= len(self.hints):
            return Feedback(
                self.qid,
                f"there are hints 1 to {len(self.hints)}; got {number!r}",
            )
        return Feedback(self.qid, f"hint {number} of {len(self.hints)}", (self.hints[number - 1],))

    def solution(self) -> Feedback:
        return Feedback(self.qid, "solution", code=self.solution_code)

    def solved_answer(self) -> Any:
        """Run ``solution_code`` and return what it binds to ``answer_name``."""
        namespace: dict[str, Any] = {}
        exec(self.solution_code, namespace)  # noqa: S102 - our own reference code
        return namespace[self.answer_name]

    def check(self, answer: Any = ...) -> Feedback:
        try:
            return self._check(answer)
        except Exception as error:  # noqa: BLE001 - a checker bug must not reach the learner
            return Feedback(
                self.qid,
                Outcome.UNCHECKABLE.value,
                (f"The checker itself failed ({_summarise(error)}). Please report this.",),
                Outcome.UNCHECKABLE,
            )

    def _check(self, answer: Any) -> Feedback:  # pragma: no cover - abstract
        raise NotImplementedError

    def _feedback(self, outcome: Outcome, *lines: str) -> Feedback:
        return Feedback(self.qid, outcome.value, tuple(lines), outcome)

    def _not_attempted(self) -> Feedback:
        return self._feedback(
            Outcome.NOT_ATTEMPTED,
            f"Fill in {self.answer_name} above, run that cell, then run this check again.",
            f"Stuck? {self.qid.split('.')[-1]}.hint() gives a hint.",
        )


def _summarise(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    first_line = text.splitlines()[0] if text else type(error).__name__
    if len(first_line) > MAX_ERROR_CHARS:
        first_line = first_line[: MAX_ERROR_CHARS - 3] + "..."
    return first_line


def describe_output(value: Any) -> str:
    """A short, deterministic description: shapes first."""
    if isinstance(value, torch.Tensor):
        return f"a {value.dtype} tensor of shape {tuple(value.shape)}"
    if isinstance(value, tuple):
        return "a tuple of " + ", ".join(describe_output(v) for v in value)
    module = type(value).__module__
    if module.startswith("numpy"):
        return f"a numpy {type(value).__name__} of shape {getattr(value, 'shape', '()')}"
    return f"a {type(value).__name__}"


def outputs_equal(answer: Any, expected: Any, atol: float = 1e-5, rtol: float = 1e-4) -> bool:
    """Same type, shape and values (within tolerance); tuples compared element-wise."""
    if isinstance(expected, tuple):
        return (
            isinstance(answer, tuple)
            and len(answer) == len(expected)
            and all(outputs_equal(a, e, atol, rtol) for a, e in zip(answer, expected))
        )
    if isinstance(expected, torch.Tensor):
        if not isinstance(answer, torch.Tensor) or answer.shape != expected.shape:
            return False
        if answer.dtype != expected.dtype and not (
            answer.dtype.is_floating_point and expected.dtype.is_floating_point
        ):
            return False
        return bool(torch.allclose(answer.double(), expected.double(), atol=atol, rtol=rtol, equal_nan=True))
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        if isinstance(answer, torch.Tensor) and answer.numel() == 1:
            answer = answer.item()
        if isinstance(answer, bool) or not isinstance(answer, (int, float)):
            return False
        return abs(answer - expected) <= atol + rtol * abs(expected)
    return answer == expected


# ----------------------------------------------------------------------------
# Function questions
# ----------------------------------------------------------------------------


def _clone_args(args: tuple) -> tuple:
    return tuple(a.clone() if isinstance(a, torch.Tensor) else a for a in args)


class FunctionQuestion(Question):
    """Write a function; it is run on ``cases`` and compared with ``reference``.

    A starter that raises ``NotImplementedError`` or returns ``None`` (or
    ``...``) on every case counts as not attempted.
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
    ) -> None:
        super().__init__(qid, prompt, hints, solution_code, answer_name)
        if not cases:
            raise ValueError(f"{qid} needs at least one case")
        self.reference = reference
        self.cases = tuple(cases)
        self.mistakes = tuple(mistakes)
        self.atol = atol

    def _check(self, answer: Any) -> Feedback:
        if answer is ... or answer is None:
            return self._not_attempted()
        if not callable(answer):
            return self._feedback(
                Outcome.INCORRECT,
                f"Expected a function; got {describe_output(answer)}.",
                f"Pass the function itself: {self.qid.split('.')[-1]}.check({self.answer_name}).",
            )
        results = [self._run_case(answer, case) for case in self.cases]
        if all(r.kind == "not attempted" for r in results):
            return self._not_attempted()
        failures = [r for r in results if r.kind != "ok"]
        if not failures:
            return self._feedback(
                Outcome.CORRECT,
                f"Correct on all {len(self.cases)} cases: " + "; ".join(c.name for c in self.cases) + ".",
            )
        batch_hint = self._batch_one_only(results)
        first = failures[0]
        if first.kind in ("error", "not attempted"):
            lines = [
                f"On case '{first.case.name}' your function raised {first.detail}.",
            ]
            if batch_hint:
                lines.append(batch_hint)
            return self._feedback(Outcome.ERROR, *lines)
        lines = [
            f"On case '{first.case.name}': expected {describe_output(first.expected)}, "
            f"got {describe_output(first.output)}.",
        ]
        if first.detail:
            lines.append(first.detail)
        if batch_hint:
            lines.append(batch_hint)
        passed = len(results) - len(failures)
        lines.append(f"{passed} of {len(results)} cases right.")
        return self._feedback(Outcome.INCORRECT, *lines)

    def _batch_one_only(self, results) -> str | None:
        single = [r for r in results if r.case.batch_size == 1]
        multiple = [r for r in results if r.case.batch_size > 1]
        if single and multiple and all(r.kind == "ok" for r in single) and all(r.kind != "ok" for r in multiple):
            return (
                "It works for batch size 1 only: keep the batch dim N in every view or reshape "
                "(the blog post's depth-pooling class has the same bug)."
            )
        return None

    def _run_case(self, answer: Callable, case: Case) -> "_CaseResult":
        args = case.make_args()
        expected = self.reference(*_clone_args(args))
        originals = _clone_args(args)
        try:
            output = answer(*args)
        except NotImplementedError:
            return _CaseResult(case, "not attempted", None, expected, "")
        except Exception as error:  # noqa: BLE001 - the learner's error is the feedback
            return _CaseResult(case, "error", None, expected, _summarise(error))
        if output is None or output is ...:
            return _CaseResult(case, "not attempted", output, expected, "")
        for before, after in zip(originals, args):
            if isinstance(before, torch.Tensor) and not torch.equal(before, after):
                if before.shape != after.shape or not torch.allclose(before, after, equal_nan=True):
                    return _CaseResult(
                        case,
                        "wrong",
                        output,
                        expected,
                        "Your function changed its input in place; work on a copy or use "
                        "out-of-place operations (no trailing underscore, no x[...] = ...).",
                    )
        if outputs_equal(output, expected, atol=self.atol):
            return _CaseResult(case, "ok", output, expected, "")
        return _CaseResult(case, "wrong", output, expected, self._diagnose(output, originals, expected))

    def _diagnose(self, output: Any, args: tuple, expected: Any) -> str:
        for mistake in self.mistakes:
            try:
                if mistake.matches(output, args, expected):
                    return mistake.message
            except Exception:  # noqa: BLE001 - a detector that cannot decide says nothing
                continue
        return generic_diagnosis(output, expected)


@dataclass(frozen=True)
class _CaseResult:
    case: Case
    kind: str  # "ok", "wrong", "error", "not attempted"
    output: Any
    expected: Any
    detail: str


def generic_diagnosis(output: Any, expected: Any) -> str:
    """What can be said about any wrong tensor output."""
    if type(output).__module__.startswith("numpy"):
        return "You returned a numpy array; return a torch tensor (stay in torch: no .numpy())."
    if isinstance(expected, torch.Tensor) and isinstance(output, torch.Tensor):
        if output.shape != expected.shape:
            if output.numel() == expected.numel():
                if output.squeeze().shape == expected.squeeze().shape:
                    if output.dim() > expected.dim():
                        return (
                            "The values may be right but the shape keeps extra size-1 dims: "
                            "drop them (keepdim=False, or .flatten(1))."
                        )
                    return "The values may be right but size-1 dims are missing: keep them (keepdim=True)."
                return "Same number of values, different shape: check which dims you reduced."
            return "The shape is wrong: check which dims you reduced over."
        if torch.allclose(
            output.double().sort(dim=-1).values if output.dim() else output.double(),
            expected.double().sort(dim=-1).values if expected.dim() else expected.double(),
            atol=1e-5,
            equal_nan=True,
        ):
            return "The right values in the wrong order: check the order of your dims."
        return "The shape is right but the values differ."
    return ""


# ----------------------------------------------------------------------------
# Value and thought questions
# ----------------------------------------------------------------------------


class ValueQuestion(Question):
    """Compute a value; compared with ``expected`` (a value, or a zero-argument callable)."""

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
    ) -> None:
        super().__init__(qid, prompt, hints, solution_code, answer_name)
        self._expected = expected
        self.mistakes = tuple(mistakes)
        self.atol = atol
        self.rtol = rtol

    @property
    def expected(self) -> Any:
        return self._expected() if callable(self._expected) else self._expected

    def _check(self, answer: Any) -> Feedback:
        if answer is ... or answer is None:
            return self._not_attempted()
        expected = self.expected
        if outputs_equal(answer, expected, atol=self.atol, rtol=self.rtol):
            return self._feedback(Outcome.CORRECT, "That is the value.")
        for mistake in self.mistakes:
            try:
                if mistake.matches(answer, (), expected):
                    return self._feedback(Outcome.INCORRECT, mistake.message)
            except Exception:  # noqa: BLE001
                continue
        lines = [f"Expected {describe_output(expected)}, got {describe_output(answer)}."]
        if isinstance(expected, torch.Tensor):
            extra = generic_diagnosis(answer, expected)
            if extra:
                lines.append(extra)
        elif isinstance(expected, (int, float)) and isinstance(answer, (int, float)):
            lines.append("Not that number; recheck your working." if answer != expected else "")
        return self._feedback(Outcome.INCORRECT, *[line for line in lines if line])


class ThoughtQuestion(Question):
    """A question to think about.

    With ``choices`` and ``correct_choice`` it is multiple choice and checked;
    otherwise ``check`` says it cannot be checked and points to the solution.
    ``explanations`` maps a choice to why it is wrong (or right).
    """

    def __init__(
        self,
        qid: str,
        prompt: str,
        hints: Sequence[str],
        solution_code: str,
        answer_name: str,
        choices: Sequence[str] = (),
        correct_choice: str | None = None,
        explanations: dict[str, str] | None = None,
    ) -> None:
        super().__init__(qid, prompt, hints, solution_code, answer_name)
        if choices and correct_choice not in choices:
            raise ValueError(f"{qid}: correct_choice {correct_choice!r} is not among {list(choices)}")
        self.choices = tuple(choices)
        self.correct_choice = correct_choice
        self.explanations = dict(explanations or {})

    def _check(self, answer: Any) -> Feedback:
        if answer is ... or answer is None:
            return self._not_attempted()
        if not self.choices:
            return self._feedback(
                Outcome.UNCHECKABLE,
                "This one is for thinking, not for checking: compare your answer with "
                f"{self.qid.split('.')[-1]}.solution().",
            )
        if not isinstance(answer, str) or answer.strip().upper() not in {c.upper() for c in self.choices}:
            return self._feedback(
                Outcome.INCORRECT,
                f"Answer with one of {', '.join(repr(c) for c in self.choices)}; got {answer!r}.",
            )
        chosen = next(c for c in self.choices if c.upper() == answer.strip().upper())
        explanation = self.explanations.get(chosen, "")
        if chosen == self.correct_choice:
            return self._feedback(Outcome.CORRECT, *([explanation] if explanation else []))
        return self._feedback(Outcome.INCORRECT, *([explanation] if explanation else ["Not that one."]))


# ----------------------------------------------------------------------------
# Shared cases and mistakes for pooling questions
# ----------------------------------------------------------------------------


def _seeded(shape: Sequence[int], seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator)


def pooling_cases() -> list[Case]:
    """Inputs every pooling function answer should handle, seeded."""
    return [
        Case("the 1x8x4x4 example", lambda: (_seeded((1, 8, 4, 4), 0),), batch_size=1),
        Case("batch of 2, non-square 5x7", lambda: (_seeded((2, 3, 5, 7), 1),), batch_size=2),
        Case(
            "batch of 4, channels_last",
            lambda: (_seeded((4, 6, 3, 3), 2).contiguous(memory_format=torch.channels_last),),
            batch_size=4,
        ),
        Case("non-contiguous (H and W swapped)", lambda: (_seeded((3, 5, 4, 6), 3).transpose(2, 3),), batch_size=3),
        Case("odd sizes 1x1x1x9", lambda: (_seeded((1, 1, 1, 9), 4),), batch_size=1),
    ]


def matches_reduction(reduction: Callable[[torch.Tensor], Any]) -> Callable[[Any, tuple, Any], bool]:
    """A ``Mistake.matches`` for 'the output equals ``reduction(x)``'."""

    def matches(output: Any, args: tuple, expected: Any) -> bool:
        return isinstance(output, torch.Tensor) and outputs_equal(output, reduction(args[0]))

    return matches
