"""Shape arithmetic every pooling module shares, written once."""

from __future__ import annotations

import math

from torch import Tensor


def spatial_dims(x: Tensor) -> tuple[int, ...]:
    """The dims after N and C: (2, 3) for an (N, C, H, W) tensor."""
    return tuple(range(2, x.dim()))


def spatial_positions(x: Tensor) -> int:
    """How many values each (n, c) map holds: H*W for 2-D maps."""
    return math.prod(x.shape[2:])
