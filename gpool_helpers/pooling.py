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

Which torch op runs depends on the memory layout, because the fastest op
differs by up to 3.5x between contiguous and channels_last tensors
(benchmarks/run.py measures it).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._shapes import spatial_dims, spatial_positions
from ._validation import check_choice, check_pool_input

DEPTH_MODES = ("max", "avg")

_ADAPTIVE_MAX_POOL = {2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}
_CHANNELS_LAST = {2: torch.channels_last, 3: torch.channels_last_3d}


#: Spatial positions from which adaptive_max_pool2d beats amax on channels_last input.
_LARGE_MAP = 1024


def _prefers_torch_max(x: Tensor) -> bool:
    """Whether torch.max(dim=1) beats amax(dim=1) for depth pooling, measured
    by benchmarks/run.py: contiguous input, at most 64 positions, 128+ channels."""
    return x.shape[1] >= 128 and spatial_positions(x) <= 64 and x.is_contiguous()


#: From this many elements on (64 MB of float32), amax over the channels of a
#: contiguous tensor falls out of cache; reducing 32 channels at a time and
#: keeping a running maximum is 1.3x-1.9x faster (benchmarks/run.py; e.g.
#: 3.8 ms against 6.3 ms at 32x256x56x56). Below it, one amax wins.
_CHUNKED_DEPTH_MAX_ELEMENTS = 1 << 24
_DEPTH_CHUNK = 32


def _prefers_channel_chunks(x: Tensor) -> bool:
    # Under torch.compile / torch.export the size test would become a guard on
    # the batch size and break a dynamic batch dim; the compiler fuses the
    # reduction its own way anyway.
    if torch.compiler.is_compiling():
        return False
    if x.shape[1] <= _DEPTH_CHUNK or x.numel() < _CHUNKED_DEPTH_MAX_ELEMENTS:
        return False
    # The running maximum is written in place, which autograd cannot follow.
    return x.is_contiguous() and not (torch.is_grad_enabled() and x.requires_grad)


def _depth_max_in_chunks(x: Tensor, keepdim: bool) -> Tensor:
    chunks = x.split(_DEPTH_CHUNK, dim=1)
    running = chunks[0].amax(dim=1, keepdim=True)
    for chunk in chunks[1:]:
        # torch.maximum propagates NaN, as amax does.
        torch.maximum(running, chunk.amax(dim=1, keepdim=True), out=running)
    return running if keepdim else running.squeeze(1)


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

    Gradient on ties: ``amax`` shares it evenly among the tied cells, while
    ``adaptive_max_pool`` and ``max(dim)`` give it all to one cell. Which one
    runs depends on the layout and the options, so on ties the split can differ
    between layouts; either way a map's gradient lands only on its maxima and
    sums to the gradient of its pooled value.

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
    if channels_last and spatial_rank == 2 and x.shape[-1] * x.shape[-2] >= _LARGE_MAP:
        # On large channels_last maps adaptive_max_pool2d edges out amax
        # (FINDINGS.md: 3.4 ms against 6.4 ms at 32x256x56x56); on small maps
        # amax wins (0.63 ms against 1.04 ms at 64x2048x7x7).
        pooled = F.adaptive_max_pool2d(x, 1)
        return pooled if keepdim else pooled.flatten(1)
    return x.amax(dim=spatial_dims(x), keepdim=keepdim)


def global_depth_pool(x: Tensor, mode: str = "max", keepdim: bool = True) -> Tensor:
    """Pool across the channels at every position: (N, C, *spatial) -> (N, 1, *spatial).

    ``mode`` is ``"max"`` or ``"avg"``. Without ``keepdim`` the channel dim is
    dropped: (N, *spatial). Works for any batch size and channel count, unlike
    the blog post's ``MaxPool1d`` subclass. C = 0 is rejected: there is nothing
    to take a max or mean of at any position.

    Gradient on tied channels: depending on the path picked for speed, it is
    shared evenly (``amax``) or given to one channel (``max``).
    """
    check_pool_input(x, "global_depth_pool")
    check_choice(mode, DEPTH_MODES, "mode", "global_depth_pool")
    if x.shape[1] == 0:
        raise ValueError(
            "global_depth_pool expects at least one channel to pool over; "
            f"got shape {tuple(x.shape)}"
        )
    if mode == "max":
        if _prefers_channel_chunks(x):
            return _depth_max_in_chunks(x, keepdim)
        if _prefers_torch_max(x):
            # Many channels over few positions in NCHW: torch.max's kernel
            # beats amax here (2.4 ms against 3.5 ms at 64x2048x7x7).
            return x.max(dim=1, keepdim=keepdim).values
        return x.amax(dim=1, keepdim=keepdim)
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
