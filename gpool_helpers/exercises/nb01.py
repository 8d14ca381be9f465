"""Exercises for notebook 01, why global pooling.

- q1: count the parameters of a flatten + fully connected head.
- q2: count the parameters of a global average pooling head on the same maps.
- q3: write a global average pooling head in plain torch, for maps of any size.
"""

from __future__ import annotations

import torch

from ..cnn.heads import flatten_head_cost, pooled_head_cost
from ..examples import article_example
from .core import Case, FunctionQuestion, Mistake, ValueQuestion
from .diagnosis import outputs_equal
from .precision import WHOLE_NUMBER
from .rules import NO_NN_LAYERS

# The feature maps of both counting questions: 64 channels of 8 x 8, 10 classes.
CHANNELS, HEIGHT, WIDTH, CLASSES = 64, 8, 8, 10


# ----------------------------------------------------------------------------
# q1: the flatten head
# ----------------------------------------------------------------------------

_FLATTEN_WEIGHTS = CHANNELS * HEIGHT * WIDTH * CLASSES

q1 = ValueQuestion(
    qid="nb01.q1",
    prompt=(
        f"Feature maps shaped (N, {CHANNELS}, {HEIGHT}, {WIDTH}) go into nn.Flatten() and then "
        f"nn.Linear(in_features, {CLASSES}) with a bias. How many parameters does this head have? "
        "Answer with an exact whole number. Work it out by hand, or build the two layers and sum "
        "p.numel() over .parameters()."
    ),
    expected=lambda: flatten_head_cost(CHANNELS, HEIGHT, WIDTH, CLASSES).parameters,
    hints=[
        f"Flatten turns each example into one vector of C·H·W = {CHANNELS}·{HEIGHT}·{WIDTH} numbers: that is in_features.",
        "nn.Linear(in_features, out_features) holds an out x in weight matrix and out biases.",
    ],
    solution_code=f"""
# Flatten gives C·H·W inputs; the linear layer has one weight per (input, class) pair plus one bias per class.
in_features = {CHANNELS} * {HEIGHT} * {WIDTH}
flatten_head_parameters = in_features * {CLASSES} + {CLASSES}
""",
    answer_name="flatten_head_parameters",
    precision=WHOLE_NUMBER,
    mistakes=[
        Mistake.wrong_value(
            "no bias",
            "That is the weights only: nn.Linear also has one bias per output.",
            _FLATTEN_WEIGHTS,
        ),
        Mistake.wrong_value(
            "channels only",
            "That counts one input per channel, which is the pooled head. Flatten keeps every "
            "position: C·H·W inputs, not C.",
            CHANNELS * CLASSES + CLASSES,
        ),
        Mistake.wrong_value(
            "forgot a side",
            "You multiplied by H or W but not both: a map has H·W positions.",
            CHANNELS * HEIGHT * CLASSES + CLASSES,
        ),
    ],
)


# ----------------------------------------------------------------------------
# q2: the global average pooling head
# ----------------------------------------------------------------------------

q2 = ValueQuestion(
    qid="nb01.q2",
    prompt=(
        f"Now the same (N, {CHANNELS}, {HEIGHT}, {WIDTH}) maps go through global average pooling "
        f"(one mean per channel) and then nn.Linear(in_features, {CLASSES}) with a bias. "
        "How many parameters does this head have? Answer with an exact whole number."
    ),
    expected=lambda: pooled_head_cost(CHANNELS, HEIGHT, WIDTH, CLASSES).parameters,
    hints=[
        "Global average pooling has no weights. Its output is (N, C): how many numbers per example?",
        "Same formula as before, in·out + out, with in = C.",
    ],
    solution_code=f"""
# Pooling learns nothing and leaves one number per channel: C inputs to the linear layer.
in_features = {CHANNELS}
gap_head_parameters = in_features * {CLASSES} + {CLASSES}
""",
    answer_name="gap_head_parameters",
    precision=WHOLE_NUMBER,
    mistakes=[
        Mistake.wrong_value(
            "the flatten count",
            "That is the flatten head of q1. After pooling, each channel's H x W map is one number.",
            _FLATTEN_WEIGHTS + CLASSES,
        ),
        Mistake.wrong_value(
            "no bias",
            "That is the weights only: add nn.Linear's biases, one per class.",
            CHANNELS * CLASSES,
        ),
        Mistake.wrong_value(
            "zero",
            "The pooling has no parameters, but the linear layer after it does.",
            0,
        ),
    ],
)


# ----------------------------------------------------------------------------
# q3: a GAP head in plain torch, for maps of any size
# ----------------------------------------------------------------------------

# The head's classes K; its weight is (K, C) and its bias (K,), as in nn.Linear(C, K).
_Q3_CLASSES = 10


def _gap_head_scores(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    # nn.Linear's own function on the pooled means: no flatten, so H and W never enter.
    return torch.nn.functional.linear(x.mean(dim=(2, 3)), weight, bias)


def _head_case(seed: int, shape: tuple[int, int, int, int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(100 + seed)
    channels = shape[1]
    weight = torch.randn(_Q3_CLASSES, channels, generator=generator) / channels ** 0.5
    bias = torch.randn(_Q3_CLASSES, generator=generator)
    return article_example(seed=seed, shape=shape), weight, bias


def _returned_the_pooled_means(output, args, expected) -> bool:
    return isinstance(output, torch.Tensor) and outputs_equal(output, args[0].mean(dim=(2, 3)))


q3 = FunctionQuestion(
    qid="nb01.q3",
    prompt=(
        "Write gap_head_scores(x, weight, bias): the class scores of a global average pooling head, in "
        "plain torch: no nn layers such as nn.Linear (the checker watches for them). x is (N, C, H, W) feature maps, weight is (K, C) and bias is (K,), "
        "the parameters of an nn.Linear(C, K). Return (N, K). The checker feeds maps of several sizes to "
        "the same weights, 4 x 4 up to 14 x 14, as a larger image would: a flatten head could not take them."
    ),
    reference=_gap_head_scores,
    cases=[
        Case("the 1x8x4x4 example, 10 classes", lambda: _head_case(0, (1, 8, 4, 4))),
        Case("batch of 2 with 7 x 7 maps", lambda: _head_case(1, (2, 8, 7, 7))),
        Case("the same weights on 14 x 14 maps (a larger image)", lambda: _head_case(1, (2, 8, 14, 14))),
        Case("batch of 3, non-square 3 x 5 maps, 5 channels", lambda: _head_case(2, (3, 5, 3, 5))),
        Case("1 x 1 maps", lambda: _head_case(3, (2, 8, 1, 1))),
    ],
    hints=[
        "Pool first: x.mean(dim=(2, 3)) is (N, C) whatever H and W are. Then the linear layer.",
        "nn.Linear(C, K) computes input @ weight.T + bias: (N, C) @ (C, K) + (K,) -> (N, K).",
    ],
    solution_code='''
def gap_head_scores(x, weight, bias):
    # Pool first: one mean per map, (N, C), so the map size never reaches the weights.
    pooled = x.mean(dim=(2, 3))
    # What nn.Linear(C, K) computes: (N, C) @ (C, K) + (K,) -> (N, K).
    return pooled @ weight.T + bias
''',
    answer_name="gap_head_scores",
    rules=[NO_NN_LAYERS],
    mistakes=[
        Mistake.wrong_function(
            "sum instead of mean",
            "Your scores come from the sums of the maps, H·W times the means, so they change with the "
            "image size: take the mean (or divide by H·W).",
            lambda x, weight, bias: x.sum(dim=(2, 3)) @ weight.T + bias,
        ),
        Mistake.wrong_function(
            "max instead of mean",
            "You pooled with the max of each map: that is a global max pooling head (notebook 03). "
            "This one averages: x.mean(dim=(2, 3)).",
            lambda x, weight, bias: x.amax(dim=(2, 3)) @ weight.T + bias,
        ),
        Mistake.wrong_function(
            "no bias",
            "Add the bias: nn.Linear computes input @ weight.T + bias, one bias per class.",
            lambda x, weight, bias: x.mean(dim=(2, 3)) @ weight.T,
        ),
        Mistake(
            "no linear layer",
            "These are the pooled means, (N, C): the head still has to turn them into K class scores "
            "with the weight and the bias.",
            _returned_the_pooled_means,
            example=lambda x, weight, bias: x.mean(dim=(2, 3)),
        ),
    ],
)

QUESTIONS = (q1, q2, q3)
