"""Top-k pooling: the mean of the k largest values of each map.

k = 1 is global max pooling, k = H*W global average pooling. WILDCAT's k_max
(Durand et al., CVPR 2017) gives k as a share of the positions, as ``fraction`` does here.

Range, per channel: in [mean, max] for every k; it falls (never rises) as k
grows, from the max at k = 1 to the mean at k = H*W.
"""

from __future__ import annotations

import functools
import math

import torch
from torch import Tensor, nn

from ...checks import check_int, check_number, check_pool_input
from ...i18n import gettext as _
from ..registry import PoolingKind, per_channel_shape, register
from ..shapes import spatial_positions
from ..tokens import masked_mean, segments_to_padded_checked

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


# Token forms (notebook 08): each row keeps its own k, from its own number of real tokens.


def _topk_masked(x: Tensor, mask: Tensor | None, k: int | None = None, *, fraction: float | None = None) -> Tensor:
    """The mean of each row's k largest real tokens, channel by channel: (N, L, C) -> (N, C).

    ``fraction`` gives each row k = ceil(fraction * its length), as the map
    form does with H*W; a fixed ``k`` longer than a row takes all of that row.
    """
    if k is None and fraction is None:
        fraction = TOPK_FRACTION
    if (k is None) == (fraction is None):
        raise TypeError(_("{name} expects exactly one of k (how many values) or fraction "
                          "(what share of the H*W positions); got k={k}, fraction={fraction}").format(
            name="masked_pool", k=repr(k), fraction=repr(fraction)))
    lengths = torch.full((x.shape[0],), x.shape[1], device=x.device) if mask is None else mask.sum(dim=1)
    if k is not None:
        per_row = lengths.clamp(max=check_int(k, "k", "masked_pool"))
    else:
        share = _check_fraction(fraction, "masked_pool")
        per_row = torch.ceil(share * lengths.double() - 1e-9).long()
    per_row = per_row.clamp(min=1)  # at least the max, as the map form; an empty row is the wrapper's
    most = min(int(per_row.max()), x.shape[1]) if x.shape[0] else 1
    candidates = x if mask is None else torch.where(mask[..., None], x, -math.inf)
    largest = candidates.topk(most, dim=1).values  # (N, most, C), each channel sorted on its own
    return masked_mean(largest, torch.arange(most, device=x.device) < per_row[:, None])


def _topk_segment(x: Tensor, batch: Tensor, counts: Tensor, k: int | None = None, *,
                  fraction: float | None = None) -> Tensor:
    padded, mask = segments_to_padded_checked(x, batch, counts)
    return _topk_masked(padded, mask | (counts == 0)[:, None], k, fraction=fraction)


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
    masked=_topk_masked, segment=_topk_segment,
))
