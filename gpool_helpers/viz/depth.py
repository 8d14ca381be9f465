"""Plots for depth pooling (notebook 04): who wins each cell, and CBAM's attention.

- ``plot_channel_winners(x)``: the depth max map beside a map of which channel
  gave each cell its max.
- ``plot_spatial_attention(x, layer)``: the mean and max over the channels that
  CBAM's spatial attention reads, and the attention map it makes of them.

Each returns a Figure and keeps no state.
"""

from __future__ import annotations

import torch
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from torch import Tensor

from ..checks import check_int, check_maps, describe
from ..i18n import gettext as _
from ..cnn.cbam import SpatialAttention, channel_descriptors
from ..pooling import global_depth_pool
from .style import SEQUENTIAL_CMAP, categorical_colour, describe_figure, grid_text, new_figure, text_colour_on

__all__ = ["plot_channel_winners", "plot_spatial_attention"]

#: Beyond this many cells the per-cell numbers would be unreadable, so they are left out.
MAX_ANNOTATED_CELLS = 64


def _check_maps_and_sample(x: object, sample: object, function_name: str) -> tuple[Tensor, int]:
    x = check_maps(x, function_name, floating=True)
    sample = check_int(sample, "sample", function_name, minimum=0, maximum=x.shape[0] - 1)
    return x.detach(), sample


def _style_grid(axes, height: int, width: int) -> None:
    axes.set_xticks(range(width))
    axes.set_yticks(range(height))
    axes.set_xlabel("column w")
    axes.set_ylabel("row h")


def _annotate(axes, values: Tensor, image, fmt: str) -> None:
    height, width = values.shape
    if height * width > MAX_ANNOTATED_CELLS:
        return
    for row in range(height):
        for col in range(width):
            value = float(values[row, col])
            colour = text_colour_on(image.cmap(image.norm(value)))
            axes.text(col, row, format(value, fmt), ha="center", va="center", fontsize=8, color=colour)


def plot_channel_winners(x: Tensor, sample: int = 0) -> Figure:
    """Depth max of sample ``sample`` and, per cell, the channel that holds that max.

    Ties go to the lowest channel, as ``torch.max(dim=1)`` reports them.
    """
    x, sample = _check_maps_and_sample(x, sample, "plot_channel_winners")
    maps = x[sample]
    channels, height, width = maps.shape
    pooled = global_depth_pool(maps.unsqueeze(0), mode="max")[0, 0]
    winners = maps.max(dim=0).indices

    figure = new_figure(9.5, 4.2, layout="constrained")
    value_axes, winner_axes = figure.subplots(1, 2)

    image = value_axes.imshow(pooled.numpy(), cmap=SEQUENTIAL_CMAP)
    _annotate(value_axes, pooled, image, ".2f")
    _style_grid(value_axes, height, width)
    value_axes.set_title(f"max over the {channels} channels\n(1, {channels}, {height}, {width}) -> (1, 1, {height}, {width})")
    figure.colorbar(image, ax=value_axes, shrink=0.8)

    # One colour per channel; the channel number is also written in the cell,
    # because the palette repeats after eight labels.
    colours = ListedColormap([categorical_colour(c) for c in range(channels)])
    norm = BoundaryNorm([c - 0.5 for c in range(channels + 1)], channels)
    winner_image = winner_axes.imshow(winners.numpy(), cmap=colours, norm=norm)
    _annotate(winner_axes, winners.to(torch.float32), winner_image, ".0f")
    _style_grid(winner_axes, height, width)
    counts = torch.bincount(winners.flatten(), minlength=channels)
    never = [str(c) for c in range(channels) if counts[c] == 0]
    subtitle = f"channels that never win: {', '.join(never)}" if never else "every channel wins somewhere"
    winner_axes.set_title(f"which channel wins each cell\n{subtitle}")
    wins = "; ".join(_("channel {channel}: {count}").format(channel=c, count=int(counts[c])) for c in range(channels))
    return describe_figure(figure, _(
        "Depth max of sample {sample}: (1, {channels}, {height}, {width}) -> (1, 1, {height}, {width}). Left, the "
        "largest of the {channels} values at each position: {values}. Right, the channel each maximum came from: "
        "{winners}. Cells won per channel: {wins}."
    ).format(sample=sample, channels=channels, height=height, width=width, values=grid_text(pooled),
             winners=grid_text(winners, decimals=0), wins=wins))


def plot_spatial_attention(x: Tensor, layer, sample: int = 0, layer_name: str = "") -> Figure:
    """CBAM's view of sample ``sample``: mean and max over channels, then the attention map.

    ``layer`` is a :class:`gpool_helpers.cnn.cbam.SpatialAttention`;
    ``layer_name`` says which weights it holds and goes in the figure's title,
    so two figures of different layers never look alike.
    """
    maps, sample = _check_maps_and_sample(x, sample, "plot_spatial_attention")
    if not isinstance(layer, SpatialAttention):
        raise TypeError(_("plot_spatial_attention expects a SpatialAttention layer; got {got}").format(
            got=describe(layer)))
    one = maps[sample : sample + 1]
    with torch.no_grad():
        descriptors = channel_descriptors(one)[0]
        attention = layer.attention_map(one)[0, 0]
    channels, height, width = one.shape[1:]

    if not isinstance(layer_name, str):
        raise TypeError(_("plot_spatial_attention expects layer_name as text; got {got}").format(
            got=describe(layer_name)))
    figure = new_figure(9.5, 3.9, layout="constrained")
    mean_axes, max_axes, attention_axes = figure.subplots(1, 3)
    # Each descriptor gets its own scale: the mean of C values spans a much
    # narrower range than their max, and on a shared scale it would look flat.
    # The numbers in the cells compare the two exactly.
    for axes, values, title in (
        (mean_axes, descriptors[0], f"mean over {channels} channels"),
        (max_axes, descriptors[1], f"max over {channels} channels"),
    ):
        image = axes.imshow(values.numpy(), cmap=SEQUENTIAL_CMAP)
        _annotate(axes, values, image, ".2f")
        _style_grid(axes, height, width)
        axes.set_title(f"{title}\n(1, 1, {height}, {width}), own scale")
        figure.colorbar(image, ax=axes, shrink=0.8)

    # The attention is a sigmoid output, so its natural scale is 0 to 1.
    attention_image = attention_axes.imshow(attention.numpy(), cmap=SEQUENTIAL_CMAP, vmin=0.0, vmax=1.0)
    _annotate(attention_axes, attention, attention_image, ".2f")
    _style_grid(attention_axes, height, width)
    attention_axes.set_title(f"attention map (0 to 1)\n(1, 1, {height}, {width})")
    figure.colorbar(attention_image, ax=attention_axes, shrink=0.8)
    if layer_name:
        figure.suptitle(f"CBAM spatial attention, {layer_name}", fontsize=11)
    return describe_figure(figure, _(
        "CBAM spatial attention{layer} on sample {sample} of {channels} channels, {height}x{width}. Mean over the "
        "channels: {mean}. Max over the channels: {max}. The attention map made from them, between 0 and 1: "
        "{attention}."
    ).format(layer=f" ({layer_name})" if layer_name else "", sample=sample, channels=channels, height=height,
             width=width, mean=grid_text(descriptors[0]), max=grid_text(descriptors[1]),
             attention=grid_text(attention)))
