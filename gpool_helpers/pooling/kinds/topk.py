"""Top-k pooling: the mean of the k largest values of each map.

k = 1 is global max pooling, k = H*W global average pooling. WILDCAT's k_max
(Durand et al., CVPR 2017) gives k as a share of the positions, as ``fraction`` does here.

Range, per channel: in [mean, max] for every k; it falls (never rises) as k
grows, from the max at k = 1 to the mean at k = H*W.
"""

from __future__ import annotations

import functools
import math

from torch import Tensor, nn

from ...checks import check_int, check_number, check_pool_input
from ...i18n import gettext as _
from ..registry import PoolingKind, per_channel_shape, register
from ..shapes import spatial_positions

__all__ = ["topk_pool", "TopKPool"]

TOPK_FRACTION = 0.25


def _check_fraction(fraction: object, function_name: str) -> float:
    return check_number(fraction, "fraction", function_name, minimum=0.0, maximum=1.0)


def _topk_count(x: Tensor, k: object, fraction: object, function_name: str) -> int:
    positions = spatial_positions(x)
    if (k is None) == (fraction is None):
        raise TypeError(
            _("{name} expects exactly one of k (how many values) or fraction "
              "(what share of the H*W positions); got k={k}, fraction={fraction}").format(
                name=function_name, k=repr(k), fraction=repr(fraction))
        )
    if k is not None:
        count = check_int(k, "k", function_name)
        if count > positions:
            raise ValueError(
                _("{name} expects k between 1 and the number of positions in each map "
                  "({positions} for spatial size {size}); got k={k}").format(
                    name=function_name, positions=positions, size=tuple(x.shape[2:]), k=count)
            )
        return count
    fraction = _check_fraction(fraction, function_name)
    # Round up, so any positive fraction keeps at least the max.
    return max(1, math.ceil(fraction * positions - 1e-9))


def topk_pool(x: Tensor, k: int | None = None, *, fraction: float | None = None) -> Tensor:
    """The mean of the k largest values of each map: (N, C, *spatial) -> (N, C).

    Give either ``k`` (a count) or ``fraction`` (a share of the H*W positions,
    rounded up, so the same setting fits every input size). The gradient
    reaches only the k chosen values.
    """
    check_pool_input(x, "topk_pool")
    count = _topk_count(x, k, fraction, "topk_pool")
    return x.flatten(2).topk(count, dim=2).values.mean(dim=2)


# Not module_twin: its repr shows only the option given (k=5, not k=5, fraction=None) and fraction is keyword-only.
class TopKPool(nn.Module):
    """Module twin of :func:`topk_pool`; give ``k`` or ``fraction``."""

    def __init__(self, k: int | None = None, *, fraction: float | None = None) -> None:
        super().__init__()
        if (k is None) == (fraction is None):
            raise TypeError(_("TopKPool expects exactly one of k or fraction; got k={k}, fraction={fraction}").format(
                k=repr(k), fraction=repr(fraction)))
        # k against H*W can only be checked when an input arrives.
        self.k = None if k is None else check_int(k, "k", "TopKPool")
        self.fraction = None if fraction is None else _check_fraction(fraction, "TopKPool")

    def forward(self, x: Tensor) -> Tensor:
        return topk_pool(x, self.k, fraction=self.fraction)

    def extra_repr(self) -> str:
        return f"k={self.k}" if self.k is not None else f"fraction={self.fraction}"


def _default_k(x: Tensor) -> int:
    return max(1, math.ceil(TOPK_FRACTION * spatial_positions(x) - 1e-9))


def _topk_builtin(x: Tensor) -> Tensor:
    return x.flatten(2).topk(_default_k(x), dim=2).values.mean(dim=2)


def _topk_by_sorting(x: Tensor) -> Tensor:
    return x.flatten(2).sort(dim=2, descending=True).values[..., : _default_k(x)].mean(dim=2)


register(PoolingKind.make(
    "topk", functools.partial(topk_pool, fraction=TOPK_FRACTION), lambda channels: TopKPool(fraction=TOPK_FRACTION), "topk_pool(x, fraction=0.25)",
    (
        "Top-k pooling: the mean of the largest quarter of each channel's values "
        "(k = 4 of 16 on a 4x4 map); k = 1 is max, k = H*W average."
    ),
    {
        "x.flatten(2).topk(k, dim=2).values.mean(dim=2)": _topk_builtin,
        "x.flatten(2).sort(dim=2, descending=True).values[..., :k].mean(dim=2)": _topk_by_sorting,
    },
))
