"""Training and comparing the heads of :class:`~gpool_helpers.cnn.models.SmallCNN`, reproducibly.

(About 530 lines, on purpose: this is notebook 07's whole experiment, and every
part of it, one run, the comparison of heads, the learning-rate search, the
canvas sweep and the tables that print them, trains or scores inside the same
:func:`seeded_run` and reports through the same :class:`ProgressLine`, so it
reads best in one file, top to bottom.)

Every run happens inside :func:`seeded_run`, which makes it a function of its
seed alone on the CPU:

- the global torch random state (weight initialisation, dropout) is seeded
  inside ``torch.random.fork_rng``, so the notebook's own random state is the
  same before and after;
- batches are shuffled with a local ``torch.Generator``;
- ``torch.use_deterministic_algorithms(True)`` turns any non-deterministic op
  into an error instead of a silent difference;
- one intra-op thread: a sum split across threads can add in a different
  order on a machine with another core count, and the last bits of the weights
  would then drift. These models are small enough that one thread is also
  about as fast.

Progress is one line of text (:class:`ProgressLine`), redrawn in place in a
notebook through a display id and finally set to "... done". A saved
notebook therefore stores the finished line, never a widget placeholder or a
bar frozen at 0; the numbers worth keeping are returned and printed by the
caller, never read off the progress line.
"""

from __future__ import annotations

import contextlib
import math
import statistics
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

import torch
from torch import nn

from .data import LabelledImages, Split, make_shapes
from ..checks import check_int, check_number
from ..i18n import N_, gettext as _
from ..text_width import display_width, pad
from .counting import count_parameters
from .models import SmallCNN, count_multiply_adds, head_label

__all__ = [
    "PairedComparison", "canvas_sweep", "compare_heads", "format_nin_table", "format_paired", "format_search",
    "format_summary", "paired_comparison", "search_learning_rates", "summarise_runs", "train_head", "train_model",
    "train_over_seeds",
]

#: Lin, Chen and Yan, "Network In Network" (2013, arXiv:1312.4400), section
#: "Global Average Pooling as a Regularizer": CIFAR-10 test error in percent of *their* network (three mlpconv layers)
#: ending in three kinds of head. Not our network, not our data, and an error
#: rate rather than an accuracy: shown apart from our runs, never in their table.
NIN_CIFAR10_TEST_ERROR = {"flatten": 11.59, "flatten-dropout": 10.88, "avg": 10.41}

#: The paper's row names, English; shown through ``_()``.
_NIN_ROW_NAMES = {
    "flatten": N_("mlpconv + fully connected"),
    "flatten-dropout": N_("mlpconv + fully connected + dropout"),
    "avg": N_("mlpconv + global average pooling"),
}


def format_nin_table() -> str:
    """The NIN paper's CIFAR-10 comparison of heads, as the paper reports it, with its source.

    In the learner's language; columns are padded by display width, so they
    line up in Chinese too.
    """
    lines = [_("Lin, Chen, Yan, \"Network In Network\", 2013, arXiv:1312.4400: their heads on CIFAR-10"),
             "  " + pad(_("their network, head"), 38) + pad(_("test error %"), 13, ">")]
    lines += ["  " + pad(_(_NIN_ROW_NAMES[head]), 38) + f"{error:>13.2f}"
              for head, error in NIN_CIFAR10_TEST_ERROR.items()]
    return "\n".join(lines)


class ProgressLine:
    """A progress report that ends in a fixed, final state.

    In a notebook it is one line of text shown with a display id and
    redrawn in place (at most once per percent); :meth:`close` sets it to
    "<description>: done (<total> of <total>)", so a saved notebook stores
    the same finished line on every run. Outside a kernel it shows nothing.
    ``show`` replaces the display for tests: it receives the first text and
    returns an object whose ``update(text)`` redraws it.
    """

    def __init__(self, total: int, description: str, show: Callable[[str], Any] | None = None) -> None:
        self.total = check_int(total, "total", "ProgressLine", minimum=0)
        self.description = description
        self.count = 0
        self._shown_percent = 0
        if show is None:
            show = _notebook_display()
        self._handle = show(self.text()) if show is not None else None

    def text(self) -> str:
        """The line as shown now, in the learner's language (the description is shown as given)."""
        if self.count >= self.total:
            return _("{description}: done ({total} of {total})").format(description=self.description, total=self.total)
        return _("{description}: {count} of {total}").format(
            description=self.description, count=self.count, total=self.total)

    def update(self, steps: int = 1) -> None:
        self.count = min(self.total, self.count + steps)
        percent = 100 * self.count // max(self.total, 1)
        if self._handle is not None and percent != self._shown_percent:
            self._shown_percent = percent
            self._handle.update(self.text())

    def close(self) -> None:
        self.count = self.total
        if self._handle is not None:
            self._handle.update(self.text())


def _notebook_display() -> Callable[[str], Any] | None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with the notebook stack
        return None
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return None

    class _Handle:
        def __init__(self, text: str) -> None:
            self._display = display({"text/plain": text}, raw=True, display_id=True)

        def update(self, text: str) -> None:
            self._display.update({"text/plain": text}, raw=True)

    return _Handle


@contextlib.contextmanager
def seeded_run(seed: int) -> Iterator[None]:
    """Seed torch, run deterministically on one thread, then put everything back."""
    seed = check_int(seed, "seed", "seeded_run", minimum=0)
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        torch.set_num_threads(1)
        torch.use_deterministic_algorithms(True)
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(deterministic)
            torch.set_num_threads(threads)


@dataclass(frozen=True)
class TrainingRun:
    """What one training run leaves behind (accuracies are fractions in [0, 1]).

    With a validation set, ``validation_curve`` holds the validation accuracy
    after every epoch, ``best_epoch`` the epoch (counted from 1) whose weights
    the model was given back, and ``validation_accuracy`` that epoch's score.
    """

    head: str
    seed: int
    epoch_losses: tuple[float, ...]
    train_accuracy: float
    test_accuracy: float
    image_size: tuple[int, int]
    model: SmallCNN = field(repr=False, compare=False)
    validation_accuracy: float = math.nan
    validation_curve: tuple[float, ...] = ()
    best_epoch: int | None = None
    learning_rate: float = math.nan

    @property
    def gap(self) -> float:
        """Train accuracy minus test accuracy: how much the model over-fits."""
        return self.train_accuracy - self.test_accuracy

    @property
    def epochs_run(self) -> int:
        """How many epochs were trained (early stopping may end a run before its maximum)."""
        return len(self.epoch_losses)


def _check_set(data: object, name: str, function_name: str) -> LabelledImages:
    if not isinstance(data, LabelledImages):
        raise TypeError(
            _("{name} expects {argument} to be a LabelledImages (see gpool_helpers.cnn.data); got a {type}").format(
                name=function_name, argument=name, type=type(data).__name__))
    if len(data) == 0:
        raise ValueError(_("{name} expects {argument} to hold at least one image; got none").format(
            name=function_name, argument=name))
    return data


def accuracy(model: nn.Module, data: LabelledImages, batch_size: int = 512) -> float:
    """The fraction of ``data`` that ``model`` labels right, in eval mode (no dropout)."""
    _check_set(data, "data", "accuracy")
    was_training = model.training
    model.eval()
    correct = 0
    try:
        with torch.no_grad():
            for start in range(0, len(data), batch_size):
                logits = model(data.images[start : start + batch_size])
                correct += int((logits.argmax(dim=1) == data.labels[start : start + batch_size]).sum())
    finally:
        model.train(was_training)
    return correct / len(data)


def train_model(
    model: nn.Module,
    train: LabelledImages,
    test: LabelledImages | None = None,
    epochs: int = 20,
    batch_size: int = 128,
    learning_rate: float = 1e-2,
    seed: int = 0,
    progress: bool | Any = True,
    validation: LabelledImages | None = None,
    patience: int | None = None,
) -> TrainingRun:
    """Train ``model`` in place with Adam and cross-entropy; return its :class:`TrainingRun`.

    The batches of each epoch are a fresh shuffle from a generator seeded with
    ``seed``. ``model`` should have been built inside ``seeded_run(seed)`` (as
    :func:`train_head` does) for the whole run to depend on the seed alone.
    ``progress`` is True for a new :class:`ProgressLine` over the epochs, False
    for none, or an existing progress object (a ProgressLine, a tqdm bar) whose
    ``update(1)`` is called once per epoch.

    Early stopping: with a ``validation`` set the model is scored on it after
    every epoch, and it ends with the weights of its best epoch (highest
    validation accuracy; on a tie, the earlier epoch). With ``patience`` as
    well, training stops once that many epochs in a row have not beaten the
    best, so ``epochs`` is then an upper bound. The test set is never looked at
    before the end.
    """
    function_name = "train_model"
    if not isinstance(model, nn.Module):
        raise TypeError(_("{name} expects model to be a torch.nn.Module; got a {type}").format(
            name=function_name, type=type(model).__name__))
    _check_set(train, "train", function_name)
    if test is not None:
        _check_set(test, "test", function_name)
    if validation is not None:
        _check_set(validation, "validation", function_name)
    check_int(epochs, "epochs", function_name)
    check_int(batch_size, "batch_size", function_name)
    check_number(learning_rate, "learning_rate", function_name)
    if patience is not None:
        check_int(patience, "patience", function_name)
        if validation is None:
            raise ValueError(_("{name} stops early only on a validation set: patience={patience} needs "
                               "validation=...; got validation=None").format(name=function_name, patience=patience))
    own_bar = progress is True
    if own_bar:
        bar = ProgressLine(epochs, _("training"))
    else:
        # A tqdm bar is falsy when its total is 0, so test for the flags by identity.
        bar = None if progress is False or progress is None else progress
    epoch_losses = []
    validation_curve: list[float] = []
    best_state, best_epoch, best_score = None, None, -1.0
    with seeded_run(seed):
        generator = torch.Generator().manual_seed(seed)
        optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
        loss_function = nn.CrossEntropyLoss()
        model.train()
        for epoch in range(1, epochs + 1):
            order = torch.randperm(len(train), generator=generator)
            total_loss = 0.0
            for start in range(0, len(train), batch_size):
                batch = order[start : start + batch_size]
                optimiser.zero_grad()
                loss = loss_function(model(train.images[batch]), train.labels[batch])
                loss.backward()
                optimiser.step()
                total_loss += loss.item() * len(batch)
            epoch_losses.append(total_loss / len(train))
            if bar is not None:
                bar.update(1)
            if validation is not None:
                score = accuracy(model, validation)
                validation_curve.append(score)
                model.train()
                if score > best_score:
                    best_score, best_epoch = score, epoch
                    best_state = {name: value.detach().clone() for name, value in model.state_dict().items()}
                elif patience is not None and epoch - best_epoch >= patience:
                    break
        if best_state is not None:
            model.load_state_dict(best_state)
        model.eval()
        train_accuracy = accuracy(model, train)
        test_accuracy = accuracy(model, test) if test is not None else math.nan
    if own_bar:
        bar.close()
    head = getattr(model, "head_name", type(model).__name__)
    return TrainingRun(head, seed, tuple(epoch_losses), train_accuracy, test_accuracy, train.image_size, model,
                       validation_accuracy=best_score if validation is not None else math.nan,
                       validation_curve=tuple(validation_curve), best_epoch=best_epoch,
                       learning_rate=float(learning_rate))


def build_model(head: str, data: LabelledImages, seed: int, **model_options) -> SmallCNN:
    """A :class:`SmallCNN` for ``data``'s image size and classes, initialised from ``seed``."""
    with seeded_run(seed):
        return SmallCNN(
            head,
            num_classes=len(data.class_names),
            in_channels=int(data.images.shape[1]),
            input_size=data.image_size,
            **model_options,
        )


def train_head(
    head: str,
    split: Split,
    seed: int = 0,
    epochs: int = 20,
    batch_size: int = 128,
    learning_rate: float = 1e-2,
    progress: bool | Any = True,
    patience: int | None = None,
    **model_options,
) -> TrainingRun:
    """Build a model with ``head``, train it on ``split.train``, score it on ``split.test``.

    With ``patience``, training stops early on ``split.validation`` (see
    :func:`train_model`); ``epochs`` is then the most it may take.
    """
    if not isinstance(split, Split):
        raise TypeError(_("train_head expects split to be a Split (see gpool_helpers.cnn.data); got a {type}").format(
            type=type(split).__name__))
    if patience is not None and split.validation is None:
        raise ValueError(_("train_head stops early on split.validation, and this split has none; "
                           "make one with a validation set or leave patience=None"))
    model = build_model(head, split.train, seed, **model_options)
    return train_model(
        model,
        split.train,
        split.test,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        seed=seed,
        progress=progress,
        validation=split.validation if patience is not None else None,
        patience=patience,
    )


def compare_heads(
    split: Split,
    heads: Sequence[str] = ("flatten", "flatten-dropout", "avg", "max"),
    seeds: Sequence[int] = (0, 1, 2),
    epochs: int = 20,
    batch_size: int = 128,
    learning_rate: float = 1e-2,
    progress: bool = True,
    **model_options,
) -> list[TrainingRun]:
    """Train every head with every seed on ``split``; one progress line for all of them."""
    heads, seeds = tuple(heads), tuple(seeds)
    if not heads or not seeds:
        raise ValueError(_("compare_heads expects at least one head and one seed; got heads={heads}, seeds={seeds}").format(
            heads=repr(heads), seeds=repr(seeds)))
    count = len(heads) * len(seeds)
    bar = (ProgressLine(count * epochs, _("training {count} models (epochs)").format(count=count))
           if progress else None)
    try:
        return [
            train_head(
                head,
                split,
                seed=seed,
                epochs=epochs,
                batch_size=batch_size,
                learning_rate=learning_rate,
                progress=bar if bar is not None else False,
                **model_options,
            )
            for head in heads
            for seed in seeds
        ]
    finally:
        if bar is not None:
            bar.close()


def canvas_sweep(
    models: dict[str, nn.Module],
    canvas_sizes: Sequence[int],
    count: int = 300,
    seed: int = 1,
    **shape_options,
) -> dict[str, list[float]]:
    """Accuracy of each model on fresh shapes drawn on each canvas size.

    The shapes at every size come from the same ``seed`` (so with the seed of a
    test set, the size it was made at reproduces it). Scored inside
    :func:`seeded_run` so the numbers do not depend on the thread count.
    """
    if not models or not canvas_sizes:
        raise ValueError(_("canvas_sweep expects at least one model and one canvas size"))
    results: dict[str, list[float]] = {label: [] for label in models}
    with seeded_run(seed):
        for size in canvas_sizes:
            shapes = make_shapes(count, canvas_size=size, seed=seed, **shape_options)
            for label, model in models.items():
                results[label].append(accuracy(model, shapes))
    return results


@dataclass(frozen=True)
class HeadSummary:
    """One row of the comparison table: a head over several seeds.

    Accuracies are in percent; ``*_spread`` is the standard deviation over the
    seeds (0 for a single seed). ``multiply_adds`` counts the head only,
    per image; ``parameters`` too (the body is the same for every head).
    """

    head: str
    seeds: int
    parameters: int
    multiply_adds: int
    train_mean: float
    train_spread: float
    test_mean: float
    test_spread: float
    gap_mean: float
    gap_spread: float
    #: Mean epoch whose weights the runs kept (early stopping); NaN without it.
    best_epoch_mean: float = math.nan

    @property
    def label(self) -> str:
        return head_label(self.head)


def _mean_and_spread(values: Sequence[float]) -> tuple[float, float]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def summarise_runs(runs: Sequence[TrainingRun]) -> list[HeadSummary]:
    """One :class:`HeadSummary` per head, in the order the heads first appear."""
    if not runs:
        raise ValueError(_("summarise_runs expects at least one TrainingRun; got none"))
    rows = []
    for head in dict.fromkeys(run.head for run in runs):
        mine = [run for run in runs if run.head == head]
        model = mine[0].model
        image_shape = (1, model.in_channels, *mine[0].image_size)
        train = _mean_and_spread([100 * run.train_accuracy for run in mine])
        test = _mean_and_spread([100 * run.test_accuracy for run in mine])
        gap = _mean_and_spread([100 * run.gap for run in mine])
        best_epochs = [run.best_epoch for run in mine if run.best_epoch is not None]
        rows.append(
            HeadSummary(
                head,
                len(mine),
                count_parameters(model.head),
                count_multiply_adds(model, image_shape)["head"],
                *train,
                *test,
                *gap,
                best_epoch_mean=statistics.fmean(best_epochs) if len(best_epochs) == len(mine) else math.nan,
            )
        )
    return rows


def format_summary(rows: Sequence[HeadSummary]) -> str:
    """Our comparison as a fixed-width text table (NIN's CIFAR-10 numbers: :func:`format_nin_table`).

    Headers in the learner's language, head names as they are; columns are
    padded by display width, so they line up in Chinese too.
    """
    with_epochs = all(not math.isnan(row.best_epoch_mean) for row in rows)
    header = (
        pad(_("head"), 24) + pad(_("params"), 8, ">") + pad(_("mult-adds"), 11, ">") + pad(_("train %"), 15, ">")
        + pad(_("test %"), 15, ">") + pad(_("train-test"), 14, ">") + (pad(_("epochs"), 9, ">") if with_epochs else "")
    )
    lines = [header, "-" * display_width(header)]
    for row in rows:
        lines.append(
            pad(row.label, 24) + f"{row.parameters:>8,}{row.multiply_adds:>11,}"
            f"{row.train_mean:>9.1f} ± {row.train_spread:<3.1f}{row.test_mean:>9.1f} ± {row.test_spread:<3.1f}"
            f"{row.gap_mean:>8.1f} ± {row.gap_spread:<3.1f}"
            + (f"{row.best_epoch_mean:>9.0f}" if with_epochs else "")
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class LearningRateSearch:
    """Every head trained at every step size and seed; each head's rate chosen on validation.

    - ``validation[(head, rate)]``: validation accuracy (fraction) per seed;
    - ``chosen[head]``: the rate with the best mean validation accuracy (the
      smaller rate on a tie); the test set plays no part in the choice;
    - ``runs``: the runs at each head's chosen rate, one per seed, with their
      train and test accuracies, ready for :func:`summarise_runs`.
    """

    rates: tuple[float, ...]
    seeds: tuple[int, ...]
    validation: dict[tuple[str, float], tuple[float, ...]]
    chosen: dict[str, float]
    runs: list[TrainingRun] = field(repr=False)

    def run(self, head: str, seed: int) -> TrainingRun:
        """The run of ``head`` with ``seed`` at its chosen rate."""
        for candidate in self.runs:
            if candidate.head == head and candidate.seed == seed:
                return candidate
        raise KeyError(_("no run with head {head} and seed {seed}; heads {heads}, seeds {seeds}").format(
            head=repr(head), seed=repr(seed), heads=list(self.chosen), seeds=list(self.seeds)))


def search_learning_rates(
    split: Split,
    heads: Sequence[str],
    rates: Sequence[float],
    seeds: Sequence[int] = (0, 1, 2),
    epochs: int = 20,
    batch_size: int = 128,
    progress: bool = True,
    patience: int | None = None,
    **model_options,
) -> LearningRateSearch:
    """Train each head at each rate with each seed on ``split.train``; choose rates on ``split.validation``.

    Every run is the same :func:`train_head` run (Adam, seeded); its model is
    scored on the validation set for the choice and on the test set for the
    report. With ``patience`` every run also stops early on the validation set
    (so ``epochs`` is a maximum) and keeps the weights of its best epoch.
    """
    function_name = "search_learning_rates"
    if not isinstance(split, Split) or split.validation is None:
        raise ValueError(_("{name} expects a Split with a validation set (see small_digits_split)").format(
            name=function_name))
    heads, rates, seeds = tuple(heads), tuple(rates), tuple(seeds)
    if not heads or not rates or not seeds:
        raise ValueError(_("{name} expects at least one head, rate and seed; got {heads}, {rates}, {seeds}").format(
            name=function_name, heads=repr(heads), rates=repr(rates), seeds=repr(seeds)))
    for rate in rates:
        check_number(rate, _("every {item} in {argument}").format(item=_("rate"), argument="rates"), function_name)
    count = len(heads) * len(rates) * len(seeds)
    bar = ProgressLine(count, _("training {count} models").format(count=count)) if progress else None
    validation: dict[tuple[str, float], tuple[float, ...]] = {}
    trained: dict[tuple[str, float], list[TrainingRun]] = {}
    try:
        for head in heads:
            for rate in rates:
                runs = []
                for seed in seeds:
                    runs.append(train_head(head, split, seed=seed, epochs=epochs, batch_size=batch_size,
                                           learning_rate=rate, progress=False, patience=patience, **model_options))
                    if bar is not None:
                        bar.update(1)
                trained[head, rate] = runs
                validation[head, rate] = tuple(accuracy(run.model, split.validation) for run in runs)
    finally:
        if bar is not None:
            bar.close()
    chosen = {
        head: max(rates, key=lambda rate: (statistics.fmean(validation[head, rate]), -rate)) for head in heads
    }
    runs = [run for head in heads for run in trained[head, chosen[head]]]
    return LearningRateSearch(rates, seeds, validation, chosen, runs)


def format_search(search: LearningRateSearch) -> str:
    """Mean validation accuracy (%) of every head at every rate, the chosen one starred.

    Headers in the learner's language; columns are padded by display width.
    The rates' columns are 12 wide, or all wider when a header needs it (a
    longer word than "lr"), keeping at least one space before each header.
    """
    labels = [_("lr {rate}").format(rate=format(rate, "g")) for rate in search.rates]
    widths = [max([12] + [display_width(label) + 1 for label in labels])] * len(labels)
    header = pad(_("head"), 24) + "".join(pad(label, width, ">") for label, width in zip(labels, widths))
    lines = [header, "-" * display_width(header)]
    for head, chosen in search.chosen.items():
        cells = []
        for rate, width in zip(search.rates, widths):
            mark = "*" if rate == chosen else " "
            cells.append(f"{100 * statistics.fmean(search.validation[head, rate]):>{width - 2}.1f} {mark}")
        lines.append(pad(head_label(head), 24) + "".join(cells))
    return "\n".join(lines)


def train_over_seeds(
    split_for_seed: Callable[[int], Split],
    learning_rates: dict[str, float],
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    epochs: int = 60,
    batch_size: int = 32,
    patience: int = 5,
    progress: bool = True,
    **model_options,
) -> list[TrainingRun]:
    """Every head of ``learning_rates`` (head -> its step size) trained once per seed, stopping early.

    ``split_for_seed(seed)`` gives each seed its own data (a split with a
    validation set), so a seed varies the images as well as the weights and the
    batch order. Runs come head by head, seeds in order.
    """
    function_name = "train_over_seeds"
    if not callable(split_for_seed):
        raise TypeError(_("{name} expects split_for_seed to be a function from a seed to a Split; got {got}").format(
            name=function_name, got=type(split_for_seed).__name__))
    seeds = tuple(seeds)
    if not learning_rates or not seeds:
        raise ValueError(_("{name} expects at least one head and one seed; got {heads}, {seeds}").format(
            name=function_name, heads=repr(learning_rates), seeds=repr(seeds)))
    count = len(learning_rates) * len(seeds)
    bar = ProgressLine(count, _("training {count} models").format(count=count)) if progress else None
    splits = {seed: split_for_seed(seed) for seed in seeds}
    runs = []
    try:
        for head, rate in learning_rates.items():
            for seed in seeds:
                runs.append(train_head(head, splits[seed], seed=seed, epochs=epochs, batch_size=batch_size,
                                       learning_rate=rate, progress=False, patience=patience, **model_options))
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return runs


#: Two-sided 95 % quantiles of Student's t for 1 to 10 degrees of freedom
#: (any table, e.g. NIST/SEMATECH e-Handbook of Statistical Methods, 1.3.6.7.2).
_T_95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228}


@dataclass(frozen=True)
class PairedComparison:
    """Head ``first`` minus head ``second``, seed by seed, in percentage points.

    Pairing by seed removes what the two runs share (the same data and, for
    the digits, the same split), so the spread of the differences is the noise
    that matters. ``low`` and ``high`` bound a 95 % confidence interval of the
    mean difference (Student's t with seeds - 1 degrees of freedom).
    """

    first: str
    second: str
    metric: str
    differences: tuple[float, ...]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.differences)

    @property
    def spread(self) -> float:
        return statistics.stdev(self.differences) if len(self.differences) > 1 else 0.0

    @property
    def half_width(self) -> float:
        count = len(self.differences)
        if count < 2:
            return math.inf
        return _T_95.get(count - 1, 1.96) * self.spread / math.sqrt(count)

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width

    @property
    def reliable(self) -> bool:
        """Whether the interval leaves out 0: the sign of the difference held beyond the seeds' noise."""
        return self.low > 0 or self.high < 0


#: What a paired comparison can measure, and how to read it off a run (in percent).
_METRICS = {
    N_("test"): lambda run: 100 * run.test_accuracy,
    N_("train"): lambda run: 100 * run.train_accuracy,
    N_("train-test"): lambda run: 100 * run.gap,
}


def paired_comparison(runs: Sequence[TrainingRun], first: str, second: str, metric: str = "test") -> PairedComparison:
    """``first`` minus ``second`` on ``metric`` ("test", "train" or "train-test"), for every seed both have."""
    function_name = "paired_comparison"
    if metric not in _METRICS:
        raise ValueError(_("{name} expects metric to be one of {choices}; got {got}").format(
            name=function_name, choices=", ".join(_METRICS), got=repr(metric)))
    by_key = {(run.head, run.seed): run for run in runs}
    seeds = [seed for head, seed in by_key if head == first and (second, seed) in by_key]
    if not seeds:
        raise ValueError(_("{name} found no seed with runs of both {first} and {second}").format(
            name=function_name, first=repr(first), second=repr(second)))
    read = _METRICS[metric]
    return PairedComparison(first, second, metric,
                            tuple(read(by_key[first, seed]) - read(by_key[second, seed]) for seed in sorted(seeds)))


def format_paired(comparisons: Sequence[PairedComparison]) -> str:
    """One line per comparison: per-seed differences, mean ± spread, 95 % interval, and what it allows one to say."""
    lines = []
    for comparison in comparisons:
        differences = ", ".join(f"{value:+.1f}" for value in comparison.differences)
        if comparison.reliable:
            verdict = _("{first} higher") if comparison.mean > 0 else _("{second} higher")
        else:
            verdict = _("no reliable difference")
        verdict = verdict.format(first=head_label(comparison.first), second=head_label(comparison.second))
        lines.append(
            _("{first} - {second}, {metric} (points): per seed {differences}; mean {mean:+.1f} ± {spread:.1f}, "
              "95 % interval [{low:+.1f}, {high:+.1f}]: {verdict}").format(
                first=head_label(comparison.first), second=head_label(comparison.second),
                metric=_(comparison.metric), differences=differences, mean=comparison.mean, spread=comparison.spread,
                low=comparison.low, high=comparison.high, verdict=verdict))
    return "\n".join(lines)
