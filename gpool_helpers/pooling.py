"""Global pooling: average, max and depth (channel) pooling.

Every kind comes as a pure function and an ``nn.Module`` twin whose
``forward`` just calls it, the way ``F.adaptive_avg_pool2d`` pairs with
``nn.AdaptiveAvgPool2d``. Inputs are shaped (N, C, *spatial) with 1 to 3
spatial dims; see :mod:`gpool_helpers._validation` for what is rejected.

- ``global_avg_pool``: one mean per channel, (N, C, H, W) -> (N, C).
- ``global_max_pool``: one max per channel, (N, C, H, W) -> (N, C), optionally
  with the flat index h*W + w of the winner, as ``nn.AdaptiveMaxPool2d(1, return_indices=True)``.
- ``global_depth_pool``: one max or mean per position across the channels,
  (N, C, H, W) -> (N, 1, H, W). The blog post this collection grows from builds it
  from ``MaxPool1d`` and gets it wrong (see :mod:`gpool_helpers.article`).

For max and depth max, several torch ops give the same numbers at speeds that
differ by up to 3.6x with the CPU, the thread count and the memory layout;
:mod:`gpool_helpers.fastest` times them once per input signature on the machine
at hand instead of trusting a rule measured on another (benchmarks/run.py
checks the result under every simulated CPU level).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._shapes import spatial_dims
from ._validation import check_choice, check_pool_input
from .fastest import FastestOf

DEPTH_MODES = ("max", "avg")

_ADAPTIVE_MAX_POOL = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}
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
#: depends on the CPU and the layout (see :mod:`gpool_helpers.fastest`).
_DEPTH_MAX = FastestOf(
    "depth max",
    {
        "amax": lambda x, keepdim: x.amax(dim=1, keepdim=keepdim),
        "max": lambda x, keepdim: x.max(dim=1, keepdim=keepdim).values,
        "amax over 32 channels at a time": _depth_max_in_chunks,
    },
)


def _adaptive_max(x: Tensor, keepdim: bool) -> Tensor:
    pooled = _ADAPTIVE_MAX_POOL[x.dim() - 2](x, 1)
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
    spatial_rank = x.dim() - 2
    memory_format = _CHANNELS_LAST.get(spatial_rank)
    if memory_format is None or x.is_contiguous():
        return False
    return x.is_contiguous(memory_format=memory_format)


def _restore_keepdim(pooled: Tensor, x: Tensor) -> Tensor:
    """(N, C) -> (N, C, 1, ...) with one 1 per spatial dim of ``x``."""
    return pooled.reshape(pooled.shape + (1,) * (x.dim() - 2))


def global_avg_pool(x: Tensor, keepdim: bool = False) -> Tensor:
    """Mean of each (n, c) feature map: (N, C, *spatial) -> (N, C).

    With ``keepdim=True`` the spatial dims stay as size 1: (N, C, 1, 1) for 2-D
    maps, which is what ``nn.AdaptiveAvgPool2d((1, 1))`` returns.
    ``AdaptiveAvgPool2d(1)`` itself runs ``mean`` internally (pytorch PR #43986),
    and ``mean`` keeps its speed in both layouts, so there is one path.
    """
    check_pool_input(x, "global_avg_pool")
    return x.mean(dim=spatial_dims(x), keepdim=keepdim)


def global_max_pool(
    x: Tensor, keepdim: bool = False, return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """Max of each (n, c) feature map: (N, C, *spatial) -> (N, C).

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
    spatial_rank = x.dim() - 2
    channels_last = _is_channels_last(x) and x.shape[1] > 0
    if return_indices:
        if channels_last:
            # adaptive_max_pool reads channels_last memory in order; flatten(2)
            # would have to copy the whole tensor first (about 10x slower).
            values, indices = _ADAPTIVE_MAX_POOL[spatial_rank](x, 1, return_indices=True)
            values, indices = values.flatten(1), indices.flatten(1)
        else:
            values, indices = x.flatten(2).max(dim=2)
        if keepdim:
            values, indices = _restore_keepdim(values, x), _restore_keepdim(indices, x)
        return values, indices
    return _GLOBAL_MAX(x, keepdim)


def global_depth_pool(x: Tensor, mode: str = "max", keepdim: bool = True) -> Tensor:
    """Pool across the channels at every position: (N, C, *spatial) -> (N, 1, *spatial).

    ``mode`` is ``"max"`` or ``"avg"``. Without ``keepdim`` the channel dim is
    dropped: (N, *spatial). Works for any batch size and channel count, unlike
    the blog post's ``MaxPool1d`` subclass. C = 0 is rejected: there is nothing
    to take a max or mean of at any position.

    Gradient on tied channels: an input that needs a gradient always runs
    ``amax``, which shares it evenly among the tied channels.
    """
    check_pool_input(x, "global_depth_pool")
    check_choice(mode, DEPTH_MODES, "mode", "global_depth_pool")
    if x.shape[1] == 0:
        raise ValueError(
            "global_depth_pool expects at least one channel to pool over; "
            f"got shape {tuple(x.shape)}"
        )
    if mode == "max":
        return _DEPTH_MAX(x, keepdim)
    return x.mean(dim=1, keepdim=keepdim)


class GlobalAvgPool(nn.Module):
    """Module twin of :func:`global_avg_pool`."""

    def __init__(self, keepdim: bool = False) -> None:
        super().__init__()
        self.keepdim = keepdim

    def forward(self, x: Tensor) -> Tensor:
        return global_avg_pool(x, keepdim=self.keepdim)

    def extra_repr(self) -> str:
        return f"keepdim={self.keepdim}"


class GlobalMaxPool(nn.Module):
    """Module twin of :func:`global_max_pool`."""

    def __init__(self, keepdim: bool = False, return_indices: bool = False) -> None:
        super().__init__()
        self.keepdim = keepdim
        self.return_indices = return_indices

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return global_max_pool(x, keepdim=self.keepdim, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return f"keepdim={self.keepdim}, return_indices={self.return_indices}"


class GlobalDepthPool(nn.Module):
    """Module twin of :func:`global_depth_pool`."""

    def __init__(self, mode: str = "max", keepdim: bool = True) -> None:
        super().__init__()
        self.mode = check_choice(mode, DEPTH_MODES, "mode", "GlobalDepthPool")
        self.keepdim = keepdim

    def forward(self, x: Tensor) -> Tensor:
        return global_depth_pool(x, mode=self.mode, keepdim=self.keepdim)

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}, keepdim={self.keepdim}"
