"""Pictures and tables of the whole pooling family side by side (notebook 06).

- ``plot_zoo(x)``: every kind that gives one value per channel (or two, for
  catavgmax) as a row of the same table, channels as columns, one colour scale.
- ``plot_mean_to_max(features, p, r)``: where GeM(p) and LSE(r) sit between
  the average and the max of each channel, and how they move with p and r.
- ``plot_ranges(features, pooled)``: each channel's min-to-max line with its
  mean marked, and where the given pooled values land on it (below the mean too).
- ``plot_attention(features, weights, pooled)``: attention weights, one map per
  head, beside where the attention-pooled values land on each channel's range.
- ``kind_summary(shape)`` / ``kind_summary_html(shape)``: per kind, the output
  shape, learnable parameters and the work one call does, from the registry.
"""

from __future__ import annotations

import html
import math

import matplotlib
import numpy
import torch
from matplotlib.figure import Figure

from ..pooling import registry
from ..checks import check_maps, check_number
from ..cnn.counting import count_parameters
from ..i18n import gettext as _
from ..pooling import gem_pool, lse_pool, measure_work
from .style import (
    SEQUENTIAL_CMAP,
    categorical_colour,
    describe_figure,
    grid_text,
    new_figure,
    numbers_text,
    text_colour_on,
)

__all__ = ["kind_summary_html", "plot_attention", "plot_mean_to_max", "plot_ranges", "plot_zoo"]

GEM_COLOUR = categorical_colour(4)  # blue
LSE_COLOUR = categorical_colour(5)  # vermillion
GEM_P_RANGE = (0.5, 100.0)
LSE_R_RANGE = (0.01, 100.0)


def _check_features(x: object, function_name: str) -> torch.Tensor:
    x = check_maps(x, function_name, floating=True)
    if x.shape[1] > 16:
        raise ValueError(_("{name} draws 1 to 16 channels of a non-empty input; got shape {shape}").format(
            name=function_name, shape=tuple(x.shape)))
    return x.detach()


def _format_shape(shape) -> str:
    return "(" + ", ".join(str(int(size)) for size in shape) + ")"


def zoo_rows(x: torch.Tensor) -> tuple[list[str], list[torch.Tensor], list[str]]:
    """Rows for :func:`plot_zoo`: labels, C values each (sample 0), and notes on kinds left out.

    A kind giving m*C values per sample (m = its feature multiplier) becomes m
    rows when m <= 2; kinds with more, or that pool over channels, are named in
    the notes with their output shapes instead.
    """
    labels, rows, notes = [], [], []
    channels = x.shape[1]
    for kind in registry.all_kinds().values():
        with torch.no_grad():
            pooled = kind.function(x)
        shape = _format_shape(pooled.shape)
        if kind.pools_over != "space" or kind.feature_multiplier > 2:
            notes.append(f"{kind.name} -> {shape}")
            continue
        if kind.feature_multiplier == 1:
            labels.append(kind.name)
            rows.append(pooled[0])
        else:
            for part in range(kind.feature_multiplier):
                labels.append(f"{kind.name} [{part * channels}:{(part + 1) * channels}]")
                rows.append(pooled[0, part * channels : (part + 1) * channels])
    return labels, rows, notes


def plot_zoo(x: torch.Tensor) -> Figure:
    """Every per-channel kind on the same input: one row per kind, one column per channel."""
    x = _check_features(x, "plot_zoo")
    labels, rows, notes = zoo_rows(x)
    table = torch.stack(rows).float().numpy()
    colormap = matplotlib.colormaps[SEQUENTIAL_CMAP]
    norm = matplotlib.colors.Normalize(float(table.min()), float(table.max()))
    channels = x.shape[1]
    figure = new_figure(2.4 + 0.75 * channels, 1.5 + 0.42 * len(labels), layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(table, cmap=colormap, norm=norm, aspect="auto")
    for row in range(table.shape[0]):
        for col in range(table.shape[1]):
            value = float(table[row, col])
            axes.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=8.5,
                      color=text_colour_on(colormap(norm(value))))
    axes.set_yticks(range(len(labels)), labels, fontsize=9)
    axes.set_xticks(range(channels), [f"c{index}" for index in range(channels)], fontsize=8.5)
    axes.tick_params(length=0)
    axes.set_xlabel("channel")
    figure.colorbar(image, ax=axes, shrink=0.8, label="pooled value")
    title = f"every per-channel kind on the same input {_format_shape(x.shape)}, sample 0"
    if notes:
        title += "\nnot drawn here: " + "; ".join(notes)
    axes.set_title(title, fontsize=9.5)
    table_text = "; ".join(f"{label}: {numbers_text(row)}" for label, row in zip(labels, table))
    text = _(
        "A table of every per-channel pooling kind on the same input {shape}, sample 0: one row per kind, one "
        "column per channel (c0 to c{last}), coloured by value. {rows}."
    ).format(shape=_format_shape(x.shape), last=channels - 1, rows=table_text)
    if notes:
        text += " " + _("Not drawn: {notes}.").format(notes="; ".join(notes))
    return describe_figure(figure, text)


def _position(values: torch.Tensor, mean: torch.Tensor, peak: torch.Tensor) -> torch.Tensor:
    """0 at the mean, 1 at the max: how far each value has moved between them."""
    return (values - mean) / (peak - mean).clamp(min=1e-12)


def plot_mean_to_max(features: torch.Tensor, p: float = 3.0, r: float = 1.0) -> Figure:
    """GeM(p) and LSE(r) between the average and the max, channel by channel.

    Left: for each channel of sample 0, a line from its mean to its max with
    GeM(p) and LSE(r) marked on it. Middle and right: each channel's position
    between mean (0) and max (1) as p, and r, grow, with the current value marked.
    ``features`` should be non-negative (after a ReLU): GeM clamps what is below 1e-6.
    """
    function_name = "plot_mean_to_max"
    features = _check_features(features, function_name)
    for name, value, (low, high) in (("p", p, GEM_P_RANGE), ("r", r, LSE_R_RANGE)):
        check_number(value, name, function_name, minimum=low, include_minimum=True, maximum=high)
    sample = features[:1]
    mean, peak = sample.mean(dim=(2, 3))[0], sample.amax(dim=(2, 3))[0]
    gem, lse = gem_pool(sample, float(p))[0], lse_pool(sample, float(r))[0]
    channels = sample.shape[1]

    figure = new_figure(9.5, 3.6, layout="constrained")
    left, middle, right = figure.subplots(1, 3, width_ratios=[1.3, 1, 1])
    positions = numpy.arange(channels)
    left.vlines(positions, mean.numpy(), peak.numpy(), color="#999999", lw=3, zorder=1)
    left.scatter(positions, mean.numpy(), marker="_", s=260, color="black", label="average / max", zorder=2)
    left.scatter(positions, peak.numpy(), marker="_", s=260, color="black", zorder=2)
    left.scatter(positions - 0.12, gem.numpy(), marker="s", s=34, color=GEM_COLOUR, label=f"GeM p={p:g}", zorder=3)
    left.scatter(positions + 0.12, lse.numpy(), marker="D", s=30, color=LSE_COLOUR, label=f"LSE r={r:g}", zorder=3)
    left.set_xticks(positions, [f"c{index}" for index in positions], fontsize=8)
    left.set_ylabel("pooled value")
    left.set_title("each channel: average (low bar) to max (high bar)", fontsize=9)
    left.legend(fontsize=7.5, loc="upper left", frameon=False)

    p_values = torch.logspace(math.log10(GEM_P_RANGE[0]), math.log10(GEM_P_RANGE[1]), 60)
    r_values = torch.logspace(math.log10(LSE_R_RANGE[0]), math.log10(LSE_R_RANGE[1]), 60)
    gem_curves = torch.stack([_position(gem_pool(sample, float(v))[0], mean, peak) for v in p_values])
    lse_curves = torch.stack([_position(lse_pool(sample, float(v))[0], mean, peak) for v in r_values])
    for axes, knob_values, curves, current, colour, name in (
        (middle, p_values, gem_curves, p, GEM_COLOUR, "GeM: p"),
        (right, r_values, lse_curves, r, LSE_COLOUR, "LSE: r"),
    ):
        axes.plot(knob_values.numpy(), curves.numpy(), color=colour, lw=1, alpha=0.55)
        axes.axvline(current, color="black", lw=1, ls="--")
        axes.axhline(0, color="#999999", lw=0.8)
        axes.axhline(1, color="#999999", lw=0.8)
        axes.set_xscale("log")
        axes.set_ylim(-0.25, 1.08)
        axes.set_xlabel(name.split(": ")[1] + " (log scale)")
        axes.set_title(f"{name.split(':')[0]}: 0 = average, 1 = max\none line per channel", fontsize=9)
        axes.tick_params(labelsize=8)
    middle.set_ylabel("position between average and max")
    figure.suptitle(
        f"between average and max on {_format_shape(features.shape)}, sample 0: GeM p = {p:g}, LSE r = {r:g}",
        fontsize=10,
    )
    gem_at, lse_at = _position(gem, mean, peak), _position(lse, mean, peak)
    per_channel = "; ".join(
        _("c{channel}: average {mean}, max {max}, GeM {gem}, LSE {lse}").format(
            channel=channel, mean=f"{float(mean[channel]):.2f}", max=f"{float(peak[channel]):.2f}",
            gem=f"{float(gem[channel]):.2f}", lse=f"{float(lse[channel]):.2f}")
        for channel in range(channels))
    return describe_figure(figure, _(
        "GeM with p = {p} and LSE with r = {r} between each channel's average and max, on {shape}, sample 0. "
        "{values}. The other two panels follow each channel's position from its average (0) to its max (1) as p, "
        "and r, grow; at these settings GeM sits between {gem_low} and {gem_high} of the way, LSE between "
        "{lse_low} and {lse_high}."
    ).format(p=f"{p:g}", r=f"{r:g}", shape=_format_shape(features.shape), values=per_channel,
             gem_low=f"{float(gem_at.min()):.2f}", gem_high=f"{float(gem_at.max()):.2f}",
             lse_low=f"{float(lse_at.min()):.2f}", lse_high=f"{float(lse_at.max()):.2f}"))


RANGE_MARKERS = ("o", "s", "D", "^", "v", "P")


def _check_pooled(pooled: object, channels: int, label: str, function_name: str) -> torch.Tensor:
    if not isinstance(pooled, torch.Tensor) or pooled.dim() != 2 or pooled.shape[1] != channels:
        shape = tuple(pooled.shape) if isinstance(pooled, torch.Tensor) else type(pooled).__name__
        raise ValueError(_("{name} expects {label} shaped (N, {channels}); got {got}").format(
            name=function_name, label=repr(label), channels=channels, got=shape))
    return pooled.detach()[0].float()


def _draw_ranges(axes, sample: torch.Tensor, series: dict[str, torch.Tensor]) -> list[int]:
    """Each channel's min-to-max line, a tick at its mean, and one marker per series.

    Returns, per series, how many channels it puts below their mean; the legend says it too.
    """
    low, mean, peak = (v[0].float() for v in (sample.amin(dim=(2, 3)), sample.mean(dim=(2, 3)), sample.amax(dim=(2, 3))))
    channels = sample.shape[1]
    positions = numpy.arange(channels)
    axes.vlines(positions, low.numpy(), peak.numpy(), color="#bbbbbb", lw=4, zorder=1, label="min to max")
    axes.scatter(positions, mean.numpy(), marker="_", s=420, linewidths=2.2, color="black", zorder=2, label="mean")
    below = []
    count = max(1, len(series))
    for index, (label, values) in enumerate(series.items()):
        offset = (index - (count - 1) / 2) * min(0.18, 0.6 / count)
        below.append(int((values < mean).sum()))
        axes.scatter(
            positions + offset, values.numpy(), marker=RANGE_MARKERS[index % len(RANGE_MARKERS)], s=34,
            color=categorical_colour(4 + index), edgecolors="black", linewidths=0.4, zorder=3,
            label=f"{label}: {below[-1]} of {channels} below the mean",
        )
    axes.set_xticks(positions, [f"c{index}" for index in positions], fontsize=8)
    axes.set_xlabel("channel")
    axes.set_ylabel("pooled value")
    axes.tick_params(labelsize=8)
    axes.legend(fontsize=7.5, loc="upper left", frameon=False)
    return below


def plot_ranges(features: torch.Tensor, pooled: dict[str, torch.Tensor], title: str | None = None) -> Figure:
    """Where pooled values land on each channel's range, sample 0.

    ``pooled`` maps a label to an (N, C) tensor. Each channel gets a grey line
    from its min to its max and a black tick at its mean; each series is a
    marker. The title counts the values below their channel's mean.
    """
    function_name = "plot_ranges"
    features = _check_features(features, function_name)
    if not isinstance(pooled, dict) or not 1 <= len(pooled) <= len(RANGE_MARKERS):
        raise ValueError(_("{name} expects a dict of 1 to {count} labelled (N, C) tensors").format(
            name=function_name, count=len(RANGE_MARKERS)))
    channels = features.shape[1]
    series = {str(label): _check_pooled(values, channels, str(label), function_name) for label, values in pooled.items()}
    figure = new_figure(2.4 + 0.75 * channels, 4.0, layout="constrained")
    axes = figure.add_subplot()
    below = _draw_ranges(axes, features[:1], series)
    heading = title if title is not None else f"where each pooling lands on {_format_shape(features.shape)}, sample 0"
    axes.set_title(f"{heading}\ngrey: each channel's min to max; black tick: its mean", fontsize=9.5)
    return describe_figure(figure, _(
        "Where each pooling lands on each channel's range, {shape}, sample 0. {ranges}. {series}."
    ).format(shape=_format_shape(features.shape), ranges=_ranges_text(features[:1]), series="; ".join(
        _("{label}: {values} ({below} of {channels} below the mean)").format(
            label=label, values=numbers_text(values), below=count, channels=channels)
        for (label, values), count in zip(series.items(), below))))


def _ranges_text(sample: torch.Tensor) -> str:
    """Each channel's min, mean and max, as the grey lines and black ticks show them."""
    low, mean, peak = (v[0].float() for v in (sample.amin(dim=(2, 3)), sample.mean(dim=(2, 3)), sample.amax(dim=(2, 3))))
    return "; ".join(
        _("c{channel} from {low} to {high}, mean {mean}").format(
            channel=channel, low=f"{float(low[channel]):.2f}", high=f"{float(peak[channel]):.2f}",
            mean=f"{float(mean[channel]):.2f}")
        for channel in range(sample.shape[1]))


def plot_attention(features: torch.Tensor, weights: torch.Tensor, pooled: torch.Tensor) -> Figure:
    """Attention pooling, sample 0: the weights of each head, and where the result lands.

    ``weights`` is shaped (N, heads, H, W), as ``attention_pool(...,
    return_weights=True)`` returns them: one map per *head*, titled so (not per
    channel). Right: each channel's min-to-max range with its mean, and the
    attention-pooled value ``pooled`` (N, C) marked on it.
    """
    function_name = "plot_attention"
    features = _check_features(features, function_name)
    batch, channels, height, width = features.shape
    if not isinstance(weights, torch.Tensor) or weights.dim() != 4 or weights.shape[0] != batch or tuple(
        weights.shape[2:]
    ) != (height, width) or not 1 <= weights.shape[1] <= 4:
        shape = tuple(weights.shape) if isinstance(weights, torch.Tensor) else type(weights).__name__
        raise ValueError(_("{name} expects weights shaped ({batch}, heads <= 4, {height}, {width}); got {got}").format(
            name=function_name, batch=batch, height=height, width=width, got=shape))
    values = _check_pooled(pooled, channels, "pooled", function_name)
    heads = weights.shape[1]
    maps = weights.detach()[0].float().numpy()
    figure = new_figure(2.6 * heads + 5.6, 3.6, layout="constrained")
    panels = figure.subplots(1, heads + 1, width_ratios=[1] * heads + [2.2])
    colormap = matplotlib.colormaps[SEQUENTIAL_CMAP]
    norm = matplotlib.colors.Normalize(0.0, float(maps.max()) if maps.max() > 0 else 1.0)
    for head, axes in enumerate(panels[:heads]):
        image = axes.imshow(maps[head], cmap=colormap, norm=norm)
        for row in range(height):
            for col in range(width):
                value = float(maps[head, row, col])
                axes.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=7.5,
                          color=text_colour_on(colormap(norm(value))))
        axes.set_xticks(range(width))
        axes.set_yticks(range(height))
        axes.tick_params(labelsize=7.5, length=0)
        axes.set_xlabel("w", fontsize=8)
        axes.set_ylabel("h", fontsize=8)
        axes.set_title(f"head {head}: weights over the\n{height * width} positions (sum {maps[head].sum():.2f})", fontsize=9)
    figure.colorbar(image, ax=list(panels[:heads]), shrink=0.8, label="attention weight", location="left")
    (below,) = _draw_ranges(panels[-1], features[:1], {"attention pooling": values})
    panels[-1].set_title(
        f"attention-pooled value per channel: {below} of {channels} below the mean", fontsize=9
    )
    figure.suptitle(f"attention pooling {_format_shape(features.shape)} -> {_format_shape(pooled.shape)}, sample 0",
                    fontsize=10)
    weights_text = " ".join(
        _("Head {head}'s weights over the {count} positions: {grid}.").format(
            head=head, count=height * width, grid=grid_text(maps[head]))
        for head in range(heads))
    return describe_figure(figure, _(
        "Attention pooling {before} -> {after}, sample 0. {weights} The pooled value per channel: {values}; "
        "{below} of {channels} lie below their channel's mean."
    ).format(before=_format_shape(features.shape), after=_format_shape(pooled.shape), weights=weights_text,
             values=numbers_text(values), below=below, channels=channels))


def kind_summary(shape: tuple[int, ...] = (1, 8, 4, 4)) -> list[dict[str, object]]:
    """One row per registered kind: what it gives for ``shape`` and what it costs.

    ``parameters`` counts the learnable numbers of ``make_module(C)``;
    ``kernels`` and ``elements`` come from :func:`gpool_helpers.pooling.measure_work`
    (torch kernels run, tensor elements read plus written) running that module
    on a seeded input.
    Speed in milliseconds is measured by ``make bench``, not here: timings
    change from run to run, these counts do not.
    """
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(*shape, generator=generator)
    rows = []
    for kind in registry.all_kinds().values():
        module = kind.make_module(shape[1])
        # The module, not the function: it is what a network runs, learned projections included.
        work = measure_work(module, x)
        rows.append(
            {
                "kind": kind.name,
                "output": _format_shape(kind.output_shape(shape)),
                "parameters": count_parameters(module),
                "kernels": work.operations,
                "elements": work.elements,
                "description": kind.description,
            }
        )
    return rows


def kind_summary_html(shape: tuple[int, ...] = (1, 8, 4, 4)) -> str:
    """:func:`kind_summary` as an HTML table, elements also as a multiple of one read of the input."""
    rows = kind_summary(shape)
    size = math.prod(shape)
    header = (
        f"<tr><th>{_('kind')}</th><th>{_('output')}</th><th>{_('learnable parameters')}</th>"
        f"<th>{_('torch kernels')}</th><th>{_('elements read + written')}</th><th>{_('what it is')}</th></tr>"
    )
    times_input = _("{elements} ({ratio}x the input)")
    body = "".join(
        f"<tr><td><code>{html.escape(str(row['kind']))}</code></td><td>{row['output']}</td>"
        f"<td style='text-align:right'>{row['parameters']}</td><td style='text-align:right'>{row['kernels']}</td>"
        f"<td style='text-align:right'>{times_input.format(elements=row['elements'], ratio=format(row['elements'] / size, '.1f'))}</td>"
        f"<td style='text-align:left'>{html.escape(_(str(row['description'])))}</td></tr>"
        for row in rows
    )
    caption = _("input {shape}").format(shape=_format_shape(shape))
    return f"<table><caption>{caption}</caption>{header}{body}</table>"
