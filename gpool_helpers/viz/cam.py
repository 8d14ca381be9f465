"""Plots for notebook 07: data samples, the head comparison, input sizes, class activation maps, gradients.

Every function returns a :class:`matplotlib.figure.Figure` made with
:func:`~gpool_helpers.viz.style.new_figure` and keeps no state.
"""

from __future__ import annotations

import statistics
from typing import Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from torch import Tensor

from ..cnn.cam import map_peaks, upsample_maps
from ..cnn.data import LabelledImages
from ..cnn.models import head_label
from ..i18n import gettext as _
from .style import DIVERGING_CMAP, HIGHLIGHT_COLOUR, SEQUENTIAL_CMAP, categorical_colour, describe_figure, new_figure

__all__ = [
    "plot_cam", "plot_cam_grid", "plot_canvas_sweep", "plot_examples", "plot_gradient_maps", "plot_head_comparison",
    "plot_learning_curves", "plot_pointing_maps",
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
    names = _(", ").join(_(data.class_names[int(label)]) for label in data.labels[:count])
    height, width = data.image_size
    text = _("{count} images of {height} x {width} pixels, ink drawn dark on a light background, each titled with "
             "its class: {names}.").format(count=count, height=height, width=width, names=names)
    if data.boxes is not None:
        text = _("{text} An orange frame marks each shape's box.").format(text=text)
    return describe_figure(figure, text)


def plot_head_comparison(rows: Sequence, runs: Sequence | None = None) -> Figure:
    """Train and test accuracy per head: the mean over seeds as a point with a ± 1 standard deviation bar.

    ``rows`` are :class:`gpool_helpers.cnn.training.HeadSummary` rows; with the
    ``runs`` they summarise, every seed is drawn as a small dot beside its mean,
    so the spread is seen, not only told. Points rather than bars: a bar's
    length reads as the value, and on an axis that starts near the data it
    would magnify the differences.
    """
    if not rows:
        raise ValueError(_("plot_head_comparison expects at least one HeadSummary row; got none"))
    figure = new_figure(max(8.0, 1.75 * len(rows) + 1.6), 3.6, layout="constrained")
    axes = figure.add_subplot()
    positions = range(len(rows))
    series = (
        ("train accuracy", "train_mean", "train_spread", lambda run: run.train_accuracy, categorical_colour(4), "s"),
        ("test accuracy", "test_mean", "test_spread", lambda run: run.test_accuracy, categorical_colour(5), "o"),
    )
    for offset, (name, mean_field, spread_field, read, colour, marker) in enumerate(series):
        xs = [p + (offset - 0.5) * 0.3 for p in positions]
        means = [getattr(r, mean_field) for r in rows]
        axes.errorbar(xs, means, yerr=[getattr(r, spread_field) for r in rows], fmt=marker, color=colour,
                      capsize=4, markersize=7, label=name)
        for x, row, mean in zip(xs, rows, means):
            axes.annotate(f"{mean:.1f}", (x, mean), textcoords="offset points", xytext=(-8, 0), ha="right",
                          va="center", fontsize=8, color="#222222")
            if runs is not None:
                values = [100 * read(run) for run in runs if run.head == row.head]
                axes.plot([x + 0.06] * len(values), values, ".", color=colour, markersize=4, alpha=0.7)
    axes.set_xticks(list(positions), [f"{r.label}\n{r.parameters:,} head params" for r in rows], fontsize=8)
    axes.set_xlim(-0.6, len(rows) - 0.4)
    axes.set_ylabel("accuracy (%)")
    axes.grid(True, axis="y", color="#dddddd", linewidth=0.6)
    axes.set_title(f"Same body, {len(rows)} heads: mean over {rows[0].seeds} seeds with ± 1 standard deviation; "
                   "small dots: single seeds", fontsize=10)
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    lines = _("; ").join(
        _("{label}: train {train:.1f} ± {train_spread:.1f} %, test {test:.1f} ± {test_spread:.1f} %").format(
            label=r.label, train=r.train_mean, train_spread=r.train_spread, test=r.test_mean, test_spread=r.test_spread)
        for r in rows)
    return describe_figure(figure, _("Points with error bars, one pair per head, mean over {seeds} seeds: {lines}.").format(
        seeds=rows[0].seeds, lines=lines))


def plot_learning_curves(runs: Sequence, title: str | None = None) -> Figure:
    """Validation accuracy after every epoch, one thin line per run, coloured by head; a dot at each kept epoch.

    ``runs`` are :class:`gpool_helpers.cnn.training.TrainingRun` objects trained
    with a validation set (early stopping). The curves show what the stopping
    rule saw: each run rises, flattens, and ends ``patience`` epochs after its
    best, which is the epoch whose weights it keeps.
    """
    runs = [run for run in runs if run.validation_curve]
    if not runs:
        raise ValueError(_("plot_learning_curves expects runs trained with a validation set (early stopping); got none"))
    heads = list(dict.fromkeys(run.head for run in runs))
    figure = new_figure(8.4, 3.6, layout="constrained")
    axes = figure.add_subplot()
    for index, head in enumerate(heads):
        colour = categorical_colour(index)
        mine = [run for run in runs if run.head == head]
        for number, run in enumerate(mine):
            epochs = range(1, len(run.validation_curve) + 1)
            axes.plot(epochs, [100 * v for v in run.validation_curve], color=colour, linewidth=1.0, alpha=0.75,
                      label=head_label(head) if number == 0 else None)
            axes.plot([run.best_epoch], [100 * run.validation_accuracy], "o", color=colour, markersize=5,
                      markeredgecolor="black", markeredgewidth=0.6)
    axes.set_xscale("log")
    axes.set_xlabel("epoch (passes over the training set), log scale")
    axes.set_ylabel("validation accuracy (%)")
    axes.grid(True, color="#dddddd", linewidth=0.6)
    seeds = len(runs) // len(heads)
    axes.set_title(title or f"Validation accuracy after each epoch, {seeds} seeds per head; "
                            "dot: the epoch each run keeps", fontsize=10)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    parts = []
    for head in heads:
        mine = [run for run in runs if run.head == head]
        parts.append(_("{label}: kept epochs {epochs}, best validation accuracy {low:.1f} to {high:.1f} %").format(
            label=head_label(head), epochs=_(", ").join(str(run.best_epoch) for run in mine),
            low=100 * min(run.validation_accuracy for run in mine), high=100 * max(run.validation_accuracy for run in mine)))
    return describe_figure(figure, _("Learning curves: validation accuracy rises over the first epochs and then "
                                     "levels off for every run. {parts}.").format(parts=_("; ").join(parts)))


def _as_seed_rows(values: Sequence) -> list[list[float]]:
    """One model's accuracies as a list of seeds, each a list over canvas sizes (a single seed may come bare)."""
    values = list(values)
    if values and not isinstance(values[0], (list, tuple)):
        return [[float(v) for v in values]]
    return [[float(v) for v in seed] for seed in values]


def plot_canvas_sweep(
    canvas_sizes: Sequence[int],
    accuracies: Mapping[str, Sequence],
    trained_size: int | None = None,
    test_count: int = 300,
) -> Figure:
    """Each model's accuracy against canvas size: the mean over seeds, ± 1 standard deviation, every seed a dot.

    ``accuracies`` maps a model's name to its accuracies (fractions in [0, 1]):
    one list over ``canvas_sizes`` per seed, or a single such list.
    """
    sizes = list(canvas_sizes)
    table = {label: _as_seed_rows(values) for label, values in accuracies.items()}
    if not sizes or not table or any(len(seed) != len(sizes) for rows in table.values() for seed in rows):
        raise ValueError(_("plot_canvas_sweep expects one accuracy per canvas size for every model and seed"))
    figure = new_figure(7.4, 3.6, layout="constrained")
    axes = figure.add_subplot()
    markers = ("o", "s", "^", "D")
    summary = []
    for index, (label, rows) in enumerate(table.items()):
        colour = categorical_colour(index)
        means = [100 * statistics.fmean(seed[i] for seed in rows) for i in range(len(sizes))]
        spreads = [100 * statistics.stdev([seed[i] for seed in rows]) if len(rows) > 1 else 0.0
                   for i in range(len(sizes))]
        # Side by side, a little apart, so equal values do not hide one another.
        xs = [size + (index - (len(table) - 1) / 2) * 0.6 for size in sizes]
        axes.errorbar(xs, means, yerr=spreads, marker=markers[index % 4], color=colour, capsize=3, linewidth=1.8,
                      label=f"{label}: mean ± 1 sd")
        for seed in rows:
            axes.plot([x + 0.25 for x in xs], [100 * v for v in seed], ".", color=colour, markersize=3, alpha=0.6)
        summary.append(_("{label} from {first:.1f} ± {first_spread:.1f} % at {first_size} x {first_size} to "
                         "{last:.1f} ± {last_spread:.1f} % at {last_size} x {last_size}").format(
            label=label, first=means[0], first_spread=spreads[0], first_size=sizes[0], last=means[-1],
            last_spread=spreads[-1], last_size=sizes[-1]))
    axes.axhline(25, color="grey", linewidth=0.8, linestyle=(0, (1, 3)))
    axes.text(sizes[0], 26, " accuracy by chance (4 classes)", color="#555555", fontsize=8, va="bottom")
    if trained_size is not None:
        axes.axvline(trained_size, color="grey", linewidth=0.8)
        axes.text(trained_size, 50, " trained here", color="#555555", fontsize=8, rotation=90, va="center")
    axes.set_xticks(sizes, [f"{s}x{s}" for s in sizes])
    axes.set_ylim(0, 105)
    axes.set_xlabel("canvas size (pixels)")
    axes.set_ylabel(f"% of {test_count} test images")
    axes.set_title(f"The same models on larger canvases ({len(next(iter(table.values())))} seeds; dots: single seeds)",
                   fontsize=10)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return describe_figure(figure, _("Accuracy against canvas size, with chance at 25 %: {summary}.").format(
        summary=_("; ").join(summary)))


def plot_pointing_maps(
    image: Tensor,
    maps: Mapping[str, Tensor],
    boxes: Tensor,
    box_names: Sequence[str],
    title: str | None = None,
) -> Figure:
    """One image, then one map per panel over it, each map's peak marked with a cross.

    ``image`` is (H, W); ``maps`` maps a panel title to an (h, w) map (resized
    to the image here); ``boxes`` (B, 4) are the image's shapes' boxes
    (top, left, bottom, right), drawn on every panel and named by
    ``box_names``. Each panel's title says in which box its peak landed, or
    that it landed in none.
    """
    if not isinstance(image, Tensor) or image.dim() != 2 or not maps:
        raise ValueError(_("plot_pointing_maps expects an (H, W) image and at least one map"))
    boxes = boxes.reshape(-1, 4)
    if len(box_names) != len(boxes):
        raise ValueError(_("plot_pointing_maps expects one name per box; got {names} names for {boxes} boxes").format(
            names=len(box_names), boxes=len(boxes)))
    panels = len(maps) + 1
    figure = new_figure(2.3 * panels, 2.75, layout="constrained")
    axes = figure.add_subplot(1, panels, 1)
    axes.imshow(image.numpy(), cmap="gray_r", vmin=0, vmax=1)
    for number, box in enumerate(boxes):
        _draw_box(axes, box.tolist(), colour=categorical_colour(5 if number == 0 else 4))
    axes.set_title("input: " + ", ".join(box_names), fontsize=8)
    _bare(axes)
    landed = []
    for column, (name, shown_map) in enumerate(maps.items(), start=2):
        axes = figure.add_subplot(1, panels, column)
        resized = upsample_maps(shown_map[None, None].float(), image.shape)[0, 0]
        limit = float(resized.abs().max())
        if float(resized.min()) >= 0:
            axes.imshow(resized.numpy(), cmap=SEQUENTIAL_CMAP, vmin=0, vmax=max(limit, 1e-12))
            axes.contour(image.numpy(), levels=[0.5], colors="black", linewidths=0.6)
        else:
            _overlay(axes, image, resized, limit)
        row, col = map_peaks(shown_map[None].float(), image.shape)[0].tolist()
        axes.plot([col], [row], marker="X", markersize=11, color="white", markeredgecolor="black", markeredgewidth=1.4)
        # Figures are labelled in English (matplotlib has no Chinese font here); the description is translated.
        where, where_said = "no box", _("no box")
        for box_name, (top, left, bottom, right) in zip(box_names, boxes.tolist()):
            if top <= row <= bottom and left <= col <= right:
                where, where_said = f"the {box_name}", _("the {name}").format(name=_(box_name))
        for number, box in enumerate(boxes):
            _draw_box(axes, box.tolist(), colour=categorical_colour(5 if number == 0 else 4))
        axes.set_title(f"{name}\npeak in: {where}", fontsize=8)
        _bare(axes)
        landed.append(_("{name} peaks in {where}").format(name=name, where=where_said))
    if title:
        figure.suptitle(title, fontsize=9)
    return describe_figure(figure, _("An image with {count} framed shapes ({names}) and {maps} maps laid over it, "
                                     "each peak marked with a cross: {landed}.").format(
        count=len(boxes), names=_(", ").join(_(name) for name in box_names), maps=len(maps), landed=_("; ").join(landed)))


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
    described = []
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
        described.append(_("{title}: {reached:,} of {total:,} values get a gradient").format(
            title=" ".join(title.split()), reached=reached, total=channels * height * width))
        column += 1
    return describe_figure(figure, _("Where one logit's gradient reaches the last feature maps, summed over channels, "
                                     "one panel per head: {parts}.").format(parts=_("; ").join(described)))


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
    rows_text = []
    for row in range(count):
        winner = int(logits[row].argmax())
        rows_text.append(_("a {true} whose top logit is {winner} ({logit:.2f})").format(
            true=_(class_names[int(labels[row])]), winner=_(class_names[winner]), logit=float(logits[row, winner])))
    return describe_figure(figure, _("Class activation maps of {count} images, one row each, every class's map laid "
                                     "over the image in red (for the class) and blue (against): {rows}.").format(
        count=count, rows=_("; ").join(rows_text)))


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
    peak = divmod(int(cam.flatten().argmax()), cam.shape[1])
    return describe_figure(figure, _("An input of {height} x {width} pixels beside one class activation map over it "
                                     "({title}); the map is highest at row {row}, column {column}.").format(
        height=image.shape[0], width=image.shape[1], title=title, row=peak[0], column=peak[1]))
