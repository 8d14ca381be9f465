"""FigureView: a thin widget over two pure functions.

Every widget in the collection is the same three parts: controls (sliders,
dropdowns), an image of a matplotlib figure, and an HTML readout. What they
show comes from two plain functions of the control values, which the tests
call directly:

- ``draw(**values) -> Figure``
- ``describe(**values) -> str`` (HTML for the readout)

A view whose figure and readout share work (a lookup, derived shapes) passes
``build_state(**values)`` as well: it runs once per redraw, and ``draw`` and
``describe`` then each take its result instead of the values.

Why not ``ipywidgets.interact``: it draws through an ``Output`` widget, and
under strict nbval an ``Output`` widget leaks the first figure into the
cell's stored outputs, so the notebook fails its own check. An ``Image``
widget whose ``value`` is set
from an observer shows the same thing and leaves the cell outputs alone.

Setting a control from code redraws, exactly as moving it by hand::

    view.controls["C"].value = 16
    view.image.value      # new PNG bytes
    view.readout.value    # new HTML

Errors never reach the learner as a traceback: a failing ``draw`` or
``describe``, or a size over ``max_elements``, puts a short message in the
readout and hides the image.
"""

from __future__ import annotations

import base64
import contextlib
import html
import math
import re
import textwrap
from typing import Any, Callable, Iterator, Mapping, Sequence

import ipywidgets
from matplotlib.figure import Figure

from ..checks import check_int
from ..i18n import N_, gettext as _
from ..viz.style import describe_figure, figure_description, figure_to_png, new_figure

#: CSS classes every view carries, so browser tests can find its parts.
VIEW_CLASS = "gpool-figure-view"
IMAGE_CLASS = "gpool-figure-image"
READOUT_CLASS = "gpool-figure-readout"

#: A hidden text beside the image holding what the picture shows, in words (see FigureView.text_alternative).
ALT_CLASS = "gpool-figure-alt"

#: Where a view's readout puts a message that is not the normal description.
MESSAGE_CLASS = "gpool-figure-message"

#: Chinese characters and punctuation: no font for them ships with matplotlib (see gpool_helpers.i18n).
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
#: What the static picture of a message says when the message itself cannot be drawn.
_MESSAGE_IN_THE_READOUT = "This view shows a message instead of a figure; run the notebook to read it."


class FigureView:
    """Controls + an image of ``draw(**values)`` + a readout of ``describe(**values)``.

    ``controls`` maps a keyword name to a widget with a ``value`` (slider,
    dropdown, checkbox...); ``draw`` and ``describe`` receive the values under
    those names, or, with ``build_state``, the one state it builds from them.
    ``max_elements`` guards the size, and is the only guard a view needs: when
    the product of the values of the controls named in ``size_controls`` (by
    default N, C, H and W, whichever exist) is larger, nothing is built or
    drawn and the readout says why.
    """

    def __init__(
        self,
        controls: Mapping[str, ipywidgets.Widget],
        draw: Callable[..., Figure],
        describe: Callable[..., str] | None = None,
        max_elements: int | None = None,
        size_controls: Sequence[str] = ("N", "C", "H", "W"),
        dpi: int | None = None,
        build_state: Callable[..., Any] | None = None,
    ) -> None:
        if not isinstance(controls, Mapping):
            raise TypeError(
                f"FigureView expects controls as a dict of name -> widget; got a {type(controls).__name__}"
            )
        for name, control in controls.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"FigureView expects control names that are Python identifiers; got {name!r}")
            if not isinstance(control, ipywidgets.Widget) or not control.has_trait("value"):
                raise TypeError(
                    f"FigureView expects control {name!r} to be an ipywidgets widget with a value; "
                    f"got a {type(control).__name__}"
                )
        if not callable(draw):
            raise TypeError(f"FigureView expects draw to be a function returning a Figure; got {draw!r}")
        if describe is not None and not callable(describe):
            raise TypeError(f"FigureView expects describe to be a function returning HTML or None; got {describe!r}")
        if build_state is not None and not callable(build_state):
            raise TypeError(f"FigureView expects build_state to be a function of the control values; got {build_state!r}")
        if max_elements is not None:
            check_int(max_elements, "max_elements", "FigureView")

        self.controls: dict[str, ipywidgets.Widget] = dict(controls)
        self.draw = draw
        self.describe = describe
        self.build_state = build_state
        self.max_elements = max_elements
        self.size_controls = tuple(name for name in size_controls if name in self.controls)
        self.dpi = dpi
        #: The exception behind the last message in the readout, for debugging; None after a good draw.
        self.last_error: BaseException | None = None
        #: How many times the image was redrawn (tests and benchmarks read it).
        self.redraw_count = 0
        self._holding = False
        #: The readout's message in English, for static_png (figures keep English labels).
        self._english_message: str | None = None
        #: What the picture shows now, in words (the figure's describe_figure text, or the message shown instead).
        self.description: str = ""

        # Shrink to the column rather than overflow it; never stretch past the PNG's own size.
        self.image = ipywidgets.Image(format="png", layout=ipywidgets.Layout(max_width="100%", height="auto"))
        self.readout = ipywidgets.HTML()
        # What the picture shows, in words, hidden: ipywidgets' Image has no alt (and its view breaks on a
        # tooltip), so a page script copies this text into the <img alt> (app/accessible_widgets.py).
        self.text_alternative = ipywidgets.HTML(layout=ipywidgets.Layout(display="none"))
        self.controls_box = ipywidgets.VBox(list(self.controls.values()))
        self.widget = ipywidgets.VBox([self.controls_box, self.image, self.readout, self.text_alternative])
        self.widget.add_class(VIEW_CLASS)
        self.image.add_class(IMAGE_CLASS)
        self.readout.add_class(READOUT_CLASS)
        self.text_alternative.add_class(ALT_CLASS)

        for control in self.controls.values():
            control.observe(self._on_control_change, names="value")
        self.refresh()

    # -- reading and setting controls -------------------------------------------------

    def values(self) -> dict[str, Any]:
        """The current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    @contextlib.contextmanager
    def hold(self) -> Iterator[FigureView]:
        """Change several controls and redraw once at the end::

            with view.hold():
                view.controls["H"].value = 7
                view.controls["W"].value = 5
        """
        was_holding, self._holding = self._holding, True
        try:
            yield self
        finally:
            self._holding = was_holding
            if not was_holding:
                self.refresh()

    def set(self, **values: Any) -> FigureView:
        """Set several controls by name, redrawing once; returns the view for display."""
        unknown = [name for name in values if name not in self.controls]
        if unknown:
            known = ", ".join(self.controls)
            raise ValueError(f"FigureView.set got unknown control(s) {', '.join(unknown)}; the controls are {known}")
        with self.hold():
            for name, value in values.items():
                self.controls[name].value = value
        return self

    # -- drawing ----------------------------------------------------------------------

    def element_count(self, values: Mapping[str, Any] | None = None) -> int | None:
        """Product of the size controls' values, or None when the view has none."""
        if not self.size_controls:
            return None
        values = self.values() if values is None else values
        return math.prod(int(values[name]) for name in self.size_controls)

    def refresh(self) -> None:
        """Redraw the image and the readout from the current control values."""
        values = self.values()
        count = self.element_count(values)
        if self.max_elements is not None and count is not None and count > self.max_elements:
            product = "·".join(self.size_controls)
            template = N_("{product} = {count} is more than this view draws (at most {limit}). "
                          "Make one of the sliders smaller.")
            sizes = {"product": product, "count": f"{count:,}", "limit": f"{self.max_elements:,}"}
            self._show_message(_(template).format(**sizes), error=None, english=template.format(**sizes))
            return
        try:
            if self.build_state is not None:
                arguments, keywords = (self.build_state(**values),), {}
            else:
                arguments, keywords = (), values
            # Light compression: the PNG only travels to the browser, and level 1
            # encodes several times faster than the default.
            figure = self._checked_figure(*arguments, **keywords)
            png = figure_to_png(figure, compress_level=1)
            description = self.describe(*arguments, **keywords) if self.describe is not None else ""
            if not isinstance(description, str):
                raise TypeError(f"describe returned a {type(description).__name__}, not an HTML string")
        except Exception as error:  # noqa: BLE001  (a learner's kernel must never see a traceback from a slider)
            self._show_message(_("Could not draw this one: {error}").format(error=error), error=error,
                               english=f"Could not draw this one: {error}")
            return
        self.image.value = png
        self.image.layout.display = None
        self.description = figure_description(figure) or self._description_from_readout(description)
        self.text_alternative.value = html.escape(self.description)
        self.readout.value = description
        self.last_error = None
        self.redraw_count += 1

    def _checked_figure(self, *arguments: Any, **keywords: Any) -> Figure:
        figure = self.draw(*arguments, **keywords)
        if not isinstance(figure, Figure):
            raise TypeError(f"draw returned a {type(figure).__name__}, not a matplotlib Figure")
        if self.dpi is not None:
            figure.set_dpi(self.dpi)
        return figure

    @staticmethod
    def _description_from_readout(readout: str) -> str:
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", readout)).split())
        return text or _("A figure of the current settings.")

    def _show_message(self, message: str, error: BaseException | None, english: str | None = None) -> None:
        # Hide the old picture: it would show a state the controls no longer describe.
        self.image.layout.display = "none"
        self.description = message
        self.text_alternative.value = html.escape(message)
        self.readout.value = f'<div class="{MESSAGE_CLASS}">{html.escape(message)}</div>'
        self.last_error = error
        self._english_message = english

    def _on_control_change(self, change: Mapping[str, Any]) -> None:
        if not self._holding:
            self.refresh()

    # -- display ----------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget view, plus a PNG of what it shows now, in one output bundle.

        A live JupyterLab ranks the widget MIME type first and shows the
        interactive widget. Where no widget can be drawn (GitHub, nbviewer,
        ``make html``, JupyterLab before Run All, whose stored outputs are not
        trusted) the renderer falls back to the PNG, so a reader sees the
        figure of the initial state. nbval skips both the widget view and PNGs;
        it compares only the ``text/plain``, which names the view and its control
        values (never the readout, which may hold numbers of a training run).
        """
        bundle = self.widget._repr_mimebundle_(**kwargs)
        if not isinstance(bundle, dict):
            return bundle
        bundle["image/png"] = base64.b64encode(self.static_png()).decode("ascii")
        settings = ", ".join(f"{name}={value!r}" for name, value in self.values().items())
        bundle["text/plain"] = _(
            "{view}, an interactive figure at {settings}; run the notebook to move its controls"
        ).format(view=type(self).__name__, settings=settings)
        # The stored picture's text alternative, where nbconvert and IPython's Image(alt=...) keep it.
        return bundle, {"image/png": {"alt": self.description}}

    def static_png(self) -> bytes:
        """What the view shows now as one PNG: the figure, or the readout's message when no figure is shown."""
        if self.image.layout.display != "none" and self.image.value:
            return bytes(self.image.value)
        message = html.unescape(re.sub(r"<[^>]+>", " ", self.readout.value)).strip()
        if _CJK.search(message):
            # The readout speaks the learner's language; a figure cannot draw Chinese, so it says it in English.
            english = self._english_message
            message = english if english is not None and not _CJK.search(english) else _MESSAGE_IN_THE_READOUT
        figure = new_figure(6, 0.8)
        figure.text(0.02, 0.5, textwrap.fill(message, 80), va="center", ha="left", fontsize=9)
        return figure_to_png(figure)

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={value!r}" for name, value in self.values().items())
        return f"{type(self).__name__}({settings})"
