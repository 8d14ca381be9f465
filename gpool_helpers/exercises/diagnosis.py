"""Reading a learner's answer: describe it, compare it, guess what it computed, say what went wrong.

:mod:`.core` asks these questions of every answer; the ``matches_*`` and
``*_dims`` helpers at the bottom are ready-made ``Mistake.matches`` for the
exercise sets, so a set names a mistake instead of re-implementing the check.
"""

from __future__ import annotations

import functools
import itertools
import numbers
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import torch
from torch import nn

from ..i18n import N_
from ..i18n import gettext as _

#: Learner error messages are cut to this length, so one bad answer cannot
#: flood the notebook.
MAX_ERROR_CHARS = 300


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


def _join(pair: str, items: Iterable[str]) -> str:
    """``items`` joined by ``pair``, a translated "{earlier}, {later}": "2, 3" in English, "2、3" in Chinese."""
    return functools.reduce(lambda earlier, later: pair.format(earlier=earlier, later=later), items)


def _is_numpy(value: Any) -> bool:
    return type(value).__module__.split(".")[0] == "numpy"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def describe_output(value: Any, _depth: int = 0) -> str:
    """A short, deterministic description, shape first, in the learner's language."""
    if isinstance(value, torch.Tensor):
        return _("a tensor of shape {shape} ({dtype})").format(shape=tuple(value.shape), dtype=value.dtype)
    if isinstance(value, (tuple, list)) and _depth < 2:
        kind = type(value).__name__ if type(value) in (tuple, list) else "tuple"
        if not value:
            return _("an empty {kind}").format(kind=kind)
        shown = _join(_("{earlier}, {later}"), (describe_output(v, _depth + 1) for v in list(value)[:3]))
        more = _(" and {count} more").format(count=len(value) - 3) if len(value) > 3 else ""
        return _("a {kind} of {count}: {items}").format(kind=kind, count=len(value), items=shown + more)
    if _is_numpy(value):
        shape = getattr(value, "shape", ())
        return _("a numpy {kind} of shape {shape}").format(kind=type(value).__name__, shape=tuple(shape))
    if isinstance(value, bool):
        return _("the bool {value}").format(value=value)
    if isinstance(value, numbers.Number):
        return _("the number {value}").format(value=_safe_repr(value))
    if isinstance(value, str):
        return _("the text {value}").format(value=_safe_repr(value))
    name = type(value).__name__
    if _article(name) == "an":
        return _("an {name}").format(name=name)
    return _("a {name}").format(name=name)


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
#: A reduction's name as a learner reads it ("you took the sum"), translated where shown.
_REDUCTION_WORDS = {
    "mean": N_("the mean"),
    "max": N_("the max"),
    "sum": N_("the sum"),
    "min": N_("the min"),
}


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
    # "2, 3" in English, "2、3" in Chinese: the list separator is translated too.
    listed = _join(_("{earlier}, {later}"), map(str, dims))
    if names:
        letters = ", ".join(names[d] for d in dims)
        template = _("dim {dims} ({names})") if len(dims) == 1 else _("dims {dims} ({names})")
        return template.format(dims=listed, names=letters)
    return (_("dim {dims}") if len(dims) == 1 else _("dims {dims}")).format(dims=listed)


def _reduction_words(reduction: Reduction) -> str:
    return _(_REDUCTION_WORDS[reduction.name])


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
        return _("Your output equals {code}: {reduction} over {dims}.").format(
            code=yours.code, reduction=_reduction_words(yours), dims=_dims_words(yours.dims, rank)
        )
    if yours.dims != wanted.dims:
        return _("Your output equals {code}: you pooled over {yours}; this question pools over {wanted}.").format(
            code=yours.code, yours=_dims_words(yours.dims, rank), wanted=_dims_words(wanted.dims, rank)
        )
    if yours.name != wanted.name:
        return _("Your output equals {code}: you took {yours}; this question wants {wanted}.").format(
            code=yours.code, yours=_reduction_words(yours), wanted=_reduction_words(wanted)
        )
    return ""


def _first_difference(output: torch.Tensor, expected: torch.Tensor) -> str:
    difference = ~torch.isclose(output.detach().double(), expected.detach().double(), atol=1e-5, rtol=1e-4, equal_nan=True)
    output, expected = output.detach(), expected.detach()
    positions = difference.nonzero()
    if positions.numel() == 0:
        return ""
    index = tuple(int(i) for i in positions[0])
    wrong = int(difference.sum())
    return _(
        "{wrong} of {total} values differ; the first at index {index}: expected {expected}, got {got}."
    ).format(
        wrong=wrong,
        total=expected.numel(),
        index=index,
        expected=f"{float(expected[index]):.4f}",
        got=f"{float(output[index]):.4f}",
    )


def generic_diagnosis(output: Any, expected: Any, args: tuple = ()) -> str:
    """What can be said about any wrong output, without knowing the question, in the learner's language."""
    if isinstance(output, torch.Tensor) and output.is_complex():
        return _("Your output is complex-valued; pooling real feature maps gives real numbers.")
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
                return _(
                    "The values are right, but you returned a numpy array: return a torch tensor "
                    "(stay in torch: no .numpy())."
                )
            return _("You returned a numpy array; return a torch tensor (stay in torch: no .numpy()).")
        if isinstance(output, nn.Module):
            return _(
                "You returned a module, not a tensor: pass a function, or a module instance "
                "(MyPool(), not MyPool), so that calling it on x gives the pooled tensor."
            )
        if isinstance(output, tuple) and len(output) == 2 and all(isinstance(o, torch.Tensor) for o in output):
            values, indices = output
            if values.dtype.is_floating_point and not indices.dtype.is_floating_point:
                return _(
                    "You returned (values, indices): x.max(dim=...) gives both. "
                    "Take .values, or use x.amax(dim=...)."
                )
        if isinstance(output, (list, tuple)):
            return _("Return one tensor, not a list or tuple (torch.stack joins tensors into one).")
        return _("Return a torch tensor.")
    if isinstance(expected, torch.Tensor) and isinstance(output, torch.Tensor):
        if expected.dtype.is_floating_point and not output.dtype.is_floating_point:
            return _(
                "Your tensor holds {dtype} values; pooling floats gives floats "
                "(are these indices, say from argmax, rather than values?)."
            ).format(dtype=output.dtype)
        if output.shape != expected.shape:
            if _same_up_to_size_one_dims(output, expected):
                if output.dim() > expected.dim():
                    return _(
                        "The values are right but the shape keeps extra size-1 dims: "
                        "drop them (keepdim=False, or .flatten(1))."
                    )
                return _("The values are right but size-1 dims are missing: keep them (keepdim=True).")
            reduction = _reduction_diagnosis(output, expected, args)
            if reduction:
                return reduction
            if output.numel() == expected.numel():
                return _("Same number of values, different shape: check which dims you reduced.")
            return _("The shape is wrong: check which dims you reduced over.")
        reduction = _reduction_diagnosis(output, expected, args)
        if reduction:
            return reduction
        if output.dim() and torch.allclose(
            output.detach().double().flatten().sort().values,
            expected.detach().double().flatten().sort().values,
            atol=1e-5,
            equal_nan=True,
        ):
            return _("The right values in the wrong order: check the order of your dims.")
        return _("The shape is right but the values differ. {where}").format(where=_first_difference(output, expected))
    return ""


# ----------------------------------------------------------------------------
# Ready-made Mistake.matches for the exercise sets
# ----------------------------------------------------------------------------


def matches_wrong_answer(wrong_answer: Callable[..., Any]) -> Callable[[Any, tuple, Any], bool]:
    """A ``Mistake.matches`` for 'the output equals ``wrong_answer(*args)``',
    a known wrong way to answer the question run on the same inputs."""

    def matches(output: Any, args: tuple, expected: Any) -> bool:
        return outputs_equal(output, wrong_answer(*args))

    return matches


def is_exact_number(value: Any, target: int | float) -> bool:
    """A plain int or float equal to ``target`` (a bool is not a number here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == target


def returned_numpy(output: Any, args: tuple, expected: Any) -> bool:
    """A ``Mistake.matches`` for 'the answer left torch and returned a numpy value'."""
    return _is_numpy(output)


def reduced_over_other_dims(method: str) -> Callable[[Any, tuple, Any], bool]:
    """A ``Mistake.matches`` for 'x.<method>(...) over some dims, but not exactly the spatial ones'.

    Uses :func:`guess_reduction`, so every combination of dims and keepdim is tried.
    """

    def matches(output: Any, args: tuple, expected: Any) -> bool:
        found = guess_reduction(output, args[0])
        return found is not None and found.method == method and found.dims != tuple(range(2, args[0].dim()))

    return matches


def matches_reduction(reduction: Callable[[torch.Tensor], Any]) -> Callable[[Any, tuple, Any], bool]:
    """A ``Mistake.matches`` for 'the output equals ``reduction(x)``'."""

    def matches(output: Any, args: tuple, expected: Any) -> bool:
        return isinstance(output, torch.Tensor) and outputs_equal(output, reduction(args[0]))

    return matches
