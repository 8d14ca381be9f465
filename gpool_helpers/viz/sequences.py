"""Plots for notebook 08: padded tokens with the padding greyed out, and the set-task table.

- :func:`plot_padded_pooling`: each sequence as a heatmap of tokens x channels,
  its padding greyed, then the pooled result computed naively (padding
  included) beside the masked one.
- :func:`plot_set_task_results`: which pooling answers which question about a
  set, mean test accuracy over seeds with its spread, and the model-free baseline.
"""

from __future__ import annotations

import numpy
import torch
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from ..i18n import gettext as _
from ..pooling import get_kind, masked_pool
from ..pooling.tokens import check_mask, check_tokens
from ..sets.tasks import SET_POOLINGS, SET_TASKS, mean_and_spread
from .style import DIVERGING_CMAP, categorical_colour, describe_figure, new_figure, numbers_text, text_colour_on

__all__ = ["plot_padded_pooling", "naive_and_masked", "plot_set_task_results"]

PADDING_GREY = "#bdbdbd"


def naive_and_masked(x: torch.Tensor, mask: torch.Tensor, kind: str = "avg") -> tuple[torch.Tensor, torch.Tensor]:
    """``kind`` over every position, padding included (the bug), and over the real tokens only: (N, C') each."""
    x = check_tokens(x, "naive_and_masked")
    mask = check_mask(mask, x, "naive_and_masked")
    everything = torch.ones_like(mask)
    with torch.no_grad():
        return masked_pool(x, everything, kind), masked_pool(x, mask, kind)


def plot_padded_pooling(x: torch.Tensor, mask: torch.Tensor, kind: str = "avg", channels_shown: int = 8) -> Figure:
    """Heatmaps of each padded sequence (tokens down, channels across), padding grey; naive and masked results.

    The two right panels hold one row per sequence: ``kind`` computed over every
    position, as ``x.mean(dim=1)`` does, and over the real tokens only.
    """
    x = check_tokens(x, "plot_padded_pooling").detach()
    mask = check_mask(mask, x, "plot_padded_pooling")
    pooled_kind = get_kind(kind, caller="plot_padded_pooling")
    naive, masked = naive_and_masked(x, mask, pooled_kind.name)
    sequences, length, channels = x.shape
    shown = min(channels, channels_shown)
    limit = float(max(x.abs().max(), naive.abs().max(), masked.abs().max(), 1e-6))
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit)

    figure = new_figure(1.6 * sequences + 5.2, 0.32 * length + 2.2, layout="constrained")
    grid = figure.add_gridspec(1, sequences + 2, width_ratios=[1] * sequences + [1.5, 1.5])
    for row in range(sequences):
        axes = figure.add_subplot(grid[0, row])
        axes.imshow(x[row, :, :shown].numpy(), cmap=DIVERGING_CMAP, norm=norm, aspect="auto")
        padded = (~mask[row]).numpy()
        # Padding greyed out: an opaque grey band over each padded token's row.
        overlay = numpy.zeros((length, shown, 4))
        overlay[padded] = (0.74, 0.74, 0.74, 1.0)
        axes.imshow(overlay, aspect="auto")
        real = int(mask[row].sum())
        axes.set_title("sequence {index}\n{real} real of {length}".format(index=row, real=real, length=length),
                       fontsize=9)
        axes.set_xlabel("channel", fontsize=8)
        axes.set_xticks(range(shown))
        axes.set_yticks(range(length))
        axes.tick_params(labelsize=7)
        if row == 0:
            axes.set_ylabel("token", fontsize=8)
    width = pooled_kind.output_shape((1, channels, 1))[1]
    for column, (label, values) in enumerate((("naive: every position", naive), ("masked: real tokens only", masked))):
        axes = figure.add_subplot(grid[0, sequences + column])
        axes.imshow(values[:, :min(width, shown)].numpy(), cmap=DIVERGING_CMAP, norm=norm, aspect="auto")
        for (row, channel), value in numpy.ndenumerate(values[:, :min(width, shown)].numpy()):
            colour = text_colour_on(axes.images[0].cmap(norm(value)))
            axes.text(channel, row, f"{value:.2f}", ha="center", va="center", fontsize=6.5, color=colour)
        axes.set_title(f"{pooled_kind.name}, {label}", fontsize=9)
        axes.set_yticks(range(sequences))
        axes.set_xticks(range(min(width, shown)))
        axes.tick_params(labelsize=7)
        axes.set_xlabel("channel", fontsize=8)
    figure.suptitle(f"{pooled_kind.name} over padded tokens {tuple(x.shape)}: grey rows are padding", fontsize=10)

    lengths = mask.sum(dim=1).tolist()
    gaps = (naive - masked).abs().amax(dim=1)
    per_sequence = "; ".join(
        _("sequence {index}, {real} real tokens: naive {naive}, masked {masked}").format(
            index=index, real=lengths[index], naive=numbers_text(naive[index, :4]),
            masked=numbers_text(masked[index, :4]))
        for index in range(sequences))
    padded_rows = ~mask.all(dim=1)
    gap = float(gaps[padded_rows].max()) if bool(padded_rows.any()) else 0.0
    return describe_figure(figure, _(
        "{kind} pooling of {sequences} padded sequences {shape}, each drawn as tokens by channels with its "
        "padding greyed out. Beside them, the result over every position and over the real tokens only, "
        "first 4 channels: {per_sequence}. Over the sequences with padding the two differ by up to {gap}."
    ).format(kind=pooled_kind.name, sequences=sequences, shape=tuple(x.shape), per_sequence=per_sequence,
             gap=f"{gap:.2f}"))


def plot_set_task_results(table: dict, baselines: dict[str, float]) -> Figure:
    """Bars of mean test accuracy per (task, pooling), spread as error bars; left: set sizes as in training,
    right: larger sets than any in training. A dashed line marks each task's model-free baseline."""
    figure = new_figure(10.0, 3.9, layout="constrained")
    lines = []
    for panel, (field, title) in enumerate((("test_accuracy", "sets of 1-10 tokens (as in training)"),
                                            ("large_accuracy", "sets of 11-30 tokens (never seen)"))):
        axes = figure.add_subplot(1, 2, panel + 1)
        for task_index, task in enumerate(SET_TASKS):
            for pooling_index, pooling in enumerate(SET_POOLINGS):
                values = [getattr(result, field) for result in table[(task, pooling)]]
                mean = sum(values) / len(values)
                spread = (max(values) - min(values)) / 2
                position = task_index + (pooling_index - 1) * 0.26
                axes.bar(position, mean, width=0.24, color=categorical_colour(pooling_index),
                         yerr=spread, capsize=2, label=pooling if task_index == 0 else None)
                if panel == 0:
                    train_mean, train_spread = mean_and_spread(table[(task, pooling)])
                    lines.append(_("{task} with {pooling}: {mean} ± {spread}").format(
                        task=task, pooling=pooling, mean=f"{train_mean:.2f}", spread=f"{train_spread:.2f}"))
            if panel == 0:  # the baseline was measured on sets like the training sets only
                axes.hlines(baselines[task], task_index - 0.4, task_index + 0.4, colors="black", linestyles="dashed",
                            linewidth=1, label="no-look baseline" if task_index == 0 else None)
        axes.set_xticks(range(len(SET_TASKS)), ["count of A", "any A?", "fraction of A"])
        axes.set_ylim(0, 1.05)
        axes.set_ylabel("test accuracy")
        axes.set_title(title, fontsize=10)
        if panel == 0:
            figure.legend(fontsize=8, loc="outside lower center", ncols=4)
    return describe_figure(figure, _(
        "Mean test accuracy over the seeds of a Deep Sets model per question and pooling, with the spread as "
        "error bars, on sets as large as in training (left, with the model-free baseline dashed) and larger "
        "(right). As in training: {lines}."
    ).format(lines="; ".join(lines)))
