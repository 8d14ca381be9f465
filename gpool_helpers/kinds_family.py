"""Registry rows for the wider family in :mod:`gpool_helpers.family`.

Each row runs with the kind's default options, and each torch equivalent gives
the same numbers from built-ins alone, for any supported rank. GeM's second
equivalent shows why ``F.lp_pool2d`` is *not* GeM: it sums instead of
averaging, so it is (H*W) ** (1/p) times larger and has to be divided back.
"""

from __future__ import annotations

import functools
import math

import torch
import torch.nn.functional as F

from . import family
from ._shapes import spatial_dims, spatial_positions
from .registry import PoolingKind, TorchEquivalent, per_channel_shape, register

GEM_P = 3.0
GEM_EPS = 1e-6
TOPK_FRACTION = 0.25

_LP_POOL = {1: F.lp_pool1d, 2: F.lp_pool2d, 3: F.lp_pool3d}


def _spp_shape(shape):
    return (shape[0], family.spp_length(shape[1], family.DEFAULT_LEVELS, len(shape) - 2))


def _spp_builtin(x):
    pool = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}[x.dim() - 2]
    return torch.cat([pool(x, level).flatten(1) for level in family.DEFAULT_LEVELS], dim=1)


def _gem_lp_pool(x):
    # lp_pool1d takes its kernel as an int, the 2-D and 3-D ones as tuples.
    window = x.shape[2] if x.dim() == 3 else tuple(x.shape[2:])
    summed = _LP_POOL[x.dim() - 2](x.clamp(min=GEM_EPS), GEM_P, window).flatten(1)
    return summed / spatial_positions(x) ** (1 / GEM_P)


def _lse_builtin(x):
    return torch.logsumexp(x.flatten(2), dim=2) - math.log(spatial_positions(x))


def _topk_builtin(x):
    k = max(1, math.ceil(TOPK_FRACTION * spatial_positions(x) - 1e-9))
    return x.flatten(2).topk(k, dim=2).values.mean(dim=2)


def _attention_builtin(x):
    tokens = x.flatten(2).transpose(1, 2)
    zero_query = tokens.new_zeros(x.shape[0], 1, x.shape[1])
    return F.scaled_dot_product_attention(zero_query, tokens, tokens).squeeze(1)


register(
    PoolingKind(
        name="spp",
        function=family.spatial_pyramid_pool,
        make_module=lambda channels: family.SpatialPyramidPool(),
        output_shape=_spp_shape,
        description=(
            "Spatial pyramid pooling: max over 1x1, 2x2 and 4x4 grids of adaptive windows, "
            "concatenated; 21 values per channel for any input size."
        ),
        code="spatial_pyramid_pool(x, levels=(1, 2, 4))",
        torch_equivalents=(
            TorchEquivalent(
                "torch.cat([nn.AdaptiveMaxPool2d(l)(x).flatten(1) for l in (1, 2, 4)], 1)", _spp_builtin
            ),
        ),
        feature_multiplier=21,
    )
)

register(
    PoolingKind(
        name="avgmax",
        function=family.avgmax_pool,
        make_module=lambda channels: family.AvgMaxPool(),
        output_shape=per_channel_shape,
        description="Average-max pooling: the mean of the global average and the global max of each channel.",
        code="avgmax_pool(x)",
        torch_equivalents=(
            TorchEquivalent(
                "0.5 * (x.mean(dim=(2, 3)) + x.amax(dim=(2, 3)))",
                lambda x: 0.5 * (x.mean(dim=spatial_dims(x)) + x.amax(dim=spatial_dims(x))),
            ),
        ),
    )
)

register(
    PoolingKind(
        name="catavgmax",
        function=family.catavgmax_pool,
        make_module=lambda channels: family.CatAvgMaxPool(),
        output_shape=functools.partial(per_channel_shape, multiplier=2),
        description="Concatenated average and max: the C averages, then the C maxima, 2C values in all.",
        code="catavgmax_pool(x)",
        torch_equivalents=(
            TorchEquivalent(
                "torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)",
                lambda x: torch.cat([x.mean(dim=spatial_dims(x)), x.amax(dim=spatial_dims(x))], dim=1),
            ),
        ),
        feature_multiplier=2,
    )
)

register(
    PoolingKind(
        name="gem",
        function=family.gem_pool,
        make_module=lambda channels: family.GeM(p=GEM_P, eps=GEM_EPS),
        output_shape=per_channel_shape,
        description=(
            "Generalised mean (GeM): (mean(x^p))^(1/p) per channel, p = 3 and learnable; "
            "p = 1 is the average, large p nears the max."
        ),
        code="gem_pool(x, p=3.0)",
        torch_equivalents=(
            TorchEquivalent(
                "x.clamp(min=1e-6).pow(3).mean(dim=(2, 3)).pow(1 / 3)",
                lambda x: x.clamp(min=GEM_EPS).pow(GEM_P).mean(dim=spatial_dims(x)).pow(1 / GEM_P),
            ),
            TorchEquivalent(
                "F.lp_pool2d(x.clamp(min=1e-6), 3, x.shape[2:]).flatten(1) / (H * W) ** (1 / 3)",
                _gem_lp_pool,
            ),
        ),
        learnable=True,
    )
)

register(
    PoolingKind(
        name="lse",
        function=family.lse_pool,
        make_module=lambda channels: family.LSEPool(r=1.0),
        output_shape=per_channel_shape,
        description=(
            "Log-sum-exp pooling: (1/r) log mean exp(r x) per channel, r = 1; "
            "small r nears the average, large r the max."
        ),
        code="lse_pool(x, r=1.0)",
        torch_equivalents=(
            TorchEquivalent("torch.logsumexp(x.flatten(2), dim=2) - math.log(H * W)", _lse_builtin),
        ),
    )
)

register(
    PoolingKind(
        name="topk",
        function=functools.partial(family.topk_pool, fraction=TOPK_FRACTION),
        make_module=lambda channels: family.TopKPool(fraction=TOPK_FRACTION),
        output_shape=per_channel_shape,
        description=(
            "Top-k pooling: the mean of the largest quarter of each channel's values "
            "(k = 4 of 16 on a 4x4 map); k = 1 is max, k = H*W average."
        ),
        code="topk_pool(x, fraction=0.25)",
        torch_equivalents=(
            TorchEquivalent("x.flatten(2).topk(k, dim=2).values.mean(dim=2)", _topk_builtin),
        ),
    )
)

register(
    PoolingKind(
        name="attention",
        function=family.attention_pool,
        make_module=lambda channels: family.AttentionPool(channels),
        output_shape=per_channel_shape,
        description=(
            "Attention pooling: a learned query weighs the H*W positions by a softmax; "
            "untrained (zero query) it is the average."
        ),
        code="AttentionPool(C)(x)",
        torch_equivalents=(
            TorchEquivalent(
                "F.scaled_dot_product_attention(q, t, t).squeeze(1), t = x.flatten(2).mT, q = zeros(N, 1, C)",
                _attention_builtin,
            ),
        ),
        learnable=True,
    )
)
