"""Other channel-wise uses of global pooling in real networks (notebook 04).

- :class:`SqueezeExcite`: Hu, Shen, Sun, "Squeeze-and-Excitation Networks",
  CVPR 2018, arXiv:1709.01507. *Squeeze* is global average pooling,
  (N, C, H, W) -> (N, C); *excitation* is a small MLP, C -> C/r -> C, then a
  sigmoid, giving one weight in (0, 1) per channel; the block returns the input
  with each channel multiplied by its weight, (N, C, H, W) again.
- :class:`ChannelAttention`: the first half of CBAM (Woo, Park, Lee, Kweon,
  ECCV 2018, arXiv:1807.06521). The same idea with two squeezes, global
  average *and* global max pooling, each sent through one shared MLP; the two
  outputs are added before the sigmoid.
- :func:`maxout`: Goodfellow, Warde-Farley, Mirza, Courville, Bengio, "Maxout
  Networks", ICML 2013, arXiv:1302.4389. The max over groups of ``pieces``
  consecutive channels, (N, C, H, W) -> (N, C / pieces, H, W): depth max
  pooling within each group. With ``pieces = C`` there is one group, and
  maxout is global depth max pooling.

The two attention blocks pool over the positions to decide *which channels*
matter; CBAM's spatial attention (:mod:`.cbam`) pools over the channels to
decide *where*. The MLPs are ``nn.Linear`` layers with biases, as in both
papers' released code.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ..checks import check_int, describe
from ..i18n import gettext as _
from ..pooling import global_avg_pool, global_max_pool
from .cbam import _check_feature_map

__all__ = ["ChannelAttention", "SqueezeExcite", "channel_mlp", "maxout"]

#: The reduction ratio r both papers settle on (C -> C/16 -> C).
PAPER_REDUCTION = 16


def _hidden_size(channels: int, reduction: int, function_name: str) -> int:
    channels = check_int(channels, "channels", function_name)
    reduction = check_int(reduction, "reduction", function_name)
    # At least one hidden unit, so a small C with a large r still builds.
    return max(1, channels // reduction)


def _seeded_linear_(layer: nn.Linear, generator: torch.Generator) -> None:
    # nn.Linear.reset_parameters' distributions, drawn from our generator.
    with torch.no_grad():
        nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
        bound = 1 / math.sqrt(layer.in_features)
        nn.init.uniform_(layer.bias, -bound, bound, generator=generator)


def channel_mlp(channels: int, reduction: int = PAPER_REDUCTION, generator: torch.Generator | None = None) -> nn.Sequential:
    """The excitation MLP: Linear(C, C/r), ReLU, Linear(C/r, C). (N, C) -> (N, C)."""
    hidden = _hidden_size(channels, reduction, "channel_mlp")
    mlp = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(), nn.Linear(hidden, channels))
    if generator is not None:
        _seeded_linear_(mlp[0], generator)
        _seeded_linear_(mlp[2], generator)
    return mlp


def _check_channels(x: object, channels: int, function_name: str) -> Tensor:
    x = _check_feature_map(x, function_name)
    if x.shape[1] != channels:
        raise ValueError(
            _("{name} was built for {channels} channels; got shape {shape} "
              "with {got} (build one with channels={got})").format(
                name=function_name, channels=channels, shape=tuple(x.shape), got=x.shape[1])
        )
    return x


class SqueezeExcite(nn.Module):
    """SE block: (N, C, H, W) -> (N, C, H, W), each channel scaled by a learned weight.

    - ``channel_weights(x)``: sigmoid(mlp(global_avg_pool(x))), shaped (N, C).
    - ``forward(x)``: ``x * channel_weights(x)[:, :, None, None]``.
    """

    def __init__(self, channels: int, reduction: int = PAPER_REDUCTION, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.channels = check_int(channels, "channels", "SqueezeExcite")
        self.reduction = check_int(reduction, "reduction", "SqueezeExcite")
        self.mlp = channel_mlp(channels, reduction, generator)

    def channel_weights(self, x: Tensor) -> Tensor:
        x = _check_channels(x, self.channels, "SqueezeExcite")
        squeezed = global_avg_pool(x)  # (N, C): one number per channel
        return torch.sigmoid(self.mlp(squeezed))

    def forward(self, x: Tensor) -> Tensor:
        # (N, C) -> (N, C, 1, 1), so the weight broadcasts over H and W.
        return x * self.channel_weights(x)[:, :, None, None]

    def extra_repr(self) -> str:
        return f"channels={self.channels}, reduction={self.reduction}"


class ChannelAttention(nn.Module):
    """CBAM's channel attention: SE with an average and a max squeeze through one shared MLP.

    - ``channel_weights(x)``: sigmoid(mlp(GAP(x)) + mlp(GMP(x))), shaped (N, C).
    - ``forward(x)``: ``x * channel_weights(x)[:, :, None, None]``.
    """

    def __init__(self, channels: int, reduction: int = PAPER_REDUCTION, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.channels = check_int(channels, "channels", "ChannelAttention")
        self.reduction = check_int(reduction, "reduction", "ChannelAttention")
        self.mlp = channel_mlp(channels, reduction, generator)

    def channel_weights(self, x: Tensor) -> Tensor:
        x = _check_channels(x, self.channels, "ChannelAttention")
        # One MLP for both squeezes: the same weights read the average and the max.
        return torch.sigmoid(self.mlp(global_avg_pool(x)) + self.mlp(global_max_pool(x)))

    def forward(self, x: Tensor) -> Tensor:
        return x * self.channel_weights(x)[:, :, None, None]

    def extra_repr(self) -> str:
        return f"channels={self.channels}, reduction={self.reduction}"


def maxout(x: Tensor, pieces: int) -> Tensor:
    """Max over groups of ``pieces`` consecutive channels: (N, C, *spatial) -> (N, C / pieces, *spatial).

    Group g holds channels g * pieces to (g + 1) * pieces - 1. ``pieces = C``
    is global depth max pooling; ``pieces = 1`` returns the input's values.
    """
    if not isinstance(x, Tensor) or x.dim() < 3:
        shown = _("shape {shape}").format(shape=tuple(x.shape)) if isinstance(x, Tensor) else describe(x)
        raise TypeError(_("maxout expects a tensor shaped (N, C, *spatial); got {got}").format(got=shown))
    pieces = check_int(pieces, "pieces", "maxout")
    channels = x.shape[1]
    if channels % pieces:
        raise ValueError(
            _("maxout expects the channel count to be a multiple of pieces; got {channels} channels "
              "and pieces={pieces}").format(channels=channels, pieces=pieces)
        )
    # (N, C, ...) -> (N, C / pieces, pieces, ...): each group gets its own dim to reduce.
    return x.unflatten(1, (channels // pieces, pieces)).amax(dim=2)
