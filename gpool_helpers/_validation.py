"""Input checks shared by every pooling function.

One home for the rules so that every kind rejects bad input with the same
wording: the function's name, what it expects, and what it was given.
Plain ``if`` + ``raise`` rather than ``assert``: asserts vanish under
``python -O`` and would let a wrong shape through silently.
"""

from __future__ import annotations

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


def check_choice(value: object, choices: tuple[str, ...], argument: str, function_name: str) -> str:
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{function_name} expects {argument} to be one of {options}; got {value!r}")
    return value  # type: ignore[return-value]
