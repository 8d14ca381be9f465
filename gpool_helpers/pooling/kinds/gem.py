"""Generalised mean (GeM) pooling: (mean(x^p))^(1/p), p learnable in the module.

Radenovic, Tolias, Chum, "Fine-tuning CNN Image Retrieval with No Human
Annotation", 2018, arXiv:1711.02512. p = 1 is the average; as p grows the
result nears the max.

Range, per channel, with c = clamp(x, eps) (GeM sees c, not x):

- any p > 0: in [min(c), max(c)], and it grows with p (the power-mean inequality);
- p >= 1: in [mean(c), max(c)]; p = 1 is mean(c), which is mean(x) for a map
  with no value below eps;
- p < 1: at most mean(c), strictly below it on a map that is not constant
  (p -> 0 nears the geometric mean). So GeM is not always "between mean and max";
- it reaches max(c) only in the limit p -> infinity (or on a constant map).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ...checks import check_pool_input, check_positive_knob
from ...i18n import gettext as _
from ..registry import PoolingKind, per_channel_shape, register
from ..shapes import spatial_dims, spatial_positions
from ..tokens import masked_amax, masked_mean, segment_amax, segment_mean

__all__ = ["gem_pool", "GeM"]

GEM_P = 3.0
GEM_EPS = 1e-6


def gem_pool(x: Tensor, p: float | Tensor = 3.0, eps: float = 1e-6) -> Tensor:
    """Generalised mean pooling: (mean(clamp(x, eps) ** p)) ** (1 / p), (N, C, *spatial) -> (N, C).

    Values below ``eps`` count as ``eps``: GeM is meant for non-negative
    (post-ReLU) features, and a fractional power of a negative number is not
    real. ``p`` may be a one-element tensor (the learnable p of :class:`GeM`);
    gradients reach x and p.

    The formula is the first path. When x ** p overflows (p = 100 on values
    near 10) or underflows, the *stable path* :func:`_gem_rescaled` computes
    the same number without either.
    """
    check_pool_input(x, "gem_pool")
    check_positive_knob(p, "p", "gem_pool")
    check_positive_knob(eps, "eps", "gem_pool")
    dims = spatial_dims(x)
    clamped = x.clamp(min=eps)
    # Under torch.compile the exactness check would break the graph, so the
    # compiled path always takes the stable path.
    if not torch.compiler.is_compiling():
        power_mean = clamped.pow(p).mean(dim=dims)  # the formula
        if _power_mean_lost_nothing(power_mean):
            return power_mean.pow(1.0 / p)
    return _gem_rescaled(clamped, p, dims, x)


def _gem_rescaled(clamped: Tensor, p: float | Tensor, dims: tuple[int, ...], x: Tensor) -> Tensor:
    """The stable path: m * (mean((x / m) ** p)) ** (1 / p), m = each map's max.

    The same number written so that nothing overflows: every x / m is at most
    1, and the max's own term keeps the mean at least 1 / (H*W).
    """
    # The result does not depend on m, so m needs no gradient of its own.
    scale = clamped.amax(dim=dims, keepdim=True).detach()
    if torch.is_grad_enabled() and (x.requires_grad or (isinstance(p, Tensor) and p.requires_grad)):
        powered_mean = (clamped / scale).pow(p).mean(dim=dims)
    else:
        # No graph to keep: work in the clamped copy instead of allocating two
        # more full-size tensors (benchmarks/run.py: 1.9x -> about 1.05x of the
        # plain, overflow-prone formula at 64x2048x7x7).
        powered_mean = clamped.div_(scale).pow_(p).mean(dim=dims)
    return scale.flatten(1) * powered_mean.pow(1.0 / p)


def _power_mean_lost_nothing(power_mean: Tensor) -> bool:
    """True when mean(x ** p) is finite everywhere and at least 2**24 times the
    smallest normal float: then every term that underflowed changed the mean by
    less than float32's rounding error. NaN fails both tests, so NaN input takes
    the stable path and still comes out NaN."""
    if power_mean.numel() == 0:
        return True
    info = torch.finfo(power_mean.dtype)
    # One fused pass for both ends; aminmax propagates NaN, which fails both tests.
    smallest, largest = torch.aminmax(power_mean)
    return bool(smallest >= info.tiny * 2**24) and bool(largest <= info.max)


class GeM(nn.Module):
    """Module twin of :func:`gem_pool`, with p learned by gradient descent.

    p starts at 3, the value Radenovic et al. initialise with; one p is shared
    by all channels, as in their paper. ``learnable=False`` keeps p fixed (a
    buffer, still saved with the model).
    """

    def __init__(self, p: float = 3.0, eps: float = 1e-6, learnable: bool = True) -> None:
        super().__init__()
        check_positive_knob(p, "p", "GeM")
        self.eps = float(check_positive_knob(eps, "eps", "GeM"))
        initial = torch.tensor([float(p)])
        if learnable:
            self.p = nn.Parameter(initial)
        else:
            self.register_buffer("p", initial)

    def forward(self, x: Tensor) -> Tensor:
        if not bool(self.p.detach() > 0):
            raise ValueError(
                _("GeM's p must stay positive, but training moved it to {p}; "
                  "lower the learning rate or use learnable=False").format(p=f"{float(self.p.detach()):.4g}")
            )
        return gem_pool(x, self.p, self.eps)

    def extra_repr(self) -> str:
        learnable = isinstance(self.p, nn.Parameter)
        return f"p={float(self.p.detach()):.4g}, eps={self.eps}, learnable={learnable}"


_LP_POOL = {1: F.lp_pool1d, 2: F.lp_pool2d, 3: F.lp_pool3d}


def _gem_by_lp_pool(x: Tensor) -> Tensor:
    """``lp_pool`` sums instead of averaging: it is (H*W) ** (1/p) times GeM, divided back here."""
    # lp_pool1d takes its kernel as an int, the 2-D and 3-D ones as tuples.
    window = x.shape[2] if x.dim() == 3 else tuple(x.shape[2:])
    summed = _LP_POOL[x.dim() - 2](x.clamp(min=GEM_EPS), GEM_P, window).flatten(1)
    return summed / spatial_positions(x) ** (1 / GEM_P)


# ----------------------------------------------------------------------------
# Token forms (notebook 08): the stable path over each row's or set's real tokens
# ----------------------------------------------------------------------------


def _gem_masked(x: Tensor, mask: Tensor | None, p: float | Tensor = GEM_P, eps: float = GEM_EPS) -> Tensor:
    """GeM over the real tokens of (N, L, C), rescaled by each row's max so that x ** p cannot overflow."""
    check_positive_knob(p, "p", "masked_pool")
    check_positive_knob(eps, "eps", "masked_pool")
    if mask is not None:  # padding may hold anything: selected away first, so it reaches neither value nor gradient
        x = torch.where(mask[..., None], x, eps)
    clamped = x.clamp(min=eps)
    scale = masked_amax(clamped, mask).detach()  # >= eps on a row with a token
    return scale * masked_mean((clamped / scale[:, None, :]).pow(p), mask).pow(1.0 / p)


def _gem_segment(x: Tensor, batch: Tensor, counts: Tensor, p: float | Tensor = GEM_P, eps: float = GEM_EPS) -> Tensor:
    check_positive_knob(p, "p", "segment_pool")
    check_positive_knob(eps, "eps", "segment_pool")
    clamped = x.clamp(min=eps)
    scale = segment_amax(clamped.detach(), batch, counts)
    powered_mean = segment_mean((clamped / scale[batch]).pow(p), batch, counts)
    # An empty set's mean is 0, and 0 ** (1 / p) has an infinite slope in p: take 1 there (the set pools to 0).
    powered_mean = powered_mean.masked_fill((counts == 0)[:, None], 1.0)
    return scale * powered_mean.pow(1.0 / p)


register(PoolingKind.make(
    "gem", gem_pool, lambda channels: GeM(p=GEM_P, eps=GEM_EPS), "gem_pool(x, p=3.0)",
    (
        "Generalised mean (GeM): (mean(x^p))^(1/p) per channel, p = 3 and learnable; "
        "p = 1 is the average, large p nears the max."
    ),
    {
        "x.clamp(min=1e-6).pow(3).mean(dim=(2, 3)).pow(1 / 3)": lambda x: x.clamp(min=GEM_EPS).pow(GEM_P).mean(dim=spatial_dims(x)).pow(1 / GEM_P),
        "F.lp_pool2d(x.clamp(min=1e-6), 3, x.shape[2:]).flatten(1) / (H * W) ** (1 / 3)": _gem_by_lp_pool,
    },
    learnable=True,
    masked=_gem_masked, segment=_gem_segment,
    module_options=lambda module: {"p": module.p, "eps": module.eps},
))
