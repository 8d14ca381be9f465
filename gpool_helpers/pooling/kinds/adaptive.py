"""Adaptive pooling windows and spatial pyramid pooling (notebook 05).

- ``adaptive_bins``: the (start, end) windows ``nn.AdaptiveAvgPool1d`` uses;
  ``classic_spp_window``: SPP-net's fixed kernel and stride, and the size they really give.
- ``spatial_pyramid_pool`` / ``SpatialPyramidPool``: adaptive pooling at several
  output sizes, flattened and concatenated: (N, C, H, W) -> (N, C * sum(l*l)),
  the same length for every input size (He et al. 2014, arXiv:1406.4729).
"""

from __future__ import annotations

import itertools
from typing import NamedTuple, Sequence

import torch
from torch import Tensor

from ...checks import check_choice, check_int, check_ints, check_pool_input
from ...i18n import N_
from ..registry import PoolingKind, register
from ..shapes import adaptive_layer, adaptive_pool
from ..twin import module_twin

__all__ = [
    "adaptive_bins", "classic_spp_window", "ClassicWindow", "spatial_pyramid_pool", "spp_length",
    "SpatialPyramidPool", "SPP_MODES", "DEFAULT_LEVELS",
]

SPP_MODES = ("max", "avg")
DEFAULT_LEVELS = (1, 2, 4)


def _check_levels(levels: object, function_name: str) -> tuple[int, ...]:
    return check_ints(levels, "levels", function_name, example="(1, 2, 4)", item=N_("level"))


def adaptive_bins(in_size: int, out_size: int) -> list[tuple[int, int]]:
    """The half-open windows [start, end) adaptive pooling reads, one per output cell.

    For output index i: start = floor(i * in / out), end = ceil((i + 1) * in / out),
    the rule inside ``nn.AdaptiveAvgPool1d`` and its 2-D and 3-D siblings (which
    apply it to each dim). When ``in_size`` is not a multiple of ``out_size`` the
    windows differ in length and neighbours overlap: 5 -> 3 gives
    [(0, 2), (1, 4), (3, 5)]. ``out_size`` may exceed ``in_size``; windows then repeat.
    """
    in_size = check_int(in_size, "in_size", "adaptive_bins")
    out_size = check_int(out_size, "out_size", "adaptive_bins")
    # Integer arithmetic: float division would round some large sizes wrongly.
    return [((i * in_size) // out_size, -((-(i + 1) * in_size) // out_size)) for i in range(out_size)]


class ClassicWindow(NamedTuple):
    """One level of SPP-net's hand-computed pooling: a fixed kernel and stride."""

    kernel_size: int
    stride: int
    #: How many cells ``max_pool`` with this kernel and stride really gives;
    #: ``None`` when the stride is 0, which ``max_pool`` rejects.
    output_size: int | None
    #: How many cells the level was meant to give (n).
    wanted_size: int

    @property
    def correct(self) -> bool:
        return self.output_size == self.wanted_size


def classic_spp_window(in_size: int, out_size: int) -> ClassicWindow:
    """The kernel and stride of the SPP-net paper, and the size they really give.

    He et al. (2014) pool an a x a map into n x n cells with a sliding window of
    kernel ceil(a / n) and stride floor(a / n). That gives n cells only for some
    (a, n): a = 7, n = 4 has kernel 2, stride 1 and gives 6 cells, not 4.
    ``F.adaptive_max_pool2d(x, n)`` (see :func:`adaptive_bins`) always gives n.
    """
    in_size = check_int(in_size, "in_size", "classic_spp_window")
    out_size = check_int(out_size, "out_size", "classic_spp_window")
    kernel_size = -(-in_size // out_size)
    stride = in_size // out_size
    output_size = None if stride == 0 else (in_size - kernel_size) // stride + 1
    return ClassicWindow(kernel_size, stride, output_size, out_size)


def spatial_pyramid_pool(x: Tensor, levels: Sequence[int] = DEFAULT_LEVELS, mode: str = "max") -> Tensor:
    """Spatial pyramid pooling: (N, C, H, W) -> (N, C * sum(l * l for l in levels)).

    Each level l pools every map into an l x l grid of adaptive windows (l cells
    along each spatial dim, so l**d cells for d spatial dims); the grids are
    flattened channel by channel and concatenated, level after level. The length
    depends only on C and ``levels``, never on H and W, which is what let SPP-net
    feed images of any size into fully connected layers (He et al. 2014,
    arXiv:1406.4729). Level 1 alone is global pooling.
    """
    check_pool_input(x, "spatial_pyramid_pool")
    levels = _check_levels(levels, "spatial_pyramid_pool")
    check_choice(mode, SPP_MODES, "mode", "spatial_pyramid_pool")
    if x.shape[1] == 0:
        # adaptive_max_pool rejects C = 0; the empty answer is still well defined.
        return x.new_zeros(x.shape[0], 0)
    pool = adaptive_pool(mode, x)
    return torch.cat([pool(x, level).flatten(1) for level in levels], dim=1)


def spp_length(channels: int, levels: Sequence[int] = DEFAULT_LEVELS, spatial_rank: int = 2) -> int:
    """The length of :func:`spatial_pyramid_pool`'s vector, without running it."""
    levels = _check_levels(levels, "spp_length")
    return channels * sum(level**spatial_rank for level in levels)


def _check_spp_options(options: dict) -> dict:
    return {"levels": _check_levels(options["levels"], "SpatialPyramidPool"),
            "mode": check_choice(options["mode"], SPP_MODES, "mode", "SpatialPyramidPool")}


class SpatialPyramidPool(module_twin("SpatialPyramidPool", spatial_pyramid_pool,
                                     {"levels": DEFAULT_LEVELS, "mode": "max"}, check=_check_spp_options)):
    """Module twin of :func:`spatial_pyramid_pool`; ``output_features(C)`` sizes the next layer."""

    def output_features(self, channels: int, spatial_rank: int = 2) -> int:
        return spp_length(channels, self.levels, spatial_rank)


def _spp_by_layers(x: Tensor) -> Tensor:
    return torch.cat([adaptive_layer("max", x, level).flatten(1) for level in DEFAULT_LEVELS], dim=1)


def _spp_by_slicing(x: Tensor) -> Tensor:
    """The pyramid from its definition: every window sliced out by the adaptive-bin rule, then its max."""
    spatial = tuple(range(2, x.dim()))
    levels = []
    for level in DEFAULT_LEVELS:
        bins = [[(i * size // level, -(-(i + 1) * size // level)) for i in range(level)] for size in x.shape[2:]]
        cells = [x[(..., *(slice(start, end) for start, end in window))].amax(dim=spatial)
                 for window in itertools.product(*bins)]
        levels.append(torch.stack(cells, dim=2).flatten(1))  # channel by channel, cells in row-major order
    return torch.cat(levels, dim=1)


register(PoolingKind.make(
    "spp", spatial_pyramid_pool, lambda channels: SpatialPyramidPool(), "spatial_pyramid_pool(x, levels=(1, 2, 4))",
    (
        "Spatial pyramid pooling: max over 1x1, 2x2 and 4x4 grids of adaptive windows, "
        "concatenated; 21 values per channel for any input size."
    ),
    {
        # torch's own layers, so a wrong order of levels or channels in the helper shows.
        "torch.cat([nn.AdaptiveMaxPool2d(l)(x).flatten(1) for l in (1, 2, 4)], 1)": _spp_by_layers,
    },
    # The layer runs the helper's own kernel; slicing each window by hand checks the bins themselves.
    references={"max of x[..., floor(i*H/l):ceil((i+1)*H/l), ...] for every cell, level by level": _spp_by_slicing},
    output_shape=lambda shape: (shape[0], spp_length(shape[1], DEFAULT_LEVELS, len(shape) - 2)),
))
