"""Input checks, one home for the whole package.

Every public function checks what a learner passes it with these helpers, so
every error has the same shape: the function's name, what it expects, and what
it was given. Plain ``if`` + ``raise`` rather than ``assert``: asserts vanish
under ``python -O`` and would let a wrong shape through silently.

Convention: a value of the wrong *type* raises TypeError, a value of the right
type outside its range raises ValueError.
"""

from __future__ import annotations

import math
import numbers
from typing import Sequence, TypeVar

import torch

from .i18n import N_, gettext as _

Choice = TypeVar("Choice")

#: English; shown through ``_()`` (translated where an error is raised).
EXPECTED_LAYOUT = N_("a floating-point tensor shaped (N, C, *spatial) with 1-3 spatial dims")


def describe(value: object) -> str:
    """A short description of ``value`` for error messages (in the learner's language)."""
    if isinstance(value, torch.Tensor):
        return _("a {dtype} tensor of shape {shape}").format(dtype=value.dtype, shape=tuple(value.shape))
    try:
        import numpy

        if isinstance(value, numpy.ndarray):
            return _("a numpy array of shape {shape} (convert it with torch.from_numpy)").format(shape=value.shape)
    except ImportError:  # numpy is optional for this message only
        pass
    return a_type(value)


def a_type(value: object) -> str:
    """"a list", "a str": the type of ``value`` for error messages (in the learner's language)."""
    return _("a {type}").format(type=type(value).__name__)


def check_pool_input(x: object, function_name: str) -> torch.Tensor:
    """Return ``x`` unchanged if it is a valid (N, C, *spatial) float tensor.

    Raises TypeError for a non-tensor or a non-floating dtype, ValueError for a
    wrong number of dims or an empty spatial dim.
    """
    # Messages are translated only here, on the error path: the valid call pays nothing.
    if not isinstance(x, torch.Tensor):
        raise TypeError(_("{name} expects {expected}; got {got}").format(
            name=function_name, expected=_(EXPECTED_LAYOUT), got=describe(x)))
    if not x.is_floating_point():
        # x.float() on a complex tensor silently drops the imaginary part.
        fix = _("pool x.real or x.abs()") if x.dtype.is_complex else _("convert with x.float()")
        raise TypeError(_("{name} expects {expected}; got dtype {dtype} ({fix})").format(
            name=function_name, expected=_(EXPECTED_LAYOUT), dtype=x.dtype, fix=fix))
    if not 3 <= x.dim() <= 5:
        raise ValueError(_("{name} expects {expected}; got shape {shape}").format(
            name=function_name, expected=_(EXPECTED_LAYOUT), shape=tuple(x.shape)))
    # N and C may be 0 (an empty result of the right shape is well defined);
    # an empty spatial dim has no values to pool, so torch's NaN is not an answer.
    # Only an empty tensor can have one, so a non-empty one skips the loop: right
    # after a large op has flushed the caches, slicing x.shape costs about 15 us.
    if x.numel() == 0:
        for size in x.shape[2:]:
            if size == 0:
                raise ValueError(
                    _("{name} expects {expected} and every spatial dim > 0; got shape {shape}").format(
                        name=function_name, expected=_(EXPECTED_LAYOUT), shape=tuple(x.shape))
                )
    return x


def check_choice(value: object, choices: Sequence[Choice], argument: str, function_name: str) -> Choice:
    """``value`` if it is one of ``choices``, else a ValueError listing them.

    An exact match: the value must also be of the choice's type, so ``"64"``
    is not the choice 64, nor 64 the choice ``"64"``. With int choices, check
    the type first with :func:`check_int` (which refuses bool and floats).
    """
    if not any(isinstance(value, type(choice)) and value == choice for choice in choices):
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(_("{name} expects {argument} to be one of {options}; got {got}").format(
            name=function_name, argument=argument, options=options, got=repr(value)))
    return value  # type: ignore[return-value]


def _int_range_text(minimum: int, maximum: int | None) -> str:
    if maximum is not None:
        return _("an int from {minimum} to {maximum}").format(minimum=minimum, maximum=maximum)
    return _("a positive int") if minimum == 1 else _("an int >= {minimum}").format(minimum=minimum)


def check_int(value: object, argument: str, function_name: str, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` as an int if it is a whole number in [minimum, maximum].

    The default is a positive int (a count or a size). numpy integers are
    accepted; bool is not, although it is an int subclass: True as a size is
    always a slip.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(_("{name} expects {argument} to be {wanted}; got {got}").format(
            name=function_name, argument=argument, wanted=_int_range_text(minimum, maximum), got=describe(value)))
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(_("{name} expects {argument} to be {wanted}; got {got}").format(
            name=function_name, argument=argument, wanted=_int_range_text(minimum, maximum), got=value))
    return int(value)


def check_ints(values: object, argument: str, function_name: str, example: str, item: str = N_("value"),
               allow_empty: bool = False) -> tuple[int, ...]:
    """A sequence of positive ints (levels, widths, channel counts) as a tuple.

    ``example`` is shown in the error, e.g. ``"(1, 2, 4)"``; ``item`` names
    one element (``"level"``). Words in either are English, marked with ``N_``
    where they are written: the error shows them in the learner's language.
    """
    if isinstance(values, (numbers.Integral, str, bytes)) or not isinstance(values, Sequence):
        hint = (_(" (for one {item} write ({value},))").format(item=_(item), value=repr(values))
                if isinstance(values, numbers.Integral) else "")
        raise TypeError(
            _("{name} expects {argument} to be a sequence of positive ints such as {example}; got {got}{hint}").format(
                name=function_name, argument=argument, example=_(example), got=repr(values), hint=hint)
        )
    if not allow_empty and len(values) == 0:
        raise ValueError(_("{name} expects {argument} to hold at least one {item} such as {example}; got ()").format(
            name=function_name, argument=argument, item=_(item), example=_(example)))
    every = _("every {item} in {argument}").format(item=_(item), argument=argument)
    return tuple(check_int(value, every, function_name) for value in values)


def check_int_pair(value: object, argument: str, function_name: str, example: str, minimum: int = 1,
                   maximum: int | None = None, ordered: bool = False, one_int_for_both: bool = False) -> tuple[int, int]:
    """Two ints, a size (rows, cols) or a range (smallest, largest), as a tuple.

    Each is checked by :func:`check_int` against [minimum, maximum];
    ``ordered=True`` also asks for smallest <= largest. ``one_int_for_both``
    takes one int n as (n, n), as torch's pooling sizes do. ``example`` is shown
    in the error, e.g. ``"(5, 8)"`` (mark words in it with ``N_``).
    """
    if one_int_for_both and isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value, value)
    wanted = _("an int or a pair of ints such as {example}") if one_int_for_both else _("a pair of ints such as {example}")
    wanted = wanted.format(example=_(example))
    is_sequence = isinstance(value, Sequence) and not isinstance(value, (str, bytes))
    if not is_sequence or len(value) != 2:
        # A sequence of another length is the right type holding the wrong value.
        error, got = (ValueError, repr(value)) if is_sequence else (TypeError, describe(value))
        raise error(_("{name} expects {argument} to be {wanted}; got {got}").format(
            name=function_name, argument=argument, wanted=wanted, got=got))
    every = _("every {item} in {argument}").format(item=_("value"), argument=argument)
    first, second = (check_int(item, every, function_name, minimum, maximum) for item in value)
    if ordered and first > second:
        raise ValueError(_("{name} expects {argument} to be (smallest, largest) with smallest <= largest; "
                           "got {got}").format(name=function_name, argument=argument, got=repr(value)))
    return first, second


def _number_range_text(minimum: float, include_minimum: bool, maximum: float | None, include_maximum: bool) -> str:
    if maximum is None and minimum == -math.inf:
        return _("a finite number")
    if maximum is None and minimum == 0 and not include_minimum:
        return _("a positive finite number")
    if maximum is None:
        return _("a finite number {comparison} {minimum}").format(
            comparison=">=" if include_minimum else ">", minimum=f"{minimum:g}")
    low = "[" if include_minimum else "("
    high = "]" if include_maximum else ")"
    return _("a number in {interval}").format(interval=f"{low}{minimum:g}, {maximum:g}{high}")


def check_number(value: object, argument: str, function_name: str, minimum: float = 0.0,
                 include_minimum: bool = False, maximum: float | None = None, include_maximum: bool = True) -> float:
    """A finite real number in its range (by default > 0), as a float; bool is refused.

    ``minimum=-math.inf`` with no maximum asks for any finite number (a weight or a bias).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(_("{name} expects {argument} to be {wanted}; got {got}").format(
            name=function_name, argument=argument, got=describe(value),
            wanted=_number_range_text(minimum, include_minimum, maximum, include_maximum)))
    number = float(value)
    above = number >= minimum if include_minimum else number > minimum
    below = maximum is None or (number <= maximum if include_maximum else number < maximum)
    if not (math.isfinite(number) and above and below):
        raise ValueError(_("{name} expects {argument} to be {wanted}; got {got}").format(
            name=function_name, argument=argument, got=number,
            wanted=_number_range_text(minimum, include_minimum, maximum, include_maximum)))
    return number


def check_positive_knob(value: object, argument: str, function_name: str) -> float | torch.Tensor:
    """A positive finite number, or a one-element float tensor holding one (a learnable knob such as GeM's p)."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1 or not value.dtype.is_floating_point:
            raise TypeError(
                _("{name} expects {argument} to be a positive number or a one-element float tensor; "
                  "got {got}").format(name=function_name, argument=argument, got=describe(value))
            )
        check_number(float(value.detach()), argument, function_name)
        return value
    check_number(value, argument, function_name)
    return value  # type: ignore[return-value]


def check_maps(x: object, function_name: str, floating: bool = False, empty_batch: bool = False) -> torch.Tensor:
    """A non-empty (N, C, H, W) real tensor, the input every plot of feature maps takes.

    ``empty_batch=True`` also accepts N = 0, as a layer does (torch's own layers
    take an empty batch); C, H and W must still be > 0.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(_("{name} expects a tensor shaped (N, C, H, W); got {got}").format(
            name=function_name, got=describe(x)))
    if x.dim() != 4:
        raise ValueError(_("{name} expects a tensor shaped (N, C, H, W) (4 dims); got shape {shape}").format(
            name=function_name, shape=tuple(x.shape)))
    if x.dtype.is_complex or x.dtype == torch.bool or (floating and not x.dtype.is_floating_point):
        if floating:
            message = _("{name} expects a floating-point tensor; got dtype {dtype} (convert with x.float())")
        else:
            message = _("{name} expects a real-valued tensor; got dtype {dtype} (convert with x.float())")
        raise TypeError(message.format(name=function_name, dtype=x.dtype))
    if empty_batch and 0 in x.shape[1:]:
        raise ValueError(_("{name} expects C, H and W > 0; got shape {shape}").format(
            name=function_name, shape=tuple(x.shape)))
    if not empty_batch and 0 in x.shape:
        raise ValueError(_("{name} expects every dim of (N, C, H, W) to be > 0; got shape {shape}").format(
            name=function_name, shape=tuple(x.shape)))
    return x


def check_module(value: object, argument: str, function_name: str) -> torch.nn.Module:
    """``value`` if it is an ``nn.Module`` (a layer or a whole network)."""
    if not isinstance(value, torch.nn.Module):
        raise TypeError(_("{name} expects {argument} to be an nn.Module; got {got}").format(
            name=function_name, argument=argument, got=describe(value)))
    return value


def check_batch(x: object, argument: str, function_name: str) -> torch.Tensor:
    """A tensor whose first dim, the batch N, holds at least one example: what a module runs on."""
    is_tensor = isinstance(x, torch.Tensor)
    if not is_tensor or x.dim() == 0 or x.shape[0] == 0:
        raise (ValueError if is_tensor else TypeError)(
            _("{name} expects {argument} to be a tensor with a non-empty batch dim N; got {got}").format(
                name=function_name, argument=argument, got=describe(x)))
    return x
