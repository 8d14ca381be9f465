"""One look for every figure in the collection.

Figures are built with :class:`matplotlib.figure.Figure` directly, never
through pyplot: pyplot keeps a global list of open figures, which leaks memory
in a widget that redraws on every slider move, and a figure made by one
function should not appear in another cell by accident.

Backgrounds are opaque white. A transparent PNG puts black tick labels on
JupyterLab's dark theme, where they cannot be read.

Colours are chosen to stay distinguishable with the common colour-vision
deficiencies:

- ``SEQUENTIAL_CMAP`` (viridis) for values: brighter means larger, and it prints
  legibly in greyscale (van der Walt and Smith, matplotlib 1.5, 2015).
- ``DIVERGING_CMAP`` (ColorBrewer RdBu, reversed) for signed quantities such as
  gradients, where zero is the natural middle.
- ``CATEGORICAL_COLOURS`` (Okabe and Ito, "Color Universal Design", 2008) for
  labels such as "which channel won"; past eight labels they repeat, so plots
  that use them also write the label as text. The palette's grey is a dark
  one (#555555, not #999999): simulated deuteranopia (Machado, Oliveira and
  Fernandes, 2009) put #999999 within 7 CIELAB units of the reddish purple,
  too close to tell apart; every pair is now at least 15 apart under
  protanopia, deuteranopia and tritanopia (tests/test_colour_vision.py).

Every figure says what it shows in words too (WCAG 2.1, success criterion
1.1.1): a plot function ends with ``describe_figure(figure, text)``, a sentence
built from the data it drew, in the learner's language. The text travels with
the picture: the notebook output's ``metadata["image/png"]["alt"]`` (the key
IPython's own ``Image(alt=...)`` writes and nbconvert's templates read), the
static site's ``<img alt>`` and a widget image's title.
"""

from __future__ import annotations

import io
from typing import Any

from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from ..checks import a_type, check_int, check_number
from ..i18n import gettext as _

SEQUENTIAL_CMAP = "viridis"
DIVERGING_CMAP = "RdBu_r"

#: Okabe-Ito palette, without its black (kept for text and outlines).
CATEGORICAL_COLOURS = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#555555",  # dark grey (Okabe-Ito's light grey came too close to the purple for deuteranopes)
)

#: Widest figure that fits a JupyterLab notebook column at 100 dpi without scaling.
MAX_WIDTH_INCHES = 9.5

#: Colour that marks a highlighted cell (e.g. the winner of a max); black reads
#: on every colour of viridis and of the Okabe-Ito palette.
HIGHLIGHT_COLOUR = "#000000"

BACKGROUND_COLOUR = "white"

#: Where describe_figure keeps a Figure's text alternative.
_DESCRIPTION_ATTRIBUTE = "_gpool_description"


def new_figure(width_inches: float, height_inches: float, dpi: int = 100, **figure_options: Any) -> Figure:
    """A blank Figure with an opaque white background, not registered with pyplot.

    ``width_inches`` is capped at :data:`MAX_WIDTH_INCHES` so the figure fits a
    notebook column; the height is scaled by the same factor to keep the
    proportions. Extra keyword arguments go to :class:`~matplotlib.figure.Figure`
    (e.g. ``layout="constrained"``).
    """
    width_inches = check_number(width_inches, "width_inches", "new_figure")
    height_inches = check_number(height_inches, "height_inches", "new_figure")
    if width_inches > MAX_WIDTH_INCHES:
        height_inches = height_inches * MAX_WIDTH_INCHES / width_inches
        width_inches = MAX_WIDTH_INCHES
    # Whole pixels, so the "<Figure size 950x700 ...>" text a notebook stores has no fractions.
    width_inches, height_inches = round(width_inches * dpi) / dpi, round(height_inches * dpi) / dpi
    figure_options.setdefault("facecolor", BACKGROUND_COLOUR)
    figure = Figure(figsize=(width_inches, height_inches), dpi=dpi, **figure_options)
    figure.patch.set_alpha(1.0)
    return figure


def figure_to_png(figure: Figure, dpi: int | None = None, compress_level: int = 6) -> bytes:
    """The figure as PNG bytes, opaque, with no metadata that changes between runs.

    ``compress_level`` (0-9, zlib's) trades size for speed: a widget that redraws
    on every slider move uses 1, which is several times faster than the default
    6 and makes files about a third larger.
    """
    if not isinstance(figure, Figure):
        raise TypeError(_("{name} expects a matplotlib Figure; got {got}").format(
            name="figure_to_png", got=a_type(figure)))
    compress_level = check_int(compress_level, "compress_level", "figure_to_png", minimum=0, maximum=9)
    buffer = io.BytesIO()
    # The "Software" entry names the matplotlib version; dropping it keeps the
    # bytes identical across installs, so stored notebooks do not churn.
    figure.savefig(
        buffer,
        format="png",
        dpi=dpi if dpi is not None else figure.dpi,
        facecolor=figure.get_facecolor(),
        transparent=False,
        metadata={"Software": None},
        pil_kwargs={"compress_level": compress_level},
    )
    return buffer.getvalue()


def categorical_colour(index: int) -> str:
    """The colour of label ``index`` (cycling through :data:`CATEGORICAL_COLOURS`)."""
    return CATEGORICAL_COLOURS[index % len(CATEGORICAL_COLOURS)]


def text_colour_on(background: Any) -> str:
    """Black or white, whichever reads better on ``background`` (any matplotlib colour).

    Uses the relative luminance of WCAG 2.x; the 0.179 threshold is where black
    and white text have equal contrast.
    """
    channels = []
    for value in to_rgb(background):
        channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
    luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    return "black" if luminance > 0.179 else "white"


def describe_figure(figure: Figure, text: str) -> Figure:
    """Attach ``text``, what the figure shows in words, to ``figure`` as its text alternative; returns the figure.

    Write what a reader should take from the picture (the shape change, the
    highlighted values, the comparison), with the numbers where the message is
    numbers, already in the learner's language (pass it through ``_()``). The
    notebook output, the static site and widget images carry it as the
    picture's alt text. Calling it again replaces the text.
    """
    if not isinstance(figure, Figure):
        raise TypeError(_("{name} expects a matplotlib Figure; got {got}").format(
            name="describe_figure", got=a_type(figure)))
    if not isinstance(text, str) or not text.strip():
        raise ValueError(_("{name} expects a non-empty text that says what the figure shows; got {got!r}").format(
            name="describe_figure", got=text))
    setattr(figure, _DESCRIPTION_ATTRIBUTE, " ".join(text.split()))
    return figure


def number_text(value: float, decimals: int = 2) -> str:
    """One number as a description writes it: fixed decimals, NaN and infinities spelled as torch prints them."""
    value = float(value)
    if value != value:
        return "nan"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    text = f"{value:.{decimals}f}"
    return "0." + "0" * decimals if text == "-0." + "0" * decimals else text


def numbers_text(values: Any, decimals: int = 2, limit: int = 16) -> str:
    """Up to ``limit`` numbers, comma-separated, then how many there are in all when some are left out."""
    flat = [float(value) for value in (values.flatten().tolist() if hasattr(values, "flatten") else values)]
    shown = ", ".join(number_text(value, decimals) for value in flat[:limit])
    if len(flat) > limit:
        shown += _(", ... ({count} values in all)").format(count=len(flat))
    return shown


def grid_text(values: Any, decimals: int = 2, limit: int = 8) -> str:
    """A small 2-D grid row by row ("row 0: 1.00, 2.00; row 1: ..."), at most ``limit`` rows and columns."""
    rows = values.tolist() if hasattr(values, "tolist") else [list(row) for row in values]
    parts = [_("row {row}: {values}").format(row=index, values=numbers_text(row, decimals, limit))
             for index, row in enumerate(rows[:limit])]
    text = "; ".join(parts)
    if len(rows) > limit:
        text += _("; ... ({count} rows in all)").format(count=len(rows))
    return text


def figure_description(figure: Figure) -> str | None:
    """The text :func:`describe_figure` attached to ``figure``, or None."""
    return getattr(figure, _DESCRIPTION_ATTRIBUTE, None)


def figure_png_with_description(figure: Figure, compress_level: int = 6) -> tuple[bytes, dict[str, str]] | bytes:
    """The PNG and, when the figure has a description, IPython's output metadata ``{"alt": text}`` for it.

    IPython's display formatter accepts ``(data, metadata)`` from a formatter
    and stores the metadata under the MIME type, as ``Image(alt=...)`` does.
    """
    png = figure_to_png(figure, compress_level=compress_level)
    description = figure_description(figure)
    return (png, {"alt": description}) if description else png


def enable_notebook_display() -> bool:
    """Let a Figure at the end of a notebook cell display as a PNG, without pyplot.

    IPython only learns to draw figures when pyplot's inline backend loads, and
    these plots never touch pyplot. Registering :func:`figure_to_png` as the
    PNG formatter for Figure does the same job, and stores the figure's
    description (:func:`describe_figure`) as the PNG's ``alt`` metadata.
    Returns False outside IPython.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing to register with
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    shell.display_formatter.formatters["image/png"].for_type(Figure, figure_png_with_description)
    shell.display_formatter.formatters["text/plain"].for_type(Figure, _print_figure_as_text)
    return True


def figure_text(figure: Figure) -> str:
    """What a Figure says where no picture can be shown: its title and size.

    Our figures paint their panels into one image, so matplotlib's own
    "<Figure size 950x653 with 0 Axes>" would tell a reader nothing true.
    """
    width, height = (round(v) for v in figure.get_size_inches() * figure.dpi)
    title = figure.get_suptitle()  # "" when the figure has none
    return f"<Figure {width}x{height}: {title}>" if title else f"<Figure {width}x{height}>"


def _print_figure_as_text(figure: Figure, printer: Any, cycle: bool) -> None:
    printer.text(figure_text(figure))
