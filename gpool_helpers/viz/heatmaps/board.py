"""The renderer behind the heatmap plots: a board of map boxes painted into one raster.

A matplotlib axes costs about 10 ms to create and a Text about half a
millisecond to lay out; a figure of 8 small maps would need 16 axes and 150
texts, too slow for a widget that redraws on every slider move. So everything
except the title and notes is painted with numpy into one RGBA raster the
size of the figure (:class:`_Board`), laid out in map boxes (:class:`_Grid`),
with labels rendered once per distinct string by FreeType
(``matplotlib.ft2font`` via ``font_manager.get_font``) and cached. One
:class:`~matplotlib.artist.Artist` subclass draws the raster through the
renderer's public ``draw_image``.

Layout first (boxes and grids), then painting (the board), then cells and
values written into them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Sequence

import numpy
import torch
from matplotlib.artist import Artist
from matplotlib.colors import Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox

from ..style import HIGHLIGHT_COLOUR, MAX_WIDTH_INCHES, new_figure, text_colour_on
from .parts import (  # noqa: F401
    ANNOTATE_MAX_SIDE,
    DrawnPart,
    GID_COLORBAR,
    GID_MAP,
    GID_MAP_LABEL,
    GID_NOTE,
    GID_VALUE,
    GID_WINNER_OUTLINE,
)

# Layout, in "box" units: every map fits a 1 x 1 box.
_GAP_X = 0.18
_LABEL_HEIGHT = 0.2
_GAP_Y = 0.22
_STRIP_GAP = 0.1
_STRIP_HEIGHT = 0.34
_GUTTER = 0.55  # left of the board, for the row labels of the pooled strips

# Figure margins, in inches.
_LEFT_MARGIN = 0.1
_RIGHT_MARGIN = 1.05
_TITLE_HEIGHT = 0.45
_NOTE_HEIGHT = 0.22
_BOTTOM_MARGIN = 0.12
_MAX_BOARD_HEIGHT = 9.0
_MAX_INCHES_PER_BOX = 2.5

_SMALLEST_FONT = 5.5
_LARGEST_FONT = 9.0


# -- geometry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Box:
    """Where one H x W map goes on the board: top-left corner and size, in box units."""

    left: float
    top: float
    width: float
    height: float

    @property
    def extent(self) -> tuple[float, float, float, float]:
        # imshow's extent with y growing downwards: (left, right, bottom, top).
        return (self.left, self.left + self.width, self.top + self.height, self.top)


def _fit(height: int, width: int, left: float, top: float, size: float = 1.0) -> _Box:
    """A box for an height x width map in a size x size square, centred, cells kept square."""
    longest = max(height, width)
    box_width, box_height = size * width / longest, size * height / longest
    return _Box(left + (size - box_width) / 2, top + (size - box_height) / 2, box_width, box_height)


def _columns_for(channels: int, height: int, width: int) -> int:
    # Written-in values need room: four maps a row gives 4x4 cells about half an inch.
    per_row = 4 if max(height, width) <= ANNOTATE_MAX_SIDE else 8
    return max(1, min(channels, per_row))


class _RasterArtist(Artist):
    """Draws an RGBA raster over the whole figure, pixel for pixel when the dpi matches."""

    def __init__(self, raster: numpy.ndarray) -> None:
        super().__init__()
        self.raster = raster
        self.set_zorder(1)

    def get_window_extent(self, renderer=None) -> Bbox:
        """The painted part of the raster, in display pixels, so bbox_inches="tight" keeps it."""
        rows, columns = numpy.nonzero(self.raster[..., 3])
        height, width = self.raster.shape[:2]
        if rows.size == 0:
            return Bbox.null()
        # Raster rows count from the top; figure fractions from the bottom.
        fractions = [(columns.min() / width, 1 - (rows.max() + 1) / height), ((columns.max() + 1) / width, 1 - rows.min() / height)]
        return Bbox(self.figure.transFigure.transform(fractions))

    def draw(self, renderer) -> None:
        if not self.get_visible():
            return
        # Where the whole figure lands on the canvas: transFigure stays right when
        # savefig changes the dpi or crops with bbox_inches="tight" (pyplot's inline backend does).
        (left, bottom), (right, top) = self.figure.transFigure.transform([(0.0, 0.0), (1.0, 1.0)])
        width, height = round(right - left), round(top - bottom)
        raster = self.raster
        if raster.shape[:2] != (height, width):
            # Drawn at another dpi than the figure's: scale the picture to fit.
            from PIL import Image

            raster = numpy.asarray(Image.fromarray(raster).resize((width, height), Image.LANCZOS))
        context = renderer.new_gc()
        # Renderers take images bottom row first.
        renderer.draw_image(context, round(left), round(bottom), raster[::-1])
        context.restore()
        self.stale = False


class _Board:
    """A figure whose content is painted into one raster, laid out in box units (y grows downwards)."""

    def __init__(self, width: float, height: float, notes: int = 0) -> None:
        self.x_min, self.x_max = 0.0, width
        self.y_min, self.y_max = 0.0, height
        top_margin = _TITLE_HEIGHT + notes * _NOTE_HEIGHT
        self.inches_per_box = min(
            (MAX_WIDTH_INCHES - _LEFT_MARGIN - _RIGHT_MARGIN) / width,
            _MAX_BOARD_HEIGHT / height,
            _MAX_INCHES_PER_BOX,
        )
        board_width, board_height = width * self.inches_per_box, height * self.inches_per_box
        self.figure = new_figure(_LEFT_MARGIN + board_width + _RIGHT_MARGIN, top_margin + board_height + _BOTTOM_MARGIN)
        self.figure_width, self.figure_height = self.figure.get_size_inches()
        self.dpi = self.figure.dpi
        self.top_margin = top_margin
        self.board_height_inches = board_height
        self.raster = numpy.zeros(
            (round(self.figure_height * self.dpi), round(self.figure_width * self.dpi), 4), dtype=numpy.uint8
        )
        self.parts: list[DrawnPart] = []
        self.figure.gpool_parts = self.parts

    # -- geometry

    def points(self, box_units: float) -> float:
        return box_units * self.inches_per_box * 72

    def pixel(self, x: float, y: float) -> tuple[float, float]:
        """(column, row) in the raster of board point (x, y)."""
        return (
            (_LEFT_MARGIN + (x - self.x_min) * self.inches_per_box) * self.dpi,
            (self.top_margin + (y - self.y_min) * self.inches_per_box) * self.dpi,
        )

    def pixel_rectangle(self, box: _Box) -> tuple[int, int, int, int]:
        """(top, bottom, left, right) of ``box`` in the raster, in whole pixels."""
        left, top = self.pixel(box.left, box.top)
        right, bottom = self.pixel(box.left + box.width, box.top + box.height)
        top, bottom, left, right = round(top), round(bottom), round(left), round(right)
        return top, max(bottom, top + 1), left, max(right, left + 1)

    # -- painting

    def paint_cells(self, box: _Box, colours: numpy.ndarray) -> None:
        """Fill ``box`` with the (rows, columns, 4) byte colours, each cell a rectangle."""
        top, bottom, left, right = self.pixel_rectangle(box)
        rows, columns = colours.shape[:2]
        # Cell edges rounded to whole pixels, so neighbouring cells never overlap or leave a gap.
        row_edges = numpy.round(numpy.linspace(top, bottom, rows + 1)).astype(int)
        column_edges = numpy.round(numpy.linspace(left, right, columns + 1)).astype(int)
        block = numpy.repeat(numpy.repeat(colours, numpy.diff(row_edges), axis=0), numpy.diff(column_edges), axis=1)
        self.raster[top:bottom, left:right] = block

    def paint_rectangle(self, top: int, bottom: int, left: int, right: int, colour) -> None:
        height, width = self.raster.shape[:2]
        top, bottom, left, right = max(0, top), min(height, bottom), max(0, left), min(width, right)
        if bottom > top and right > left:
            self.raster[top:bottom, left:right, :3] = numpy.round(numpy.array(to_rgb(colour)) * 255)
            self.raster[top:bottom, left:right, 3] = 255

    def paint_frame(self, top: int, bottom: int, left: int, right: int, thickness: int, colour) -> None:
        """A rectangle's outline, ``thickness`` pixels wide, centred on its edges."""
        inner, outer = thickness // 2, thickness - thickness // 2
        self.paint_rectangle(top - outer, top + inner, left - outer, right + outer, colour)
        self.paint_rectangle(bottom - inner, bottom + outer, left - outer, right + outer, colour)
        self.paint_rectangle(top - outer, bottom + outer, left - outer, left + inner, colour)
        self.paint_rectangle(top - outer, bottom + outer, right - inner, right + outer, colour)

    def paint_ink(self, top: int, left: int, ink: numpy.ndarray, colour) -> None:
        """Blend ``ink`` (coverage 0-255) in ``colour`` into the raster, its top-left at (top, left)."""
        height, width = self.raster.shape[:2]
        bottom, right = min(height, top + ink.shape[0]), min(width, left + ink.shape[1])
        source_top, source_left = max(0, -top), max(0, -left)
        top, left = max(0, top), max(0, left)
        if bottom <= top or right <= left:
            return
        coverage = ink[source_top : source_top + bottom - top, source_left : source_left + right - left, None] / 255.0
        region = self.raster[top:bottom, left:right].astype(numpy.float32) / 255.0
        below = region[..., 3:] * (1.0 - coverage)
        alpha = coverage + below
        colour_rgb = numpy.array(to_rgb(colour), dtype=numpy.float32)
        rgb = (colour_rgb * coverage + region[..., :3] * below) / numpy.maximum(alpha, 1e-6)
        self.raster[top:bottom, left:right, :3] = numpy.round(rgb * 255)
        self.raster[top:bottom, left:right, 3] = numpy.round(alpha[..., 0] * 255)

    def write(
        self,
        x: float,
        y: float,
        text: str,
        gid: str,
        size: float = 8.5,
        ha: str = "center",
        va: str = "bottom",
        colour="black",
        channel: int | None = None,
        rotated: bool = False,
    ) -> None:
        """Paint ``text`` at board point (x, y), aligned like matplotlib's ``ha``/``va``."""
        column, row = self.pixel(x, y)
        self._write_at_pixel(column, row, text, size, ha, va, colour, rotated)
        self.parts.append(DrawnPart(gid, channel, (x, x, y, y), labels=(text,), font_size=size))

    def _write_at_pixel(self, column, row, text, size, ha, va, colour, rotated=False) -> None:
        ink = _text_ink(text, round(size * self.dpi / 72 * 2) / 2)
        if rotated:
            ink = numpy.rot90(ink)  # reads bottom to top, like a colorbar label
        height, width = ink.shape
        left = {"left": column, "center": column - width / 2, "right": column - width}[ha]
        top = {"top": row, "center": row - height / 2, "bottom": row - height}[va]
        self.paint_ink(round(top), round(left), ink, colour)

    # -- finishing

    def add_colorbar(self, norm: Normalize, cmap, label: str) -> None:
        """A vertical colour scale in the right margin, with ticks and a label."""
        height_inches = min(self.board_height_inches, 3.2)
        top_inches = self.top_margin + (self.board_height_inches - height_inches) / 2
        left_inches = self.figure_width - _RIGHT_MARGIN + 0.2
        top, bottom = round(top_inches * self.dpi), round((top_inches + height_inches) * self.dpi)
        left, right = round(left_inches * self.dpi), round((left_inches + 0.16) * self.dpi)
        fractions = numpy.linspace(1.0, 0.0, bottom - top)  # top of the bar is the largest value
        colours = cmap(fractions, bytes=True)
        self.raster[top:bottom, left:right] = colours[:, None, :]
        self.paint_frame(top, bottom, left, right, 1, "#333333")
        ticks = [t for t in MaxNLocator(nbins=6).tick_values(norm.vmin, norm.vmax) if norm.vmin <= t <= norm.vmax]
        step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
        decimals = max(0, -math.floor(math.log10(abs(step)) + 1e-9)) if step else 0
        if decimals == 0 and any(round(t) != t for t in ticks):
            decimals = 1
        labels = []
        for tick in ticks:
            row = top + (norm.vmax - tick) / (norm.vmax - norm.vmin) * (bottom - top)
            self.paint_rectangle(round(row), round(row) + 1, right, right + 4, "#333333")
            # matplotlib writes negative ticks with a true minus sign; so do we.
            text = f"{tick:.{decimals}f}".replace("-", "\u2212")
            if text in ("\u22120", "\u22120.0", "\u22120.00"):
                text = text[1:]
            labels.append(text)
            self._write_at_pixel(right + 7, row, text, 8, "left", "center", "black")
        self._write_at_pixel(right + 44, (top + bottom) / 2, label, 9, "center", "center", "black", rotated=True)
        self.parts.append(
            DrawnPart(GID_COLORBAR, None, (left_inches, left_inches + 0.16, top_inches + height_inches, top_inches),
                      values=numpy.array([norm.vmin, norm.vmax]), labels=tuple(labels), font_size=8)
        )

    def title(self, title: str, notes: Sequence[str]) -> None:
        self.figure.suptitle(title, fontsize=12, y=1 - 0.1 / self.figure_height, va="top")
        for index, note in enumerate(notes):
            y = 1 - (_TITLE_HEIGHT + index * _NOTE_HEIGHT) / self.figure_height
            self.figure.text(0.5, y, note, ha="center", va="top", fontsize=9, color="#333333", gid=GID_NOTE)

    def finish(self, norm: Normalize, cmap, colorbar_label: str, title: str, notes: Sequence[str]) -> Figure:
        self.add_colorbar(norm, cmap, colorbar_label)
        self.figure.add_artist(_RasterArtist(self.raster))
        self.title(title, notes)
        return self.figure


# -- cells and values -------------------------------------------------------------------


def _value_texts(values: numpy.ndarray, cell_width: float, cell_height: float) -> tuple[list[str], float] | None:
    """Labels for ``values`` and a font size that fits a cell (sizes in points), or None."""
    finite = values[numpy.isfinite(values)]
    largest = float(numpy.abs(finite).max()) if finite.size else 0.0
    whole_digits = len(str(int(largest))) if largest >= 1 else 1
    for decimals in (2, 1):
        characters = whole_digits + decimals + 2  # sign and point
        # DejaVu Sans digits are about 0.64 em wide; leave a tenth of the cell free.
        size = min(_LARGEST_FONT, 0.9 * cell_width / (0.64 * characters), 0.6 * cell_height)
        if size >= _SMALLEST_FONT:
            return [_format_value(value, decimals) for value in values.ravel()], size
    return None


def _format_value(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    # -0.003 rounds to "-0.00"; a learner would read a sign that is not there.
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _write_values(
    board: _Board,
    box: _Box,
    values: numpy.ndarray,
    cmap,
    norm: Normalize,
    gid: str,
    channel: int | None = None,
) -> bool:
    """Write each value of the 2-D ``values`` in its cell of ``box``; False when it does not fit."""
    rows, columns = values.shape
    cell_width, cell_height = box.width / columns, box.height / rows
    texts = _value_texts(values, board.points(cell_width), board.points(cell_height))
    if texts is None:
        return False
    labels, size = texts
    colours = [text_colour_on(colour) for colour in cmap(norm(values.ravel()))]
    _draw_cell_texts(board, box, rows, columns, labels, colours, size, gid, channel)
    return True


@functools.lru_cache(maxsize=8192)
def _text_ink(text: str, pixel_size: float) -> numpy.ndarray:
    """Coverage (0-255) of ``text`` in DejaVu Sans at ``pixel_size``, cropped to the ink."""
    font = get_font(findfont(FontProperties(family="DejaVu Sans")))
    font.set_size(pixel_size, 72)  # at 72 dpi a point is a pixel
    font.set_text(text, 0.0)
    font.draw_glyphs_to_bitmap(antialiased=True)
    image = numpy.asarray(font.get_image(), dtype=numpy.uint8)
    rows, columns = numpy.nonzero(image)
    if rows.size == 0:
        return numpy.zeros((1, 1), dtype=numpy.uint8)
    return image[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1].copy()


def _draw_cell_texts(
    board: _Board, box: _Box, rows: int, columns: int, labels, colours, size: float, gid: str, channel: int | None
) -> None:
    """Write one label centred in each cell of ``box``."""
    top, bottom, left, right = board.pixel_rectangle(box)
    for index, label in enumerate(labels):
        row, column = divmod(index, columns)
        board._write_at_pixel(
            left + (column + 0.5) * (right - left) / columns,
            top + (row + 0.5) * (bottom - top) / rows,
            label,
            size,
            "center",
            "center",
            colours[index],
        )
    board.parts.append(DrawnPart(gid, channel, box.extent, labels=tuple(labels), font_size=size))


def _show(board: _Board, values: numpy.ndarray, cmap, norm: Normalize, box: _Box, gid: str, channel: int | None) -> None:
    """Colour 2-D ``values`` as cells filling ``box``."""
    board.paint_cells(box, cmap(norm(values), bytes=True))
    board.parts.append(DrawnPart(gid, channel, box.extent, values=values))


def _outline_cells(board: _Board, cells: list[tuple[int | None, _Box, int, int, int, int]]) -> None:
    """Outline cells (channel, box, row, column, rows, columns): black on white, visible on any colour."""
    for channel, box, row, column, rows, columns in cells:
        cell_width, cell_height = box.width / columns, box.height / rows
        cell = _Box(box.left + column * cell_width, box.top + row * cell_height, cell_width, cell_height)
        top, bottom, left, right = board.pixel_rectangle(cell)
        board.paint_frame(top, bottom, left, right, 5, "white")
        board.paint_frame(top, bottom, left, right, 2, HIGHLIGHT_COLOUR)
        board.parts.append(DrawnPart(GID_WINNER_OUTLINE, channel, cell.extent))


def _shared_norm(arrays: Sequence[numpy.ndarray], symmetric: bool) -> Normalize:
    finite = numpy.concatenate([array[numpy.isfinite(array)].ravel() for array in arrays])
    if finite.size == 0:
        return Normalize(-1.0, 1.0)
    low, high = float(finite.min()), float(finite.max())
    if symmetric:
        reach = max(abs(low), abs(high)) or 1.0
        return Normalize(-reach, reach)
    if low == high:
        # A constant map still needs a visible colour in the middle of the scale.
        return Normalize(low - 0.5, high + 0.5)
    return Normalize(low, high)


def _to_numpy(x: torch.Tensor) -> numpy.ndarray:
    return x.detach().to("cpu", torch.float64).numpy()


def _selection_notes(shape: Sequence[int], sample: int, channels_drawn: int) -> list[str]:
    batch, channels = shape[0], shape[1]
    notes = []
    if batch > 1 or sample != 0:
        notes.append(f"sample {sample} of {batch} drawn")
    if channels_drawn < channels:
        notes.append(f"first {channels_drawn} of {channels} channels drawn")
    return ["; ".join(notes)] if notes else []


@dataclass
class _Grid:
    """The input maps laid out in rows, with room under each row for pooled cells."""

    channels: int
    columns: int
    rows: int
    map_height: int
    map_width: int
    left: float
    #: Height below each row of maps kept free for the pooled cells.
    band: float = 0.0

    # A map's box keeps its cells square: the longer side is 1, so a 7x5 map is 5/7 wide.
    @property
    def box_width(self) -> float:
        return self.map_width / max(self.map_height, self.map_width)

    @property
    def box_height(self) -> float:
        return self.map_height / max(self.map_height, self.map_width)

    @property
    def row_pitch(self) -> float:
        return _LABEL_HEIGHT + self.box_height + self.band + _GAP_Y

    def box(self, channel: int) -> _Box:
        row, column = divmod(channel, self.columns)
        return _Box(
            self.left + column * (self.box_width + _GAP_X),
            row * self.row_pitch + _LABEL_HEIGHT,
            self.box_width,
            self.box_height,
        )

    @property
    def width(self) -> float:
        return self.columns * (self.box_width + _GAP_X) - _GAP_X

    @property
    def height(self) -> float:
        return self.rows * self.row_pitch - _GAP_Y


def _draw_maps(board: _Board, grid: _Grid, maps: numpy.ndarray, cmap, norm, annotate: bool) -> bool:
    """Draw each channel's map with its label; returns whether values were written."""
    written = annotate and max(grid.map_height, grid.map_width) <= ANNOTATE_MAX_SIDE
    for channel in range(grid.channels):
        box = grid.box(channel)
        _show(board, maps[channel], cmap, norm, box, GID_MAP, channel)
        board.write(box.left + box.width / 2, box.top - 0.04, f"channel {channel}", GID_MAP_LABEL, channel=channel)
        if written:
            written = _write_values(board, box, maps[channel], cmap, norm, GID_VALUE, channel) and written
    return written
