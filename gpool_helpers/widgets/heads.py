"""The head cost explorer of notebook 01: sliders for C, H, W and the classes, a plot, a table.

``head_cost_explorer()`` returns a :class:`~gpool_helpers.widgets.base.FigureView`
over two pure functions, ``plot_head_costs`` (the picture) and
``describe_head_costs`` (the readout: each layer's formula with the numbers).
"""

from __future__ import annotations

import html
from typing import Sequence

import ipywidgets

from ..checks import check_choice, check_int
from ..cnn.heads import HeadCost, display_name, flatten_head_cost, format_count, pooled_head_cost
from ..i18n import N_, gettext as _
from ..viz.heads import plot_head_costs, work_per_image
from .base import FigureView

__all__ = ["head_cost_explorer"]

#: The fully connected layers the flatten head may have between Flatten and the output.
#: (label, widths); the labels are English, shown through ``_()``.
HIDDEN_CHOICES = (
    (N_("none: Flatten -> classes"), ()),
    (N_("one layer of 4096"), (4096,)),
    ("4096 -> 4096 (VGG-16)", (4096, 4096)),
)

CHANNEL_CHOICES = (8, 16, 32, 64, 128, 256, 512, 1024, 2048)
CLASS_CHOICES = (10, 100, 1000)


def _rows(cost: HeadCost) -> str:
    rows = []
    for layer in cost.layers:
        name = display_name(layer.name)
        # A formula is arithmetic ("C·K + K") or, for the pooling layer, words with a translation.
        rows.append(
            f"<tr><td>{html.escape(name)}</td><td><code>{html.escape(_(layer.formula))}</code></td>"
            f"<td style='text-align:right'>{layer.parameters:,}</td>"
            f"<td style='text-align:right'>{layer.multiply_adds:,}</td></tr>"
        )
    return "".join(rows)


def describe_head_costs(channels: int, height: int, width: int, classes: int,
                        hidden_widths: Sequence[int] = (), kind: str = "avg") -> str:
    """HTML: both heads layer by layer (formula, parameters, multiply-adds), then the totals."""
    flatten = flatten_head_cost(channels, height, width, classes, tuple(hidden_widths))
    pooled = pooled_head_cost(channels, height, width, classes, kind=kind)
    header = (f"<tr><th>{_('layer')}</th><th>{_('parameters formula')}</th><th>{_('parameters')}</th>"
              f"<th>{_('multiply-adds')}</th></tr>")
    totals = _(
        "Parameters: {flatten_parameters} against {pooled_parameters}, {ratio} times as many. "
        "Work per image: {flatten_work} against {pooled_work} (the pooled head's includes "
        "{pooling_operations} additions in the pooling)."
    ).format(
        flatten_parameters=format_count(flatten.parameters), pooled_parameters=format_count(pooled.parameters),
        ratio=f"{flatten.parameters / pooled.parameters:,.1f}", flatten_work=format_count(work_per_image(flatten)),
        pooled_work=format_count(work_per_image(pooled)), pooling_operations=f"{pooled.pooling_operations:,}",
    )
    flatten_path = html.escape(flatten.name.removeprefix('flatten head '))
    pooled_path = html.escape(pooled.name.removeprefix(f'global {kind} pooling head '))
    return (
        "<div>" + _("{head}: {path}").format(head=f"<b>{_('Flatten head')}</b>", path=flatten_path)
        + f"<table>{header}{_rows(flatten)}</table>"
        + _("{head}: {path}").format(head=f"<b>{_('Pooled head')}</b>", path=pooled_path)
        + f"<table>{header}{_rows(pooled)}</table>"
        f"<p>{totals}</p></div>"
    )


def head_cost_explorer(channels: int = 512, height: int = 7, width: int = 7, classes: int = 1000,
                       hidden_widths: Sequence[int] = (4096, 4096)) -> FigureView:
    """Sliders for C, H, W, a menu for the hidden layers and one for the classes.

    Starts at the VGG-16 head (512 x 7 x 7 -> 4096 -> 4096 -> 1000). Set a
    control from code to redraw, e.g. ``view.controls["H"].value = 14``.
    """
    hidden_options = [(_(label), widths) for label, widths in HIDDEN_CHOICES]
    if tuple(hidden_widths) not in [widths for _label, widths in hidden_options]:
        hidden_options.append((" -> ".join(str(w) for w in hidden_widths), tuple(hidden_widths)))
    # Only values the controls can show (the H and W sliders run from 1 to 32).
    function_name = "head_cost_explorer"
    channels = check_choice(check_int(channels, "channels", function_name), CHANNEL_CHOICES, "channels", function_name)
    classes = check_choice(check_int(classes, "classes", function_name), CLASS_CHOICES, "classes", function_name)
    height = check_int(height, "height", function_name, maximum=32)
    width = check_int(width, "width", function_name, maximum=32)
    style = {"description_width": "150px"}
    layout = ipywidgets.Layout(width="480px")
    controls = {
        "C": ipywidgets.SelectionSlider(options=CHANNEL_CHOICES, value=channels, description=_("channels C"),
                                        style=style, layout=layout),
        "H": ipywidgets.IntSlider(value=height, min=1, max=32, description=_("map height H"), style=style, layout=layout),
        "W": ipywidgets.IntSlider(value=width, min=1, max=32, description=_("map width W"), style=style, layout=layout),
        "hidden": ipywidgets.Dropdown(options=hidden_options, value=tuple(hidden_widths),
                                      description=_("flatten head's hidden"), style=style, layout=layout),
        "classes": ipywidgets.Dropdown(options=CLASS_CHOICES, value=classes, description=_("classes K"),
                                       style=style, layout=layout),
    }

    def draw(C, H, W, hidden, classes):
        return plot_head_costs(C, H, W, classes, hidden)

    def describe(C, H, W, hidden, classes):
        return describe_head_costs(C, H, W, classes, hidden)

    return FigureView(controls, draw, describe)
