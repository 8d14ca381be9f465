"""Reading a learner's answer: describe it, compare it, guess what it computed, say what went wrong.

:mod:`.core` asks these questions of every answer; the ``matches_*`` and
``*_dims`` helpers at the bottom are ready-made ``Mistake.matches`` for the
exercise sets, so a set names a mistake instead of re-implementing the check.

Nothing here puts an expected value into words: :func:`describe_form` says
what kind of thing an answer should be and its shape, and a wrong value is
told its direction and rough size (:func:`.precision.how_far`).
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
from .precision import WHOLE_NUMBER, Precision, how_far, significant

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


def describe_form(value: Any, _depth: int = 0) -> str:
    """What kind of thing ``value`` is and its shape, but none of its values, in the learner's language.

    What feedback may say of an expected output: "a tensor of shape (1, 8)
    (torch.float32)", "a tuple of 2, each a whole number".
    """
    if isinstance(value, torch.Tensor) or _is_numpy(value):
        return describe_output(value, _depth)
    if isinstance(value, (tuple, list)) and _depth < 2:
        kind = type(value).__name__ if type(value) in (tuple, list) else "tuple"
        if not value:
            return _("an empty {kind}").format(kind=kind)
        forms = [describe_form(item, _depth + 1) for item in value]
        if len(set(forms)) == 1:
            return _("a {kind} of {count}, each {item}").format(kind=kind, count=len(value), item=forms[0])
        shown = _join(_("{earlier}, {later}"), forms[:3])
        more = _(" and {count} more").format(count=len(value) - 3) if len(value) > 3 else ""
        return _("a {kind} of {count}: {items}").format(kind=kind, count=len(value), items=shown + more)
    if isinstance(value, bool):
        return _("a bool")
    if isinstance(value, numbers.Integral):
        return _("a whole number")
    if isinstance(value, numbers.Real):
        return _("a number")
    if isinstance(value, str):
        return _("a text")
    return describe_output(value, _depth)


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
# Shapes given as answers
# ----------------------------------------------------------------------------

#: How feedback names the parts of a several-shape answer; past these, "shape 5".
_SHAPE_ORDINALS = (N_("first shape"), N_("second shape"), N_("third shape"), N_("fourth shape"))


def number_of(value: Any) -> float | None:
    """The number an expected value is, when it is one (a Python number or a 0-dim real tensor)."""
    if isinstance(value, torch.Tensor):
        return float(value.item()) if value.dim() == 0 and not value.is_complex() else None
    return _as_number(value)


def as_shape(value: Any) -> tuple[int, ...] | None:
    """A tuple, list or torch.Size of ints as a plain tuple; None for anything else."""
    if isinstance(value, (tuple, list, torch.Size)) and all(
        isinstance(size, numbers.Integral) and not isinstance(size, bool) for size in value
    ):
        return tuple(int(size) for size in value)
    return None


def shapes_of(expected: Any) -> tuple[tuple[int, ...], ...] | None:
    """An expected shape as (shape,), several shapes as a tuple of them; None when it is neither."""
    single = as_shape(expected)
    if single is not None:
        return None if not single and not isinstance(expected, (tuple, torch.Size)) else (single,)
    if isinstance(expected, tuple) and expected and all(as_shape(part) is not None for part in expected):
        return tuple(as_shape(part) for part in expected)
    return None


def _dim_count_words(count: int) -> str:
    if count == 0:
        return _("no dims")
    return _("1 dim") if count == 1 else _("{count} dims").format(count=count)


def _shape_words(got: tuple[int, ...], wanted: tuple[int, ...], shape: str) -> str:
    """One shape compared with the one wanted, without saying the wanted sizes."""
    if got == wanted:
        return _("Your {shape} is right.").format(shape=shape)
    if len(got) != len(wanted):
        if not wanted:
            # A shape with no dims is all its dim count says: the count would be the answer.
            return _("Your {shape} has {dims}: too many.").format(shape=shape, dims=_dim_count_words(len(got)))
        return _("Your {shape} has {dims}; it should have {wanted}.").format(
            shape=shape, dims=_dim_count_words(len(got)), wanted=_dim_count_words(len(wanted))
        )
    sizes = (
        (_("dim {dim} is too large") if mine > theirs else _("dim {dim} is too small")).format(dim=dim)
        for dim, (mine, theirs) in enumerate(zip(got, wanted))
        if mine != theirs
    )
    return _("Your {shape} has the right number of dims, but {sizes}.").format(
        shape=shape, sizes=_join(_("{earlier}; {later}"), sizes)
    )


def shape_diagnosis(answer: Any, expected: Any) -> list[str]:
    """Feedback lines for a wrong shape answer, part by part and dim by dim, without the expected sizes."""
    shapes = shapes_of(expected)
    if isinstance(answer, torch.Tensor):
        return [_("You passed a tensor; pass its shape instead: tuple(t.shape).")]
    if as_shape(expected) is not None:
        got = as_shape(answer)
        if got is None:
            return [
                _("This question wants a shape, a tuple of whole numbers such as (2, 3); you gave {got}.").format(
                    got=describe_form(answer)
                )
            ]
        return [_shape_words(got, shapes[0], _("shape"))]
    if not isinstance(answer, (tuple, list)) or isinstance(answer, torch.Size) or len(answer) != len(shapes):
        return [
            _("This question wants {count} shapes, each a tuple of whole numbers; you gave {got}.").format(
                count=len(shapes), got=describe_form(answer)
            )
        ]
    lines = []
    for number, (part, wanted) in enumerate(zip(answer, shapes), start=1):
        shape = (
            _(_SHAPE_ORDINALS[number - 1]) if number <= len(_SHAPE_ORDINALS)
            else _("shape {number}").format(number=number)
        )
        got = as_shape(part)
        if got is None:
            lines.append(
                _("Your {shape} is not a tuple of whole numbers: it is {got}.").format(
                    shape=shape, got=describe_form(part)
                )
            )
        else:
            lines.append(_shape_words(got, wanted, shape))
    return lines


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
    """How many values differ, and where and which way the first one is off, without the expected values."""
    difference = ~torch.isclose(output.detach().double(), expected.detach().double(), atol=1e-5, rtol=1e-4, equal_nan=True)
    output, expected = output.detach(), expected.detach()
    positions = difference.nonzero()
    if positions.numel() == 0:
        return ""
    index = tuple(int(i) for i in positions[0])
    wrong = int(difference.sum())
    how = how_far(float(output[index]), float(expected[index]), _number_precision(expected))
    if not how:  # apart by the comparison's tolerance, yet equal to four figures
        return _("{wrong} of {total} values differ; the first at index {index}.").format(
            wrong=wrong, total=expected.numel(), index=index
        )
    return _("{wrong} of {total} values differ; the first, at index {index}, {how}.").format(
        wrong=wrong, total=expected.numel(), index=index, how=how
    )


def _sequence_diagnosis(output: Any, expected: Any, args: tuple) -> str:
    """Which items of a tuple or list output are wrong, and what is wrong with the first one."""
    if len(output) != len(expected):
        return _("Your output has {got} items; for this input it should have {count}.").format(
            got=len(output), count=len(expected)
        )
    wrong = [index for index, (mine, theirs) in enumerate(zip(output, expected)) if not outputs_equal(mine, theirs)]
    if not wrong:
        return ""
    first = wrong[0]
    number, target = _as_number(output[first]), _as_number(expected[first])
    if len(wrong) == 1 and number is not None and target is not None:
        how = how_far(number, target, _number_precision(expected[first]))
        if how:
            return _("Item {item} of your output (counting from 0) {how}.").format(item=first, how=how)
    listed = _join(_("{earlier}, {later}"), map(str, wrong))
    template = _("Item {items} of your output is wrong (counting from 0).") if len(wrong) == 1 else _(
        "Items {items} of your output are wrong (counting from 0)."
    )
    return " ".join(part for part in (template.format(items=listed), generic_diagnosis(output[first], expected[first], args)) if part)


def _number_precision(expected: Any) -> Precision:
    """The precision a computed output is held to when feedback sizes a difference: whole numbers exactly."""
    integral = isinstance(expected, numbers.Integral) or (
        isinstance(expected, torch.Tensor) and not expected.dtype.is_floating_point
    )
    # Four figures for floats: a computed value is not rounded by hand.
    return WHOLE_NUMBER if integral else significant(4)


def generic_diagnosis(output: Any, expected: Any, args: tuple = ()) -> str:
    """What can be said about any wrong output, without knowing the question, in the learner's language."""
    if isinstance(output, torch.Tensor) and output.is_complex():
        return _("Your output is complex-valued; pooling real feature maps gives real numbers.")
    if isinstance(expected, (tuple, list)) and isinstance(output, (tuple, list)) and not isinstance(output, torch.Size):
        return _sequence_diagnosis(output, expected, args)
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
