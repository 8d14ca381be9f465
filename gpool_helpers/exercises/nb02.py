"""Exercises for notebook 02, global average pooling.

- q1: write global average pooling, (N, C, H, W) -> (N, C).
- q2: the gradient global average pooling sends to one input cell.
- q3: predict two shapes for one image with one channel, where ``.squeeze()`` leaves nothing.
"""

from __future__ import annotations

import torch
from torch import nn

from ..pooling import global_avg_pool
from .core import FunctionQuestion, Mistake, ValueQuestion, pooling_cases
from .diagnosis import as_shape, matches_reduction, reduced_over_other_dims, returned_numpy
from .precision import significant

# ----------------------------------------------------------------------------
# q1: my_global_avg_pool
# ----------------------------------------------------------------------------


q1 = FunctionQuestion(
    qid="nb02.q1",
    prompt=(
        "Write my_global_avg_pool(x) that takes a tensor shaped (N, C, H, W) and returns the mean "
        "of each channel's H x W map, shaped (N, C), like global_avg_pool(x). It must work for any "
        "batch size, non-square maps, channels_last and non-contiguous tensors, and leave x unchanged."
    ),
    reference=global_avg_pool,
    cases=pooling_cases(),
    hints=[
        "The spatial dims of (N, C, H, W) are dims 2 and 3. torch's mean accepts a tuple of dims.",
        "x.mean(dim=(2, 3)) already drops the reduced dims; keepdim=True would keep them as size 1.",
    ],
    solution_code='''
def my_global_avg_pool(x):
    # Average over H and W only (dims 2 and 3): one number per (n, c) pair remains.
    return x.mean(dim=(2, 3))
''',
    answer_name="my_global_avg_pool",
    mistakes=[
        Mistake(
            "kept the 1 x 1 dims",
            "Right values, shaped (N, C, 1, 1): that is what nn.AdaptiveAvgPool2d((1, 1)) or keepdim=True "
            "gives. Return (N, C): drop keepdim, or add .flatten(1).",
            matches_reduction(lambda x: x.mean(dim=(2, 3), keepdim=True)),
            example=lambda x: nn.AdaptiveAvgPool2d((1, 1))(x),
        ),
        Mistake(
            "squeeze dropped the batch dim",
            ".squeeze() removes every size-1 dim, so with N = 1 the batch dim goes too. "
            "Use .flatten(1), or .squeeze(-1).squeeze(-1), which only touch the spatial dims.",
            matches_reduction(lambda x: x.mean(dim=(2, 3), keepdim=True).squeeze()),
            example=lambda x: x.mean(dim=(2, 3), keepdim=True).squeeze(),
        ),
        Mistake(
            "batch of one only",
            "Your result has one row whatever N is: a view or reshape with a literal 1 (or the "
            "example's sizes) in it. Use x.shape, or let mean keep N for you.",
            matches_reduction(lambda x: x.mean(dim=(2, 3)).reshape(1, -1)),
            example=lambda x: x.mean(dim=(2, 3)).reshape(1, -1),
        ),
        Mistake(
            "sum instead of mean",
            "These are sums, H·W times too large: take the mean, or divide by H·W.",
            matches_reduction(lambda x: x.sum(dim=(2, 3))),
            example=lambda x: x.sum(dim=(2, 3)),
        ),
        Mistake(
            "averaged over the wrong dims",
            "You averaged over other dims than H and W (dims 2 and 3). Dim 1 is the channels: "
            "averaging over it mixes channels, which is depth pooling, not global average pooling.",
            reduced_over_other_dims("mean"),
            example=lambda x: x.mean(dim=1),
        ),
        Mistake(
            "numpy",
            "You returned a numpy array. Stay in torch (x.mean, not x.numpy().mean): the result must "
            "be a tensor, and autograd cannot follow numpy.",
            returned_numpy,
            example=lambda x: x.numpy().mean(axis=(2, 3)),
        ),
    ],
)


# ----------------------------------------------------------------------------
# q2: the gradient of one cell
# ----------------------------------------------------------------------------

_Q2_SHAPE = (1, 3, 5, 7)
_ONE_SIDE_ONLY = "You divided by H or by W alone. The map has H·W cells."


def _gradient_of_one_cell() -> float:
    x = torch.zeros(_Q2_SHAPE, requires_grad=True)
    global_avg_pool(x)[0, 0].backward()
    return float(x.grad[0, 0, 2, 3])


q2 = ValueQuestion(
    qid="nb02.q2",
    prompt=(
        f"x has shape {_Q2_SHAPE} (N, C, H, W) and y = global_avg_pool(x), shaped (1, 3). "
        "What is the gradient of y[0, 0] with respect to the cell x[0, 0, 2, 3]? "
        "Give it to 2 significant figures, or as a fraction like 1 / 10. Reason it out, or check with backward()."
    ),
    expected=_gradient_of_one_cell,
    hints=[
        "y[0, 0] = (sum of the H·W cells of map 0) / (H·W). Each cell appears once in that sum.",
        "Here H·W = 5·7. Channels other than 0 do not enter y[0, 0].",
    ],
    solution_code="""
# y[0, 0] is the sum of map 0's 5·7 cells divided by 5·7; each cell's own share is 1 / 35.
cell_gradient = 1 / (5 * 7)
""",
    answer_name="cell_gradient",
    precision=significant(2),
    mistakes=[
        Mistake.wrong_value(
            "the gradient of a sum",
            "1 is the gradient of a sum. A mean divides the sum by H·W, and so does its gradient.",
            1,
        ),
        Mistake.wrong_value(
            "divided by C too",
            "You divided by C·H·W. The mean is over one channel's map only: divide by H·W.",
            1 / (3 * 5 * 7),
        ),
        Mistake.wrong_value("divided by H only", _ONE_SIDE_ONLY, 1 / 5),
        Mistake.wrong_value("divided by W only", _ONE_SIDE_ONLY, 1 / 7),
        Mistake.wrong_value(
            "the lesson's 4 x 4 map",
            "1 / 16 is the gradient for the lesson's 4 x 4 maps. This x has other spatial sizes: "
            "read H and W from its shape.",
            1 / 16,
        ),
    ],
)


# ----------------------------------------------------------------------------
# q3: predict two shapes
# ----------------------------------------------------------------------------

_Q3_SHAPE = (1, 1, 4, 4)


def _predicted_shapes() -> tuple[tuple[int, ...], tuple[int, ...]]:
    # Measured, not typed: the expected answer is what torch really returns.
    x = torch.zeros(_Q3_SHAPE)
    return tuple(x.mean(dim=(2, 3)).shape), tuple(nn.AdaptiveAvgPool2d((1, 1))(x).squeeze().shape)


def _shape_pair(answer) -> tuple | None:
    if isinstance(answer, (tuple, list)) and len(answer) == 2:
        pair = (as_shape(answer[0]), as_shape(answer[1]))
        return pair if None not in pair else None
    return None


def _first_is(*shapes):
    return lambda value, args, expected: (_shape_pair(value) or (None,))[0] in shapes


def _second_is(*shapes):
    return lambda value, args, expected: (_shape_pair(value) or (None, None))[1] in shapes


q3 = ValueQuestion(
    qid="nb02.q3",
    prompt=(
        f"Predict before you run. x = torch.randn{_Q3_SHAPE}: one image with one channel. What are the shapes "
        "of (a) x.mean(dim=(2, 3)) and (b) nn.AdaptiveAvgPool2d((1, 1))(x).squeeze()? "
        "Answer with a pair of tuples, predicted_shapes = (shape_a, shape_b), e.g. ((2, 3), (4,)). "
        "A single number has the empty shape ()."
    ),
    expected=_predicted_shapes,
    hints=[
        "mean drops the dims it reduces (unless keepdim=True) and keeps the others: which are left of N, C, H, W?",
        "nn.AdaptiveAvgPool2d((1, 1)) gives (N, C, 1, 1). squeeze() then removes every dim of size 1, "
        "and here N and C are 1 too.",
    ],
    solution_code="""
# (a) mean over H and W keeps N and C. (b) the layer gives (1, 1, 1, 1), and squeeze() removes all four
# size-1 dims, N and C included: a 0-dim tensor, one number with no dims at all.
predicted_shapes = ((1, 1), ())
""",
    answer_name="predicted_shapes",
    mistakes=[
        Mistake(
            "squeeze kept N or C",
            "(b): squeeze() removes every dim of size 1, not only H and W. Here N and C are 1 as well: "
            "how many dims are left? (.flatten(1) would keep N and C.)",
            _second_is((1,), (1, 1)),
            example=((1, 1), (1, 1)),
        ),
        Mistake(
            "squeeze not applied",
            "(b): that is the layer's output, before squeeze(). squeeze() then removes every size-1 dim.",
            _second_is((1, 1, 1, 1)),
            example=((1, 1), (1, 1, 1, 1)),
        ),
        Mistake(
            "mean kept the reduced dims",
            "(a): mean drops the dims it reduces unless you pass keepdim=True, so H and W go and N, C stay.",
            _first_is((1, 1, 1, 1)),
            example=((1, 1, 1, 1), ()),
        ),
        Mistake(
            "mean dropped N or C",
            "(a): mean over dims 2 and 3 removes only H and W; N and C stay even when they are 1.",
            _first_is((), (1,)),
            example=((1,), ()),
        ),
    ],
)

QUESTIONS = (q1, q2, q3)
