"""Plots for notebook 07: data samples, the head comparison, input sizes, class activation maps.

Every function returns a :class:`matplotlib.figure.Figure` made with
:func:`~gpool_helpers.viz.style.new_figure` and keeps no state.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from torch import Tensor

from ..cnn.cam import upsample_maps
from ..cnn.data import LabelledImages
from .style import HIGHLIGHT_COLOUR, SEQUENTIAL_CMAP, categorical_colour, new_figure, text_colour_on

def _draw_box(axes, box: Sequence[int], colour: str = HIGHLIGHT_COLOUR) -> None:
    top, left, bottom, right = (int(v) for v in box)
    # Pixel centres sit at integer coordinates, so a pixel's edges are at +-0.5.
    axes.add_patch(
        Rectangle((left - 0.5, top - 0.5), right - left + 1, bottom - top + 1, fill=False, edgecolor=colour, linewidth=1.2)
    )


def _bare(axes) -> None:
    axes.set_xticks([])
    axes.set_yticks([])


def plot_examples(data: LabelledImages, count: int = 8, columns: int = 8, title: str | None = None) -> Figure:
    """The first ``count`` images of ``data``, titled with their class (and boxed, if it has boxes)."""
    if not isinstance(data, LabelledImages):
        raise TypeError(f"plot_examples expects a LabelledImages; got a {type(data).__name__}")
    count = min(int(count), len(data))
    if count < 1:
        raise ValueError(f"plot_examples expects count >= 1 and a non-empty set; got count={count}")
    columns = max(1, min(int(columns), count))
    rows = -(-count // columns)
    figure = new_figure(1.2 * columns, 1.35 * rows + (0.3 if title else 0), layout="constrained")
    if title:
        figure.suptitle(title)
    for index in range(count):
        axes = figure.add_subplot(rows, columns, index + 1)
        axes.imshow(data.images[index, 0].numpy(), cmap="gray_r", vmin=0, vmax=1)
        if data.boxes is not None:
            _draw_box(axes, data.boxes[index].tolist(), colour=categorical_colour(5))
        axes.set_title(data.class_names[int(data.labels[index])], fontsize=9)
        _bare(axes)
    return figure


def plot_head_comparison(rows: Sequence) -> Figure:
    """Train and test accuracy per head (mean over seeds, bars +- one standard deviation).

    ``rows`` are :class:`gpool_helpers.cnn.training.HeadSummary` rows.
    """
    if not rows:
        raise ValueError("plot_head_comparison expects at least one HeadSummary row; got none")
    figure = new_figure(8, 3.4, layout="constrained")
    axes = figure.add_subplot()
    positions = range(len(rows))
    width = 0.38
    lowest = min(min(r.train_mean - r.train_spread, r.test_mean - r.test_spread) for r in rows)
    bottom = max(0.0, lowest - 5)
    for offset, (name, means, spreads, colour) in enumerate(
        (
            ("train", [r.train_mean for r in rows], [r.train_spread for r in rows], categorical_colour(4)),
            ("test", [r.test_mean for r in rows], [r.test_spread for r in rows], categorical_colour(0)),
        )
    ):
        xs = [p + (offset - 0.5) * width for p in positions]
        axes.bar(xs, means, width, yerr=spreads, capsize=3, label=f"{name} accuracy", color=colour)
        for x, mean in zip(xs, means):
            # Inside the bar's foot, clear of the error bar at its top.
            axes.text(x, bottom + 0.6, f"{mean:.1f}", ha="center", va="bottom", fontsize=8,
                      color=text_colour_on(colour))
    axes.set_xticks(list(positions), [f"{r.label}\n{r.parameters:,} head parameters" for r in rows], fontsize=8)
    axes.set_ylim(bottom, 101.5)
    axes.set_ylabel("accuracy (%)")
    axes.set_title(f"Same body, four heads: mean over {rows[0].seeds} seeds, bars show ± 1 standard deviation", fontsize=10)
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return figure


def plot_canvas_sweep(
    canvas_sizes: Sequence[int],
    accuracies: Mapping[str, Sequence[float]],
    pointing: Sequence[float] | None = None,
    trained_size: int | None = None,
) -> Figure:
    """Accuracy (%) against canvas size, one line per model; beside it, how often the CAM peaks on the shape.

    ``accuracies`` and ``pointing`` are fractions in [0, 1], one per canvas size.
    """
    sizes = list(canvas_sizes)
    if not sizes or any(len(values) != len(sizes) for values in accuracies.values()):
        raise ValueError("plot_canvas_sweep expects one accuracy per canvas size for every model")
    if pointing is not None and len(pointing) != len(sizes):
        raise ValueError("plot_canvas_sweep expects one pointing value per canvas size")
    panels = 2 if pointing is not None else 1
    figure = new_figure(4.6 * panels, 3.3, layout="constrained")
    markers = ("o", "s", "^", "D")
    series = [("accuracy", accuracies, "% of test images labelled right")]
    if pointing is not None:
        series.append(("GAP: the map of the true class peaks inside the box", {"GAP + linear": pointing},
                       "% of test images"))
    for panel, (title, lines, ylabel) in enumerate(series):
        axes = figure.add_subplot(1, panels, panel + 1)
        for index, (label, values) in enumerate(lines.items()):
            axes.plot(sizes, [100 * v for v in values], marker=markers[index % 4], color=categorical_colour(index),
                      label=label, linewidth=2.2 - 0.6 * index)
        if trained_size is not None:
            axes.axvline(trained_size, color="grey", linewidth=0.8)
            axes.text(trained_size, 3, " trained here", color="grey", fontsize=8)
        if panel == 0:
            classes = 4
            axes.axhline(100 / classes, color="grey", linewidth=0.8, linestyle=":")
            axes.text(sizes[-1], 100 / classes + 1, "chance (4 classes)", color="grey", fontsize=8,
                      ha="right", va="bottom")
            axes.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0.0, 0.12))
        axes.set_xticks(sizes, [f"{s}x{s}" for s in sizes])
        axes.set_ylim(0, 105)
        axes.set_xlabel("canvas size (pixels)")
        axes.set_ylabel(ylabel)
        axes.set_title(title, fontsize=9)
    return figure


def _overlay(axes, image: Tensor, cam: Tensor, vmin: float, vmax: float):
    # The map, opaque, with the shape's outline on top: a map drawn
    # half-transparent over a black shape loses its colours exactly where they matter.
    shown = axes.imshow(cam.numpy(), cmap=SEQUENTIAL_CMAP, vmin=vmin, vmax=vmax)
    axes.contour(image.numpy(), levels=[0.5], colors="white", linewidths=0.9)
    return shown


def plot_cam_grid(
    images: Tensor,
    maps: Tensor,
    logits: Tensor,
    labels: Tensor,
    class_names: Sequence[str],
    boxes: Tensor | None = None,
) -> Figure:
    """One row per image: the input, then every class's activation map over it.

    ``maps`` (N, classes, h, w) are resized to the image size. All maps of one
    image share one colour scale, so the class with the most evidence stands
    out; each panel is titled with its logit, the winning one marked.
    """
    if images.dim() != 4 or maps.dim() != 4 or images.shape[0] != maps.shape[0]:
        raise ValueError(
            f"plot_cam_grid expects images (N, 1, H, W) and maps (N, classes, h, w) with the same N; "
            f"got {tuple(images.shape)} and {tuple(maps.shape)}"
        )
    count, classes = maps.shape[:2]
    resized = upsample_maps(maps, images.shape[-2:])
    figure = new_figure(1.5 * (classes + 1), 1.55 * count + 0.2, layout="constrained")
    grid = figure.add_gridspec(count, classes + 1)
    for row in range(count):
        axes = figure.add_subplot(grid[row, 0])
        axes.imshow(images[row, 0].numpy(), cmap="gray_r", vmin=0, vmax=1)
        axes.set_title(f"input: {class_names[int(labels[row])]}", fontsize=8)
        if boxes is not None:
            _draw_box(axes, boxes[row].tolist(), colour=categorical_colour(5))
        _bare(axes)
        low, high = float(resized[row].min()), float(resized[row].max())
        winner = int(logits[row].argmax())
        for column in range(classes):
            axes = figure.add_subplot(grid[row, column + 1])
            _overlay(axes, images[row, 0], resized[row, column], low, high)
            mark = " (top)" if column == winner else ""
            axes.set_title(f"{class_names[column]}: {float(logits[row, column]):.2f}{mark}", fontsize=8,
                           fontweight="bold" if column == winner else "normal")
            _bare(axes)
    figure.suptitle(
        "Class activation maps, shape outlined in white; bright = evidence for the class\n"
        "one colour scale per row; each title: class and its logit",
        fontsize=9,
    )
    return figure


def plot_cam(image: Tensor, cam: Tensor, title: str, box: Sequence[int] | None = None) -> Figure:
    """The input beside one class activation map (already resized to the image) laid over it."""
    if image.dim() != 2 or cam.shape != image.shape:
        raise ValueError(
            f"plot_cam expects an (H, W) image and an (H, W) map; got {tuple(image.shape)} and {tuple(cam.shape)}"
        )
    figure = new_figure(6.2, 3.2, layout="constrained")
    left = figure.add_subplot(1, 2, 1)
    left.imshow(image.numpy(), cmap="gray_r", vmin=0, vmax=1)
    left.set_title(f"input {tuple(image.shape)}", fontsize=9)
    _bare(left)
    right = figure.add_subplot(1, 2, 2)
    shown = _overlay(right, image, cam, float(cam.min()), float(cam.max()))
    if box is not None:
        _draw_box(left, box, colour=categorical_colour(5))
        _draw_box(right, box, colour=categorical_colour(5))
    right.set_title(title, fontsize=9)
    _bare(right)
    figure.colorbar(shown, ax=right, shrink=0.8, label="map value")
    return figure
