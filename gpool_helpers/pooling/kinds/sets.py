"""Sum and statistics pooling: two kinds notebook 08 adds for sequences and sets.

- ``sum``: the sum over the tokens. Deep Sets (Zaheer et al., "Deep Sets", 2017,
  arXiv:1703.06114) pools a set with a sum, and GIN (Xu, Hu, Leskovec, Jegelka,
  "How Powerful are Graph Neural Networks?", 2019, arXiv:1810.00826) reads a
  graph out with one: the sum keeps how many tokens there are, the mean and the
  max forget it.
- ``statistics``: the mean and the standard deviation over the tokens side by
  side, (N, 2C), the statistics pooling of x-vectors (Snyder, Garcia-Romero,
  Sell, Povey, Khudanpur, "X-Vectors: Robust DNN Embeddings for Speaker
  Recognition", ICASSP 2018), which pools a speaker's frames over time.

Both pool maps too, each map's H*W positions read as tokens, but the image
menus of notebooks 00-07 do not list them (``in_map_menus=False``).

The standard deviation is the population one (divide by the count, not by
count - 1): one token has spread 0, not NaN. A variance up to
``STATISTICS_EPS`` = 1e-12 counts as 0 (a standard deviation up to 1e-6), with
a gradient of 0: the square root's slope at 0 is infinite, and a constant row
would otherwise put NaN in the gradient.
"""

from __future__ import annotations

import functools

import torch
from torch import Tensor

from ...checks import check_pool_input
from ..registry import PoolingKind, per_channel_shape, register
from ..shapes import spatial_dims, spatial_positions
from ..tokens import masked_mean, masked_sum, segment_mean, segment_sum
from ..twin import module_twin

__all__ = ["global_sum_pool", "statistics_pool", "GlobalSumPool", "StatisticsPool", "STATISTICS_EPS"]

STATISTICS_EPS = 1e-12


def global_sum_pool(x: Tensor) -> Tensor:
    """The sum of each (n, c) map: (N, C, *spatial) -> (N, C); H*W times the global average."""
    check_pool_input(x, "global_sum_pool")
    return x.sum(dim=spatial_dims(x))


def statistics_pool(x: Tensor) -> Tensor:
    """Mean and standard deviation of each map side by side: (N, C, *spatial) -> (N, 2C).

    The first C features are the means, the next C the standard deviations
    (population; a variance up to 1e-12 counts as 0), as x-vectors' statistics pooling.
    """
    check_pool_input(x, "statistics_pool")
    dims = spatial_dims(x)
    mean = x.mean(dim=dims)
    variance = (x - mean.reshape(*mean.shape, *(1,) * len(dims))).square().mean(dim=dims)
    return torch.cat([mean, _standard_deviation(variance)], dim=1)


def _standard_deviation(variance: Tensor) -> Tensor:
    """sqrt(variance), 0 where the variance is at most STATISTICS_EPS, with a finite gradient everywhere.

    The clamp inside keeps the square root's unused branch finite: torch.where passes it a gradient of 0,
    and 0 times the slope of sqrt at 0 (infinite) would be NaN.
    """
    return torch.where(variance > STATISTICS_EPS, variance.clamp(min=STATISTICS_EPS).sqrt(), 0.0)


GlobalSumPool = module_twin("GlobalSumPool", global_sum_pool)
StatisticsPool = module_twin("StatisticsPool", statistics_pool)


# Token forms: over the real tokens of padded rows, or over each set of concatenated tokens.


def _statistics_masked(x: Tensor, mask: Tensor | None) -> Tensor:
    if mask is not None:  # padding selected away first, so (x - mean) ** 2 never sees it
        x = torch.where(mask[..., None], x, 0.0)
    mean = masked_mean(x, mask)
    variance = masked_mean((x - mean[:, None, :]).square(), mask)
    return torch.cat([mean, _standard_deviation(variance)], dim=1)


def _statistics_segment(x: Tensor, batch: Tensor, counts: Tensor) -> Tensor:
    mean = segment_mean(x, batch, counts)
    variance = segment_mean((x - mean[batch]).square(), batch, counts)
    return torch.cat([mean, _standard_deviation(variance)], dim=1)


register(PoolingKind.make(
    "sum", global_sum_pool, lambda channels: GlobalSumPool(), "global_sum_pool(x)",
    "Sum pooling: the sum over the tokens (or the H*W positions); unlike the mean, it grows with their number.",
    {
        "x.sum(dim=(2, 3))": lambda x: x.sum(dim=spatial_dims(x)),
        "x.mean(dim=(2, 3)) * (H * W)": lambda x: x.mean(dim=spatial_dims(x)) * spatial_positions(x),
    },
    masked=masked_sum, segment=segment_sum, in_map_menus=False,
))

register(PoolingKind.make(
    "statistics", statistics_pool, lambda channels: StatisticsPool(), "statistics_pool(x)",
    "Statistics pooling: the C means, then the C standard deviations over the tokens, 2C values in all.",
    {
        "torch.cat([x.mean(dim=(2, 3)), x.std(dim=(2, 3), correction=0)], dim=1)":
            lambda x: torch.cat([x.mean(dim=spatial_dims(x)),
                                 _standard_deviation(x.var(dim=spatial_dims(x), correction=0))], dim=1),
    },
    output_shape=functools.partial(per_channel_shape, multiplier=2),
    masked=_statistics_masked, segment=_statistics_segment, in_map_menus=False,
))
