"""Exercises for notebook 06, the pooling zoo.

The notebook shows GeM, LSE, top-k and attention pooling as plain torch, so
these questions ask for what it does not show:

- q1: GeM with one p per channel (a broadcasting trap that fails silently).
- q2: WELDON pooling, the mean of the k largest plus the mean of the k smallest.
- q3: how far below the max LSE can be, from its range, without running anything.
"""

from __future__ import annotations

import math

import torch

from ..examples import article_example
from ..pooling import topk_pool
from .core import Case, FunctionQuestion, Mistake, ValueQuestion
from .precision import significant
from .rules import no_call_to

GEM_EPS = 1e-6


# ----------------------------------------------------------------------------
# q1: GeM with one p per channel
# ----------------------------------------------------------------------------


def _channel_p(seed: int, channels: int) -> torch.Tensor:
    # p between 1 and 6, different in every channel, so a p applied along the wrong axis shows.
    generator = torch.Generator().manual_seed(seed)
    return 1.0 + 5.0 * torch.rand(channels, generator=generator)


def _gem_per_channel_reference(x: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    exponent = p.reshape(1, -1, *([1] * (x.dim() - 2)))
    return x.clamp(min=GEM_EPS).pow(exponent).mean(dim=(2, 3)).pow(1 / p)


def _gem_p_on_the_last_axis(x, p):
    # p shaped (C,) broadcasts against W, the last axis, when W == C: no error, wrong numbers.
    return x.clamp(min=GEM_EPS).pow(p).mean(dim=(2, 3)).pow(1 / p)


def _gem_per_channel_without_root(x, p):
    return x.clamp(min=GEM_EPS).pow(p.reshape(1, -1, 1, 1)).mean(dim=(2, 3))


def _gem_per_channel_without_clamp(x, p):
    return x.pow(p.reshape(1, -1, 1, 1)).mean(dim=(2, 3)).pow(1 / p)


q1 = FunctionQuestion(
    qid="nb06.q1",
    prompt=(
        "Write gem_per_channel(x, p) for x shaped (N, C, H, W) and p shaped (C,): GeM pooling with its "
        "own power p[c] for each channel c (clamp at 1e-6, power, mean over H and W, root). Return (N, C)."
    ),
    reference=_gem_per_channel_reference,
    cases=[
        # W == C on purpose: a p shaped (C,) then broadcasts along W without an error.
        Case("ReLU features 1x4x3x4 (W equals C), p from 1 to 6", lambda: (
            article_example(seed=0, shape=(1, 4, 3, 4)).relu(), _channel_p(0, 4))),
        Case("ReLU features 2x3x5x7, p from 1 to 6", lambda: (
            article_example(seed=1, shape=(2, 3, 5, 7)).relu(), _channel_p(1, 3))),
        Case("raw features with negatives 2x4x3x3", lambda: (
            article_example(seed=2, shape=(2, 4, 3, 3)), _channel_p(2, 4))),
        Case("the 1x8x4x4 example, p = 1 everywhere (the mean)", lambda: (
            article_example(seed=0, shape=(1, 8, 4, 4)).relu(), torch.ones(8))),
    ],
    hints=[
        "x.pow(p) with p shaped (C,) lines p up with the LAST axis of x, which is W, not C. "
        "Give p the shape (1, C, 1, 1) for the power.",
        "After the mean the result is (N, C), and there p shaped (C,) lines up with C already: "
        "x.clamp(min=1e-6).pow(p.view(1, -1, 1, 1)).mean(dim=(2, 3)).pow(1 / p).",
    ],
    solution_code='''
def gem_per_channel(x, p):
    # p.view(1, C, 1, 1) lines each power up with its channel; after the mean, (N, C) and (C,) already line up.
    return x.clamp(min=1e-6).pow(p.view(1, -1, 1, 1)).mean(dim=(2, 3)).pow(1 / p)
''',
    answer_name="gem_per_channel",
    mistakes=[
        Mistake.wrong_function(
            "p on the wrong axis",
            "Your powers were applied along W, not along the channels: x.pow(p) with p shaped (C,) lines p up "
            "with the last axis of x. When W equals C that raises no error and gives wrong numbers. "
            "Reshape p to (1, C, 1, 1) for the power.",
            _gem_p_on_the_last_axis,
        ),
        Mistake.wrong_function(
            "no root",
            "You stopped at the mean of the powers; take each channel's p-th root last, .pow(1 / p), to get "
            "back to the scale of x (with p = 1 GeM must equal the mean).",
            _gem_per_channel_without_root,
        ),
        Mistake.wrong_function(
            "no clamp",
            "Negative inputs went into the power unclamped. GeM clamps first, x.clamp(min=1e-6): a fractional "
            "power of a negative number is NaN.",
            _gem_per_channel_without_clamp,
        ),
    ],
)


# ----------------------------------------------------------------------------
# q2: WELDON pooling
# ----------------------------------------------------------------------------


def _weldon_reference(x: torch.Tensor, k: int) -> torch.Tensor:
    return topk_pool(x, k) - topk_pool(-x, k)


def _weldon_top_only(x, k):
    return x.flatten(2).topk(k, dim=2).values.mean(dim=2)


def _weldon_negated_bottom_kept(x, k):
    # The k largest of -x are minus the k smallest of x: adding them subtracts the bottom.
    flat = x.flatten(2)
    return flat.topk(k, dim=2).values.mean(dim=2) + (-flat).topk(k, dim=2).values.mean(dim=2)


def _weldon_sums(x, k):
    flat = x.flatten(2)
    return flat.topk(k, dim=2).values.sum(dim=2) + flat.topk(k, dim=2, largest=False).values.sum(dim=2)


q2 = FunctionQuestion(
    qid="nb06.q2",
    prompt=(
        "Write weldon(x, k) for x shaped (N, C, H, W): the mean of the k largest values of each map plus "
        "the mean of its k smallest (WELDON's pooling, Durand et al. 2016). Return (N, C). "
        "Do not call topk_pool: the checker watches for it."
    ),
    reference=_weldon_reference,
    cases=[
        Case("the 1x8x4x4 example, k = 4", lambda: (article_example(seed=0, shape=(1, 8, 4, 4)), 4)),
        Case("2x3x5x7, k = 3", lambda: (article_example(seed=1, shape=(2, 3, 5, 7)), 3)),
        Case("1x2x3x3, k = 1 (max + min)", lambda: (article_example(seed=2, shape=(1, 2, 3, 3)), 1)),
        Case("2x2x2x4, k = 8 (every position twice: 2 * mean)", lambda: (article_example(seed=3, shape=(2, 2, 2, 4)), 8)),
    ],
    hints=[
        "Flatten each map first, x.flatten(2): (N, C, H*W). Then .topk(k, dim=2) gives the k largest; "
        "largest=False gives the k smallest.",
        "Each topk(...).values is (N, C, k): average it over its last dim, then add the two.",
    ],
    solution_code='''
def weldon(x, k):
    flat = x.flatten(2)  # (N, C, H*W): topk needs one axis of positions
    top = flat.topk(k, dim=2).values.mean(dim=2)
    bottom = flat.topk(k, dim=2, largest=False).values.mean(dim=2)
    return top + bottom
''',
    answer_name="weldon",
    rules=[no_call_to("topk_pool", topk_pool)],
    mistakes=[
        Mistake.wrong_function(
            "top only",
            "That is top-k pooling alone. WELDON adds the mean of the k smallest values too: "
            "x.flatten(2).topk(k, dim=2, largest=False).values.mean(dim=2).",
            _weldon_top_only,
        ),
        Mistake.wrong_function(
            "bottom through -x, sign kept",
            "You took the k largest of -x, which are minus the k smallest of x, and added them: that subtracts "
            "the bottom. Negate them back, or use topk(k, largest=False).",
            _weldon_negated_bottom_kept,
        ),
        Mistake.wrong_function(
            "sums instead of means",
            "You summed the k values; WELDON averages each group of k: .mean(dim=2), not .sum(dim=2).",
            _weldon_sums,
        ),
    ],
)


# ----------------------------------------------------------------------------
# q3: how far below the max can LSE be?
# ----------------------------------------------------------------------------

_LSE_SIDE, _LSE_R = 7, 10.0

q3 = ValueQuestion(
    qid="nb06.q3",
    prompt=(
        "Predict before you run anything: LSE pooling with r = 10 on a 7 x 7 map. Whatever the values, "
        "the result is at most the max. At most how far below the max can it be? Set lse_gap to that number "
        "(the tightest bound that holds for every map), to 2 significant figures; a Python expression "
        "that computes it is fine too."
    ),
    expected=math.log(_LSE_SIDE * _LSE_SIDE) / _LSE_R,
    hints=[
        "Write LSE as m + (1/r) * log(mean(exp(r * (x - m)))), m the max. Every term of the mean is at most 1 "
        "and at least one term, the max's own, is exactly 1. How small can the mean be?",
        "The mean is at least 1 / n with n = H * W positions, so LSE >= m + log(1 / n) / r = m - log(n) / r.",
    ],
    solution_code='''
import math

# The max's own term keeps the mean of exp(r * (x - m)) at least 1 / (H * W).
lse_gap = math.log(7 * 7) / 10
''',
    answer_name="lse_gap",
    precision=significant(2),
    mistakes=[
        Mistake.wrong_value(
            "one side instead of the positions",
            "n is the number of positions in the map, H * W = 49, not the side 7.",
            math.log(_LSE_SIDE) / _LSE_R,
        ),
        Mistake.wrong_value(
            "r forgotten",
            "The log sits inside (1/r) * log(...): divide log(n) by r = 10.",
            math.log(_LSE_SIDE * _LSE_SIDE),
        ),
        Mistake.wrong_value(
            "log base 10",
            "LSE uses the natural log (torch.log, math.log), not log base 10.",
            math.log10(_LSE_SIDE * _LSE_SIDE) / _LSE_R,
        ),
    ],
)

QUESTIONS = (q1, q2, q3)
