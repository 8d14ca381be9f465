"""Shape arithmetic and the adaptive layer by rank, shared by every pooling kind, written once."""

from __future__ import annotations

import math

from torch import Tensor, nn


def spatial_dims(x: Tensor) -> tuple[int, ...]:
    """The dims after N and C: (2, 3) for an (N, C, H, W) tensor."""
    return tuple(range(2, x.dim()))


def spatial_positions(x: Tensor) -> int:
    """How many values each (n, c) map holds: H*W for 2-D maps."""
    return math.prod(x.shape[2:])


_ADAPTIVE_LAYERS = {
    "avg": {1: nn.AdaptiveAvgPool1d, 2: nn.AdaptiveAvgPool2d, 3: nn.AdaptiveAvgPool3d},
    "max": {1: nn.AdaptiveMaxPool1d, 2: nn.AdaptiveMaxPool2d, 3: nn.AdaptiveMaxPool3d},
}


def adaptive_layer(mode: str, x: Tensor, output_size: int) -> Tensor:
    """torch's own ``nn.Adaptive{Avg,Max}Pool{1,2,3}d(output_size)`` for x's spatial rank, applied to ``x``.

    The one place that picks the adaptive layer by rank, for the pyramid and
    for the registry's torch equivalents.
    """
    return _ADAPTIVE_LAYERS[mode][x.dim() - 2](output_size)(x)
