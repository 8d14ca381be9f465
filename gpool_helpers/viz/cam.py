"""Plots for notebook 07: data samples, the head comparison, input sizes, class activation maps, gradients.

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
from ..i18n import gettext as _
from .style import DIVERGING_CMAP, HIGHLIGHT_COLOUR, SEQUENTIAL_CMAP, categorical_colour, new_figure, text_colour_on

__all__ = [
    "plot_cam", "plot_cam_grid", "plot_canvas_sweep", "plot_examples", "plot_gradient_maps", "plot_head_comparison",
]


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
        raise TypeError(_("plot_examples expects a LabelledImages; got a {type}").format(type=type(data).__name__))
    count = min(int(count), len(data))
    if count < 1:
        raise ValueError(_("plot_examples expects count >= 1 and a non-empty set; got count={count}").format(count=count))
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
    # Room for each head's two-line label, however many heads there are.
    figure = new_figure(max(8.0, 1.75 * len(rows) + 1.6), 3.5, layout="constrained")
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
    axes.set_xticks(list(positions), [f"{r.label}\n{r.parameters:,} head params" for r in rows], fontsize=8)
    axes.set_ylim(bottom, 101.5)
    axes.set_ylabel("accuracy (%)")
    axes.set_title(f"Same body, {len(rows)} heads: mean over {rows[0].seeds} seeds, bars show ± 1 standard deviation",
                   fontsize=10)
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return figure


def plot_canvas_sweep(
    canvas_sizes: Sequence[int],
    accuracies: Mapping[str, Sequence[float]],
    pointing: Sequence[float] | None = None,
    trained_size: int | None = None,
    pointing_chance: Sequence[float] | None = None,
) -> Figure:
    """One panel against canvas size: each model's accuracy, and how often the GAP map peaks on the shape.

    ``accuracies``, ``pointing`` and ``pointing_chance`` (the box's mean share
    of the canvas, where a random peak would land) are fractions in [0, 1],
    one per canvas size. Solid lines are accuracies, the dashed line is the
    pointing rate and the dotted one its chance level, so a flat 100 % line
    reads against the chance it beats instead of filling a panel of its own.
    """
    sizes = list(canvas_sizes)
    if not sizes or any(len(values) != len(sizes) for values in accuracies.values()):
        raise ValueError(_("plot_canvas_sweep expects one accuracy per canvas size for every model"))
    for name, values in (("pointing", pointing), ("pointing_chance", pointing_chance)):
        if values is not None and len(values) != len(sizes):
            raise ValueError(_("plot_canvas_sweep expects one {name} value per canvas size").format(name=name))
    figure = new_figure(7.4, 3.6, layout="constrained")
    axes = figure.add_subplot()
    markers = ("o", "s", "^", "D")
    for index, (label, values) in enumerate(accuracies.items()):
        axes.plot(sizes, [100 * v for v in values], marker=markers[index % 4], color=categorical_colour(index),
                  label=f"{label}: accuracy", linewidth=2.2 - 0.5 * index)
    if pointing is not None:
        axes.plot(sizes, [100 * v for v in pointing], marker="x", linestyle="--", color=categorical_colour(2),
                  label="GAP map of the true class peaks inside the box")
    if pointing_chance is not None:
        axes.plot(sizes, [100 * v for v in pointing_chance], marker=".", linestyle=":", color=categorical_colour(3),
                  label="chance of that: the box's share of the canvas")
    axes.axhline(25, color="grey", linewidth=0.8, linestyle=(0, (1, 3)))
    axes.text(sizes[0], 26, " accuracy by chance (4 classes)", color="grey", fontsize=8, va="bottom")
    if trained_size is not None:
        axes.axvline(trained_size, color="grey", linewidth=0.8)
        axes.text(trained_size, 50, " trained here", color="grey", fontsize=8, rotation=90, va="center")
    axes.set_xticks(sizes, [f"{s}x{s}" for s in sizes])
    axes.set_ylim(0, 105)
    axes.set_xlabel("canvas size (pixels)")
    axes.set_ylabel("% of 300 test images")
    axes.set_title("The same models on larger canvases", fontsize=10)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figure


def plot_gradient_maps(gradients: Mapping[str, Tensor], image: Tensor | None = None) -> Figure:
    """Where one logit's gradient reaches the last feature maps, one panel per head.

    ``gradients`` maps a title to one image's gradient (C, h, w), as
    :func:`gpool_helpers.cnn.cam.logit_gradients` returns it; each panel shows
    the sum over channels of its magnitude, on a scale of its own, and counts
    the (channel, position) pairs that get any gradient at all.
    """
    if not gradients or any(not isinstance(g, Tensor) or g.dim() != 3 for g in gradients.values()):
        raise ValueError(_("plot_gradient_maps expects {title: gradient shaped (C, h, w)}, at least one"))
    panels = len(gradients) + (image is not None)
    figure = new_figure(3.3 * panels, 3.3, layout="constrained")
    column = 1
    if image is not None:
        axes = figure.add_subplot(1, panels, column)
        axes.imshow(image.numpy(), cmap="gray_r", vmin=0, vmax=1)
        axes.set_title(f"input {tuple(image.shape)}", fontsize=9)
        _bare(axes)
        column += 1
    for title, gradient in gradients.items():
        axes = figure.add_subplot(1, panels, column)
        magnitude = gradient.abs().sum(dim=0)
        shown = axes.imshow(magnitude.numpy(), cmap=SEQUENTIAL_CMAP, vmin=0)
        reached = int((gradient != 0).sum())
        channels, height, width = gradient.shape
        axes.set_title(f"{title}\n{reached:,} of {channels * height * width:,} values get a gradient", fontsize=9)
        _bare(axes)
        figure.colorbar(shown, ax=axes, shrink=0.75, label="sum over channels of |gradient|")
        column += 1
    return figure


def _overlay(axes, image: Tensor, cam: Tensor, limit: float):
    # A map is signed (evidence for the class above 0, against it below), so a
    # diverging scale centred at 0: white is "no evidence", and the outline of
    # the shape is drawn in black on top.
    limit = max(limit, 1e-12)
    shown = axes.imshow(cam.numpy(), cmap=DIVERGING_CMAP, vmin=-limit, vmax=limit)
    axes.contour(image.numpy(), levels=[0.5], colors="black", linewidths=0.8)
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
    image share one diverging colour scale centred at 0 (red for the class,
    blue against it), with its colourbar at the end of the row; each panel is
    titled with its logit, the winning one marked.
    """
    if images.dim() != 4 or maps.dim() != 4 or images.shape[0] != maps.shape[0]:
        raise ValueError(
            _("plot_cam_grid expects images (N, 1, H, W) and maps (N, classes, h, w) with the same N; "
              "got {images} and {maps}").format(images=tuple(images.shape), maps=tuple(maps.shape))
        )
    count, classes = maps.shape[:2]
    resized = upsample_maps(maps, images.shape[-2:])
    figure = new_figure(1.5 * (classes + 1) + 0.9, 1.55 * count + 0.3, layout="constrained")
    grid = figure.add_gridspec(count, classes + 1)
    for row in range(count):
        axes = figure.add_subplot(grid[row, 0])
        axes.imshow(images[row, 0].numpy(), cmap="gray_r", vmin=0, vmax=1)
        axes.set_title(f"input: {class_names[int(labels[row])]}", fontsize=8)
        if boxes is not None:
            _draw_box(axes, boxes[row].tolist(), colour=categorical_colour(5))
        _bare(axes)
        limit = float(resized[row].abs().max())
        winner = int(logits[row].argmax())
        row_axes = []
        for column in range(classes):
            axes = figure.add_subplot(grid[row, column + 1])
            row_axes.append(axes)
            shown = _overlay(axes, images[row, 0], resized[row, column], limit)
            mark = " (top)" if column == winner else ""
            axes.set_title(f"{class_names[column]}: {float(logits[row, column]):.2f}{mark}", fontsize=8,
                           fontweight="bold" if column == winner else "normal")
            _bare(axes)
        figure.colorbar(shown, ax=row_axes, shrink=0.9, pad=0.02, label="map value")
    figure.suptitle(
        "Class activation maps, shape outlined in black; red = evidence for the class, blue = against, white = 0\n"
        "one colour scale per row, centred at 0; each title: class and its logit",
        fontsize=9,
    )
    return figure


def plot_cam(image: Tensor, cam: Tensor, title: str, box: Sequence[int] | None = None) -> Figure:
    """The input beside one class activation map (already resized to the image) laid over it."""
    if image.dim() != 2 or cam.shape != image.shape:
        raise ValueError(
            _("plot_cam expects an (H, W) image and an (H, W) map; got {image} and {map}").format(
                image=tuple(image.shape), map=tuple(cam.shape))
        )
    figure = new_figure(6.2, 3.2, layout="constrained")
    left = figure.add_subplot(1, 2, 1)
    left.imshow(image.numpy(), cmap="gray_r", vmin=0, vmax=1)
    left.set_title(f"input {tuple(image.shape)}", fontsize=9)
    _bare(left)
    right = figure.add_subplot(1, 2, 2)
    shown = _overlay(right, image, cam, float(cam.abs().max()))
    if box is not None:
        _draw_box(left, box, colour=categorical_colour(5))
        _draw_box(right, box, colour=categorical_colour(5))
    right.set_title(title, fontsize=9)
    _bare(right)
    figure.colorbar(shown, ax=right, shrink=0.8, label="map value (0 = white)")
    return figure
