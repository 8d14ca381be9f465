"""The two public plots: :func:`plot_feature_maps` and :func:`plot_pooling` for any registered kind.

Each lays out a grid of map boxes on a board (:mod:`.board`), paints the maps,
the pooled output and its annotations, and records what it drew in
``figure.gpool_parts`` (:mod:`.parts`).
"""

from __future__ import annotations

import math

import matplotlib
import numpy
import torch
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure

from ...pooling import registry
from ...checks import check_int, check_maps
from ...i18n import gettext as _
from ..style import (
    CATEGORICAL_COLOURS,
    DIVERGING_CMAP,
    SEQUENTIAL_CMAP,
    describe_figure,
    grid_text,
    number_text,
    numbers_text,
    text_colour_on,
)
from .parts import (  # noqa: F401
    ANNOTATE_MAX_SIDE,
    DEFAULT_MAX_CHANNELS,
    GID_LEGEND,
    GID_POOLED,
    GID_POOLED_LABEL,
    GID_POOLED_VALUE,
    GID_WINNER_MAP,
    GID_WINNER_VALUE,
    format_shape,
)
from .board import (  # noqa: F401
    _Board,
    _Box,
    _GAP_X,
    _GAP_Y,
    _GUTTER,
    _Grid,
    _LABEL_HEIGHT,
    _LARGEST_FONT,
    _SMALLEST_FONT,
    _STRIP_GAP,
    _STRIP_HEIGHT,
    _columns_for,
    _draw_cell_texts,
    _draw_maps,
    _fit,
    _outline_cells,
    _selection_notes,
    _shared_norm,
    _show,
    _to_numpy,
    _write_values,
)

# -- public plots -----------------------------------------------------------------------


def plot_feature_maps(
    x: torch.Tensor,
    title: str | None = None,
    sample: int = 0,
    max_channels: int = DEFAULT_MAX_CHANNELS,
    symmetric: bool = False,
    cmap: str | None = None,
    annotate: bool = True,
    colorbar_label: str = "value",
) -> Figure:
    """One sample's C feature maps as a grid of H x W heatmaps on one colour scale.

    ``x`` is shaped (N, C, H, W); sample ``sample`` is drawn, at most
    ``max_channels`` of its channels. Values are written in the cells when a
    map is 8x8 or smaller and ``annotate`` is true. ``symmetric=True`` centres
    the scale on zero with a diverging colormap, for signed things such as
    gradients.
    """
    function_name = "plot_feature_maps"
    check_maps(x, function_name)
    batch, channels, height, width = x.shape
    check_int(sample, "sample", function_name, minimum=0, maximum=batch - 1)
    check_int(max_channels, "max_channels", function_name)
    if title is not None and not isinstance(title, str):
        raise TypeError(_("{name} expects title to be a str or None; got a {type}").format(
            name=function_name, type=type(title).__name__))
    colormap = matplotlib.colormaps[cmap or (DIVERGING_CMAP if symmetric else SEQUENTIAL_CMAP)]

    drawn = min(channels, max_channels)
    maps = _to_numpy(x[sample, :drawn])
    norm = _shared_norm([maps], symmetric)
    columns = _columns_for(drawn, height, width)
    grid = _Grid(drawn, columns, math.ceil(drawn / columns), height, width, 0.0)
    notes = _selection_notes(x.shape, sample, drawn)
    board = _Board(grid.width, grid.height, notes=len(notes))
    _draw_maps(board, grid, maps, colormap, norm, annotate)
    figure = board.finish(
        norm, colormap, colorbar_label, title if title is not None else f"feature maps {format_shape(x.shape)}", notes
    )
    return describe_figure(figure, _describe_maps(x, sample, drawn))


def _shown_of(channels: int, drawn: int) -> str:
    return "" if drawn == channels else " " + _("(the first {drawn} of {channels} channels drawn)").format(
        drawn=drawn, channels=channels)


def _channel_ranges(maps: torch.Tensor) -> str:
    """Each map's smallest and largest value ("channel 0 from -1.20 to 2.30; ..."), at most 8 maps."""
    ranges = [
        _("channel {channel} from {low} to {high}").format(
            channel=channel, low=number_text(values.min()), high=number_text(values.max()))
        for channel, values in enumerate(maps[:8])
    ]
    return "; ".join(ranges)


def _describe_maps(x: torch.Tensor, sample: int, drawn: int) -> str:
    batch, channels, height, width = x.shape
    maps = x[sample, :drawn].detach().float()
    return _(
        "Heatmaps of the feature maps of a tensor shaped {shape}: sample {sample}, {drawn} maps of "
        "{height}x{width}{shown}, on one colour scale, brighter for larger. Values: {ranges}."
    ).format(shape=format_shape(x.shape), sample=sample, drawn=drawn, height=height, width=width,
             shown=_shown_of(channels, drawn), ranges=_channel_ranges(maps))


def plot_pooling(
    x: torch.Tensor,
    kind: str | registry.PoolingKind,
    sample: int = 0,
    max_channels: int = DEFAULT_MAX_CHANNELS,
    annotate: bool = True,
    max_written_values: int | None = None,
) -> Figure:
    """Draw "input -> pooled output" for the registry kind ``kind`` (its name, or its looked-up row).

    ``x`` is a float tensor shaped (N, C, H, W). The figure is titled with the
    kind and both shapes, e.g. ``max: (1, 8, 4, 4) -> (1, 8)``. One sample and
    at most ``max_channels`` channels are drawn; the title says so when that
    leaves something out. ``max_written_values`` caps how many numbers are
    written in cells (writing text is the slow part of drawing; the widget uses it):
    when the drawn maps hold more cells than that, no values are written at all.
    """
    function_name = "plot_pooling"
    if not isinstance(kind, registry.PoolingKind):
        kind = registry.get_kind(kind, caller=function_name)
    check_maps(x, function_name, floating=True)
    batch, channels, height, width = x.shape
    check_int(sample, "sample", function_name, minimum=0, maximum=batch - 1)
    check_int(max_channels, "max_channels", function_name)
    if max_written_values is not None:
        check_int(max_written_values, "max_written_values", function_name)
        # All or nothing: a figure with values in some maps and not others would look broken.
        if min(channels, max_channels) * height * width > max_written_values:
            annotate = False

    with torch.no_grad():
        pooled = kind.function(x.detach())
    if not isinstance(pooled, torch.Tensor):
        raise TypeError(f"plot_pooling: kind {kind.name!r} returned a {type(pooled).__name__}, not a tensor")
    drawn = min(channels, max_channels)
    title = f"{kind.name}: {format_shape(x.shape)} -> {format_shape(pooled.shape)}"
    notes = _selection_notes(x.shape, sample, drawn)
    if kind.pools_over == "channels":
        figure = _plot_channel_pooling(x, pooled, kind, sample, drawn, title, notes, annotate)
        return describe_figure(figure, _describe_channel_pooling(x, pooled, kind, sample, drawn))
    figure = _plot_space_pooling(x, pooled, kind, sample, drawn, title, notes, annotate)
    return describe_figure(figure, _describe_space_pooling(x, pooled, kind, sample, drawn))


def _describe_space_pooling(x: torch.Tensor, pooled: torch.Tensor, kind, sample: int, drawn: int) -> str:
    """Shapes, then the pooled numbers per drawn channel, and where a max came from."""
    channels, height, width = x.shape[1:]
    head = _(
        "{kind} pooling: {before} -> {after}. Heatmaps of sample {sample}'s {drawn} maps of {height}x{width}{shown}, "
        "each with what it pools to beneath it."
    ).format(kind=kind.name, before=format_shape(x.shape), after=format_shape(pooled.shape), sample=sample,
             drawn=drawn, height=height, width=width, shown=_shown_of(channels, drawn))
    out = pooled[sample].detach().float()
    if pooled.dim() == 2 and pooled.shape[1] == channels:
        values = "; ".join(_("channel {channel}: {value}").format(channel=channel, value=number_text(out[channel]))
                           for channel in range(drawn))
        text = head + " " + _("Output values: {values}.").format(values=values)
        maxima = x[sample, :drawn].detach().amax(dim=(1, 2))
        if torch.equal(out[:drawn].to(maxima.dtype), maxima):
            places = x[sample, :drawn].detach().flatten(1).argmax(dim=1).tolist()
            where = "; ".join(
                _("channel {channel} at row {row}, column {column}").format(
                    channel=channel, row=index // width, column=index % width)
                for channel, index in enumerate(places))
            text += " " + _("Outlined, the cell each maximum came from: {where}.").format(where=where)
        return text
    if pooled.dim() >= 3 and pooled.shape[1] == channels:
        maps = "; ".join(_("channel {channel}: {grid}").format(channel=channel, grid=grid_text(out[channel]))
                         for channel in range(min(drawn, 4)))
        return head + " " + _("Each channel becomes a {rows}x{columns} map: {maps}.").format(
            rows=pooled.shape[2], columns=pooled.shape[3] if pooled.dim() > 3 else 1, maps=maps)
    return head + " " + _("Output, {count} values in order: {values}.").format(
        count=out.numel(), values=numbers_text(out))


def _describe_channel_pooling(x: torch.Tensor, pooled: torch.Tensor, kind, sample: int, drawn: int) -> str:
    """Shapes, the output map's values row by row, and for a depth max which channel won each cell."""
    channels, height, width = x.shape[1:]
    out = pooled[sample].detach().float()
    out = out.reshape(-1, height, width)
    text = _(
        "{kind} pooling: {before} -> {after}, across the {channels} channels at each of the {height}x{width} "
        "positions. Heatmaps of sample {sample}'s {drawn} input maps{shown}, and the output beneath them."
    ).format(kind=kind.name, before=format_shape(x.shape), after=format_shape(pooled.shape), channels=channels,
             height=height, width=width, sample=sample, drawn=drawn, shown=_shown_of(channels, drawn))
    if out.shape[0] == 1:
        text += " " + _("Output: {grid}.").format(grid=grid_text(out[0]))
    for index in range(min(out.shape[0], 4) if out.shape[0] > 1 else 0):
        text += " " + _("Output channel {index}: {grid}.").format(index=index, grid=grid_text(out[index]))
    maxima = x[sample].detach().amax(dim=0)
    if out.shape[0] == 1 and torch.equal(out[0].to(maxima.dtype), maxima):
        winners = x[sample].detach().argmax(dim=0)
        text += " " + _("Which channel won each position: {grid}.").format(grid=grid_text(winners, decimals=0))
    return text


def _values_per_channel(kind, x: torch.Tensor, pooled: torch.Tensor, sample: int, drawn: int) -> list[list[int]] | None:
    """For each drawn channel, the indices of output[sample] computed from it; None if unclear.

    An (N, C) output is one value per channel, in channel order, by the registry's
    contract. A longer (N, k*C) output has no fixed order (concat kinds put whole
    blocks one after another; SPP goes level by level), so it is measured: run the
    kind on copies of the sample with one channel set to NaN each, and see which
    outputs turn NaN.
    """
    channels = x.shape[1]
    width = pooled.shape[1]
    if width == channels:
        return [[channel] for channel in range(drawn)]
    probes = x[sample : sample + 1].detach().repeat(drawn, 1, 1, 1)
    for channel in range(drawn):
        probes[channel, channel] = float("nan")
    with torch.no_grad():
        poisoned = torch.isnan(kind.function(probes)).reshape(drawn, -1)
    if poisoned.shape[1] != width:
        return None
    indices = [torch.nonzero(poisoned[channel]).flatten().tolist() for channel in range(drawn)]
    # Clean only when every output depends on at most one channel and each channel owns the same count.
    counts = {len(owned) for owned in indices}
    if len(counts) != 1 or 0 in counts or int(poisoned.sum(dim=0).max()) > 1:
        return None
    return indices


def _plot_space_pooling(x, pooled, kind, sample, drawn, title, notes, annotate) -> Figure:
    batch, channels, height, width = x.shape
    maps = _to_numpy(x[sample, :drawn])
    out = _to_numpy(pooled[sample])
    grid_box = _fit(height, width, 0.0, 0.0)  # every map box has this size

    # How the output lines up with the channels: a small map each, a block of cells each, or not at all.
    blocks: list[numpy.ndarray] | None = None
    if pooled.dim() >= 3 and pooled.shape[1] == channels:
        blocks = [out[channel].reshape(out.shape[1], -1) for channel in range(drawn)]
        block_style = "map"
        block_height = 0.5
    elif pooled.dim() == 2:
        owned = _values_per_channel(kind, x, pooled, sample, drawn)
        if owned is not None:
            per_channel = len(owned[0])
            columns_in_block = min(per_channel, 8)
            rows_in_block = math.ceil(per_channel / columns_in_block)
            blocks = []
            for indices in owned:
                block = numpy.full(rows_in_block * columns_in_block, numpy.nan)
                block[:per_channel] = out[indices]
                blocks.append(block.reshape(rows_in_block, columns_in_block))
            block_style = "cells"
            block_height = (
                _STRIP_HEIGHT if rows_in_block == 1 else rows_in_block * grid_box.width / columns_in_block
            )
            offsets = [index - channel for index in owned[0] for channel in (0,)]
            if all(indices == [offset + channel for offset in offsets] for channel, indices in enumerate(owned)):
                where = ", ".join(f"output[{sample}, {offset} + c]" if offset else f"output[{sample}, c]" for offset in offsets)
                notes = notes + [f"under channel c: {where}"]
            else:
                notes = notes + [f"under each map: the {per_channel} output values computed from that channel"]
    if blocks is None:
        block_style, block_height = "unaligned", 0.0
        notes = notes + ["the output does not line up with the channels: all its values in order, below"]

    # Global max: outline where each channel's maximum sits.
    winners = None
    if pooled.dim() == 2 and pooled.shape[1] == channels:
        maxima = x[sample, :drawn].detach().amax(dim=(1, 2))
        if torch.equal(pooled[sample, :drawn].to(maxima.dtype), maxima):
            winners = x[sample, :drawn].detach().flatten(1).argmax(dim=1).tolist()
            notes = notes + ["outlined: the cell each channel's maximum came from"]

    pooled_band = _STRIP_GAP + block_height if blocks is not None else 0.0
    columns = _columns_for(drawn, height, width)
    rows = math.ceil(drawn / columns)
    grid = _Grid(drawn, columns, rows, height, width, _GUTTER, band=pooled_band)
    unaligned_top = grid.height + _GAP_Y + _LABEL_HEIGHT
    board_height = grid.height + (_GAP_Y + _LABEL_HEIGHT + _STRIP_HEIGHT if blocks is None else 0.0)

    arrays = [maps, out.ravel()] if blocks is None else [maps, *blocks]
    norm = _shared_norm(arrays, symmetric=False)
    colormap = matplotlib.colormaps[SEQUENTIAL_CMAP]
    board = _Board(_GUTTER + grid.width, board_height, notes=len(notes))
    _draw_maps(board, grid, maps, colormap, norm, annotate)

    if blocks is not None:
        rules = []
        for channel, block in enumerate(blocks):
            map_box = grid.box(channel)
            top = map_box.top + map_box.height + _STRIP_GAP
            if block_style == "map":
                box = _fit(block.shape[0], block.shape[1], map_box.left + (map_box.width - 0.5) / 2, top, size=0.5)
            else:
                box = _Box(map_box.left, top, map_box.width, block_height)
                rules.append((box, block.shape[0], block.shape[1]))
            _show(board, block, colormap, norm, box, GID_POOLED, channel)
            if annotate:
                _write_values(board, box, block, colormap, norm, GID_POOLED_VALUE, channel)
        # White rules between cells, so a block reads as separate numbers.
        for box, block_rows, block_columns in rules:
            top, bottom, left, right = board.pixel_rectangle(box)
            for k in range(1, block_columns):
                edge = round(left + k * (right - left) / block_columns)
                board.paint_rectangle(top, bottom, edge - 1, edge + 1, "white")
            for k in range(1, block_rows):
                edge = round(top + k * (bottom - top) / block_rows)
                board.paint_rectangle(edge - 1, edge + 1, left, right, "white")
        for row in range(rows):
            map_box = grid.box(row * columns)
            board.write(_GUTTER - 0.06, map_box.top + map_box.height + _STRIP_GAP + block_height / 2, "output",
                        GID_POOLED_LABEL, ha="right", va="center")
    else:
        flat = out.ravel()[None, :]
        _show(board, flat, colormap, norm, _Box(_GUTTER, unaligned_top, grid.width, _STRIP_HEIGHT), GID_POOLED, None)
        board.write(_GUTTER, unaligned_top - 0.04, f"output[{sample}]: {flat.size} values", GID_POOLED_LABEL, ha="left")

    if winners is not None:
        _outline_cells(
            board,
            [(channel, grid.box(channel), *divmod(index, width), height, width) for channel, index in enumerate(winners)],
        )

    return board.finish(norm, colormap, "value", title, notes)


def _plot_channel_pooling(x, pooled, kind, sample, drawn, title, notes, annotate) -> Figure:
    batch, channels, height, width = x.shape
    maps = _to_numpy(x[sample, :drawn])
    out = _to_numpy(pooled[sample])
    if out.ndim == 2:  # a kind that drops the channel dim: (N, H, W)
        out = out[None]
    if out.ndim != 3:
        raise ValueError(
            f"plot_pooling cannot draw kind {kind.name!r}: it pools over channels but returned shape "
            f"{tuple(pooled.shape)}, not (N, k, H, W)"
        )
    outputs = out[:4]
    maxima = x[sample].detach().amax(dim=0)
    is_depth_max = outputs.shape[0] == 1 and torch.equal(pooled[sample].reshape(maxima.shape).to(maxima.dtype), maxima)
    outline_winners = is_depth_max and max(height, width) <= ANNOTATE_MAX_SIDE
    if outline_winners:
        notes = notes + ["outlined: at each position, the cell that won the max"]

    columns = _columns_for(drawn, height, width)
    rows = math.ceil(drawn / columns)
    grid = _Grid(drawn, columns, rows, height, width, 0.0)
    result_panels = outputs.shape[0] + (1 if is_depth_max else 0)
    # The results sit under the input maps, each the size of an input map box (cells line up by eye).
    # With many small input maps, the result is drawn larger so its cells stay readable.
    result_size = 1.0 if columns <= 4 else 1.5
    results_width = result_panels * (result_size + _GAP_X) - _GAP_X
    board_width = max(grid.width, results_width)
    result_top = grid.height + _GAP_Y + 0.08 + _LABEL_HEIGHT
    board_height = result_top + result_size
    norm = _shared_norm([maps, outputs], symmetric=False)
    colormap = matplotlib.colormaps[SEQUENTIAL_CMAP]
    board = _Board(board_width, board_height, notes=len(notes))
    grid.left = (board_width - grid.width) / 2
    _draw_maps(board, grid, maps, colormap, norm, annotate)

    # A rule between input and result, with the direction of travel.
    rule_y = grid.height + _GAP_Y / 2 + 0.06
    rule_left, rule_row = board.pixel(0, rule_y)
    rule_right, _ = board.pixel(board_width, rule_y)
    board.paint_rectangle(round(rule_row), round(rule_row) + 1, round(rule_left), round(rule_right), "#bbbbbb")
    label = f"pooled across the {channels} channels"
    label_width = len(label) * 0.6 * 8.5 / 72 * board.dpi  # DejaVu Sans averages 0.6 em a character
    centre, _ = board.pixel(board_width / 2, rule_y)
    # Clear the rule behind the label, as a label box would.
    board.paint_rectangle(round(rule_row) - 8, round(rule_row) + 8, round(centre - label_width / 2 - 6),
                          round(centre + label_width / 2 + 6), "white")
    board.write(board_width / 2, rule_y, label, GID_POOLED_LABEL, va="center", colour="#333333")

    results_left = (board_width - results_width) / 2
    cell_points = board.points(result_size / max(height, width))
    can_write = annotate and max(height, width) <= ANNOTATE_MAX_SIDE
    for index in range(outputs.shape[0]):
        box = _fit(height, width, results_left + index * (result_size + _GAP_X), result_top, size=result_size)
        _show(board, outputs[index], colormap, norm, box, GID_POOLED, None)
        label = "output" if outputs.shape[0] == 1 else f"output channel {index}"
        board.write(box.left + box.width / 2, box.top - 0.04, label, GID_POOLED_LABEL)
        if can_write:
            _write_values(board, box, outputs[index], colormap, norm, GID_POOLED_VALUE)

    if is_depth_max:
        winners = x[sample].detach().argmax(dim=0).numpy()
        box = _fit(height, width, results_left + outputs.shape[0] * (result_size + _GAP_X), result_top, size=result_size)
        palette = ListedColormap([CATEGORICAL_COLOURS[c % len(CATEGORICAL_COLOURS)] for c in range(channels)])
        _show(board, winners, palette, Normalize(-0.5, channels - 0.5), box, GID_WINNER_MAP, None)
        board.write(box.left + box.width / 2, box.top - 0.04, "which channel won", GID_POOLED_LABEL)
        written = False
        if can_write:
            size = min(_LARGEST_FONT, 0.9 * cell_points / (0.64 * len(str(channels - 1))), 0.55 * cell_points)
            if size >= _SMALLEST_FONT:
                written = True
                _draw_cell_texts(
                    board, box, height, width, [str(channel) for channel in winners.ravel()],
                    [text_colour_on(palette(int(channel))) for channel in winners.ravel()], size, GID_WINNER_VALUE,
                    None,
                )
        if not written:
            # Past eight channels the colours repeat; each legend entry lists every channel it stands for.
            present = sorted(set(winners.ravel().tolist()))
            colour_count = len(CATEGORICAL_COLOURS)
            entries = []
            for colour_index in sorted({channel % colour_count for channel in present}):
                sharing = [channel for channel in present if channel % colour_count == colour_index]
                shown = ", ".join(str(channel) for channel in sharing[:4]) + (", ..." if len(sharing) > 4 else "")
                entries.append((palette(colour_index), f"channel {shown}"))
            _paint_legend(board, entries, "which channel won", left=0.05, bottom=board_height - 0.02)
        # In the input maps, outline each position's winning cell in the channel it came from.
        if outline_winners:
            cells = [
                (int(channel), grid.box(int(channel)), row, column, height, width)
                for (row, column), channel in numpy.ndenumerate(winners)
                if channel < drawn
            ]
            _outline_cells(board, cells)

    return board.finish(norm, colormap, "value", title, notes)


def _paint_legend(board: _Board, entries, title: str, left: float, bottom: float) -> None:
    """A key of coloured squares and labels, its bottom-left corner at board point (left, bottom)."""
    # Spacing fixed in inches, whatever the size of a box.
    line = 0.16 / board.inches_per_box
    column_width = 1.3 / board.inches_per_box
    per_column = 4
    rows = min(per_column, len(entries))
    top = bottom - (rows + 1) * line
    board.write(left, top, title, GID_LEGEND, size=7.5, ha="left", va="center")
    for index, (colour, label) in enumerate(entries):
        column, row = divmod(index, per_column)
        x, y = left + column * column_width, top + (row + 1) * line
        square_left, square_top = board.pixel(x, y - line * 0.35)
        square_right, square_bottom = board.pixel(x + line * 0.7, y + line * 0.35)
        board.paint_rectangle(round(square_top), round(square_bottom), round(square_left), round(square_right), colour)
        board.write(x + line, y, label, GID_LEGEND, size=7.5, ha="left", va="center")
