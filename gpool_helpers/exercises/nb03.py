"""Exercises for notebook 03, global max pooling.

- q1: decode a flat index from ``return_indices`` into (row, col).
- q2: write global max pooling that also returns the flat indices.
- q3: write the gradient of global max pooling without autograd (1 at each map's first winner).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..pooling import global_max_pool
from .core import Case, FunctionQuestion, Mistake, pooling_cases
from .diagnosis import outputs_equal
from .rules import NO_AUTOGRAD


# ----------------------------------------------------------------------------
# q1: flat index -> (row, col)
# ----------------------------------------------------------------------------


def _decode_flat_index(index: int, height: int, width: int) -> tuple[int, int]:
    # Rows are stored one after another, each `width` long, so the quotient is the row.
    return divmod(index, width)


def _true_division(output, args, expected) -> bool:
    index, height, width = args
    return isinstance(output, (tuple, list)) and len(output) == 2 and output[0] == index / width != expected[0]


def _swapped_row_and_col(output, args, expected) -> bool:
    index, height, width = args
    return isinstance(output, tuple) and output == (index % width, index // width) and output != expected


def _divided_by_height(output, args, expected) -> bool:
    index, height, width = args
    return isinstance(output, tuple) and output == divmod(index, height) and output != expected


q1 = FunctionQuestion(
    qid="nb03.q1",
    prompt=(
        "Write decode_flat_index(index, height, width) that turns a flat index from "
        "return_indices into the (row, col) of the winning cell in a height x width map."
    ),
    reference=_decode_flat_index,
    cases=[
        Case("index 13 in a 4x4 map", lambda: (13, 4, 4)),
        Case("index 0: the top-left cell", lambda: (0, 4, 4)),
        Case("index 17 in a 3x7 map (wider than tall)", lambda: (17, 3, 7)),
        Case("index 7 in a 5x2 map (taller than wide)", lambda: (7, 5, 2)),
        Case("the last cell of a 6x9 map", lambda: (53, 6, 9)),
    ],
    hints=[
        "The map is stored row after row; each row holds `width` cells. The flat index is row * width + col.",
        "Python's divmod(a, b) returns (a // b, a % b) in one call.",
    ],
    solution_code='''
def decode_flat_index(index, height, width):
    # The flat index is row * width + col: the quotient is the row, the rest the column.
    row, col = divmod(index, width)
    return row, col
''',
    answer_name="decode_flat_index",
    mistakes=[
        Mistake(
            "row and col swapped",
            "Row and column are swapped: the quotient index // width is the row, the remainder the column.",
            _swapped_row_and_col,
            example=lambda index, height, width: (index % width, index // width),
        ),
        Mistake(
            "divided by the height",
            "You divided by the height; a flat index counts whole rows of `width` cells, so divide by the width "
            "(on a square map both work, which hides the bug).",
            _divided_by_height,
            example=lambda index, height, width: divmod(index, height),
        ),
        Mistake(
            "true division",
            "The row came out as a fraction: / is true division. Use // (or divmod) for a whole row number.",
            _true_division,
            example=lambda index, height, width: (index / width, index % width),
        ),
    ],
)


# ----------------------------------------------------------------------------
# q2: global max pooling with indices
# ----------------------------------------------------------------------------


def _reference_max_with_indices(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return global_max_pool(x, return_indices=True)


def _with_ties() -> tuple[torch.Tensor]:
    # Every map holds its max twice, so only "the first one wins" gives the expected indices.
    x = torch.zeros(2, 3, 3, 4)
    x[:, :, 0, 3] = 2.0
    x[:, :, 2, 1] = 2.0
    x[1, 2] -= 1.0
    return (x,)


def _max_cases() -> list[Case]:
    return [*pooling_cases(), Case("ties: every map has its max twice", _with_ties)]


def _values_only(output, args, expected) -> bool:
    return isinstance(output, torch.Tensor) and outputs_equal(output, expected[0])


def _kept_spatial_dims(output, args, expected) -> bool:
    return (
        isinstance(output, tuple)
        and len(output) == 2
        and all(isinstance(part, torch.Tensor) and part.dim() == 4 for part in output)
        and outputs_equal((output[0].flatten(1), output[1].flatten(1)), expected)
    )


def _column_major_indices(output, args, expected) -> bool:
    x = args[0]
    # Index counted down the columns (w * H + h): decode it that way and compare cells.
    _, transposed_indices = x.transpose(2, 3).flatten(2).max(dim=2)
    return (
        isinstance(output, tuple)
        and len(output) == 2
        and outputs_equal(output[0], expected[0])
        and isinstance(output[1], torch.Tensor)
        and torch.equal(output[1], transposed_indices)
        and not torch.equal(transposed_indices, expected[1])
    )


q2 = FunctionQuestion(
    qid="nb03.q2",
    prompt=(
        "Write my_global_max_pool(x) returning (values, indices), both shaped (N, C): the max of "
        "each (n, c) map and its flat index h * W + w, the first one on ties, like "
        "global_max_pool(x, return_indices=True)."
    ),
    reference=_reference_max_with_indices,
    cases=_max_cases(),
    hints=[
        "Put each map's H * W values in one dim: x.flatten(2) is (N, C, H * W). Then one max over that dim.",
        "tensor.max(dim=2) returns both the values and the indices (a named tuple); its indices are already h * W + w.",
        "x.view(N, C, -1) fails on a transposed (non-contiguous) input; flatten (or reshape) copies when it must.",
    ],
    solution_code='''
def my_global_max_pool(x):
    # One row of H * W values per (n, c) map; max over it gives the value and its flat index.
    values, indices = x.flatten(2).max(dim=2)
    return values, indices
''',
    answer_name="my_global_max_pool",
    mistakes=[
        Mistake(
            "values only",
            "The values are right, but return the indices too: (values, indices).",
            _values_only,
            example=lambda x: x.amax(dim=(2, 3)),
        ),
        Mistake(
            "kept the 1x1 spatial dims",
            "Right values and indices, but shaped (N, C, 1, 1): flatten both to (N, C) with .flatten(1).",
            _kept_spatial_dims,
            example=lambda x: F.adaptive_max_pool2d(x, 1, return_indices=True),
        ),
        Mistake(
            "column-major indices",
            "Your indices count down the columns (w * H + h), because the map was transposed before "
            "flattening. PyTorch counts along rows: h * W + w.",
            _column_major_indices,
            example=lambda x: tuple(x.transpose(2, 3).flatten(2).max(dim=2)),
        ),
    ],
)


# ----------------------------------------------------------------------------
# q3: the gradient of global max pooling, without autograd
# ----------------------------------------------------------------------------


def _max_pool_gradient(x: torch.Tensor) -> torch.Tensor:
    """d(sum of the maxima)/dx for the max that reports one index: 1 at each map's first winner."""
    _, indices = global_max_pool(x.detach(), return_indices=True)
    n, c, h, w = x.shape
    grad = torch.zeros(n, c, h * w, dtype=x.dtype)
    return grad.scatter(2, indices.unsqueeze(2), 1.0).view(n, c, h, w)


def _split_on_ties(x: torch.Tensor) -> torch.Tensor:
    # amax's convention: a tie shares the gradient evenly.
    leaf = x.detach().clone().requires_grad_()
    leaf.amax(dim=(2, 3)).sum().backward()
    return leaf.grad


def _every_tied_cell(x: torch.Tensor) -> torch.Tensor:
    return (x == x.amax(dim=(2, 3), keepdim=True)).to(x.dtype)


def _one_winner_overall(x: torch.Tensor) -> torch.Tensor:
    flat = torch.zeros(x.numel(), dtype=x.dtype)
    flat[x.argmax()] = 1.0
    return flat.view(x.shape)


def _right_cells_as_bool(output, args, expected) -> bool:
    return (
        isinstance(output, torch.Tensor)
        and output.dtype == torch.bool
        and outputs_equal(output.to(expected.dtype), expected)
    )


q3 = FunctionQuestion(
    qid="nb03.q3",
    prompt=(
        "Write max_pool_gradient(x) without autograd (no backward(), no torch.autograd.grad; the checker "
        "watches for them): the gradient of "
        "global_max_pool(x, return_indices=True)[0].sum() with respect to x, a float tensor shaped like x. "
        "That max reports one cell per map, the first one on ties, and passes the whole gradient to it. "
        "The checker compares with autograd on batches, a transposed and a channels_last input, and maps with ties."
    ),
    reference=_max_pool_gradient,
    cases=_max_cases(),
    hints=[
        "Which cells move the sum of the maxima if you nudge them? One per map: the one "
        "x.flatten(2).argmax(dim=2) names (argmax returns the first winner on ties).",
        "Start from zeros shaped (N, C, H * W) and put a 1 at each winner: "
        "zeros.scatter(2, winners.unsqueeze(2), 1.0). Then .reshape(x.shape).",
    ],
    solution_code='''
import torch


def max_pool_gradient(x):
    # The gradient of a max is 1 at the cell that won and 0 elsewhere, so find each map's winner.
    flat = x.flatten(2)                                # (N, C, H * W), a copy when x is not contiguous
    winners = flat.argmax(dim=2, keepdim=True)         # (N, C, 1): the first winner on ties
    # A 1 at each winner's flat index h * W + w, then back to (N, C, H, W).
    return torch.zeros_like(flat).scatter(2, winners, 1.0).reshape(x.shape)
''',
    answer_name="max_pool_gradient",
    rules=[NO_AUTOGRAD],
    mistakes=[
        Mistake.wrong_function(
            "split on ties",
            "On tied maps your gradient is shared between the tied cells: that is amax's rule. The max with "
            "indices reports one cell, the first in row-by-row order, and gives all of it there.",
            _split_on_ties,
        ),
        Mistake.wrong_function(
            "every tied cell",
            "You put a 1 at every cell equal to its map's max. On ties only the first cell, in row-by-row "
            "order, is the winner: use argmax, which returns that one.",
            _every_tied_cell,
        ),
        Mistake.wrong_function(
            "one winner for the whole tensor",
            "There is one 1 in your whole tensor. Each (n, c) map has its own max, so each map gets its own 1: "
            "take the argmax over the H * W cells of each map (x.flatten(2).argmax(dim=2)).",
            _one_winner_overall,
        ),
        Mistake.wrong_function(
            "the winning values",
            "Your winners hold the max values themselves. The derivative of a max with respect to the winning "
            "cell is 1, whatever the value: put 1.0 there.",
            lambda x: _max_pool_gradient(x) * x,
        ),
        Mistake(
            "a boolean mask",
            "The right cells, but as a bool tensor. A gradient is a float tensor like x: convert with .to(x.dtype).",
            _right_cells_as_bool,
            example=lambda x: _max_pool_gradient(x).bool(),
        ),
    ],
)

QUESTIONS = (q1, q2, q3)
