"""The head cost explorer of notebook 01: sliders for C, H, W and the classes, a plot, a table.

``head_cost_explorer()`` returns a :class:`~gpool_helpers.widgets.base.FigureView`
over two pure functions, ``plot_head_costs`` (the picture) and
``describe_head_costs`` (the readout: each layer's formula with the numbers).
"""

from __future__ import annotations

import html
from typing import Sequence

import ipywidgets

from ..cnn.heads import HeadCost, flatten_head_cost, format_count, pooled_head_cost
from ..viz.heads import plot_head_costs, work_per_image
from .base import FigureView

#: The fully connected layers the flatten head may have between Flatten and the output.
HIDDEN_CHOICES = (
    ("none: Flatten -> classes", ()),
    ("one layer of 4096", (4096,)),
    ("4096 -> 4096 (VGG-16)", (4096, 4096)),
)

CHANNEL_CHOICES = (8, 16, 32, 64, 128, 256, 512, 1024, 2048)
CLASS_CHOICES = (10, 100, 1000)


def _rows(cost: HeadCost) -> str:
    rows = []
    for layer in cost.layers:
        rows.append(
            f"<tr><td>{html.escape(layer.name)}</td><td><code>{html.escape(layer.formula)}</code></td>"
            f"<td style='text-align:right'>{layer.parameters:,}</td>"
            f"<td style='text-align:right'>{layer.multiply_adds:,}</td></tr>"
        )
    return "".join(rows)


def describe_head_costs(channels: int, height: int, width: int, classes: int,
                        hidden_widths: Sequence[int] = (), kind: str = "avg") -> str:
    """HTML: both heads layer by layer (formula, parameters, multiply-adds), then the totals."""
    flatten = flatten_head_cost(channels, height, width, classes, tuple(hidden_widths))
    pooled = pooled_head_cost(channels, height, width, classes, kind=kind)
    header = "<tr><th>layer</th><th>parameters formula</th><th>parameters</th><th>multiply-adds</th></tr>"
    return (
        f"<div><b>Flatten head</b>: {html.escape(flatten.name.removeprefix('flatten head '))}"
        f"<table>{header}{_rows(flatten)}</table>"
        f"<b>Pooled head</b>: {html.escape(pooled.name.removeprefix(f'global {kind} pooling head '))}"
        f"<table>{header}{_rows(pooled)}</table>"
        f"<p>Parameters: {format_count(flatten.parameters)} against {format_count(pooled.parameters)}, "
        f"{flatten.parameters / pooled.parameters:,.1f} times as many. "
        f"Work per image: {format_count(work_per_image(flatten))} against "
        f"{format_count(work_per_image(pooled))} (the pooled head's includes "
        f"{pooled.pooling_operations:,} additions in the pooling).</p></div>"
    )


def head_cost_explorer(channels: int = 512, height: int = 7, width: int = 7, classes: int = 1000,
                       hidden_widths: Sequence[int] = (4096, 4096)) -> FigureView:
    """Sliders for C, H, W, a menu for the hidden layers and one for the classes.

    Starts at the VGG-16 head (512 x 7 x 7 -> 4096 -> 4096 -> 1000). Set a
    control from code to redraw, e.g. ``view.controls["H"].value = 14``.
    """
    hidden_options = [(label, widths) for label, widths in HIDDEN_CHOICES]
    if tuple(hidden_widths) not in [widths for _, widths in hidden_options]:
        hidden_options.append((" -> ".join(str(w) for w in hidden_widths), tuple(hidden_widths)))
    if channels not in CHANNEL_CHOICES:
        raise ValueError(f"head_cost_explorer expects channels to be one of {CHANNEL_CHOICES}; got {channels!r}")
    if classes not in CLASS_CHOICES:
        raise ValueError(f"head_cost_explorer expects classes to be one of {CLASS_CHOICES}; got {classes!r}")
    for name, value in (("height", height), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 32:
            raise ValueError(f"head_cost_explorer expects {name} to be an int from 1 to 32; got {value!r}")
    style = {"description_width": "150px"}
    layout = ipywidgets.Layout(width="480px")
    controls = {
        "C": ipywidgets.SelectionSlider(options=CHANNEL_CHOICES, value=channels, description="channels C",
                                        style=style, layout=layout),
        "H": ipywidgets.IntSlider(value=height, min=1, max=32, description="map height H", style=style, layout=layout),
        "W": ipywidgets.IntSlider(value=width, min=1, max=32, description="map width W", style=style, layout=layout),
        "hidden": ipywidgets.Dropdown(options=hidden_options, value=tuple(hidden_widths),
                                      description="flatten head's hidden", style=style, layout=layout),
        "classes": ipywidgets.Dropdown(options=CLASS_CHOICES, value=classes, description="classes K",
                                       style=style, layout=layout),
    }

    def draw(C, H, W, hidden, classes):
        return plot_head_costs(C, H, W, classes, hidden)

    def describe(C, H, W, hidden, classes):
        return describe_head_costs(C, H, W, classes, hidden)

    return FigureView(controls, draw, describe)
