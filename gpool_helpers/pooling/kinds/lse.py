"""Log-sum-exp (LSE) pooling: a smooth max with sharpness r.

Pinheiro, Collobert, "From Image-level to Pixel-level Labeling with
Convolutional Networks", 2015, arXiv:1411.6228. r -> 0 approaches the average,
large r the max.

Range, per channel, for any r > 0 (n = the number of positions, H*W):

    max(mean(x), max(x) - log(n) / r)  <=  LSE_r(x)  <=  max(x)

The lower bound mean(x) is Jensen's inequality (log mean exp(r x) >= r mean(x));
max(x) - log(n) / r holds because the max's own term is 1/n of the mean after the
shift. LSE grows with r, and touches either end only on a constant map.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ...checks import check_pool_input, check_positive_knob
from ..registry import PoolingKind, per_channel_shape, register
from ..shapes import spatial_dims, spatial_positions
from ..tokens import segment_amax, segment_sum, token_counts
from ..twin import module_twin

__all__ = ["lse_pool", "LSEPool", "LSE_SMALL_R"]

#: Below this r, the stable path uses expm1/log1p, which keep their precision
#: as r -> 0; above it, torch.logsumexp, which is one fused kernel and faster.
LSE_SMALL_R = 0.1


def lse_pool(x: Tensor, r: float = 1.0) -> Tensor:
    """Log-sum-exp pooling: (1 / r) * log(mean(exp(r * x))), (N, C, *spatial) -> (N, C).

    Written as that formula, exp(r * x) overflows float32 once r * x passes
    about 88, so it always runs the *stable path* :func:`_lse_stable`: the same
    number as m + (1 / r) * log(mean(exp(r * (x - m)))), m = the map's max,
    where every exponent is at most 0.
    """
    check_pool_input(x, "lse_pool")
    check_positive_knob(r, "r", "lse_pool")
    return _lse_stable(x, r)


def _lse_stable(x: Tensor, r: float | Tensor) -> Tensor:
    """The stable path of :func:`lse_pool`, in two forms by the size of r.

    ``torch.logsumexp`` subtracts the max internally and is used for r >=
    ``LSE_SMALL_R``. For smaller r, subtracting log(H*W) from it would cancel
    most of the digits, so the shifted form is written out with ``expm1`` and
    ``log1p``, which keep their precision when r * (x - m) is tiny.
    """
    sharpness = float(r.detach()) if isinstance(r, Tensor) else float(r)
    if sharpness >= LSE_SMALL_R:
        # r = 1 is the default: skipping the scaling saves two kernels on small maps
        # (a tensor r keeps them, so it still gets a gradient).
        unit = sharpness == 1.0 and not isinstance(r, Tensor)
        scaled = x.flatten(2) if unit else r * x.flatten(2)
        pooled = torch.logsumexp(scaled, dim=2) - math.log(spatial_positions(x))
        return pooled if unit else pooled / r
    dims = spatial_dims(x)
    peak = x.amax(dim=dims, keepdim=True).detach()
    shifted_mean = torch.expm1(r * (x - peak)).mean(dim=dims)
    return peak.flatten(1) + torch.log1p(shifted_mean) / r


def _lse_shifted(x: Tensor) -> Tensor:
    peak = x.amax(dim=spatial_dims(x), keepdim=True)
    return peak.flatten(1) + (x - peak).exp().mean(dim=spatial_dims(x)).log()


def _check_lse_options(options: dict) -> dict:
    return {"r": float(check_positive_knob(options["r"], "r", "LSEPool"))}


LSEPool = module_twin("LSEPool", lse_pool, {"r": 1.0}, check=_check_lse_options)


# Token forms (notebook 08): log of the mean of exp over each row's or set's real tokens.


def _lse_masked(x: Tensor, mask: Tensor | None, r: float | Tensor = 1.0) -> Tensor:
    """(1 / r) log mean exp(r x) over the real tokens of (N, L, C); padding enters as exp(-inf) = 0."""
    check_positive_knob(r, "r", "masked_pool")
    scaled = r * x if mask is None else torch.where(mask[..., None], r * x, -math.inf)
    return (torch.logsumexp(scaled, dim=1) - token_counts(x, mask).log()) / r


def _lse_segment(x: Tensor, batch: Tensor, counts: Tensor, r: float | Tensor = 1.0) -> Tensor:
    """Shifted by each set's max, as logsumexp does, so exp cannot overflow."""
    check_positive_knob(r, "r", "segment_pool")
    peak = segment_amax(x.detach(), batch, counts)
    summed = segment_sum((r * (x - peak[batch])).exp(), batch, counts)
    # An empty set sums to 0, whose log has an infinite slope: take 1 there (the set pools to 0 anyway).
    mean = summed.masked_fill((counts == 0)[:, None], 1.0) / counts.clamp(min=1).to(x.dtype)[:, None]
    return peak + mean.log() / r


register(PoolingKind.make(
    "lse", lse_pool, lambda channels: LSEPool(r=1.0), "lse_pool(x, r=1.0)",
    (
        "Log-sum-exp pooling: (1/r) log mean exp(r x) per channel, r = 1; "
        "small r nears the average, large r the max."
    ),
    {
        "torch.logsumexp(x.flatten(2), dim=2) - math.log(H * W)":
            lambda x: torch.logsumexp(x.flatten(2), dim=2) - math.log(spatial_positions(x)),
        # The shifted formula written out with other ops than logsumexp (the plain
        # exp-mean-log would overflow, and as a benchmark rival it is not a fair one).
        "m + (x - m).exp().mean(dim=(2, 3)).log(), m = x.amax(dim=(2, 3), keepdim=True)": _lse_shifted,
    },
    masked=_lse_masked, segment=_lse_segment,
))
