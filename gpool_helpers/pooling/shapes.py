"""Shape arithmetic and the adaptive pooling ops by rank, shared by every pooling kind, written once."""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import torch.nn.functional as F
from torch import Tensor, nn


def spatial_dims(x: Tensor) -> tuple[int, ...]:
    """The dims after N and C: (2, 3) for an (N, C, H, W) tensor."""
    return tuple(range(2, x.dim()))


def spatial_positions(x: Tensor) -> int:
    """How many values each (n, c) map holds: H*W for 2-D maps."""
    return math.prod(x.shape[2:])


class _Adaptive(NamedTuple):
    """torch's adaptive pooling at one mode and rank, as a function and as a layer."""

    function: Callable[..., Tensor]
    layer: type[nn.Module]


#: The one table of adaptive pooling by mode and number of spatial dims.
_ADAPTIVE = {
    "avg": {
        1: _Adaptive(F.adaptive_avg_pool1d, nn.AdaptiveAvgPool1d),
        2: _Adaptive(F.adaptive_avg_pool2d, nn.AdaptiveAvgPool2d),
        3: _Adaptive(F.adaptive_avg_pool3d, nn.AdaptiveAvgPool3d),
    },
    "max": {
        1: _Adaptive(F.adaptive_max_pool1d, nn.AdaptiveMaxPool1d),
        2: _Adaptive(F.adaptive_max_pool2d, nn.AdaptiveMaxPool2d),
        3: _Adaptive(F.adaptive_max_pool3d, nn.AdaptiveMaxPool3d),
    },
}


def adaptive_pool(mode: str, x: Tensor) -> Callable[..., Tensor]:
    """``F.adaptive_{avg,max}_pool{1,2,3}d`` for x's spatial rank (not yet applied).

    The one place that picks the adaptive function by rank, for the pyramid and
    for global max's tuned path.
    """
    return _ADAPTIVE[mode][x.dim() - 2].function


def adaptive_layer(mode: str, x: Tensor, output_size: int) -> Tensor:
    """torch's own ``nn.Adaptive{Avg,Max}Pool{1,2,3}d(output_size)`` for x's spatial rank, applied to ``x``.

    The one place that picks the adaptive layer by rank, for the references
    and the registry's torch equivalents.
    """
    return _ADAPTIVE[mode][x.dim() - 2].layer(output_size)(x)
