"""Exercises for notebook 06, the pooling zoo.

- q1: write GeM pooling.
- q2: write log-sum-exp pooling that does not overflow.
- q3: which kind is exactly global average pooling before it is trained?
"""

from __future__ import annotations

import torch

from ..pooling.shapes import spatial_dims
from ..examples import article_example
from ..pooling import gem_pool, lse_pool
from .core import Case, FunctionQuestion, Mistake, ThoughtQuestion
from .diagnosis import matches_wrong_answer




# ----------------------------------------------------------------------------
# q1: GeM
# ----------------------------------------------------------------------------


def _gem_reference(x: torch.Tensor, p: float) -> torch.Tensor:
    return gem_pool(x, p, eps=1e-6)


def _gem_without_root(x, p):
    return x.clamp(min=1e-6).pow(p).mean(dim=spatial_dims(x))


def _gem_without_clamp(x, p):
    return x.pow(p).mean(dim=spatial_dims(x)).pow(1 / p)


def _gem_with_sum(x, p):
    return x.clamp(min=1e-6).pow(p).sum(dim=spatial_dims(x)).pow(1 / p)


q1 = FunctionQuestion(
    qid="nb06.q1",
    prompt=(
        "Write gem(x, p) for x shaped (N, C, H, W): clamp x to at least 1e-6, raise to the power p, "
        "average over H and W, then take the p-th root. Return (N, C)."
    ),
    reference=_gem_reference,
    cases=[
        Case("ReLU features 1x8x4x4, p = 3", lambda: (article_example(seed=0, shape=(1, 8, 4, 4)).relu(), 3.0)),
        Case("ReLU features 2x3x5x7, p = 1 (the mean)", lambda: (article_example(seed=1, shape=(2, 3, 5, 7)).relu(), 1.0)),
        Case("raw features with negatives 2x4x3x3, p = 3", lambda: (article_example(seed=2, shape=(2, 4, 3, 3)), 3.0)),
        Case("ReLU features 1x2x6x6, p = 6.5", lambda: (article_example(seed=3, shape=(1, 2, 6, 6)).relu(), 6.5)),
    ],
    hints=[
        "Each step is one tensor method: x.clamp(min=1e-6), .pow(p), .mean(dim=(2, 3)), .pow(1 / p).",
        "The clamp matters: a negative value cubed stays negative, and a fractional power of it is NaN.",
    ],
    solution_code='''
def gem(x, p):
    # The clamp keeps every value positive, so any power p is a real number.
    return x.clamp(min=1e-6).pow(p).mean(dim=(2, 3)).pow(1 / p)
''',
    answer_name="gem",
    mistakes=[
        Mistake(
            "no root",
            "You stopped at the mean of the powers; take the p-th root last, .pow(1 / p), to get back to "
            "the scale of x (with p = 1 GeM must equal the mean).",
            matches_wrong_answer(_gem_without_root),
            example=_gem_without_root,
        ),
        Mistake(
            "no clamp",
            "Negative inputs went into the power unclamped. GeM clamps first, x.clamp(min=1e-6): a negative "
            "value cubed stays negative, and a fractional power of it is NaN.",
            matches_wrong_answer(_gem_without_clamp),
            example=_gem_without_clamp,
        ),
        Mistake(
            "sum instead of mean",
            "You summed over H and W where GeM averages: that is F.lp_pool2d, (H*W) ** (1/p) times larger. "
            "Use .mean(dim=(2, 3)).",
            matches_wrong_answer(_gem_with_sum),
            example=_gem_with_sum,
        ),
    ],
)


# ----------------------------------------------------------------------------
# q2: stable LSE
# ----------------------------------------------------------------------------


def _lse_reference(x: torch.Tensor, r: float) -> torch.Tensor:
    return lse_pool(x, r)


def _lse_naive(x, r):
    return torch.log(torch.exp(r * x).mean(dim=spatial_dims(x))) / r


def _lse_with_sum(x, r):
    peak = x.amax(dim=spatial_dims(x), keepdim=True)
    return (peak + torch.log(torch.exp(r * (x - peak)).sum(dim=spatial_dims(x), keepdim=True)) / r).flatten(1)


def _overflowed(output, args, expected) -> bool:
    return isinstance(output, torch.Tensor) and bool(torch.isinf(output).any()) and bool(torch.isfinite(expected).all())


def _lse_without_shift_back(x, r):
    peak = x.amax(dim=spatial_dims(x), keepdim=True)
    return (torch.log(torch.exp(r * (x - peak)).mean(dim=spatial_dims(x), keepdim=True)) / r).flatten(1)


q2 = FunctionQuestion(
    qid="nb06.q2",
    prompt=(
        "Write lse(x, r) for x shaped (N, C, H, W): (1 / r) * log(mean over H, W of exp(r * x)), "
        "returning (N, C), so that it stays finite even when r * x is in the thousands."
    ),
    reference=_lse_reference,
    cases=[
        Case("the 1x8x4x4 example, r = 1", lambda: (article_example(seed=0, shape=(1, 8, 4, 4)), 1.0)),
        Case("2x3x5x7, r = 4", lambda: (article_example(seed=1, shape=(2, 3, 5, 7)), 4.0)),
        Case("large values (about 1000) 1x2x4x4, r = 1", lambda: (article_example(seed=2, shape=(1, 2, 4, 4)) * 1000, 1.0)),
        Case("2x2x3x3, r = 0.5", lambda: (article_example(seed=3, shape=(2, 2, 3, 3)), 0.5)),
    ],
    hints=[
        "exp(1000) is inf in float32. Pull the largest value m of each map out first: "
        "log(mean(exp(r*x))) = r*m + log(mean(exp(r*(x - m)))).",
        "m = x.amax(dim=(2, 3), keepdim=True) keeps the dims, so x - m broadcasts; flatten(1) the result at the end.",
    ],
    solution_code='''
import torch

def lse(x, r):
    # Subtracting each map's max first keeps every exponent at most 0: exp cannot overflow.
    peak = x.amax(dim=(2, 3), keepdim=True)
    shifted = torch.exp(r * (x - peak)).mean(dim=(2, 3), keepdim=True)
    return (peak + torch.log(shifted) / r).flatten(1)
''',
    answer_name="lse",
    mistakes=[
        Mistake(
            "overflow",
            "Your answer overflowed to inf on the large values: exp(r * x) passes float32's limit near 88. "
            "Subtract each map's max before exp and add it back after the log.",
            _overflowed,
            example=_lse_naive,
        ),
        Mistake(
            "sum instead of mean",
            "You summed the exponentials; LSE pooling averages them (or subtracts log(H * W) / r). "
            "With a sum, even a map of equal values pools to more than that value.",
            matches_wrong_answer(_lse_with_sum),
            example=_lse_with_sum,
        ),
        Mistake(
            "max not added back",
            "You subtracted the max but did not add it back: the result is m + log(mean(exp(r * (x - m)))) / r.",
            matches_wrong_answer(_lse_without_shift_back),
            example=_lse_without_shift_back,
        ),
    ],
)


# ----------------------------------------------------------------------------
# q3: which kind starts as the average?
# ----------------------------------------------------------------------------

q3 = ThoughtQuestion(
    qid="nb06.q3",
    prompt=(
        "You swap global average pooling for a learned pooling in a trained network and want the "
        "network's outputs unchanged until training moves the new parameters. Which one, as built "
        "in gpool_helpers, gives exactly the average at the start? "
        "A: GeM (p starts at 3)  B: AttentionPool (zero query)  C: LSE with r = 1  "
        "D: top-k with k = 1. Set choice to 'A', 'B', 'C' or 'D'."
    ),
    hints=[
        "Which knob value turns each kind into the mean: p = 1 for GeM, r -> 0 for LSE, k = H*W for top-k.",
        "A softmax of equal scores gives every position the same weight.",
    ],
    solution_code='''
# A zero query scores every position 0, the softmax gives each 1 / (H*W): the average.
choice = "B"
''',
    answer_name="choice",
    choices=("A", "B", "C", "D"),
    correct_choice="B",
    explanations={
        "A": "GeM starts at p = 3, between the mean and the max; it is the mean only at p = 1.",
        "B": "Right: a zero query gives every position the score 0, the softmax turns that into equal "
        "weights 1 / (H*W), and the identity value projection returns the plain average.",
        "C": "LSE with r = 1 is above the mean (by about r * variance / 2 for small r); it reaches the "
        "mean only as r -> 0.",
        "D": "Top-k with k = 1 is global max pooling; top-k is the mean only when k = H*W.",
    },
)

QUESTIONS = (q1, q2, q3)
