"""Notebook 08's experiment: which global pooling solves which question about a set, trained on the CPU.

Each example is a set of 1 to 10 tokens, each token one of four types (A, B,
C, D) written as a one-hot vector, padded to 10 with a mask. Three questions:

- ``count``: how many tokens are of type A? (0 to 10; right when the rounded
  prediction is the count)
- ``any``: is any token of type A? (right when the predicted side of 0.5 is)
- ``fraction``: what share of the tokens are of type A? (right within 0.05)

The model is Deep Sets' (Zaheer et al., "Deep Sets", 2017, arXiv:1703.06114):
a small network phi on every token, one global pooling over the real tokens
(:func:`~gpool_helpers.pooling.tokens.masked_pool`), a small network rho on
the pooled vector. Only the pooling changes between the rows of the table.
Training is full batch with Adam, long enough for the training loss to
flatten (``converged`` says how much it still moved over the last tenth).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from ..checks import check_choice, check_int
from ..i18n import gettext as _
from ..pooling.tokens import masked_pool
from ..text_width import pad

__all__ = ["SET_TASKS", "SET_POOLINGS", "make_sets", "SetModel", "train_set_model", "set_task_table",
           "SetTaskResult", "baseline_accuracy", "format_set_task_table", "converged", "mean_and_spread"]

SET_TASKS = ("count", "any", "fraction")
SET_POOLINGS = ("sum", "avg", "max")
TOKEN_TYPES = 4
MAX_SET_SIZE = 10
FRACTION_TOLERANCE = 0.05
#: Test sets larger than any training set: what a pooling does with a size it never saw.
LARGE_SIZES = (11, 30)


def make_sets(count: int, seed: int, min_size: int = 1, max_size: int = MAX_SET_SIZE
              ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """``count`` random sets: (tokens (count, max_size, 4) one-hot, mask, how many A, set size).

    Each set draws its size from min_size..max_size, then how many of its tokens are A
    (0..size, uniformly, so every count and fraction is common), then the other
    tokens' types from B, C, D, in a random order.
    """
    generator = torch.Generator().manual_seed(seed)
    sizes = torch.randint(min_size, max_size + 1, (count,), generator=generator)
    a_counts = (torch.rand(count, generator=generator) * (sizes + 1)).floor().long().clamp(max=sizes)
    types = torch.randint(1, TOKEN_TYPES, (count, max_size), generator=generator)
    positions = torch.rand(count, max_size, generator=generator).argsort(dim=1)
    mask = torch.arange(max_size) < sizes[:, None]
    # The first a_counts positions of a random order within the real tokens are A (type 0).
    rank_among_real = torch.where(mask, positions, max_size + positions).argsort(dim=1).argsort(dim=1)
    types = torch.where(rank_among_real < a_counts[:, None], 0, types)
    tokens = nn.functional.one_hot(types, TOKEN_TYPES).float() * mask[..., None]
    return tokens, mask, a_counts, sizes


def targets(task: str, a_counts: Tensor, sizes: Tensor) -> Tensor:
    if task == "count":
        return a_counts.float()
    if task == "any":
        return (a_counts > 0).float()
    return a_counts.float() / sizes.float()


def correct(task: str, prediction: Tensor, a_counts: Tensor, sizes: Tensor) -> Tensor:
    """Which predictions are right, by the task's rule (see the module docstring)."""
    if task == "count":
        return prediction.round() == a_counts.float()
    if task == "any":
        return (prediction > 0) == (a_counts > 0)  # a logit
    return (prediction - a_counts.float() / sizes.float()).abs() < FRACTION_TOLERANCE


class SetModel(nn.Module):
    """rho(pool(phi(token) for each real token)): Deep Sets with a chosen global pooling."""

    def __init__(self, pooling: str, width: int = 16) -> None:
        super().__init__()
        self.pooling = check_choice(pooling, SET_POOLINGS, "pooling", "SetModel")
        self.phi = nn.Sequential(nn.Linear(TOKEN_TYPES, width), nn.ReLU(), nn.Linear(width, width))
        self.rho = nn.Sequential(nn.Linear(width, 2 * width), nn.ReLU(), nn.Linear(2 * width, 1))

    def forward(self, tokens: Tensor, mask: Tensor) -> Tensor:
        return self.rho(masked_pool(self.phi(tokens), mask, self.pooling)).squeeze(1)


@dataclass(frozen=True)
class SetTaskResult:
    task: str
    pooling: str
    seed: int
    test_accuracy: float
    #: On sets of LARGE_SIZES tokens, more than any training set held.
    large_accuracy: float
    final_loss: float
    #: Relative change of the training loss over the last tenth of the steps: small means converged.
    last_change: float


def train_set_model(task: str, pooling: str, seed: int, steps: int = 300, train_sets: int = 256,
                    test_sets: int = 1000) -> SetTaskResult:
    """Train one model from seed ``seed`` and measure it on fresh test sets."""
    check_choice(task, SET_TASKS, "task", "train_set_model")
    steps = check_int(steps, "steps", "train_set_model")
    torch.manual_seed(seed)
    model = SetModel(pooling)
    tokens, mask, a_counts, sizes = make_sets(train_sets, seed=1000 + seed)
    goal = targets(task, a_counts, sizes)
    loss_function = nn.BCEWithLogitsLoss() if task == "any" else nn.MSELoss()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2, foreach=True)  # one kernel per step for all parameters
    losses = []
    for _ in range(steps):
        optimiser.zero_grad()
        loss = loss_function(model(tokens, mask), goal)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    tail = losses[-max(2, steps // 10):]
    last_change = abs(tail[0] - tail[-1]) / max(tail[0], 1e-12)
    accuracies = []
    for offset, (smallest, largest) in ((5000, (1, MAX_SET_SIZE)), (9000, LARGE_SIZES)):
        test_tokens, test_mask, test_counts, test_sizes = make_sets(test_sets, offset + seed, smallest, largest)
        with torch.no_grad():
            right = correct(task, model(test_tokens, test_mask), test_counts, test_sizes)
        accuracies.append(right.float().mean().item())
    return SetTaskResult(task, pooling, seed, accuracies[0], accuracies[1], losses[-1], last_change)


def baseline_accuracy(task: str, test_sets: int = 1000, seed: int = 5000) -> float:
    """The best a model that never looks at the set can do: always the most common answer of the training sets."""
    check_choice(task, SET_TASKS, "task", "baseline_accuracy")
    _, _, a_counts, sizes = make_sets(256, seed=1000)
    goal = targets(task, a_counts, sizes)
    if task == "fraction":
        # The constant with the most training targets within the tolerance.
        grid = torch.linspace(0, 1, 101)
        constant = grid[torch.stack([((goal - c).abs() < FRACTION_TOLERANCE).sum() for c in grid]).argmax()]
    else:
        constant = goal.mode().values
    _, _, test_counts, test_sizes = make_sets(test_sets, seed=seed)
    prediction = constant.expand(test_sets)
    if task == "any":
        prediction = prediction - 0.5  # correct() reads a logit: the sign decides
    return correct(task, prediction, test_counts, test_sizes).float().mean().item()


def set_task_table(seeds: tuple[int, ...] = (0, 1, 2), steps: int = 300) -> dict[tuple[str, str], list[SetTaskResult]]:
    """(task, pooling) -> one result per seed, for every task and pooling.

    Runs on one thread: these tensors are too small for a second thread to pay off (it made the table
    several times slower on a busy 2-core machine), and one thread makes the numbers independent of the
    machine's thread count, which changes the order of float32 sums.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return {(task, pooling): [train_set_model(task, pooling, seed, steps) for seed in seeds]
                for task in SET_TASKS for pooling in SET_POOLINGS}
    finally:
        torch.set_num_threads(threads)


def mean_and_spread(results: list[SetTaskResult]) -> tuple[float, float]:
    """Mean test accuracy and its spread (half the range between the best and the worst seed)."""
    accuracies = [result.test_accuracy for result in results]
    return statistics.fmean(accuracies), (max(accuracies) - min(accuracies)) / 2


def format_set_task_table(table: dict, baselines: dict[str, float]) -> str:
    """The table as text: one row per question, one column per pooling (mean ± spread over the seeds),
    first on sets as in training, then on larger ones, and the model-free baseline."""
    header = [pad(_("question"), 10)] + [pad(f"{pooling}", 13) for pooling in SET_POOLINGS]
    lines = []
    titles = (("test_accuracy", _("sets of 1-10 tokens, as in training:")),
              ("large_accuracy", _("sets of {low}-{high} tokens, never seen:").format(low=LARGE_SIZES[0],
                                                                                      high=LARGE_SIZES[1])))
    for field, title in titles:
        lines.append(title)
        lines.append("  " + " ".join(header) + " " + _("no-look baseline"))
        for task in SET_TASKS:
            cells = []
            for pooling in SET_POOLINGS:
                values = [getattr(result, field) for result in table[(task, pooling)]]
                mean, spread = statistics.fmean(values), (max(values) - min(values)) / 2
                cells.append(pad(f"{mean:.3f} ± {spread:.3f}", 13))
            baseline = f"{baselines[task]:.3f}" if field == "test_accuracy" else "-"
            lines.append("  " + " ".join([pad(task, 10), *cells]) + f" {baseline}")
    return "\n".join(lines)


def converged(result: SetTaskResult) -> bool:
    """The training loss moved less than 5 % over the last tenth of the steps, or ended below 0.001."""
    return result.last_change < 0.05 or result.final_loss < 1e-3
