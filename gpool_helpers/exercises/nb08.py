"""Exercises for notebook 08, global pooling beyond images.

The notebook shows the masked mean, the segment reductions and statistics
pooling as plain torch beside the helpers; these questions ask the learner to
write two of them where the traps are, and to size the layer after the third:

- q1: a masked mean over padded tokens, whose all-padding rows give 0, not NaN.
- q2: a segment max over concatenated sets, whose empty sets give 0 and whose
  negative maxima survive (the trap of scatter_reduce's include_self).
- q3: the weights of a linear layer after statistics pooling (2C inputs, not C).
"""

from __future__ import annotations

import math

import torch

from ..examples import article_example
from ..pooling import masked_pool, segment_pool
from ..pooling.tokens import lengths_to_mask
from .core import Case, FunctionQuestion, Mistake, ValueQuestion
from .precision import WHOLE_NUMBER
from .rules import no_call_to

# ----------------------------------------------------------------------------
# q1: the masked mean
# ----------------------------------------------------------------------------


def _padded(seed: int, lengths: tuple[int, ...], channels: int, left: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Tokens (N, L, C) whose padding holds leftover values (not zeros), and the bool mask."""
    generator = torch.Generator().manual_seed(seed)
    mask = lengths_to_mask(torch.tensor(lengths), max(max(lengths), 1))
    if left:
        mask = mask.flip(1)
    return torch.randn(len(lengths), mask.shape[1], channels, generator=generator), mask


def _notebook_batch() -> tuple[torch.Tensor, torch.Tensor]:
    """The notebook's batch: the 16 tokens of the 1x8x4x4 example cut into sentences of 3, 7 and 5, zero-padded."""
    tokens = article_example().flatten(2).mT[0]  # (16, 8)
    mask = lengths_to_mask(torch.tensor([3, 7, 5]))
    x = torch.zeros(3, 7, 8)
    x[0, :3], x[1, :7], x[2, :5] = tokens[:3], tokens[3:10], tokens[10:15]
    return x, mask


def _masked_mean_reference(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return masked_pool(x, mask, "avg")


def _mean_over_every_position(x, mask):
    return x.mean(dim=1)


def _mean_nan_on_empty_rows(x, mask):
    weights = mask[..., None].to(x.dtype)
    return (torch.where(mask[..., None], x, 0.0)).sum(dim=1) / weights.sum(dim=1)


def _mean_over_the_padding(x, mask):
    kept = ~mask
    return torch.where(kept[..., None], x, 0.0).sum(dim=1) / kept.sum(dim=1, keepdim=True).clamp(min=1)


q1 = FunctionQuestion(
    qid="nb08.q1",
    prompt=(
        "Write masked_mean(x, mask) for padded tokens x shaped (N, L, C) and a bool mask shaped (N, L), True "
        "for a real token: the mean of each row's real tokens, (N, C). The padding may hold any finite values. "
        "A row with no real token gives 0. Do not call masked_pool: the checker watches for it."
    ),
    reference=_masked_mean_reference,
    cases=[
        Case("the notebook's batch: lengths 3, 7, 5 padded with zeros to 7", _notebook_batch),
        Case("lengths 2, 5, 4 padded to 5 with leftover values, C = 3", lambda: _padded(1, (2, 5, 4), 3)),
        Case("lengths 3, 0, 1: the middle row is all padding", lambda: _padded(2, (3, 0, 1), 4)),
        Case("lengths 1, 4 left-padded (real tokens at the end), C = 2", lambda: _padded(3, (1, 4), 2, left=True)),
    ],
    hints=[
        "Zero the padding with torch.where(mask[..., None], x, 0.0), sum over dim 1, and divide by how many "
        "real tokens each row has: mask.sum(dim=1, keepdim=True). mask[..., None] is (N, L, 1), so it "
        "broadcasts over the C channels.",
        "A row with no real token divides 0 by 0, which is NaN. Clamp the count first: "
        ".clamp(min=1) keeps every other row as it is and makes the empty row 0 / 1 = 0.",
    ],
    solution_code='''
import torch


def masked_mean(x, mask):
    # Select the padding away (multiplying by 0 would turn an inf in it into NaN), then divide by the
    # real count, clamped at 1 so an all-padding row gives 0 instead of 0 / 0.
    summed = torch.where(mask[..., None], x, 0.0).sum(dim=1)
    return summed / mask.sum(dim=1, keepdim=True).clamp(min=1)
''',
    answer_name="masked_mean",
    rules=[no_call_to("masked_pool", masked_pool)],
    mistakes=[
        Mistake.wrong_function(
            "the padding counted",
            "You averaged over every position, padding included: x.mean(dim=1) divides by L, and adds whatever "
            "the padding holds. Sum the real tokens only and divide by how many there are in each row.",
            _mean_over_every_position,
        ),
        Mistake.wrong_function(
            "NaN on an empty row",
            "Right on the rows with real tokens, but a row with none gives 0 / 0 = NaN. "
            "Clamp the count at 1: the empty row then gives 0, and every other row is unchanged.",
            _mean_nan_on_empty_rows,
        ),
        Mistake.wrong_function(
            "the mask read the other way round",
            "You averaged the padding and left out the real tokens: in this mask True (or 1) marks a real "
            "token, as in a Hugging Face attention mask. (nn.MultiheadAttention's key_padding_mask is the "
            "opposite: True marks padding.)",
            _mean_over_the_padding,
        ),
    ],
)


# ----------------------------------------------------------------------------
# q2: the segment max
# ----------------------------------------------------------------------------


def _sets(seed: int, sizes: tuple[int, ...], channels: int, shift: float = 0.0) -> tuple[torch.Tensor, torch.Tensor, int]:
    generator = torch.Generator().manual_seed(seed)
    batch = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))
    return torch.randn(int(batch.numel()), channels, generator=generator) + shift, batch, len(sizes)


def _notebook_sets() -> tuple[torch.Tensor, torch.Tensor, int]:
    tokens = article_example().flatten(2).mT[0]
    return tokens[:15], torch.repeat_interleave(torch.arange(3), torch.tensor([3, 7, 5])), 3


def _segment_max_reference(x: torch.Tensor, batch: torch.Tensor, size: int) -> torch.Tensor:
    return segment_pool(x, batch, "max", size=size)


def _max_over_every_node(x, batch, size):
    return x.amax(dim=0, keepdim=True)


def _max_starting_from_zeros(x, batch, size):
    index = batch[:, None].expand(-1, x.shape[1])
    return torch.zeros(size, x.shape[1]).scatter_reduce(0, index, x, "amax", include_self=True)


def _max_leaving_minus_infinity(x, batch, size):
    index = batch[:, None].expand(-1, x.shape[1])
    return torch.full((size, x.shape[1]), -math.inf).scatter_reduce(0, index, x, "amax")


q2 = FunctionQuestion(
    qid="nb08.q2",
    prompt=(
        "Write segment_max(x, batch, size) for concatenated tokens x shaped (T, C), a sorted batch vector "
        "shaped (T,) naming each token's set, and the number of sets size: each set's max per channel, "
        "(size, C). A set with no token gives 0, as PyG's global_max_pool. Do not call segment_pool: the "
        "checker watches for it."
    ),
    reference=_segment_max_reference,
    cases=[
        Case("the notebook's 3 sets of 3, 7 and 5 tokens", _notebook_sets),
        Case("4 sets of 2, 5, 1, 3 tokens, C = 3", lambda: _sets(1, (2, 5, 1, 3), 3)),
        Case("every value negative: 3 sets, C = 2", lambda: _sets(2, (3, 2, 4), 2, shift=-10.0)),
        Case("4 sets, the third empty", lambda: (
            _sets(3, (2, 3, 0, 2), 2)[0], _sets(3, (2, 3, 0, 2), 2)[1], 4)),
    ],
    hints=[
        "torch.zeros(size, C).scatter_reduce(0, index, x, 'amax', include_self=False) takes, for every set, "
        "the max of the rows of x whose index names it; index is batch repeated over the channels, "
        "batch[:, None].expand(-1, C).",
        "include_self=False leaves the zeros out of the max, so a set whose values are all negative keeps them; "
        "a set that no token names keeps its starting 0.",
    ],
    solution_code='''
import torch


def segment_max(x, batch, size):
    index = batch[:, None].expand(-1, x.shape[1])  # (T, C): each value goes to its token's set
    # include_self=False: the zeros only fill sets with no token; they take no part in any max.
    return torch.zeros(size, x.shape[1]).scatter_reduce(0, index, x, "amax", include_self=False)
''',
    answer_name="segment_max",
    rules=[no_call_to("segment_pool", segment_pool)],
    mistakes=[
        Mistake.wrong_function(
            "one max over every set at once",
            "You pooled the whole batch as one set: (1, C). Each set needs its own max: one row per set, "
            "(size, C), chosen by the batch vector.",
            _max_over_every_node,
        ),
        Mistake.wrong_function(
            "the zeros took part",
            "The zeros you started from took part in the max, so a set whose values are all negative came out 0. "
            "Pass include_self=False to scatter_reduce.",
            _max_starting_from_zeros,
        ),
        Mistake.wrong_function(
            "-inf left in an empty set",
            "A set with no token came out as -inf, which the next layer turns into inf or NaN. "
            "Start from zeros with include_self=False: an empty set then keeps its 0.",
            _max_leaving_minus_infinity,
        ),
    ],
)


# ----------------------------------------------------------------------------
# q3: the linear layer after statistics pooling
# ----------------------------------------------------------------------------

_FRAME_CHANNELS, _EMBEDDING = 512, 256

q3 = ValueQuestion(
    qid="nb08.q3",
    prompt=(
        "An x-vector network gives 512 channels per audio frame. Statistics pooling pools the frames of an "
        "utterance, then nn.Linear maps the pooled vector to a 256-dimensional speaker embedding. How many "
        "weights does that linear layer have, biases not counted? Set stats_weights to an exact whole "
        "number (or an expression that computes it)."
    ),
    expected=2 * _FRAME_CHANNELS * _EMBEDDING,
    hints=[
        "Statistics pooling gives each channel's mean and its standard deviation: how many numbers per "
        "utterance is that for 512 channels?",
        "nn.Linear(in_features, out_features) has in_features * out_features weights.",
    ],
    solution_code='''
# Statistics pooling gives 2C = 1024 values (512 means, 512 standard deviations); the layer maps them to 256.
stats_weights = 2 * 512 * 256
''',
    answer_name="stats_weights",
    precision=WHOLE_NUMBER,
    mistakes=[
        Mistake.wrong_value(
            "C inputs, not 2C",
            "Statistics pooling gives two numbers per channel, the mean and the standard deviation, so the "
            "layer has 2 * 512 inputs.",
            _FRAME_CHANNELS * _EMBEDDING,
        ),
        Mistake.wrong_value(
            "biases counted",
            "The question leaves the biases out: count only the weight matrix.",
            2 * _FRAME_CHANNELS * _EMBEDDING + _EMBEDDING,
        ),
    ],
)

QUESTIONS = (q1, q2, q3)
