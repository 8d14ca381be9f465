"""Mixtures of global average and global max, as in timm.

- ``avgmax_pool`` / ``AvgMaxPool``: the mean of global average and global max.
- ``catavgmax_pool`` / ``CatAvgMaxPool``: average and max side by side, (N, 2C).

Range, per channel: avgmax is exactly the midpoint of the mean and the max, so
it lies in [mean, max] (at either end only when the map is constant).
catavgmax is not one number: it is the two ends themselves, the mean and the max.
"""

from __future__ import annotations

import functools

import torch
from torch import Tensor

from ...checks import check_pool_input
from ..registry import PoolingKind, per_channel_shape, register
from ..shapes import adaptive_layer, spatial_dims
from ..twin import module_twin

__all__ = ["avgmax_pool", "catavgmax_pool", "AvgMaxPool", "CatAvgMaxPool"]


def avgmax_pool(x: Tensor) -> Tensor:
    """(global average + global max) / 2: (N, C, *spatial) -> (N, C).

    timm's ``adaptive_avgmax_pool2d`` at output size 1.
    """
    check_pool_input(x, "avgmax_pool")
    dims = spatial_dims(x)
    return 0.5 * (x.mean(dim=dims) + x.amax(dim=dims))


def catavgmax_pool(x: Tensor) -> Tensor:
    """Global average and global max side by side: (N, C, *spatial) -> (N, 2C).

    The first C features are the averages, the next C the maxima, in timm's order
    (``adaptive_catavgmax_pool2d``); a classifier after it needs 2C inputs.
    """
    check_pool_input(x, "catavgmax_pool")
    dims = spatial_dims(x)
    return torch.cat([x.mean(dim=dims), x.amax(dim=dims)], dim=1)


AvgMaxPool = module_twin("AvgMaxPool", avgmax_pool)
CatAvgMaxPool = module_twin("CatAvgMaxPool", catavgmax_pool)


def _layer_avg(x: Tensor) -> Tensor:
    return adaptive_layer("avg", x, 1).flatten(1)


def _layer_max(x: Tensor) -> Tensor:
    return adaptive_layer("max", x, 1).flatten(1)


register(PoolingKind.make(
    "avgmax", avgmax_pool, lambda channels: AvgMaxPool(), "avgmax_pool(x)",
    "Average-max pooling: the mean of the global average and the global max of each channel.",
    {
        "0.5 * (x.mean(dim=(2, 3)) + x.amax(dim=(2, 3)))": lambda x: 0.5 * (x.mean(dim=spatial_dims(x)) + x.amax(dim=spatial_dims(x))),
        "0.5 * (nn.AdaptiveAvgPool2d(1)(x) + nn.AdaptiveMaxPool2d(1)(x)).flatten(1)": lambda x: 0.5 * (_layer_avg(x) + _layer_max(x)),
    },
))

register(PoolingKind.make(
    "catavgmax", catavgmax_pool, lambda channels: CatAvgMaxPool(), "catavgmax_pool(x)",
    "Concatenated average and max: the C averages, then the C maxima, 2C values in all.",
    {
        "torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)":
            lambda x: torch.cat([x.mean(dim=spatial_dims(x)), x.amax(dim=spatial_dims(x))], dim=1),
        "torch.cat([nn.AdaptiveAvgPool2d(1)(x), nn.AdaptiveMaxPool2d(1)(x)], 1).flatten(1)":
            lambda x: torch.cat([_layer_avg(x), _layer_max(x)], dim=1),
    },
    output_shape=functools.partial(per_channel_shape, multiplier=2),
))
