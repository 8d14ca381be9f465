"""CBAM's spatial attention: a real network part built on global depth pooling.

Woo, Park, Lee and Kweon, "CBAM: Convolutional Block Attention Module",
ECCV 2018, arXiv:1807.06521. CBAM refines a feature map twice: first it
re-weights the channels, then the positions. The second step, spatial
attention, is

    M_s(F) = sigmoid(conv7x7([AvgPool(F); MaxPool(F)]))

where both pools run *across the channels* (global depth pooling), so each
turns (N, C, H, W) into (N, 1, H, W). Their concatenation, (N, 2, H, W), is
the only thing the 7x7 convolution sees: the layer has 2 * 7 * 7 = 98 weights
whatever C is. The attention map (N, 1, H, W) lies in (0, 1) and multiplies
every channel of the input at the same position.

The descriptor order [mean; max] and the bare conv + sigmoid follow the paper's
equation. (The authors' released code stacks max first and puts a batch norm
after the conv; for a learned convolution the order only decides which input
channel each half of the weights reads.)
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ..checks import check_int, check_maps, check_number
from ..i18n import gettext as _
from ..pooling import global_depth_pool

__all__ = ["SpatialAttention", "channel_descriptors"]

#: The kernel size the paper settles on (it compared 3 and 7; 7 did better).
CBAM_KERNEL_SIZE = 7

#: What the two descriptor channels hold, in order.


def _check_feature_map(x: object, function_name: str) -> Tensor:
    """CBAM works on 2-D feature maps: a float (N, C, H, W) tensor with C, H, W >= 1 (N may be 0).

    Checked here rather than left to ``global_depth_pool``, so the error names
    the function the learner called.
    """
    return check_maps(x, function_name, floating=True, empty_batch=True)


def channel_descriptors(x: Tensor) -> Tensor:
    """The two maps CBAM's convolution reads: (N, C, H, W) -> (N, 2, H, W).

    Channel 0 is the mean over the C channels at each position, channel 1 the
    max: ``global_depth_pool`` in its two modes, concatenated along dim 1.
    """
    _check_feature_map(x, "channel_descriptors")
    return torch.cat([global_depth_pool(x, mode="avg"), global_depth_pool(x, mode="max")], dim=1)


def _check_kernel_size(kernel_size: object) -> int:
    # An even kernel cannot be padded symmetrically, so the map would change size.
    check_int(kernel_size, "kernel_size", "SpatialAttention")
    if kernel_size % 2 == 0:
        raise ValueError(
            _("SpatialAttention expects kernel_size to be a positive odd int (the paper uses 7); got {got}").format(
                got=repr(kernel_size))
        )
    return kernel_size


class SpatialAttention(nn.Module):
    """CBAM's spatial attention: (N, C, H, W) -> (N, C, H, W), re-weighted per position.

    - ``attention_map(x)``: the (N, 1, H, W) map in (0, 1).
    - ``forward(x)``: ``x * attention_map(x)``, the map broadcast over channels.

    ``generator`` makes the initial weights reproducible without touching the
    global random state; the initialisation is ``nn.Conv2d``'s own.
    """

    def __init__(
        self,
        kernel_size: int = CBAM_KERNEL_SIZE,
        bias: bool = False,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = _check_kernel_size(kernel_size)
        # "Same" padding keeps H and W, so the map lines up with the input cell by cell.
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=bias)
        if generator is not None:
            self._reset_parameters(generator)

    def _reset_parameters(self, generator: torch.Generator) -> None:
        # The same distributions nn.Conv2d.reset_parameters uses, drawn from our generator.
        with torch.no_grad():
            nn.init.kaiming_uniform_(self.conv.weight, a=math.sqrt(5), generator=generator)
            if self.conv.bias is not None:
                bound = 1 / math.sqrt(2 * self.kernel_size * self.kernel_size)
                nn.init.uniform_(self.conv.bias, -bound, bound, generator=generator)

    @classmethod
    def from_centre_weights(
        cls,
        mean_weight: float,
        max_weight: float,
        bias: float = 0.0,
        kernel_size: int = CBAM_KERNEL_SIZE,
    ) -> "SpatialAttention":
        """A layer whose kernel is zero except at its centre.

        Its map is ``sigmoid(mean_weight * mean + max_weight * max + bias)`` at
        each position, with no neighbours mixed in: a readable stand-in for
        trained weights.
        """
        for name, value in (("mean_weight", mean_weight), ("max_weight", max_weight), ("bias", bias)):
            check_number(value, name, "SpatialAttention.from_centre_weights", minimum=-math.inf)
        layer = cls(kernel_size=kernel_size, bias=True)
        centre = kernel_size // 2
        with torch.no_grad():
            layer.conv.weight.zero_()
            layer.conv.weight[0, 0, centre, centre] = float(mean_weight)
            layer.conv.weight[0, 1, centre, centre] = float(max_weight)
            layer.conv.bias.fill_(float(bias))
        return layer

    def attention_map(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, 1, H, W), every value in (0, 1)."""
        _check_feature_map(x, "SpatialAttention")
        descriptors = channel_descriptors(x).to(self.conv.weight.dtype)
        return torch.sigmoid(self.conv(descriptors))

    def forward(self, x: Tensor) -> Tensor:
        return x * self.attention_map(x)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}"
