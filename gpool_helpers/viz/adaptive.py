"""Pictures of adaptive pooling's windows (notebook 05).

- ``plot_adaptive_bins(in_size, out_size)``: the windows along one dim, one bar
  per output cell, so overlaps show as bars that share a position.
- ``plot_adaptive_windows(feature_map, output_size)``: one H x W map with every
  output cell's window drawn over it, how many windows read each cell, and the
  pooled grid.
- ``plot_classic_spp_check(max_in_size, max_out_size)``: where SPP-net's
  hand-computed kernel and stride give the wrong number of cells.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..checks import check_int
from ..pooling import adaptive_bins, classic_spp_window
from .style import SEQUENTIAL_CMAP, categorical_colour, new_figure, text_colour_on

#: Beyond this many cells a side, values are no longer written in the cells.
MAX_ANNOTATED_SIDE = 12

RIGHT_COLOUR = "#009E73"  # Okabe-Ito bluish green
WRONG_COLOUR = "#D55E00"  # Okabe-Ito vermillion
ERROR_COLOUR = "#BBBBBB"


def _pair(value: object, function_name: str) -> tuple[int, int]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value, value)
    if not (isinstance(value, Sequence) and len(value) == 2):
        raise TypeError(f"{function_name} expects output_size as an int or a pair (rows, cols); got {value!r}")
    return (
        check_int(value[0], "output rows", function_name, maximum=64),
        check_int(value[1], "output cols", function_name, maximum=64),
    )


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
    return figure


def _to_map(feature_map: object, function_name: str) -> torch.Tensor:
    if not isinstance(feature_map, torch.Tensor) or not feature_map.dtype.is_floating_point:
        raise TypeError(f"{function_name} expects a float tensor shaped (H, W); got a {type(feature_map).__name__}")
    if feature_map.dim() != 2 or min(feature_map.shape) < 1 or max(feature_map.shape) > 32:
        raise ValueError(
            f"{function_name} expects one map shaped (H, W) with 1 <= H, W <= 32 "
            f"(take x[0, 0] of an (N, C, H, W) tensor); got shape {tuple(feature_map.shape)}"
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


def plot_adaptive_windows(feature_map: torch.Tensor, output_size: int | tuple[int, int], mode: str = "avg") -> Figure:
    """One map, every adaptive window over it, the overlap count and the pooled grid.

    Left: the (H, W) map with output cell (i, j)'s window outlined in colour
    (its rows are ``adaptive_bins(H, rows)[i]``, its columns
    ``adaptive_bins(W, cols)[j]``), each outline slightly inset so windows that
    share cells stay visible. Middle: how many windows read each cell. Right:
    the pooled grid, ``F.adaptive_avg_pool2d`` (or max), each cell framed in its
    window's colour.
    """
    function_name = "plot_adaptive_windows"
    values = _to_map(feature_map, function_name)
    out_rows, out_cols = _pair(output_size, function_name)
    if mode not in ("avg", "max"):
        raise ValueError(f"{function_name} expects mode 'avg' or 'max'; got {mode!r}")
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
    cell = min(0.55, 3.4 / max(height, width))
    figure = new_figure(
        min(9.5, 3 * cell * max(width, out_cols) + 2.0), cell * max(height, out_rows) + 1.3, layout="constrained"
    )
    map_axes, count_axes, out_axes = figure.subplots(
        1, 3, width_ratios=[width, width, max(out_cols, 1)], gridspec_kw={"wspace": 0.08}
    )
    _heatmap(map_axes, values, norm, f"input map {height}x{width} and its windows")
    colours = {}
    for i, (top, bottom) in enumerate(row_bins):
        for j, (left, right) in enumerate(col_bins):
            colour = categorical_colour(i * out_cols + j)
            colours[i, j] = colour
            # Stagger the insets so two windows with a shared edge do not draw one line.
            inset = 0.06 + 0.08 * ((i + j) % 3)
            map_axes.add_patch(
                Rectangle(
                    (left - 0.5 + inset, top - 0.5 + inset),
                    right - left - 2 * inset,
                    bottom - top - 2 * inset,
                    fill=False, edgecolor=colour, lw=2.2,
                )
            )
    count_colours = matplotlib.colormaps["Greys"]
    count_axes.imshow(counts.numpy(), cmap=count_colours, vmin=0, vmax=max(4.0, float(counts.max()) + 1))
    for row in range(height):
        for col in range(width):
            count = int(counts[row, col])
            count_axes.text(col, row, str(count), ha="center", va="center", fontsize=8, color="black" if count < 3 else "white")
    count_axes.set_xticks(range(width))
    count_axes.set_yticks(range(height))
    count_axes.tick_params(labelsize=7, length=0)
    overlap = "some cells are read more than once" if counts.max() > 1 else "every cell read once"
    count_axes.set_title(f"windows reading each cell:\n{overlap}", fontsize=9.5)
    _heatmap(out_axes, pooled, norm, f"{mode} output {out_rows}x{out_cols}")
    for (i, j), colour in colours.items():
        out_axes.add_patch(Rectangle((j - 0.45, i - 0.45), 0.9, 0.9, fill=False, edgecolor=colour, lw=2.2))
    figure.suptitle(
        f"F.adaptive_{mode}_pool2d: ({height}, {width}) -> ({out_rows}, {out_cols})", fontsize=11
    )
    return figure


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
    return figure
