"""Global pooling: average, max and depth (channel) pooling.

Inputs are shaped (N, C, *spatial) with 1 to 3 spatial dims; see
:mod:`gpool_helpers.checks` for what is rejected.

- ``global_avg_pool``: one mean per channel, (N, C, H, W) -> (N, C).
- ``global_max_pool``: one max per channel, (N, C, H, W) -> (N, C), optionally
  with the flat index h*W + w of the winner, as ``nn.AdaptiveMaxPool2d(1, return_indices=True)``.
- ``global_depth_pool``: one max or mean per position across the channels,
  (N, C, H, W) -> (N, 1, H, W). The blog post this collection grows from builds it
  from ``MaxPool1d`` and gets it wrong (see :mod:`gpool_helpers.article`).

Each function reads as its formula first. Max and depth max then hand the work
to a *tuned path* (further down, under that heading): several torch ops give
the same numbers at speeds that differ by up to 3.6x with the CPU, the thread
count and the memory layout, so :mod:`gpool_helpers.pooling.fastest` times them
once per input signature on the machine at hand.

Each function has an ``nn.Module`` twin derived from it (:func:`module_twin`),
and each kind is registered at the bottom of this file.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ...checks import check_choice, check_pool_input
from ...i18n import gettext as _
from ..fastest import FastestOf
from ..registry import PoolingKind, depth_shape, per_channel_shape, register
from ..shapes import adaptive_layer, adaptive_pool, spatial_dims, spatial_positions
from ..tokens import masked_amax, masked_mean, segment_amax, segment_mean
from ..twin import module_twin

__all__ = [
    "global_avg_pool", "global_max_pool", "global_depth_pool",
    "GlobalAvgPool", "GlobalMaxPool", "GlobalDepthPool", "DEPTH_MODES",
]

DEPTH_MODES = ("max", "avg")


# ----------------------------------------------------------------------------
# The formulas
# ----------------------------------------------------------------------------


def global_avg_pool(x: Tensor, keepdim: bool = False) -> Tensor:
    """Mean of each (n, c) feature map: (N, C, *spatial) -> (N, C).

    With ``keepdim=True`` the spatial dims stay as size 1: (N, C, 1, 1) for 2-D
    maps, which is what ``nn.AdaptiveAvgPool2d((1, 1))`` returns.
    ``AdaptiveAvgPool2d(1)`` itself runs ``mean`` internally (pytorch PR #43986),
    and ``mean`` keeps its speed in both layouts, so the formula is the fast path.
    """
    check_pool_input(x, "global_avg_pool")
    return x.mean(dim=spatial_dims(x), keepdim=keepdim)


def global_max_pool(
    x: Tensor, keepdim: bool = False, return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """Max of each (n, c) feature map: (N, C, *spatial) -> (N, C).

    The formula is ``x.amax(dim=spatial_dims)``; the tuned path below may run
    another op that gives the same numbers faster on this machine.

    With ``return_indices=True`` returns ``(values, indices)``; ``indices`` are
    int64 flat positions in each (n, c) map (h*W + w for 2-D), the first one
    winning on ties, as ``nn.AdaptiveMaxPool2d(1, return_indices=True)``.

    Gradient on ties: without indices, an input that needs a gradient always
    runs ``amax``, which shares it evenly among the tied cells; with
    ``return_indices=True`` it all goes to the one cell the index names. Either
    way a map's gradient lands only on its maxima and sums to the gradient of
    its pooled value.

    NaN propagates as in torch: a map holding a NaN pools to NaN and its index
    points at a NaN. With several NaNs in one map, ``max(dim)`` (contiguous
    input) points at the first and ``adaptive_max_pool`` (channels_last) at the
    last, so only "a NaN" is promised.
    """
    check_pool_input(x, "global_max_pool")
    if return_indices:
        return _max_with_indices(x, keepdim)
    return _GLOBAL_MAX(x, keepdim)


def global_depth_pool(x: Tensor, mode: str = "max", keepdim: bool = True) -> Tensor:
    """Pool across the channels at every position: (N, C, *spatial) -> (N, 1, *spatial).

    ``mode`` is ``"max"`` (``x.amax(dim=1)``, run by the tuned path below) or
    ``"avg"`` (``x.mean(dim=1)``). Without ``keepdim`` the channel dim is
    dropped: (N, *spatial). Works for any batch size and channel count, unlike
    the blog post's ``MaxPool1d`` subclass. C = 0 is rejected: there is nothing
    to take a max or mean of at any position.

    Gradient on tied channels: an input that needs a gradient always runs
    ``amax``, which shares it evenly among the tied channels.
    """
    check_pool_input(x, "global_depth_pool")
    if mode != "max":  # the default skips the lookup: see FastestOf on Python steps after a large op
        check_choice(mode, DEPTH_MODES, "mode", "global_depth_pool")
    if x.numel() == 0 and x.shape[1] == 0:
        raise ValueError(
            _("global_depth_pool expects at least one channel to pool over; got shape {shape}").format(
                shape=tuple(x.shape))
        )
    if mode == "max":
        return _DEPTH_MAX(x, keepdim)
    return x.mean(dim=1, keepdim=keepdim)


def _check_depth_options(options: dict) -> dict:
    check_choice(options["mode"], DEPTH_MODES, "mode", "GlobalDepthPool")
    return options


GlobalAvgPool = module_twin("GlobalAvgPool", global_avg_pool, {"keepdim": False})
GlobalMaxPool = module_twin("GlobalMaxPool", global_max_pool, {"keepdim": False, "return_indices": False})
GlobalDepthPool = module_twin("GlobalDepthPool", global_depth_pool, {"mode": "max", "keepdim": True},
                              check=_check_depth_options)


# ----------------------------------------------------------------------------
# Tuned paths: the same numbers, the fastest op on this machine
# ----------------------------------------------------------------------------

_CHANNELS_LAST = {2: torch.channels_last, 3: torch.channels_last_3d}
_DEPTH_CHUNK = 32


def _depth_max_in_chunks(x: Tensor, keepdim: bool) -> Tensor:
    """Max over 32 channels at a time, keeping a running maximum.

    On tensors past cache size this reads memory in longer runs than one
    ``amax`` over all channels; whether that wins depends on the CPU, so
    :data:`_DEPTH_MAX` times it against the built-ins instead of assuming.
    """
    chunks = x.split(_DEPTH_CHUNK, dim=1)
    running = chunks[0].amax(dim=1, keepdim=True)
    for chunk in chunks[1:]:
        # torch.maximum propagates NaN, as amax does.
        torch.maximum(running, chunk.amax(dim=1, keepdim=True), out=running)
    return running if keepdim else running.squeeze(1)


#: Depth max: three ways to the same numbers, bit for bit. Which is fastest
#: depends on the CPU and the layout (see :mod:`gpool_helpers.pooling.fastest`).
_DEPTH_MAX = FastestOf(
    "depth max",
    {
        "amax": lambda x, keepdim: x.amax(dim=1, keepdim=keepdim),
        "max": lambda x, keepdim: x.max(dim=1, keepdim=keepdim).values,
        "amax over 32 channels at a time": _depth_max_in_chunks,
    },
)


def _adaptive_max(x: Tensor, keepdim: bool) -> Tensor:
    pooled = adaptive_pool("max", x)(x, 1)
    return pooled if keepdim else pooled.flatten(1)


#: Global max without indices: amax, or adaptive max pooling, which reads
#: channels_last memory in order and can win on large maps in that layout.
_GLOBAL_MAX = FastestOf(
    "global max",
    {
        "amax": lambda x, keepdim: x.amax(dim=spatial_dims(x), keepdim=keepdim),
        "adaptive_max_pool": _adaptive_max,
    },
)


def _is_channels_last(x: Tensor) -> bool:
    """True only when the layout is channels_last and *not* also plain contiguous.

    Tensors with size-1 dims (e.g. N=1, H=W=1) can be both at once; the
    contiguous path is right for them.
    """
    memory_format = _CHANNELS_LAST.get(x.dim() - 2)
    if memory_format is None or x.is_contiguous():
        return False
    return x.is_contiguous(memory_format=memory_format)


def _max_with_indices(x: Tensor, keepdim: bool) -> tuple[Tensor, Tensor]:
    if _is_channels_last(x) and x.shape[1] > 0:
        # adaptive_max_pool reads channels_last memory in order; flatten(2)
        # would have to copy the whole tensor first (about 10x slower).
        values, indices = adaptive_pool("max", x)(x, 1, return_indices=True)
        values, indices = values.flatten(1), indices.flatten(1)
    else:
        values, indices = x.flatten(2).max(dim=2)
    if keepdim:
        # (N, C) -> (N, C, 1, ...) with one 1 per spatial dim of x.
        ones = (1,) * (x.dim() - 2)
        values, indices = values.reshape(values.shape + ones), indices.reshape(indices.shape + ones)
    return values, indices


# ----------------------------------------------------------------------------
# Registry rows. The first torch equivalent is the line learners see; at least
# one runs other ops than the helper (torch's own layer, or a pooling window),
# so the registry tests can catch a wrong helper.
# ----------------------------------------------------------------------------


def _depth_by_pooling_window(x: Tensor, pool) -> Tensor:
    """Depth pooling as a sliding window as tall as the channel axis: (N, C, *s) -> (N, 1, *s)."""
    n, c = x.shape[:2]
    windows = pool(x.reshape(n, 1, c, -1), kernel_size=(c, 1))  # (N, 1, 1, positions)
    return windows.reshape(n, 1, *x.shape[2:])


register(PoolingKind.make(
    "avg", global_avg_pool, lambda channels: GlobalAvgPool(), "global_avg_pool(x)",
    "Global average pooling: the mean of each channel's map, one number per channel.",
    {
        "nn.AdaptiveAvgPool2d((1, 1))(x).flatten(1)": lambda x: adaptive_layer("avg", x, 1).flatten(1),
        "x.mean(dim=(2, 3))": lambda x: x.mean(dim=spatial_dims(x)),
        # AdaptiveAvgPool2d(1) runs mean internally (pytorch PR #43986): a sum is the independent check.
        "x.sum(dim=(2, 3)) / (H * W)": lambda x: x.sum(dim=spatial_dims(x)) / spatial_positions(x),
    },
    masked=masked_mean, segment=segment_mean,
))

register(PoolingKind.make(
    "max", global_max_pool, lambda channels: GlobalMaxPool(), "global_max_pool(x)",
    "Global max pooling: the largest value in each channel's map, one number per channel.",
    {
        "nn.AdaptiveMaxPool2d((1, 1))(x).flatten(1)": lambda x: adaptive_layer("max", x, 1).flatten(1),
        "x.amax(dim=(2, 3))": lambda x: x.amax(dim=spatial_dims(x)),
    },
    masked=masked_amax, segment=segment_amax,
))

register(PoolingKind.make(
    "depth-max", functools.partial(global_depth_pool, mode="max"), lambda channels: GlobalDepthPool(mode="max"), 'global_depth_pool(x, mode="max")',
    "Global depth max pooling: the largest value across the channels at each position.",
    {
        "x.amax(dim=1, keepdim=True)": lambda x: x.amax(dim=1, keepdim=True),
        "x.max(dim=1, keepdim=True).values": lambda x: x.max(dim=1, keepdim=True).values,
        "F.max_pool2d(x.reshape(N, 1, C, H * W), (C, 1)).reshape(N, 1, H, W)": lambda x: _depth_by_pooling_window(x, F.max_pool2d),
    },
    output_shape=depth_shape, pools_over="channels",
))

register(PoolingKind.make(
    "depth-avg", functools.partial(global_depth_pool, mode="avg"), lambda channels: GlobalDepthPool(mode="avg"), 'global_depth_pool(x, mode="avg")',
    "Global depth average pooling: the mean across the channels at each position.",
    {
        "x.mean(dim=1, keepdim=True)": lambda x: x.mean(dim=1, keepdim=True),
        "F.avg_pool2d(x.reshape(N, 1, C, H * W), (C, 1)).reshape(N, 1, H, W)": lambda x: _depth_by_pooling_window(x, F.avg_pool2d),
    },
    output_shape=depth_shape, pools_over="channels",
))
