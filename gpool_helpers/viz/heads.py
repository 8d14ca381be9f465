"""What a classifier head costs, drawn: flatten + fully connected against global pooling.

``plot_head_costs`` draws the counts of :mod:`gpool_helpers.cnn.heads` on log
scales, against the number of map positions H·W (left) and against the
channel count C (right), with the current sizes marked. Solid lines are
parameters; dashed lines are the work per image (multiply-adds, plus the
pooling's additions for the pooled head).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from ..cnn.heads import HeadCost, flatten_head_cost, pooled_head_cost
from ..i18n import gettext as _
from .style import CATEGORICAL_COLOURS, describe_figure, new_figure

__all__ = ["plot_head_costs"]

FLATTEN_COLOUR = CATEGORICAL_COLOURS[5]  # vermillion
POOLED_COLOUR = CATEGORICAL_COLOURS[4]  # blue

#: The ranges the curves span: maps from 1 x 1 to 64 x 64, channels from 1 to 4096.
POSITION_RANGE = (1, 64 * 64)
CHANNEL_RANGE = (1, 4096)


def work_per_image(cost: HeadCost) -> int:
    """Multiply-adds plus the pooling's own additions: everything the head computes for one image."""
    return cost.multiply_adds + cost.pooling_operations


def _costs(channels: int, height: int, width: int, classes: int, hidden_widths: tuple[int, ...], kind: str):
    return (
        flatten_head_cost(channels, height, width, classes, hidden_widths),
        pooled_head_cost(channels, height, width, classes, kind=kind),
    )


def plot_head_costs(
    channels: int = 512,
    height: int = 7,
    width: int = 7,
    classes: int = 1000,
    hidden_widths: Sequence[int] = (4096, 4096),
    kind: str = "avg",
) -> Figure:
    """Two log-log panels: head costs against H·W (C fixed) and against C (H, W fixed).

    The flatten head is Flatten -> ``hidden_widths`` -> ``classes``; the pooled
    head is global ``kind`` pooling -> one linear layer to ``classes`` (the
    NIN / ResNet style). Dots mark the sizes given.
    """
    hidden = tuple(hidden_widths)
    flatten_now, pooled_now = _costs(channels, height, width, classes, hidden, kind)  # also checks the input

    figure = new_figure(9.5, 4.0, layout="constrained")
    by_positions, by_channels = figure.subplots(1, 2, sharey=True)

    # Curves along H·W keep the map square-ish: H·W positions as height x (positions / height).
    positions = np.unique(np.geomspace(*POSITION_RANGE, 40).round().astype(int))
    channel_counts = np.unique(np.geomspace(*CHANNEL_RANGE, 40).round().astype(int))
    along_positions = [_costs(channels, 1, int(p), classes, hidden, kind) for p in positions]
    along_channels = [_costs(int(c), height, width, classes, hidden, kind) for c in channel_counts]

    for axes, xs, series, x_now, x_label in (
        (by_positions, positions, along_positions, height * width,
         f"positions per map, H·W (C = {channels})"),
        (by_channels, channel_counts, along_channels, channels,
         f"channels C (H x W = {height} x {width})"),
    ):
        for index, (label, colour) in enumerate((("flatten head", FLATTEN_COLOUR), ("pooled head", POOLED_COLOUR))):
            costs = [pair[index] for pair in series]
            now = (flatten_now, pooled_now)[index]
            axes.plot(xs, [c.parameters for c in costs], color=colour, linewidth=2, label=f"{label}: parameters")
            axes.plot(xs, [work_per_image(c) for c in costs], color=colour, linewidth=1.5, linestyle="--",
                      label=f"{label}: work per image")
            axes.plot([x_now], [now.parameters], "o", color=colour, markersize=7)
            axes.plot([x_now], [work_per_image(now)], "o", color=colour, markersize=7, fillstyle="none")
        axes.axvline(x_now, color="#555555", linewidth=0.8, linestyle=":")
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel(x_label)
        axes.grid(True, which="major", color="#dddddd", linewidth=0.6)
    by_positions.set_ylabel("count (log scale)")
    by_positions.legend(loc="upper left", fontsize=8, frameon=True)

    ratio = flatten_now.parameters / pooled_now.parameters
    widths_text = " -> ".join(str(w) for w in hidden) if hidden else "no hidden layer"
    figure.suptitle(
        f"C x H x W = {channels} x {height} x {width}, {classes} classes, flatten head with {widths_text}: "
        f"{flatten_now.parameters:,} against {pooled_now.parameters:,} parameters ({ratio:,.0f} x)",
        fontsize=10,
    )
    return describe_figure(figure, _(
        "Two log-log panels of head cost. For C x H x W = {channels} x {height} x {width} and {classes} classes, the "
        "flatten head has {flatten_parameters:,} parameters and the pooled head {pooled_parameters:,}, {ratio:,.0f} "
        "times fewer. Left: as the number of positions H·W grows, the flatten head's parameters and work grow in "
        "proportion while the pooled head's parameters stay flat. Right: as the channel count C grows, both grow.").format(
        channels=channels, height=height, width=width, classes=classes, flatten_parameters=flatten_now.parameters,
        pooled_parameters=pooled_now.parameters, ratio=ratio))
