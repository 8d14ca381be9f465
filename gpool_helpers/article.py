"""A re-creation of the blog post's depth-pooling class, kept to be dissected.

The post ("轻松学Pytorch – 全局池化层详解") builds global depth pooling by
subclassing ``nn.MaxPool1d`` and calls the class ``DeepWise_Pool``. This file
rewrites it from its description, keeping every behaviour that matters,
including the bugs, so notebook 04 can run them live:

1. ``kernel_size`` is the channel count given at construction, so the layer
   only fits that one channel count. Fewer channels: "Invalid computed output
   size: 0". More channels, but fewer than ``channels + isize``: no error and a
   wrong answer, the max over the first ``channels`` channels only. From
   ``channels + isize`` on: several windows, then the final view fails.
2. ``stride`` is set to a spatial size (H*W) although it strides along channels.
3. The forward flattens with ``.view``, which fails on non-contiguous input
   whose H and W cannot be merged without a copy (a transposed or cropped
   map). Strided layouts that keep H*W mergeable (channels_last, every other
   column) happen to pass.
4. The last ``.view(H, W)`` drops N and the channel dim: batch 1 gives an
   (H, W) tensor instead of (1, 1, H, W); any larger batch raises.
5. It only does max pooling, and ``return_indices=True`` crashes it.

Do not use it; :func:`gpool_helpers.global_depth_pool` is the fix.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .checks import describe
from .i18n import gettext as _

__all__ = ["ArticleDepthPool", "DeepWise_Pool", "trace_article_depth_pool"]


class ArticleDepthPool(nn.MaxPool1d):
    """The post's ``DeepWise_Pool(channels, isize)``, bugs included."""

    def __init__(self, channels: int, isize: int) -> None:
        super().__init__(channels)
        # As in the post: the window spans all channels it was built for...
        self.kernel_size = channels
        # ...and the "stride" is really the number of spatial positions.
        self.stride = isize

    def forward(self, input: Tensor) -> Tensor:
        # The post names the spatial dims (w, h) although NCHW stores H then W.
        n, c, w, h = input.size()
        # (N, C, H*W) -> (N, H*W, C): each position becomes a row of C values.
        rows = input.view(n, c, w * h).permute(0, 2, 1)
        pooled = F.max_pool1d(
            rows,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )
        _, _, c = pooled.size()
        pooled = pooled.permute(0, 2, 1)
        # The bug that matters most: the final view keeps only (w, h).
        return pooled.view(n, c, w, h).view(w, h)


#: The name the blog post uses, for readers comparing side by side.
DeepWise_Pool = ArticleDepthPool

def trace_article_depth_pool(x: Tensor, channels: int | None = None, isize: int | None = None):
    """Run the post's forward one step at a time.

    Returns a list of ``(step, shape or error message)``; stops at the first
    step that raises, recording the error instead of raising, so a notebook
    can show exactly where the class breaks.
    """
    # Errors in the input itself are the caller's, not the post's: raise them
    # rather than record them as a step.
    if not isinstance(x, torch.Tensor):
        raise TypeError(_("{name} expects a tensor shaped (N, C, H, W); got {got}").format(
            name="trace_article_depth_pool", got=describe(x)))
    if x.dim() != 4:
        raise ValueError(
            _("trace_article_depth_pool expects a tensor shaped (N, C, H, W), the only "
              "shape the post's class unpacks; got shape {shape}").format(shape=tuple(x.shape))
        )
    n, c, w, h = x.shape
    channels = c if channels is None else channels
    isize = w * h if isize is None else isize
    steps: list[tuple[str, str]] = [("input", str(tuple(x.shape)))]

    def record(label, action):
        try:
            value = action()
        except Exception as error:  # noqa: BLE001 - the point is to show the error
            steps.append((label, f"{type(error).__name__}: {error}"))
            return None
        steps.append((label, str(tuple(value.shape))))
        return value

    flat = record("input.view(n, c, w * h)", lambda: x.view(n, c, w * h))
    if flat is None:
        return steps
    rows = record(".permute(0, 2, 1)", lambda: flat.permute(0, 2, 1))
    pooled = record(
        f"F.max_pool1d(kernel_size={channels}, stride={isize})",
        lambda: F.max_pool1d(rows, channels, isize),
    )
    if pooled is None:
        return steps
    pooled = record(".permute(0, 2, 1)", lambda: pooled.permute(0, 2, 1))
    pooled_channels = pooled.shape[1]
    grid = record(
        f".view(n, c, w, h) with c={pooled_channels}",
        lambda: pooled.view(n, pooled_channels, w, h),
    )
    if grid is None:
        return steps
    record(".view(w, h)", lambda: grid.view(w, h))
    return steps
