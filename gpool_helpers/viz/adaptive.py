"""Pictures of adaptive pooling's windows (notebook 05).

- ``plot_adaptive_bins(in_size, out_size)``: the windows along one dim, one bar
  per output cell, so overlaps show as bars that share a position.
- ``plot_adaptive_windows(feature_map, output_size)``: one H x W map, the
  window of every output cell as a tile of its own (laid out like the output),
  how many windows read each cell, and the pooled grid.
- ``plot_spp_pyramid(*inputs)``: spatial pyramid pooling of one channel, each
  level drawn as its own grid (1x1, 2x2, 4x4), labelled with where its values
  sit in the output vector.
- ``plot_classic_spp_check(max_in_size, max_out_size)``: where SPP-net's
  hand-computed kernel and stride give the wrong number of cells.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..checks import check_choice, check_int, check_int_pair, check_maps
from ..i18n import gettext as _
from ..pooling import adaptive_bins, classic_spp_window, spatial_pyramid_pool
from .style import SEQUENTIAL_CMAP, categorical_colour, describe_figure, grid_text, new_figure, text_colour_on

__all__ = ["plot_adaptive_bins", "plot_adaptive_windows", "plot_classic_spp_check", "plot_spp_pyramid"]

#: Beyond this many cells a side, values are no longer written in the cells.
MAX_ANNOTATED_SIDE = 12

RIGHT_COLOUR = "#009E73"  # Okabe-Ito bluish green
WRONG_COLOUR = "#D55E00"  # Okabe-Ito vermillion
ERROR_COLOUR = "#BBBBBB"


def plot_adaptive_bins(in_size: int, out_size: int) -> Figure:
    """The windows adaptive pooling reads along one dim: one bar per output cell.

    Top row: the input positions 0 .. in_size - 1; a position read by more than
    one window is marked with how many. Below: output cell i's window
    [start, end), drawn over the positions it reads.
    """
    function_name = "plot_adaptive_bins"
    in_size = check_int(in_size, "in_size", function_name, maximum=64)
    out_size = check_int(out_size, "out_size", function_name, maximum=32)
    windows = adaptive_bins(in_size, out_size)
    reads = [sum(start <= position < end for start, end in windows) for position in range(in_size)]

    width = min(9.5, max(6.0, 2.6 + 0.5 * in_size))
    figure = new_figure(width, 1.5 + 0.34 * (out_size + 1), layout="constrained")
    axes = figure.add_subplot()
    for position, count in enumerate(reads):
        shared = count > 1
        axes.add_patch(
            Rectangle(
                (position, 0), 1, 0.8, facecolor="#FFD27F" if shared else "#E8E8E8", edgecolor="black", lw=0.8
            )
        )
        label = f"{position}\n×{count}" if shared else f"{position}"
        axes.text(position + 0.5, 0.4, label, ha="center", va="center", fontsize=8 if shared else 9)
    for index, (start, end) in enumerate(windows):
        row = -(index + 1)
        axes.add_patch(
            Rectangle(
                (start + 0.05, row + 0.1), end - start - 0.1, 0.7,
                facecolor=categorical_colour(index), edgecolor="black", lw=0.6,
            )
        )
        axes.text(end + 0.15, row + 0.45, f"x[{start}:{end}]", va="center", ha="left", fontsize=8.5)
    axes.set_xlim(-0.1, in_size + 1.6)
    axes.set_ylim(-out_size - 0.1, 0.9)
    axes.set_yticks(
        [0.4] + [-(index + 1) + 0.45 for index in range(out_size)],
        ["input"] + [f"out[{index}]" for index in range(out_size)],
    )
    axes.tick_params(labelsize=8.5, length=0)
    axes.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        axes.spines[side].set_visible(False)
    overlap = "windows overlap: orange positions are read more than once" if max(reads) > 1 else "no overlap"
    axes.set_title(f"adaptive pooling along one dim, {in_size} -> {out_size}\n{overlap}", fontsize=10)
    shared = [str(position) for position, count in enumerate(reads) if count > 1]
    return describe_figure(figure, _(
        "Adaptive pooling along one dim, {in_size} -> {out_size}: output cell i reads the window x[start:end]. "
        "Windows: {windows}. {overlap}"
    ).format(in_size=in_size, out_size=out_size,
             windows="; ".join(f"out[{index}] = x[{start}:{end}]" for index, (start, end) in enumerate(windows)),
             overlap=_("Positions read by more than one window: {positions}.").format(positions=", ".join(shared))
             if shared else _("No position is read twice.")))


def _to_map(feature_map: object, function_name: str) -> torch.Tensor:
    if not isinstance(feature_map, torch.Tensor) or not feature_map.dtype.is_floating_point:
        raise TypeError(_("{name} expects a float tensor shaped (H, W); got a {type}").format(
            name=function_name, type=type(feature_map).__name__))
    if feature_map.dim() != 2 or min(feature_map.shape) < 1 or max(feature_map.shape) > 32:
        raise ValueError(
            _("{name} expects one map shaped (H, W) with 1 <= H, W <= 32 "
              "(take x[0, 0] of an (N, C, H, W) tensor); got shape {shape}").format(
                name=function_name, shape=tuple(feature_map.shape))
        )
    return feature_map.detach().float()


def _heatmap(axes, values: torch.Tensor, norm, title: str) -> None:
    colormap = matplotlib.colormaps[SEQUENTIAL_CMAP]
    axes.imshow(values.numpy(), cmap=colormap, norm=norm)
    rows, cols = values.shape
    if max(rows, cols) <= MAX_ANNOTATED_SIDE:
        size = 8 if max(rows, cols) <= 6 else 6.5
        for row in range(rows):
            for col in range(cols):
                value = float(values[row, col])
                axes.text(
                    col, row, f"{value:.2f}", ha="center", va="center", fontsize=size,
                    color=text_colour_on(colormap(norm(value))),
                )
    axes.set_xticks(range(cols))
    axes.set_yticks(range(rows))
    axes.tick_params(labelsize=7, length=0)
    axes.set_title(title, fontsize=9.5)


#: Colour of a tile's cells that lie outside its window, and of the gaps between tiles.
OUTSIDE_COLOUR = "#DDDDDD"
GAP_COLOUR = "white"


def window_mosaic(values: torch.Tensor, row_bins, col_bins) -> torch.Tensor:
    """One tile per output cell, laid out like the output: the map, NaN outside that cell's window.

    Tile (i, j) is an H x W copy of ``values`` that keeps only rows
    ``row_bins[i]`` and columns ``col_bins[j]``; tiles are separated by a
    one-cell gap, also NaN. Shape: (rows * (H + 1) - 1, cols * (W + 1) - 1).
    Each window has a place of its own, so no two can be confused, however
    many there are.
    """
    height, width = values.shape
    mosaic = torch.full((len(row_bins) * (height + 1) - 1, len(col_bins) * (width + 1) - 1), float("nan"))
    for i, (top, bottom) in enumerate(row_bins):
        for j, (left, right) in enumerate(col_bins):
            row0, col0 = i * (height + 1), j * (width + 1)
            mosaic[row0 + top : row0 + bottom, col0 + left : col0 + right] = values[top:bottom, left:right]
    return mosaic


def _draw_mosaic(axes, values: torch.Tensor, row_bins, col_bins, norm) -> None:
    height, width = values.shape
    mosaic = window_mosaic(values, row_bins, col_bins)
    colours = matplotlib.colormaps[SEQUENTIAL_CMAP](norm(mosaic.nan_to_num(0.0).numpy()))
    outside, gap = matplotlib.colors.to_rgba(OUTSIDE_COLOUR), matplotlib.colors.to_rgba(GAP_COLOUR)
    empty = mosaic.isnan().numpy()
    colours[empty] = outside
    # Gap rows and columns between tiles are white, so each tile reads as one small map.
    colours[height :: height + 1, :] = gap
    colours[:, width :: width + 1] = gap
    axes.imshow(colours, interpolation="nearest")
    axes.set_xticks([j * (width + 1) + (width - 1) / 2 for j in range(len(col_bins))], range(len(col_bins)))
    axes.set_yticks([i * (height + 1) + (height - 1) / 2 for i in range(len(row_bins))], range(len(row_bins)))
    axes.tick_params(labelsize=7, length=0)
    axes.set_xlabel("output column j", fontsize=8)
    axes.set_ylabel("output row i", fontsize=8)
    for side in ("top", "right", "bottom", "left"):
        axes.spines[side].set_visible(False)


def plot_adaptive_windows(feature_map: torch.Tensor, output_size: int | tuple[int, int], mode: str = "avg") -> Figure:
    """One map, the window of every output cell, the overlap count and the pooled grid.

    Panels, left to right: the (H, W) map with its values; one tile per output
    cell (i, j), laid out like the output, showing only the cells its window
    reads (rows ``adaptive_bins(H, rows)[i]``, columns
    ``adaptive_bins(W, cols)[j]``; grey elsewhere), so every window has its
    own place however many there are; how many windows read each cell; the
    pooled grid, ``F.adaptive_avg_pool2d`` (or max), on the same colour scale
    as the map.
    """
    function_name = "plot_adaptive_windows"
    values = _to_map(feature_map, function_name)
    out_rows, out_cols = check_int_pair(output_size, "output_size", function_name, example="(2, 3)", maximum=64,
                                        one_int_for_both=True)
    check_choice(mode, ("avg", "max"), "mode", function_name)
    height, width = values.shape
    row_bins, col_bins = adaptive_bins(height, out_rows), adaptive_bins(width, out_cols)
    pool = torch.nn.functional.adaptive_avg_pool2d if mode == "avg" else torch.nn.functional.adaptive_max_pool2d
    pooled = pool(values[None, None], (out_rows, out_cols))[0, 0]
    counts = torch.zeros(height, width)
    for top, bottom in row_bins:
        for left, right in col_bins:
            counts[top:bottom, left:right] += 1

    low, high = float(min(values.min(), pooled.min())), float(max(values.max(), pooled.max()))
    norm = matplotlib.colors.Normalize(low, high if high > low else low + 1)
    mosaic_width = out_cols * (width + 1) - 1
    mosaic_height = out_rows * (height + 1) - 1
    # Panel widths in inches: the mosaic holds rows x cols small maps, so it gets
    # half as much height again as the other panels to keep its tiles readable.
    panel_height = 2.4
    mosaic_height_inches = 1.5 * panel_height if max(out_rows, out_cols) > 2 else panel_height
    # The count holds one digit per cell and the output fewer cells: both can be smaller.
    widths = [
        panel_height * width / height,
        mosaic_height_inches * mosaic_width / mosaic_height,
        0.8 * panel_height * width / height,
        0.7 * panel_height * out_cols / out_rows,
    ]
    scale = min(1.0, (9.5 - 0.9) / sum(widths))
    figure = new_figure(9.5, mosaic_height_inches * scale + 1.35, layout="constrained")
    map_axes, mosaic_axes, count_axes, out_axes = figure.subplots(1, 4, width_ratios=widths)
    _heatmap(map_axes, values, norm, f"input map {height}x{width}")
    _draw_mosaic(mosaic_axes, values, row_bins, col_bins, norm)
    mosaic_axes.set_title(f"the window of each output cell\n(tile i, j -> output i, j)", fontsize=9.5)
    count_colours = matplotlib.colormaps["Greys"]
    count_axes.imshow(counts.numpy(), cmap=count_colours, vmin=0, vmax=max(4.0, float(counts.max()) + 1))
    for row in range(height):
        for col in range(width):
            count = int(counts[row, col])
            count_axes.text(col, row, str(count), ha="center", va="center", fontsize=8, color="black" if count < 3 else "white")
    count_axes.set_xticks(range(width))
    count_axes.set_yticks(range(height))
    count_axes.tick_params(labelsize=7, length=0)
    overlap = "some read more than once" if counts.max() > 1 else "every cell read once"
    count_axes.set_title(f"windows reading each cell:\n{overlap}", fontsize=9.5)
    _heatmap(out_axes, pooled, norm, f"{mode} output {out_rows}x{out_cols}")
    out_axes.set_xlabel("j", fontsize=8)
    out_axes.set_ylabel("i", fontsize=8)
    figure.suptitle(
        f"F.adaptive_{mode}_pool2d: ({height}, {width}) -> ({out_rows}, {out_cols})", fontsize=11
    )
    return describe_figure(figure, _(
        "F.adaptive_{mode}_pool2d: ({height}, {width}) -> ({out_rows}, {out_cols}). Panels: the input map, the "
        "window each output cell reads (rows {row_bins}, columns {col_bins}), how many windows read each cell "
        "({overlap}), and the output: {output}."
    ).format(mode=mode, height=height, width=width, out_rows=out_rows, out_cols=out_cols,
             row_bins=", ".join(f"[{a}:{b}]" for a, b in row_bins), col_bins=", ".join(f"[{a}:{b}]" for a, b in col_bins),
             overlap=_("at most {count}").format(count=int(counts.max())), output=grid_text(pooled)))


def plot_classic_spp_check(max_in_size: int = 16, max_out_size: int = 6) -> Figure:
    """Where SPP-net's kernel ceil(s/n), stride floor(s/n) gives n cells, and where it does not.

    Each cell (s, n) shows how many cells per side ``max_pool`` with that
    kernel and stride really gives on an s x s map: green when it is n, orange
    when it is not, grey when the stride is 0 (s < n: ``max_pool`` refuses).
    """
    function_name = "plot_classic_spp_check"
    max_in_size = check_int(max_in_size, "max_in_size", function_name, maximum=32)
    max_out_size = check_int(max_out_size, "max_out_size", function_name, maximum=12)
    figure = new_figure(min(9.5, 1.6 + 0.42 * max_in_size), 1.4 + 0.42 * max_out_size, layout="constrained")
    axes = figure.add_subplot()
    wrong = 0
    for n in range(1, max_out_size + 1):
        for s in range(1, max_in_size + 1):
            window = classic_spp_window(s, n)
            if window.output_size is None:
                colour, label = ERROR_COLOUR, "-"
            else:
                colour, label = (RIGHT_COLOUR if window.correct else WRONG_COLOUR), str(window.output_size)
                wrong += not window.correct
            axes.add_patch(Rectangle((s - 0.5, n - 0.5), 0.95, 0.95, facecolor=colour, edgecolor="white"))
            axes.text(s - 0.025, n - 0.025, label, ha="center", va="center", fontsize=8, color=text_colour_on(colour))
    if max_in_size >= 7 and max_out_size >= 4:
        axes.add_patch(Rectangle((6.5, 3.5), 0.95, 0.95, fill=False, edgecolor="black", lw=2.2))
    axes.set_xlim(0.4, max_in_size + 0.6)
    axes.set_ylim(max_out_size + 0.6, 0.4)
    axes.set_xticks(range(1, max_in_size + 1))
    axes.set_yticks(range(1, max_out_size + 1))
    axes.tick_params(labelsize=8, length=0)
    axes.set_xlabel("input size s (an s x s map)")
    axes.set_ylabel("wanted cells n")
    for side in ("top", "right", "bottom", "left"):
        axes.spines[side].set_visible(False)
    axes.set_title(
        f"kernel ceil(s/n), stride floor(s/n): cells per side it really gives\n"
        f"green = n as wanted, orange = wrong ({wrong} cases), grey = stride 0; framed: s = 7, n = 4",
        fontsize=9.5,
    )
    wrong_cases = [
        f"s={s}, n={n}: {classic_spp_window(s, n).output_size}"
        for n in range(1, max_out_size + 1) for s in range(1, max_in_size + 1)
        if classic_spp_window(s, n).output_size is not None and not classic_spp_window(s, n).correct
    ]
    return describe_figure(figure, _(
        "A grid of input sizes s = 1 to {max_in} against wanted cells n = 1 to {max_out}: how many cells per side "
        "SPP-net's kernel ceil(s/n) with stride floor(s/n) really gives. It is wrong in {wrong} cases "
        "(s, n: cells given): {cases}. Where s < n the stride is 0 and max_pool refuses."
    ).format(max_in=max_in_size, max_out=max_out_size, wrong=wrong, cases="; ".join(wrong_cases[:12]) + (
        _("; ... ({count} in all)").format(count=len(wrong_cases)) if len(wrong_cases) > 12 else "")))


def _spp_slices(channels: int, levels: Sequence[int], channel: int) -> list[tuple[int, int]]:
    # The vector is level after level; inside a level, channel after channel, each l*l cells row by row.
    slices, offset = [], 0
    for level in levels:
        start = offset + channel * level * level
        slices.append((start, start + level * level))
        offset += channels * level * level
    return slices


def plot_spp_pyramid(*inputs: torch.Tensor, levels: Sequence[int] = (1, 2, 4), channel: int = 0) -> Figure:
    """Spatial pyramid pooling of one channel, one row per input (N, C, H, W), sample 0.

    Each row: the channel's H x W map, then one grid per level (1x1, 2x2, 4x4
    for the default levels) holding ``F.adaptive_max_pool2d(x, l)`` of that
    channel, titled with the slice of ``spatial_pyramid_pool(x, levels)[0]``
    where those values sit. Inputs of different sizes give grids of the same
    sizes: that is why the vector has one length.
    """
    function_name = "plot_spp_pyramid"
    if not inputs:
        raise ValueError(_("{name} expects at least one (N, C, H, W) tensor").format(name=function_name))
    every_level = _("every {item} in {argument}").format(item=_("level"), argument="levels")
    levels = tuple(check_int(level, every_level, function_name, maximum=8) for level in levels)
    maps = []
    for x in inputs:
        check_maps(x, function_name, floating=True)
        channel = check_int(channel, "channel", function_name, minimum=0, maximum=x.shape[1] - 1)
        maps.append(x.detach().float())

    figure = new_figure(9.5, 0.9 + 2.55 * len(maps), layout="constrained")
    grid = figure.subplots(len(maps), 1 + len(levels), squeeze=False, width_ratios=[1.25] + [1.0] * len(levels))
    for row, x in enumerate(maps):
        values = x[0, channel]
        vector = spatial_pyramid_pool(x, levels=levels)
        pooled = [torch.nn.functional.adaptive_max_pool2d(values[None, None], level)[0, 0] for level in levels]
        low, high = float(values.min()), float(values.max())
        norm = matplotlib.colors.Normalize(low, high if high > low else low + 1)
        height, width = values.shape
        _heatmap(grid[row][0], values, norm, f"{tuple(x.shape)}, channel {channel}\n-> vector {tuple(vector.shape)}")
        for column, (level, cells, (start, stop)) in enumerate(
            zip(levels, pooled, _spp_slices(x.shape[1], levels, channel)), start=1
        ):
            axes = grid[row][column]
            _heatmap(axes, cells, norm, f"level {level}: {level}x{level} max\nvector[{start}:{stop}]")
            axes.set_xlim(-0.5, level - 0.5)
            axes.set_ylim(level - 0.5, -0.5)
    total = sum(level * level for level in levels)
    figure.suptitle(
        f"spatial pyramid pooling, levels {levels}: {' + '.join(str(l * l) for l in levels)} = {total} "
        f"values per channel, whatever H and W",
        fontsize=11,
    )
    rows = []
    for x in maps:
        levels_text = "; ".join(
            _("level {level}: {grid}").format(
                level=level, grid=grid_text(torch.nn.functional.adaptive_max_pool2d(x[0, channel][None, None], level)[0, 0]))
            for level in levels)
        rows.append(_("input {shape} -> vector {vector}: {levels}").format(
            shape=tuple(x.shape), vector=tuple(spatial_pyramid_pool(x, levels=levels).shape), levels=levels_text))
    return describe_figure(figure, _(
        "Spatial pyramid pooling of channel {channel}, levels {levels}: {sizes} = {total} values per channel "
        "whatever H and W. {rows}."
    ).format(channel=channel, levels=levels, sizes=" + ".join(str(l * l) for l in levels), total=total,
             rows=". ".join(rows)))
