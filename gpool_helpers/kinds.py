"""Registry rows for the basic kinds in :mod:`gpool_helpers.pooling`."""

from __future__ import annotations

import functools

import torch.nn.functional as F

from . import pooling
from ._shapes import spatial_dims
from .registry import PoolingKind, TorchEquivalent, depth_shape, per_channel_shape, register


register(
    PoolingKind(
        name="avg",
        function=pooling.global_avg_pool,
        make_module=lambda channels: pooling.GlobalAvgPool(),
        output_shape=per_channel_shape,
        description="Global average pooling: the mean of each channel's map, one number per channel.",
        code="global_avg_pool(x)",
        torch_equivalents=(
            TorchEquivalent(
                "nn.AdaptiveAvgPool2d((1, 1))(x).flatten(1)",
                lambda x: F.adaptive_avg_pool2d(x, 1).flatten(1)
                if x.dim() == 4
                else x.mean(dim=spatial_dims(x)),
            ),
            TorchEquivalent("x.mean(dim=(2, 3))", lambda x: x.mean(dim=spatial_dims(x))),
        ),
    )
)

register(
    PoolingKind(
        name="max",
        function=pooling.global_max_pool,
        make_module=lambda channels: pooling.GlobalMaxPool(),
        output_shape=per_channel_shape,
        description="Global max pooling: the largest value in each channel's map, one number per channel.",
        code="global_max_pool(x)",
        torch_equivalents=(
            TorchEquivalent(
                "nn.AdaptiveMaxPool2d((1, 1))(x).flatten(1)",
                lambda x: F.adaptive_max_pool2d(x, 1).flatten(1)
                if x.dim() == 4
                else x.amax(dim=spatial_dims(x)),
            ),
            TorchEquivalent("x.amax(dim=(2, 3))", lambda x: x.amax(dim=spatial_dims(x))),
        ),
    )
)

register(
    PoolingKind(
        name="depth-max",
        function=functools.partial(pooling.global_depth_pool, mode="max"),
        make_module=lambda channels: pooling.GlobalDepthPool(mode="max"),
        output_shape=depth_shape,
        description="Global depth max pooling: the largest value across the channels at each position.",
        code='global_depth_pool(x, mode="max")',
        pools_over="channels",
        torch_equivalents=(
            TorchEquivalent("x.amax(dim=1, keepdim=True)", lambda x: x.amax(dim=1, keepdim=True)),
            TorchEquivalent("x.max(dim=1, keepdim=True).values", lambda x: x.max(dim=1, keepdim=True).values),
        ),
    )
)

register(
    PoolingKind(
        name="depth-avg",
        function=functools.partial(pooling.global_depth_pool, mode="avg"),
        make_module=lambda channels: pooling.GlobalDepthPool(mode="avg"),
        output_shape=depth_shape,
        description="Global depth average pooling: the mean across the channels at each position.",
        code='global_depth_pool(x, mode="avg")',
        pools_over="channels",
        torch_equivalents=(
            TorchEquivalent("x.mean(dim=1, keepdim=True)", lambda x: x.mean(dim=1, keepdim=True)),
        ),
    )
)
