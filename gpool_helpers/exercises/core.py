"""Auto-checked exercises in the style of Kaggle learntools.

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

Three question kinds:

- :class:`FunctionQuestion`: write a function; it is run on several inputs and
  compared with the reference; known mistakes are recognised and named.
- :class:`ValueQuestion`: compute a number, shape or tensor; compared with a
  tolerance.
- :class:`ThoughtQuestion`: multiple choice (checked) or a short answer
  (solution only).

Besides the mistakes a question lists, every function answer is screened for
the common ones: changing the input in place, a numpy array or a module
instead of a tensor, ``(values, indices)`` instead of values, size-1 dims kept
or dropped, pooling over the wrong dims or with the wrong reduction, and an
answer that is right one sample at a time but wrong on a batch (the blog
post's depth-pooling bug).
"""

from __future__ import annotations

import enum
import html
import itertools
import numbers
import re
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import torch
from torch import nn

from ..examples import article_example

#: Learner error messages are cut to this length, so one bad answer cannot
#: flood the notebook.
MAX_ERROR_CHARS = 300

IN_PLACE_MESSAGE = (
    "Your function changed its input in place; work on a copy or use "
    "out-of-place operations (no trailing underscore as in x.mul_(2), no x[...] = ...)."
)
BATCH_ONE_ONLY_MESSAGE = (
    "It works one sample at a time but not on a batch: keep the batch dim N "
    "in every view or reshape (the blog post's depth-pooling class has the same bug)."
)
RETURNED_NONE_MESSAGE = "Your function returned None: did you forget the return statement?"


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

# Marks "check() was called with no argument", which is not the same as a
# starter's ``answer = ...``.
_NO_ANSWER = object()


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
    matches: Callable[[Any, tuple, Any], bool]
    example: Any = None


# ----------------------------------------------------------------------------
# Describing and comparing whatever an answer returns
# ----------------------------------------------------------------------------

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _deterministic(text: str) -> str:
    """Drop memory addresses ('<function f at 0x7f...>'), which change every run."""
    return _ADDRESS.sub("", text)


def _summarise(error: BaseException) -> str:
    try:
        message = str(error)
    except Exception:  # noqa: BLE001 - a broken __str__ must not hide the error type
        message = ""
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    first_line = _deterministic(text.strip().splitlines()[0])
    if len(first_line) > MAX_ERROR_CHARS:
        first_line = first_line[: MAX_ERROR_CHARS - 3] + "..."
    return first_line


def _safe_repr(value: Any, limit: int = 60) -> str:
    try:
        text = _deterministic(repr(value))
    except Exception:  # noqa: BLE001 - a learner's object may have a broken __repr__
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_numpy(value: Any) -> bool:
    return type(value).__module__.split(".")[0] == "numpy"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def describe_output(value: Any, _depth: int = 0) -> str:
    """A short, deterministic description, shape first."""
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} ({value.dtype})"
    if isinstance(value, (tuple, list)) and _depth < 2:
        kind = type(value).__name__ if type(value) in (tuple, list) else "tuple"
        if not value:
            return f"an empty {kind}"
        shown = ", ".join(describe_output(v, _depth + 1) for v in list(value)[:3])
        more = f" and {len(value) - 3} more" if len(value) > 3 else ""
        return f"a {kind} of {len(value)}: {shown}{more}"
    if _is_numpy(value):
        shape = getattr(value, "shape", ())
        return f"a numpy {type(value).__name__} of shape {tuple(shape)}"
    if isinstance(value, bool):
        return f"the bool {value}"
    if isinstance(value, numbers.Number):
        return f"the number {_safe_repr(value)}"
    if isinstance(value, str):
        return f"the text {_safe_repr(value)}"
    name = type(value).__name__
    return f"{_article(name)} {name}"


def _as_number(value: Any) -> float | None:
    """A real number from a Python/numpy scalar or a one-element tensor, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, torch.Tensor):
        return float(value.item()) if value.numel() == 1 and not value.is_complex() else None
    if isinstance(value, numbers.Real):
        return float(value)
    if _is_numpy(value) and getattr(value, "shape", None) == () and hasattr(value, "item"):
        return _as_number(value.item())
    return None


def outputs_equal(answer: Any, expected: Any, atol: float = 1e-5, rtol: float = 1e-4) -> bool:
    """Same kind, shape and values (within tolerance); sequences compared element-wise.

    A tensor must come back as a tensor of the same shape (any floating dtype
    when a floating one is expected). A number may come back as a Python or
    numpy number or a one-element tensor. A tuple (a shape, say) may come back
    as a list, tuple or ``torch.Size``.
    """
    if isinstance(expected, (tuple, list)):
        return (
            isinstance(answer, (tuple, list))
            and len(answer) == len(expected)
            and all(outputs_equal(a, e, atol, rtol) for a, e in zip(answer, expected))
        )
    if isinstance(expected, torch.Tensor) and expected.dim() == 0 and not isinstance(answer, torch.Tensor):
        # A single number is a number, whether torch computed it or the learner typed it.
        return not expected.is_complex() and outputs_equal(answer, float(expected.item()), atol, rtol)
    if isinstance(expected, torch.Tensor):
        if not isinstance(answer, torch.Tensor) or answer.shape != expected.shape:
            return False
        if answer.dtype != expected.dtype and not (
            answer.dtype.is_floating_point and expected.dtype.is_floating_point
        ):
            return False
        if answer.device != expected.device:
            return False
        return bool(
            torch.allclose(
                answer.detach().double(), expected.detach().double(), atol=atol, rtol=rtol, equal_nan=True
            )
        )
    if isinstance(expected, numbers.Real) and not isinstance(expected, bool):
        number = _as_number(answer)
        if number is None:
            return False
        if number != number and expected != expected:  # both NaN
            return True
        return abs(number - expected) <= atol + rtol * abs(expected)
    if isinstance(expected, str):
        return isinstance(answer, str) and answer.strip().lower() == expected.strip().lower()
    try:
        result = answer == expected
    except Exception:  # noqa: BLE001 - a learner's object may refuse to compare
        return False
    # A learner's object may answer == with anything (a tensor, an array): only
    # a real True counts.
    return result is True


def _same_up_to_size_one_dims(output: Any, expected: Any) -> bool:
    """Right values, but with size-1 dims added or dropped."""
    return (
        isinstance(output, torch.Tensor)
        and isinstance(expected, torch.Tensor)
        and output.numel() == expected.numel()
        and output.squeeze().shape == expected.squeeze().shape
        and outputs_equal(output.reshape(-1), expected.reshape(-1))
    )


# ----------------------------------------------------------------------------
# Guessing which reduction produced a tensor, to name wrong dims
# ----------------------------------------------------------------------------

_REDUCTIONS: tuple[tuple[str, str, Callable], ...] = (
    ("mean", "mean", lambda x, dims, keep: x.mean(dim=dims, keepdim=keep)),
    ("max", "amax", lambda x, dims, keep: x.amax(dim=dims, keepdim=keep)),
    ("sum", "sum", lambda x, dims, keep: x.sum(dim=dims, keepdim=keep)),
    ("min", "amin", lambda x, dims, keep: x.amin(dim=dims, keepdim=keep)),
)


@dataclass(frozen=True)
class Reduction:
    """``x.<method>(dim=dims, keepdim=keepdim)``, found to reproduce a tensor."""

    name: str
    method: str
    dims: tuple[int, ...]
    keepdim: bool

    @property
    def code(self) -> str:
        dim = str(self.dims[0]) if len(self.dims) == 1 else str(self.dims)
        keep = ", keepdim=True" if self.keepdim else ""
        return f"x.{self.method}(dim={dim}{keep})"


def _reduced_shape(shape: Sequence[int], dims: tuple[int, ...], keepdim: bool) -> tuple[int, ...]:
    if keepdim:
        return tuple(1 if i in dims else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def guess_reduction(output: Any, x: Any) -> Reduction | None:
    """Which mean/max/sum/min of ``x`` over which dims equals ``output``, if any.

    Fewer dims are tried first, so for a batch of one the plain answer wins
    over one that also reduces the size-1 batch dim.
    """
    if not (isinstance(output, torch.Tensor) and isinstance(x, torch.Tensor)):
        return None
    if not x.dtype.is_floating_point or x.dim() == 0 or x.dim() > 5 or x.numel() > 1_000_000:
        return None
    target = output.detach()
    if target.is_complex():
        return None
    source = x.detach()
    for count in range(1, source.dim() + 1):
        for dims in itertools.combinations(range(source.dim()), count):
            for keepdim in (False, True):
                if _reduced_shape(source.shape, dims, keepdim) != tuple(target.shape):
                    continue
                for name, method, reduce in _REDUCTIONS:
                    candidate = reduce(source, dims, keepdim)
                    if torch.allclose(candidate.double(), target.double(), atol=1e-5, rtol=1e-4, equal_nan=True):
                        return Reduction(name, method, dims, keepdim)
    return None


def _dims_words(dims: tuple[int, ...], rank: int) -> str:
    names = {4: "NCHW", 3: "NCL", 5: "NCDHW"}.get(rank)
    listed = ", ".join(str(d) for d in dims)
    label = "dim" if len(dims) == 1 else "dims"
    if names:
        return f"{label} {listed} ({', '.join(names[d] for d in dims)})"
    return f"{label} {listed}"


def _reduction_diagnosis(output: Any, expected: Any, args: tuple) -> str:
    if not args or not isinstance(args[0], torch.Tensor):
        return ""
    x = args[0]
    yours = guess_reduction(output, x)
    if yours is None:
        return ""
    wanted = guess_reduction(expected, x)
    rank = x.dim()
    if wanted is None:
        return f"Your output equals {yours.code}: the {yours.name} over {_dims_words(yours.dims, rank)}."
    if yours.dims != wanted.dims:
        return (
            f"Your output equals {yours.code}: you pooled over {_dims_words(yours.dims, rank)}; "
            f"this question pools over {_dims_words(wanted.dims, rank)}."
        )
    if yours.name != wanted.name:
        return f"Your output equals {yours.code}: you took the {yours.name}; this question wants the {wanted.name}."
    return ""


def _first_difference(output: torch.Tensor, expected: torch.Tensor) -> str:
    difference = ~torch.isclose(output.detach().double(), expected.detach().double(), atol=1e-5, rtol=1e-4, equal_nan=True)
    output, expected = output.detach(), expected.detach()
    positions = difference.nonzero()
    if positions.numel() == 0:
        return ""
    index = tuple(int(i) for i in positions[0])
    wrong = int(difference.sum())
    return (
        f"{wrong} of {expected.numel()} values differ; the first at index {index}: "
        f"expected {float(expected[index]):.4f}, got {float(output[index]):.4f}."
    )


def generic_diagnosis(output: Any, expected: Any, args: tuple = ()) -> str:
    """What can be said about any wrong output, without knowing the question."""
    if isinstance(output, torch.Tensor) and output.is_complex():
        return "Your output is complex-valued; pooling real feature maps gives real numbers."
    if isinstance(expected, torch.Tensor) and not isinstance(output, torch.Tensor):
        if _is_numpy(output):
            try:
                as_tensor = torch.as_tensor(output)
            except Exception:  # noqa: BLE001 - an unusual array says only the generic line
                as_tensor = None
            if (
                as_tensor is not None
                and not as_tensor.is_complex()
                and _same_up_to_size_one_dims(as_tensor.double(), expected.double())
            ):
                return (
                    "The values are right, but you returned a numpy array: return a torch tensor "
                    "(stay in torch: no .numpy())."
                )
            return "You returned a numpy array; return a torch tensor (stay in torch: no .numpy())."
        if isinstance(output, nn.Module):
            return (
                "You returned a module, not a tensor: pass a function, or a module instance "
                "(MyPool(), not MyPool), so that calling it on x gives the pooled tensor."
            )
        if isinstance(output, tuple) and len(output) == 2 and all(isinstance(o, torch.Tensor) for o in output):
            values, indices = output
            if values.dtype.is_floating_point and not indices.dtype.is_floating_point:
                return (
                    "You returned (values, indices): x.max(dim=...) gives both. "
                    "Take .values, or use x.amax(dim=...)."
                )
        if isinstance(output, (list, tuple)):
            return "Return one tensor, not a list or tuple (torch.stack joins tensors into one)."
        return "Return a torch tensor."
    if isinstance(expected, torch.Tensor) and isinstance(output, torch.Tensor):
        if expected.dtype.is_floating_point and not output.dtype.is_floating_point:
            return (
                f"Your tensor holds {output.dtype} values; pooling floats gives floats "
                "(are these indices, say from argmax, rather than values?)."
            )
        if output.shape != expected.shape:
            if _same_up_to_size_one_dims(output, expected):
                if output.dim() > expected.dim():
                    return (
                        "The values are right but the shape keeps extra size-1 dims: "
                        "drop them (keepdim=False, or .flatten(1))."
                    )
                return "The values are right but size-1 dims are missing: keep them (keepdim=True)."
            reduction = _reduction_diagnosis(output, expected, args)
            if reduction:
                return reduction
            if output.numel() == expected.numel():
                return "Same number of values, different shape: check which dims you reduced."
            return "The shape is wrong: check which dims you reduced over."
        reduction = _reduction_diagnosis(output, expected, args)
        if reduction:
            return reduction
        if output.dim() and torch.allclose(
            output.detach().double().flatten().sort().values,
            expected.detach().double().flatten().sort().values,
            atol=1e-5,
            equal_nan=True,
        ):
            return "The right values in the wrong order: check the order of your dims."
        return "The shape is right but the values differ. " + _first_difference(output, expected)
    return ""


# ----------------------------------------------------------------------------
# Questions
# ----------------------------------------------------------------------------


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
        self.prompt = prompt
        self.hints = tuple(hints)
        self.solution_code = solution_code.strip("\n")
        #: The name the starter cell binds; ``make solutions`` defines it from
        #: ``solution_code``.
        self.answer_name = answer_name
        self.mistakes: tuple[Mistake, ...] = ()

    def __repr__(self) -> str:
        return f"{self.qid}: {self.prompt}"

    def hint(self, number: int = 1) -> Feedback:
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= len(self.hints):
            return Feedback(
                self.qid,
                f"there are hints 1 to {len(self.hints)}; got {_safe_repr(number)}",
            )
        return Feedback(self.qid, f"hint {number} of {len(self.hints)}", (self.hints[number - 1],))

    def solution(self) -> Feedback:
        return Feedback(self.qid, "solution", code=self.solution_code)

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
                f"Pass your answer to the check: {self.qid}.check({self.answer_name}).",
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
                Outcome.UNCHECKABLE.value,
                (f"The checker itself failed ({_summarise(error)}). Please report this.",),
                Outcome.UNCHECKABLE,
            )

    def _check(self, answer: Any) -> Feedback:  # pragma: no cover - abstract
        raise NotImplementedError

    def _feedback(self, outcome: Outcome, *lines: str) -> Feedback:
        return Feedback(self.qid, outcome.value, tuple(line for line in lines if line), outcome)

    def _not_attempted(self) -> Feedback:
        return self._feedback(
            Outcome.NOT_ATTEMPTED,
            f"Fill in {self.answer_name} above, run that cell, then run this check again.",
            f"Stuck? {self.qid}.hint() gives a hint.",
        )


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


@dataclass(frozen=True)
class _CaseResult:
    case: Case
    kind: str  # "ok", "wrong", "error", "not attempted", "returned None"
    output: Any
    expected: Any
    detail: str
    warnings: tuple[str, ...] = ()


class FunctionQuestion(Question):
    """Write a function; it is run on ``cases`` and compared with ``reference``.

    A starter that raises ``NotImplementedError`` (or returns ``...``) on every
    case counts as not attempted. Returning ``None`` is taken as a forgotten
    ``return``.
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
        if not callable(reference):
            raise TypeError(f"FunctionQuestion {qid} expects a callable reference; got {describe_output(reference)}")
        if not cases:
            raise ValueError(f"FunctionQuestion {qid} needs at least one case")
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
                f"Pass the function itself: {self.qid}.check({self.answer_name}).",
            )
        if isinstance(answer, type) and issubclass(answer, nn.Module):
            return self._feedback(
                Outcome.INCORRECT,
                f"You passed the class {answer.__name__}; pass an instance, {answer.__name__}(...), "
                "so that calling it on x gives the pooled tensor.",
            )
        results = [self._run_case(answer, case) for case in self.cases]
        if all(r.kind == "not attempted" for r in results):
            return self._not_attempted()
        failures = [r for r in results if r.kind != "ok"]
        if not failures:
            lines = [f"Correct on all {len(self.cases)} cases: " + "; ".join(c.name for c in self.cases) + "."]
            warned = sorted({w for r in results for w in r.warnings})
            if warned:
                lines.append(f"Your function also issued a warning: {warned[0]}")
            return self._feedback(Outcome.CORRECT, *lines)
        batch_hint = BATCH_ONE_ONLY_MESSAGE if self._batch_one_only(answer, failures) else ""
        passed = len(results) - len(failures)
        tally = f"{passed} of {len(results)} cases right."
        first = failures[0]
        if first.kind == "not attempted" and not first.detail:
            return self._feedback(
                Outcome.INCORRECT,
                f"On case '{first.case.name}' your function returned ..., the starter's placeholder.",
                tally,
            )
        if first.kind in ("error", "not attempted"):
            return self._feedback(
                Outcome.ERROR,
                f"On case '{first.case.name}' your function raised {first.detail}.",
                batch_hint,
                tally,
            )
        if first.kind == "returned None":
            return self._feedback(Outcome.INCORRECT, f"On case '{first.case.name}': {RETURNED_NONE_MESSAGE}", tally)
        detail = first.detail
        if batch_hint and detail == BATCH_ONE_ONLY_MESSAGE:
            detail = ""
        return self._feedback(
            Outcome.INCORRECT,
            f"On case '{first.case.name}': expected {describe_output(first.expected)}, "
            f"got {describe_output(first.output)}.",
            detail,
            batch_hint,
            tally,
        )

    def _run_case(self, answer: Callable, case: Case) -> _CaseResult:
        args = case.make_args()
        expected = self.reference(*_clone_args(args))
        originals = _clone_args(args)
        try:
            output, warned = _call_quietly(answer, args)
        except NotImplementedError as error:
            return _CaseResult(case, "not attempted", None, expected, _summarise(error))
        except (Exception, SystemExit) as error:  # noqa: BLE001 - the learner's error is the feedback
            return _CaseResult(case, "error", None, expected, _summarise(error))
        if output is ...:
            return _CaseResult(case, "not attempted", output, expected, "")
        if output is None:
            return _CaseResult(case, "returned None", output, expected, "")
        warned = tuple(warned)
        try:
            if self._changed_in_place(originals, args):
                return _CaseResult(case, "wrong", output, expected, IN_PLACE_MESSAGE, warned)
            if outputs_equal(output, expected, atol=self.atol):
                return _CaseResult(case, "ok", output, expected, "", warned)
            return _CaseResult(case, "wrong", output, expected, self._diagnose(output, originals, expected), warned)
        except Exception as error:  # noqa: BLE001 - an output too odd to compare is still wrong
            return _CaseResult(case, "wrong", output, expected, f"Your output could not be compared ({_summarise(error)}).")

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
        expected = self.reference(*_clone_args(sample_args))
        try:
            output, _ = _call_quietly(answer, sample_args)
            return outputs_equal(output, expected, atol=self.atol) or _same_up_to_size_one_dims(output, expected)
        except (Exception, SystemExit):  # noqa: BLE001 - a sample that fails just says no
            return False


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
        try:
            if outputs_equal(answer, expected, atol=self.atol, rtol=self.rtol):
                return self._feedback(Outcome.CORRECT, "That is the value.")
        except Exception as error:  # noqa: BLE001 - an answer too odd to compare is still wrong
            return self._feedback(
                Outcome.INCORRECT,
                f"Expected {describe_output(expected)}, got {describe_output(answer)}.",
                f"It could not be compared ({_summarise(error)}).",
            )
        for mistake in self.mistakes:
            try:
                if mistake.matches(answer, (), expected):
                    return self._feedback(Outcome.INCORRECT, mistake.message)
            except Exception:  # noqa: BLE001 - a detector that cannot decide says nothing
                continue
        lines = [f"Expected {describe_output(expected)}, got {describe_output(answer)}."]
        if isinstance(expected, torch.Tensor):
            try:
                lines.append(generic_diagnosis(answer, expected))
            except Exception:  # noqa: BLE001 - the first line already says what is wrong
                pass
        elif isinstance(expected, numbers.Real) and _as_number(answer) is not None:
            lines.append("Not that number; recheck your working.")
        elif isinstance(expected, tuple) and isinstance(answer, (tuple, list)) and len(answer) != len(expected):
            lines.append(f"Expected {len(expected)} entries, got {len(answer)}.")
        return self._feedback(Outcome.INCORRECT, *lines)


class ThoughtQuestion(Question):
    """A question to think about.

    With ``choices`` and ``correct_choice`` it is multiple choice and checked
    (case and surrounding spaces or brackets ignored: "b", "B", "(b)" all pick
    "B"); otherwise ``check`` says it cannot be checked and points to the
    solution. ``explanations`` maps a choice to why it is wrong (or right).
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
                f"This one is for thinking, not for checking: compare your answer with {self.qid}.solution().",
            )
        by_key = {self._normalise(c): c for c in self.choices}
        chosen = by_key.get(self._normalise(answer)) if isinstance(answer, str) else None
        if chosen is None:
            return self._feedback(
                Outcome.INCORRECT,
                f"Answer with one of {', '.join(repr(c) for c in self.choices)}; got {_safe_repr(answer)}.",
            )
        explanation = self.explanations.get(chosen, "")
        if chosen == self.correct_choice:
            return self._feedback(Outcome.CORRECT, explanation)
        return self._feedback(Outcome.INCORRECT, explanation or "Not that one.")


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


def matches_wrong_answer(wrong_answer: Callable[..., Any]) -> Callable[[Any, tuple, Any], bool]:
    """A ``Mistake.matches`` for 'the output equals ``wrong_answer(*args)``',
    a known wrong way to answer the question run on the same inputs."""

    def matches(output: Any, args: tuple, expected: Any) -> bool:
        return outputs_equal(output, wrong_answer(*args))

    return matches


def is_exact_number(value: Any, target: int | float) -> bool:
    """A plain int or float equal to ``target`` (a bool is not a number here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == target


def matches_reduction(reduction: Callable[[torch.Tensor], Any]) -> Callable[[Any, tuple, Any], bool]:
    """A ``Mistake.matches`` for 'the output equals ``reduction(x)``'."""

    def matches(output: Any, args: tuple, expected: Any) -> bool:
        return isinstance(output, torch.Tensor) and outputs_equal(output, reduction(args[0]))

    return matches
