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
from typing import Sequence

import torch

EXPECTED_LAYOUT = "a floating-point tensor shaped (N, C, *spatial) with 1-3 spatial dims"


def describe(value: object) -> str:
    """A short description of ``value`` for error messages."""
    if isinstance(value, torch.Tensor):
        return f"a {value.dtype} tensor of shape {tuple(value.shape)}"
    try:
        import numpy

        if isinstance(value, numpy.ndarray):
            return f"a numpy array of shape {value.shape} (convert it with torch.from_numpy)"
    except ImportError:  # numpy is optional for this message only
        pass
    return f"a {type(value).__name__}"


def check_pool_input(x: object, function_name: str) -> torch.Tensor:
    """Return ``x`` unchanged if it is a valid (N, C, *spatial) float tensor.

    Raises TypeError for a non-tensor or a non-floating dtype, ValueError for a
    wrong number of dims or an empty spatial dim.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{function_name} expects {EXPECTED_LAYOUT}; got {describe(x)}")
    if not x.dtype.is_floating_point:
        # x.float() on a complex tensor silently drops the imaginary part.
        fix = "pool x.real or x.abs()" if x.dtype.is_complex else "convert with x.float()"
        raise TypeError(f"{function_name} expects {EXPECTED_LAYOUT}; got dtype {x.dtype} ({fix})")
    if not 3 <= x.dim() <= 5:
        raise ValueError(f"{function_name} expects {EXPECTED_LAYOUT}; got shape {tuple(x.shape)}")
    # N and C may be 0 (an empty result of the right shape is well defined);
    # an empty spatial dim has no values to pool, so torch's NaN is not an answer.
    for size in x.shape[2:]:
        if size == 0:
            raise ValueError(
                f"{function_name} expects {EXPECTED_LAYOUT} and every spatial dim > 0; "
                f"got shape {tuple(x.shape)}"
            )
    return x


def check_choice(value: object, choices: Sequence[str], argument: str, function_name: str) -> str:
    """``value`` if it is one of ``choices`` (exact match), else a ValueError listing them."""
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{function_name} expects {argument} to be one of {options}; got {value!r}")
    return value


def _int_range_text(minimum: int, maximum: int | None) -> str:
    if maximum is not None:
        return f"an int from {minimum} to {maximum}"
    return "a positive int" if minimum == 1 else f"an int >= {minimum}"


def check_int(value: object, argument: str, function_name: str, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` as an int if it is a whole number in [minimum, maximum].

    The default is a positive int (a count or a size). numpy integers are
    accepted; bool is not, although it is an int subclass: True as a size is
    always a slip.
    """
    wanted = _int_range_text(minimum, maximum)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{function_name} expects {argument} to be {wanted}; got {describe(value)}")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{function_name} expects {argument} to be {wanted}; got {value}")
    return int(value)


def check_ints(values: object, argument: str, function_name: str, example: str, item: str = "value",
               allow_empty: bool = False) -> tuple[int, ...]:
    """A sequence of positive ints (levels, widths, channel counts) as a tuple.

    ``example`` is shown in the error, e.g. ``"(1, 2, 4)"``; ``item`` names
    one element (``"level"``).
    """
    if isinstance(values, (numbers.Integral, str, bytes)) or not isinstance(values, Sequence):
        hint = f" (for one {item} write ({values!r},))" if isinstance(values, numbers.Integral) else ""
        raise TypeError(
            f"{function_name} expects {argument} to be a sequence of positive ints such as {example}; "
            f"got {values!r}{hint}"
        )
    if not allow_empty and len(values) == 0:
        raise ValueError(f"{function_name} expects {argument} to hold at least one {item} such as {example}; got ()")
    return tuple(check_int(value, f"every {item} in {argument}", function_name) for value in values)


def check_number(value: object, argument: str, function_name: str, minimum: float = 0.0,
                 include_minimum: bool = False, maximum: float | None = None, include_maximum: bool = True) -> float:
    """A finite real number in its range (by default > 0), as a float; bool is refused."""
    low = "[" if include_minimum else "("
    high = "]" if include_maximum else ")"
    if maximum is None and minimum == 0 and not include_minimum:
        wanted = "a positive finite number"
    elif maximum is None:
        wanted = f"a finite number {'>=' if include_minimum else '>'} {minimum:g}"
    else:
        wanted = f"a number in {low}{minimum:g}, {maximum:g}{high}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{function_name} expects {argument} to be {wanted}; got {describe(value)}")
    number = float(value)
    above = number >= minimum if include_minimum else number > minimum
    below = maximum is None or (number <= maximum if include_maximum else number < maximum)
    if not (math.isfinite(number) and above and below):
        raise ValueError(f"{function_name} expects {argument} to be {wanted}; got {number}")
    return number


def check_positive_knob(value: object, argument: str, function_name: str) -> float | torch.Tensor:
    """A positive finite number, or a one-element float tensor holding one (a learnable knob such as GeM's p)."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1 or not value.dtype.is_floating_point:
            raise TypeError(
                f"{function_name} expects {argument} to be a positive number or a one-element "
                f"float tensor; got {describe(value)}"
            )
        check_number(float(value.detach()), argument, function_name)
        return value
    check_number(value, argument, function_name)
    return value  # type: ignore[return-value]


def check_maps(x: object, function_name: str, floating: bool = False) -> torch.Tensor:
    """A non-empty (N, C, H, W) real tensor, the input every plot of feature maps takes."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{function_name} expects a tensor shaped (N, C, H, W); got {describe(x)}")
    if x.dim() != 4:
        raise ValueError(
            f"{function_name} expects a tensor shaped (N, C, H, W) (4 dims); got shape {tuple(x.shape)}"
        )
    if x.dtype.is_complex or x.dtype == torch.bool or (floating and not x.dtype.is_floating_point):
        wanted = "a floating-point" if floating else "a real-valued"
        raise TypeError(f"{function_name} expects {wanted} tensor; got dtype {x.dtype} (convert with x.float())")
    if 0 in x.shape:
        raise ValueError(f"{function_name} expects every dim of (N, C, H, W) to be > 0; got shape {tuple(x.shape)}")
    return x
