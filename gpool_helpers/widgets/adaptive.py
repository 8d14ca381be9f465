"""The adaptive pooling explorer of notebook 05: sliders for the input and output size.

``adaptive_explorer()`` returns a :class:`~gpool_helpers.widgets.base.FigureView`
over two pure functions: ``draw_adaptive`` (a seeded in x in map with every
window drawn over it, the overlap count and the pooled grid) and
``describe_adaptive`` (the windows along one dim, which of them overlap, and
whether SPP-net's hand-computed kernel and stride would get the size right).
"""

from __future__ import annotations

import html

import ipywidgets
from matplotlib.figure import Figure

from ..examples import article_example
from ..i18n import gettext as _
from ..pooling import adaptive_bins, classic_spp_window
from ..viz.adaptive import plot_adaptive_windows
from .base import FigureView

__all__ = ["adaptive_explorer"]

#: Largest input side the explorer draws; past it the values in the cells get too small to read.
MAX_SIDE = 12

MODES = ("avg", "max")


def seeded_map(in_size: int, seed: int = 0):
    """The in_size x in_size map the explorer pools: seeded, so every run shows the same numbers."""
    return article_example(seed, shape=(1, 1, in_size, in_size))[0, 0]


def draw_adaptive(in_size: int, out_size: int, mode: str = "avg") -> Figure:
    return plot_adaptive_windows(seeded_map(in_size), (out_size, out_size), mode=mode)


def describe_adaptive(in_size: int, out_size: int, mode: str = "avg") -> str:
    """HTML: the windows along one dim, their lengths, overlaps, and the classic SPP recipe's result."""
    windows = adaptive_bins(in_size, out_size)
    lengths = sorted({end - start for start, end in windows})
    shared = sorted(
        {position for (_start, end), (start, _end) in zip(windows, windows[1:]) for position in range(start, end)}
    )
    classic = classic_spp_window(in_size, out_size)
    listed = ", ".join(f"[{start}, {end})" for start, end in windows)
    positions = ", ".join(map(str, shared))
    if len(shared) > 1:
        overlap = _("Neighbouring windows share positions {positions}.").format(positions=positions)
    elif shared:
        overlap = _("Neighbouring windows share position {positions}.").format(positions=positions)
    else:
        overlap = _("No two windows share a position.")
    if classic.output_size is None:
        spp = _("SPP-net's recipe: kernel {kernel}, stride {stride}; a stride of 0 is refused by max_pool2d.").format(
            kernel=classic.kernel_size, stride=classic.stride)
    else:
        if classic.correct:
            verdict = _("right")
        else:
            verdict = _("wrong: {got}, not {wanted}").format(got=classic.output_size, wanted=out_size)
        spp = _("SPP-net's recipe: kernel {kernel}, stride {stride} gives {cells} cells per side ({verdict}).").format(
            kernel=classic.kernel_size, stride=classic.stride, cells=classic.output_size, verdict=verdict)
    joined_lengths = _(" or ").join(map(str, lengths))
    if len(lengths) > 1:
        windows_text = _("Windows along each dim: {windows}; window lengths {lengths}. {overlap}")
    else:
        windows_text = _("Windows along each dim: {windows}; window length {lengths}. {overlap}")
    return (
        f"<div><b>F.adaptive_{html.escape(mode)}_pool2d: ({in_size}, {in_size}) -> ({out_size}, {out_size})</b><br>"
        f"{windows_text.format(windows=listed, lengths=joined_lengths, overlap=overlap)}<br>{spp}</div>"
    )


def adaptive_explorer(in_size: int = 7, out_size: int = 4, mode: str = "avg") -> FigureView:
    """Sliders ``in_size`` and ``out_size`` (1 to 12) and a ``mode`` menu; set them from code too."""
    controls = {
        "in_size": ipywidgets.IntSlider(value=in_size, min=1, max=MAX_SIDE, description="in_size", continuous_update=False),
        "out_size": ipywidgets.IntSlider(value=out_size, min=1, max=MAX_SIDE, description="out_size", continuous_update=False),
        "mode": ipywidgets.Dropdown(options=MODES, value=mode, description=_("mode")),
    }
    return FigureView(controls, draw_adaptive, describe_adaptive)
