"""Exercises for notebook 05, adaptive pooling beyond 1x1.

- q1: write the windows adaptive pooling reads, for any input and output size.
- q2: the length of a spatial pyramid pooling vector.
- q3: what size SPP-net's hand-computed kernel and stride really give, on a
  map the notebook does not show (20 -> 7).
"""

from __future__ import annotations

import math

from ..pooling import adaptive_bins, classic_spp_window
from .core import Case, FunctionQuestion, Mistake, ValueQuestion
from .precision import WHOLE_NUMBER
from .rules import no_call_to

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
        "reads along one dim, end excluded, one per output cell, as nn.AdaptiveAvgPool1d does. "
        "Do not call adaptive_bins: the checker watches for it."
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
    rules=[no_call_to("adaptive_bins", adaptive_bins)],
    mistakes=[
        Mistake.wrong_function(
            "end rounded down",
            "Your ends are rounded down. torch rounds each end up (ceil), so windows may overlap and "
            "every position is read.",
            _floor_ends,
        ),
        Mistake.wrong_function(
            "fixed kernel and stride",
            "That is a fixed kernel ceil(in/out) sliding by stride floor(in/out), the SPP-net recipe. "
            "Adaptive pooling computes each window's start and end on its own: the last window must end at in_size.",
            _kernel_and_stride,
        ),
        Mistake.wrong_function(
            "end included",
            "Your ends are one short: the end is excluded, like Python slices, so x[start:end] is the window.",
            _inclusive_ends,
        ),
    ],
)


# ----------------------------------------------------------------------------
# q2: SPP vector length
# ----------------------------------------------------------------------------

_SPP_CHANNELS = 256
_SPP_LEVELS = (1, 2, 4)


q2 = ValueQuestion(
    qid="nb05.q2",
    prompt=(
        "A network's last feature maps have C = 256 channels. spatial_pyramid_pool(x, levels=(1, 2, 4)) "
        "turns them into a vector per image. How long is it? Set spp_vector_length to that number, "
        "an exact whole number."
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
    precision=WHOLE_NUMBER,
    mistakes=[
        Mistake.wrong_value(
            "levels not squared",
            "Level l gives an l x l grid, so l * l cells per channel, not l: 1 + 4 + 16 = 21 per channel.",
            _SPP_CHANNELS * sum(_SPP_LEVELS),
        ),
        Mistake.wrong_value(
            "channels forgotten",
            "21 is the count per channel; every one of the 256 channels gets its own 21 cells.",
            sum(level * level for level in _SPP_LEVELS),
        ),
        Mistake.wrong_value(
            "only the finest level",
            "That counts only the 4 x 4 level. SPP concatenates every level: 1x1, 2x2 and 4x4.",
            _SPP_CHANNELS * 16,
        ),
    ],
)


# ----------------------------------------------------------------------------
# q3: the classic SPP window on a map the notebook does not show
# ----------------------------------------------------------------------------

# Outside the notebook's figure (s <= 16, n <= 6) and wrong, so the answer has to be worked out.
_A, _N = 20, 7
_CLASSIC = classic_spp_window(_A, _N)

q3 = ValueQuestion(
    qid="nb05.q3",
    prompt=(
        "SPP-net pools an a x a map into n x n cells with kernel ceil(a / n) and stride floor(a / n). "
        f"For a = {_A} and n = {_N} (beyond the notebook's figure), how many cells per side does "
        "F.max_pool2d(x, kernel, stride) really give? Set cells_per_side to that number, an exact whole number."
    ),
    expected=_CLASSIC.output_size,
    hints=[
        f"kernel = ceil({_A} / {_N}) = {_CLASSIC.kernel_size} and stride = floor({_A} / {_N}) = {_CLASSIC.stride}.",
        "A window of size k sliding by s over a positions fits floor((a - k) / s) + 1 times.",
    ],
    solution_code=f'''
import math

kernel, stride = math.ceil({_A} / {_N}), {_A} // {_N}
# A sliding window fits floor((a - kernel) / stride) + 1 times: {_CLASSIC.output_size}, not the {_N} wanted.
cells_per_side = ({_A} - kernel) // stride + 1
''',
    answer_name="cells_per_side",
    precision=WHOLE_NUMBER,
    mistakes=[
        Mistake.wrong_value(
            "the wanted size",
            f"{_N} is what SPP-net wants, not what the kernel and stride give. Work it out: kernel "
            f"{_CLASSIC.kernel_size}, stride {_CLASSIC.stride} on {_A} positions. "
            f"(F.adaptive_max_pool2d(x, {_N}) is the pooling that really gives {_N}.)",
            _N,
        ),
        Mistake.wrong_value(
            "windows side by side",
            f"That counts windows side by side ({_A} // {_CLASSIC.kernel_size}). With a stride smaller than "
            "the kernel the windows overlap: they start at 0, stride, 2 * stride, ... as long as a whole "
            "window fits.",
            _A // _CLASSIC.kernel_size,
        ),
    ],
)

QUESTIONS = (q1, q2, q3)
