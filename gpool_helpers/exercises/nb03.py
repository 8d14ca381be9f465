"""Exercises for notebook 03, global max pooling.

- q1: decode a flat index from ``return_indices`` into (row, col).
- q2: write global max pooling that also returns the flat indices.
- q3: count where the gradient of global max pooling lands.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..examples import article_example
from ..pooling import global_max_pool
from .core import Case, FunctionQuestion, Mistake, ValueQuestion, pooling_cases
from .diagnosis import is_exact_number, outputs_equal


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
# q3: where the gradient goes
# ----------------------------------------------------------------------------


def _nonzero_gradient_count() -> int:
    x = article_example().requires_grad_()
    global_max_pool(x).sum().backward()
    return int((x.grad != 0).sum())



q3 = ValueQuestion(
    qid="nb03.q3",
    prompt=(
        "x = article_example().requires_grad_(); global_max_pool(x).sum().backward(). "
        "How many of the 1 * 8 * 4 * 4 = 128 entries of x.grad are non-zero? Compute it "
        "(count_nonzero or (x.grad != 0).sum()) or reason it out."
    ),
    expected=_nonzero_gradient_count,
    hints=[
        "Changing a cell that is not its map's max does not change that map's max at all.",
        "Each of the 8 maps has one winning cell (no ties in this example).",
    ],
    solution_code='''
from gpool_helpers import article_example, global_max_pool

x = article_example().requires_grad_()
global_max_pool(x).sum().backward()
# Only each map's winning cell moves its max: one non-zero gradient per (n, c) map.
answer = int((x.grad != 0).sum())
''',
    answer_name="answer",
    mistakes=[
        Mistake(
            "every cell",
            "128 would be every cell: that is global average pooling, whose gradient is 1/16 everywhere. "
            "Max pooling passes the gradient to the winning cell only.",
            lambda value, args, expected: is_exact_number(value, 128),
            example=128,
        ),
        Mistake(
            "one map",
            "16 is the cells of one map. Count one winner per map, over all 8 maps.",
            lambda value, args, expected: is_exact_number(value, 16),
            example=16,
        ),
        Mistake(
            "one winner overall",
            "There is one winner per map, not one for the whole tensor: global_max_pool(x) has 8 outputs.",
            lambda value, args, expected: is_exact_number(value, 1),
            example=1,
        ),
    ],
)

QUESTIONS = (q1, q2, q3)
