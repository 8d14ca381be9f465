"""The pooling explorer: pick a shape and a pooling kind, watch the output follow.

Three pure pieces, each tested on its own, and a thin widget over them:

- :func:`explorer_state` turns control values into an :class:`ExplorerState`
  (the kind looked up once, shapes, the code to type, what is drawn);
- :func:`draw_explorer` turns a state into a Figure;
- :func:`describe_explorer` turns a state into the HTML readout.

:func:`pooling_explorer` wires them to sliders N, C, H, W and seed and a
"kind" dropdown filled from the registry, so a kind registered anywhere in the
package shows up in the menu. Each redraw builds the state once, for both the
figure and the readout; :class:`~gpool_helpers.widgets.base.FigureView` keeps
N·C·H·W under :data:`MAX_ELEMENTS`. Set a control from code to show a
particular state in a notebook cell::

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

__all__ = ["pooling_explorer"]

#: Largest N·C·H·W the explorer widget computes and draws (its FigureView's
#: max_elements). Drawing is what costs time, and it only ever shows one sample
#: and 16 channels; the cap keeps a careless slider move from stalling the
#: kernel all the same.
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
    #: The registry row, looked up once for the figure and the readout.
    pooling_kind: registry.PoolingKind
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    elements: int
    channels_drawn: int
    values_written: bool
    input_code: str
    torch_code: str | None
    helper_code: str
    description: str

    @property
    def kind(self) -> str:
        return self.pooling_kind.name


def explorer_state(N: int, C: int, H: int, W: int, seed: int, kind: str) -> ExplorerState:
    """The explorer's state for these control values; pure, no drawing.

    Values outside the sliders' ranges raise. Shapes are arithmetic, so a state
    over :data:`MAX_ELEMENTS` is still described; the widget never draws one.
    """
    for name, value in (("N", N), ("C", C), ("H", H), ("W", W), ("seed", seed)):
        check_int(value, name, "explorer_state", minimum=RANGES[name][0], maximum=RANGES[name][1])
    pooling_kind = registry.get_kind(kind, caller="explorer_state")
    shape = (N, C, H, W)
    channels_drawn = min(C, DEFAULT_MAX_CHANNELS)
    equivalents = pooling_kind.torch_equivalents
    return ExplorerState(
        N=N,
        C=C,
        H=H,
        W=W,
        seed=seed,
        pooling_kind=pooling_kind,
        input_shape=shape,
        output_shape=tuple(pooling_kind.output_shape(shape)),
        elements=math.prod(shape),
        channels_drawn=channels_drawn,
        values_written=H <= 8 and W <= 8 and channels_drawn * H * W <= MAX_WRITTEN_VALUES,
        input_code=f"x = article_example(seed={seed}, shape={format_shape(shape)})",
        torch_code=equivalents[0].code if equivalents else None,
        helper_code=pooling_kind.code,
        description=_(pooling_kind.description),
    )


def draw_explorer(state: ExplorerState) -> Figure:
    """The "input -> pooled output" figure for ``state``."""
    if not isinstance(state, ExplorerState):
        raise TypeError(f"draw_explorer expects an ExplorerState; got a {type(state).__name__}")
    x = article_example(seed=state.seed, shape=state.input_shape)
    return plot_pooling(
        x, state.pooling_kind, max_channels=DEFAULT_MAX_CHANNELS, max_written_values=MAX_WRITTEN_VALUES
    )


def describe_explorer(state: ExplorerState) -> str:
    """The HTML readout: shape change, the code that computes it, and what is drawn."""
    if not isinstance(state, ExplorerState):
        raise TypeError(f"describe_explorer expects an ExplorerState; got a {type(state).__name__}")
    escape = html.escape
    lines = [
        "<p>" + _("{kind}: {before} -> {after}. {description}").format(
            kind=f"<b>{escape(state.kind)}</b>", before=escape(format_shape(state.input_shape)),
            after=escape(format_shape(state.output_shape)), description=escape(state.description),
        ).replace(" -> ", " -&gt; ") + "</p>",
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
            controls, draw=draw_explorer, describe=describe_explorer, build_state=explorer_state,
            max_elements=MAX_ELEMENTS,
        )
        self.widget.add_class(_EXPLORER_CLASS)
        self.image.add_class(_IMAGE_CLASS)
        self.readout.add_class(_READOUT_CLASS)
        # The readout (shapes and code) first, so it stays in view above a tall figure.
        self.widget.children = (self.controls_box, self.readout, self.image, self.text_alternative)

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
