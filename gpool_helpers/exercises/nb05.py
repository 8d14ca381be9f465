"""Exercises for notebook 05, adaptive pooling beyond 1x1.

- q1: write the windows adaptive pooling reads, for any input and output size.
- q2: the length of a spatial pyramid pooling vector.
- q3: what size SPP-net's hand-computed kernel and stride really give.
"""

from __future__ import annotations

import math

from ..pooling import adaptive_bins, classic_spp_window
from .core import Case, FunctionQuestion, Mistake, ValueQuestion
from .diagnosis import matches_wrong_answer, outputs_equal

# ----------------------------------------------------------------------------
# q1: the adaptive windows
# ----------------------------------------------------------------------------


def _floor_ends(in_size: int, out_size: int) -> list[tuple[int, int]]:
    return [((i * in_size) // out_size, ((i + 1) * in_size) // out_size) for i in range(out_size)]


def _kernel_and_stride(in_size: int, out_size: int) -> list[tuple[int, int]]:
    kernel, stride = math.ceil(in_size / out_size), in_size // out_size
    return [(i * stride, i * stride + kernel) for i in range(out_size)]


def _inclusive_ends(in_size: int, out_size: int) -> list[tuple[int, int]]:
    return [(start, end - 1) for start, end in adaptive_bins(in_size, out_size)]



q1 = FunctionQuestion(
    qid="nb05.q1",
    prompt=(
        "Write bins(in_size, out_size) returning the list of (start, end) windows adaptive pooling "
        "reads along one dim, end excluded, one per output cell, as nn.AdaptiveAvgPool1d does."
    ),
    reference=adaptive_bins,
    cases=[
        Case("8 -> 4 (divides evenly)", lambda: (8, 4)),
        Case("5 -> 3 (does not divide)", lambda: (5, 3)),
        Case("7 -> 4 (does not divide)", lambda: (7, 4)),
        Case("10 -> 3", lambda: (10, 3)),
        Case("3 -> 5 (more outputs than inputs)", lambda: (3, 5)),
        Case("6 -> 1 (global pooling)", lambda: (6, 1)),
    ],
    hints=[
        "Output cell i starts at floor(i * in_size / out_size) and ends at ceil((i + 1) * in_size / out_size).",
        "With whole numbers: a // b is the floor, and -(-a // b) is the ceiling. math.floor and math.ceil work too.",
    ],
    solution_code='''
import math

def bins(in_size, out_size):
    # Rounding the start down and the end up is what makes windows overlap
    # when out_size does not divide in_size: no position is ever skipped.
    return [
        (math.floor(i * in_size / out_size), math.ceil((i + 1) * in_size / out_size))
        for i in range(out_size)
    ]
''',
    answer_name="bins",
    mistakes=[
        Mistake(
            "end rounded down",
            "Your ends are rounded down. torch rounds each end up (ceil), so windows may overlap and "
            "every position is read: 5 -> 3 gives (0, 2), (1, 4), (3, 5).",
            matches_wrong_answer(_floor_ends),
            example=_floor_ends,
        ),
        Mistake(
            "fixed kernel and stride",
            "That is a fixed kernel ceil(in/out) sliding by stride floor(in/out), the SPP-net recipe. "
            "Adaptive pooling computes each window's start and end on its own: the last window must end at in_size.",
            matches_wrong_answer(_kernel_and_stride),
            example=_kernel_and_stride,
        ),
        Mistake(
            "end included",
            "Your ends are one short: the end is excluded, like Python slices, so x[start:end] is the window.",
            matches_wrong_answer(_inclusive_ends),
            example=_inclusive_ends,
        ),
    ],
)


# ----------------------------------------------------------------------------
# q2: SPP vector length
# ----------------------------------------------------------------------------

_SPP_CHANNELS = 256
_SPP_LEVELS = (1, 2, 4)


def _equals(value):
    return lambda answer, args, expected: outputs_equal(answer, value) and not outputs_equal(answer, expected)


q2 = ValueQuestion(
    qid="nb05.q2",
    prompt=(
        "A network's last feature maps have C = 256 channels. spatial_pyramid_pool(x, levels=(1, 2, 4)) "
        "turns them into a vector per image. How long is it? Set spp_vector_length to that number."
    ),
    expected=_SPP_CHANNELS * sum(level * level for level in _SPP_LEVELS),
    hints=[
        "Level l pools every channel into an l x l grid: l * l numbers per channel.",
        "Add the cells of the three grids, then multiply by the number of channels.",
    ],
    solution_code='''
# Each channel gives 1*1 + 2*2 + 4*4 = 21 numbers, whatever H and W are.
spp_vector_length = 256 * (1 * 1 + 2 * 2 + 4 * 4)
''',
    answer_name="spp_vector_length",
    mistakes=[
        Mistake(
            "levels not squared",
            "Level l gives an l x l grid, so l * l cells per channel, not l: 1 + 4 + 16 = 21 per channel.",
            _equals(_SPP_CHANNELS * sum(_SPP_LEVELS)),
            example=_SPP_CHANNELS * sum(_SPP_LEVELS),
        ),
        Mistake(
            "channels forgotten",
            "21 is the count per channel; every one of the 256 channels gets its own 21 cells.",
            _equals(sum(level * level for level in _SPP_LEVELS)),
            example=sum(level * level for level in _SPP_LEVELS),
        ),
        Mistake(
            "only the finest level",
            "That counts only the 4 x 4 level. SPP concatenates every level: 1x1, 2x2 and 4x4.",
            _equals(_SPP_CHANNELS * 16),
            example=_SPP_CHANNELS * 16,
        ),
    ],
)


# ----------------------------------------------------------------------------
# q3: the classic SPP window on a 7x7 map
# ----------------------------------------------------------------------------

_CLASSIC = classic_spp_window(7, 4)

q3 = ValueQuestion(
    qid="nb05.q3",
    prompt=(
        "SPP-net pools an a x a map into n x n cells with kernel ceil(a / n) and stride floor(a / n). "
        "For a = 7 and n = 4, how many cells per side does F.max_pool2d(x, kernel, stride) really give? "
        "Set cells_per_side to that number."
    ),
    expected=_CLASSIC.output_size,
    hints=[
        "kernel = ceil(7 / 4) = 2 and stride = floor(7 / 4) = 1.",
        "A window of size k sliding by s over a positions fits floor((a - k) / s) + 1 times.",
    ],
    solution_code='''
import math

kernel, stride = math.ceil(7 / 4), 7 // 4
# A sliding window fits floor((a - kernel) / stride) + 1 times: 6, not the 4 wanted.
cells_per_side = (7 - kernel) // stride + 1
''',
    answer_name="cells_per_side",
    mistakes=[
        Mistake(
            "the wanted size",
            "4 is what SPP-net wants, not what the kernel and stride give. Work it out: kernel 2, stride 1 "
            "on 7 positions. (F.adaptive_max_pool2d(x, 4) is the pooling that really gives 4.)",
            _equals(4),
            example=4,
        ),
        Mistake(
            "windows side by side",
            "That counts windows side by side (7 // 2). With stride 1 the windows overlap: they start at "
            "0, 1, 2, ... as long as a whole window fits.",
            _equals(3),
            example=3,
        ),
    ],
)

QUESTIONS = (q1, q2, q3)
