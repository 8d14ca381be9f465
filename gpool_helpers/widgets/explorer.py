"""The pooling explorer: pick a shape and a pooling kind, watch the output follow.

Three pure pieces, each tested on its own, and a thin widget over them:

- :func:`explorer_state` turns control values into an :class:`ExplorerState`
  (shapes, the code to type, what is drawn, or why nothing is);
- :func:`draw_explorer` turns a state into a Figure;
- :func:`describe_explorer` turns a state into the HTML readout.

:func:`pooling_explorer` wires them to sliders N, C, H, W and seed and a
"kind" dropdown filled from the registry, so a kind registered anywhere in the
package shows up in the menu. Set a control from code to show a particular
state in a notebook cell::

    explorer = pooling_explorer()
    explorer.controls["C"].value = 16
    explorer
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import ipywidgets
from matplotlib.figure import Figure

from ..checks import check_int
from ..i18n import gettext as _
from ..pooling import registry
from ..examples import ARTICLE_SHAPE, article_example
from ..viz.heatmaps import DEFAULT_MAX_CHANNELS, format_shape, plot_pooling
from .base import FigureView

#: Largest N·C·H·W the explorer computes and draws. Drawing is what costs time,
#: and it only ever shows one sample and 16 channels; the cap keeps a careless
#: slider move from stalling the kernel all the same.
MAX_ELEMENTS = 65_536

#: Numbers are written in the cells when the drawn maps hold at most this many
#: cells; past it, writing text would make the widget lag behind the sliders.
MAX_WRITTEN_VALUES = 300

#: Slider ranges, (min, max) inclusive.
RANGES = {"N": (1, 8), "C": (1, 64), "H": (1, 32), "W": (1, 32), "seed": (0, 99)}

_EXPLORER_CLASS = "gpool-explorer"
_IMAGE_CLASS = "gpool-explorer-image"
_READOUT_CLASS = "gpool-explorer-readout"


@dataclass(frozen=True)
class ExplorerState:
    """Everything the explorer shows for one setting of its controls."""

    N: int
    C: int
    H: int
    W: int
    seed: int
    kind: str
    input_shape: tuple[int, ...]
    #: None when the input is over the cap (nothing is computed).
    output_shape: tuple[int, ...] | None
    elements: int
    #: Why nothing is drawn, for the readout; None when all is well.
    message: str | None
    channels_drawn: int
    values_written: bool
    input_code: str
    torch_code: str | None
    helper_code: str
    description: str

    @property
    def drawable(self) -> bool:
        return self.message is None


def explorer_state(N: int, C: int, H: int, W: int, seed: int, kind: str) -> ExplorerState:
    """The explorer's state for these control values; pure, no drawing.

    Values outside the sliders' ranges raise; a shape over :data:`MAX_ELEMENTS`
    does not: the state carries a friendly ``message`` instead, which is what
    the widget shows.
    """
    for name, value in (("N", N), ("C", C), ("H", H), ("W", W), ("seed", seed)):
        check_int(value, name, "explorer_state", minimum=RANGES[name][0], maximum=RANGES[name][1])
    pooling_kind = registry.get_kind(kind, caller="explorer_state")
    shape = (N, C, H, W)
    elements = math.prod(shape)
    message = None
    output_shape: tuple[int, ...] | None = tuple(pooling_kind.output_shape(shape))
    if elements > MAX_ELEMENTS:
        message = _(
            "N·C·H·W = {elements} is more than the explorer draws (at most {limit}). "
            "Make one of the sliders smaller."
        ).format(elements=f"{elements:,}", limit=f"{MAX_ELEMENTS:,}")
        output_shape = None
    channels_drawn = min(C, DEFAULT_MAX_CHANNELS)
    equivalents = pooling_kind.torch_equivalents
    return ExplorerState(
        N=N,
        C=C,
        H=H,
        W=W,
        seed=seed,
        kind=kind,
        input_shape=shape,
        output_shape=output_shape,
        elements=elements,
        message=message,
        channels_drawn=channels_drawn,
        values_written=H <= 8 and W <= 8 and channels_drawn * H * W <= MAX_WRITTEN_VALUES,
        input_code=f"x = article_example(seed={seed}, shape={format_shape(shape)})",
        torch_code=equivalents[0].code if equivalents else None,
        helper_code=pooling_kind.code,
        description=_(pooling_kind.description),
    )


def draw_explorer(state: ExplorerState) -> Figure:
    """The "input -> pooled output" figure for ``state``; raises ValueError over the cap."""
    if not isinstance(state, ExplorerState):
        raise TypeError(f"draw_explorer expects an ExplorerState; got a {type(state).__name__}")
    if not state.drawable:
        raise ValueError(f"draw_explorer cannot draw this state: {state.message}")
    x = article_example(seed=state.seed, shape=state.input_shape)
    return plot_pooling(
        x, state.kind, max_channels=DEFAULT_MAX_CHANNELS, max_written_values=MAX_WRITTEN_VALUES
    )


def describe_explorer(state: ExplorerState) -> str:
    """The HTML readout: shape change, the code that computes it, and what is drawn."""
    if not isinstance(state, ExplorerState):
        raise TypeError(f"describe_explorer expects an ExplorerState; got a {type(state).__name__}")
    escape = html.escape
    if not state.drawable:
        return f"<p><b>{escape(state.kind)}</b>: {escape(format_shape(state.input_shape))}</p><p>{escape(state.message)}</p>"
    lines = [
        f"<p><b>{escape(state.kind)}</b>: {escape(format_shape(state.input_shape))} -&gt; "
        f"{escape(format_shape(state.output_shape))}. {escape(state.description)}</p>",
        f"<pre>{escape(state.input_code)}</pre>",
    ]
    if state.torch_code is not None:
        lines.append("<p>" + _("In torch: {torch_code}; with the helpers: {helper_code}").format(
            torch_code=f"<code>{escape(state.torch_code)}</code>",
            helper_code=f"<code>{escape(state.helper_code)}</code>") + "</p>")
    else:
        lines.append("<p>" + _("With the helpers: {helper_code}").format(
            helper_code=f"<code>{escape(state.helper_code)}</code>") + "</p>")
    drawn = []
    if state.N > 1:
        drawn.append(_("sample 0 of {count}").format(count=state.N))
    if state.channels_drawn < state.C:
        drawn.append(_("the first {drawn} of {count} channels").format(drawn=state.channels_drawn, count=state.C))
    if drawn:
        lines.append("<p>" + _("Drawn: {what}.").format(what=_(" and ").join(drawn)) + "</p>")
    if state.H <= 8 and state.W <= 8 and not state.values_written:
        lines.append("<p>" + _("Values are written in the cells when the drawn maps hold at most "
                               "{count} cells.").format(count=MAX_WRITTEN_VALUES) + "</p>")
    return "\n".join(lines)


class PoolingExplorer(FigureView):
    """The explorer widget: sliders N, C, H, W, seed and a kind dropdown over the pure functions."""

    def __init__(self, N: int, C: int, H: int, W: int, seed: int, kind: str) -> None:
        # Check everything before building widgets, so bad arguments fail with our message.
        explorer_state(N, C, H, W, seed, kind)
        controls: dict[str, ipywidgets.Widget] = {}
        for name, value in (("N", N), ("C", C), ("H", H), ("W", W), ("seed", seed)):
            low, high = RANGES[name]
            # Redraw when the slider is released, not at every pixel of a drag.
            controls[name] = ipywidgets.IntSlider(
                value=value, min=low, max=high, description=name, continuous_update=False
            )
        controls["kind"] = ipywidgets.Dropdown(options=list(registry.kind_names()), value=kind, description=_("kind"))
        super().__init__(
            controls,
            draw=lambda **values: draw_explorer(explorer_state(**values)),
            describe=lambda **values: describe_explorer(explorer_state(**values)),
            max_elements=MAX_ELEMENTS,
        )
        self.widget.add_class(_EXPLORER_CLASS)
        self.image.add_class(_IMAGE_CLASS)
        self.readout.add_class(_READOUT_CLASS)
        # The readout (shapes and code) first, so it stays in view above a tall figure.
        self.widget.children = (self.controls_box, self.readout, self.image)

    def state(self) -> ExplorerState:
        """The state the controls describe now."""
        return explorer_state(**self.values())


def pooling_explorer(
    N: int = ARTICLE_SHAPE[0],
    C: int = ARTICLE_SHAPE[1],
    H: int = ARTICLE_SHAPE[2],
    W: int = ARTICLE_SHAPE[3],
    seed: int = 0,
    kind: str = "avg",
) -> PoolingExplorer:
    """The pooling explorer, starting from the article's 1x8x4x4 example; display it to use it."""
    return PoolingExplorer(N, C, H, W, seed, kind)
