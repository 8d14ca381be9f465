"""Global pooling beyond images: padded sequences with a mask, concatenated sets with a batch vector.

Notebook 08. Feature maps (N, C, H, W) are one case of a set of tokens: read
each position as a token of C values, ``x.flatten(2).mT`` is (N, H*W, C), and
global average pooling is the mean over the tokens. Two layouts hold
collections of different sizes, and each registered kind with a token form
(``kind_names(takes="mask")``) pools both:

- **padded**: ``x`` (N, L, C) with a mask (N, L), True (or 1) for a real token
  and False (or 0) for padding, as a Hugging Face attention mask.
  :func:`masked_pool`, :class:`MaskedPool`.
- **concatenated**: ``x`` (T, C), every set's tokens one after another, with a
  batch vector (T,) naming each token's set 0, 1, ..., G - 1 in sorted order,
  as PyTorch Geometric's ``global_mean_pool(x, batch)``. :func:`segment_pool`,
  :class:`SegmentPool`.

A row or a set with no token pools to 0 by default (``empty="zero"``), as
PyG's readouts give and sentence-transformers' mean (its count is clamped to
1e-9) gives: a plain mean would be 0 / 0 = NaN, and a max over nothing -inf,
which the next linear layer turns into NaN. ``empty="error"`` raises instead,
naming the rows. Values at padded positions are never read by the result, and
their gradient is 0.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor, nn

from ..checks import check_choice, describe
from ..i18n import N_, gettext as _
from .registry import get_kind, kind_names

__all__ = [
    "masked_pool", "segment_pool", "MaskedPool", "SegmentPool", "lengths_to_mask", "pad_pieces",
    "segments_to_padded", "segment_counts", "EMPTY_POLICIES",
]

#: What a row or a set with no token pools to: 0 (PyG's and sentence-transformers' convention), or an error.
EMPTY_POLICIES = ("zero", "error")
#: English; shown through ``_()``.
EXPECTED_TOKENS = N_("a floating-point tensor of padded tokens shaped (N, L, C)")
EXPECTED_NODES = N_("a floating-point tensor of concatenated tokens shaped (T, C)")
#: A padded row holding at least this many values (L * C) is pooled on its own, over its real tokens
#: only, when the mask is right-padding: a Python step costs about 10 us, and the row's padding then
#: is never read. Below it one batched op over every position is cheaper. A size rule, not a CPU one.
ROW_BY_ROW_MIN_VALUES = 1 << 14


# ----------------------------------------------------------------------------
# Input checks (the error style of gpool_helpers.checks)
# ----------------------------------------------------------------------------


def _check_float(x: object, rank: int, expected: str, function_name: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(_("{name} expects {expected}; got {got}").format(
            name=function_name, expected=_(expected), got=describe(x)))
    if not x.is_floating_point():
        raise TypeError(_("{name} expects {expected}; got dtype {dtype} ({fix})").format(
            name=function_name, expected=_(expected), dtype=x.dtype, fix=_("convert with x.float()")))
    if x.dim() != rank:
        raise ValueError(_("{name} expects {expected}; got shape {shape}").format(
            name=function_name, expected=_(expected), shape=tuple(x.shape)))
    return x


def check_tokens(x: object, function_name: str) -> Tensor:
    """``x`` if it is a float (N, L, C) tensor."""
    return _check_float(x, 3, EXPECTED_TOKENS, function_name)


def check_mask(mask: object, x: Tensor, function_name: str) -> Tensor:
    """The mask as a bool (N, L) tensor: True = a real token.

    Accepts bool, or an integer tensor of 0 and 1 (a Hugging Face attention
    mask is int64). A float mask is refused: 0.5 has no meaning here, and a
    float mask is often an additive attention bias (0 and -inf), the opposite
    convention.
    """
    wanted = (x.shape[0], x.shape[1])

    def expected() -> str:  # written only for an error: a check that passes stays a few attribute reads
        return _("a bool or 0/1 integer tensor shaped (N, L) = {shape}, True or 1 for a real token").format(
            shape=wanted)

    if not isinstance(mask, Tensor):
        raise TypeError(_("{name} expects mask to be {expected}; got {got}").format(
            name=function_name, expected=expected(), got=describe(mask)))
    if mask.dtype.is_floating_point or mask.dtype.is_complex:
        raise TypeError(_("{name} expects mask to be {expected}; got dtype {dtype} (for a 0/1 float mask write "
                          "mask.bool(); an additive mask of 0 and -inf is the opposite convention)").format(
            name=function_name, expected=expected(), dtype=mask.dtype))
    if mask.shape != wanted:
        raise ValueError(_("{name} expects mask to be {expected}; got shape {shape}").format(
            name=function_name, expected=expected(), shape=tuple(mask.shape)))
    if mask.dtype != torch.bool:
        if mask.numel() and not bool(((mask == 0) | (mask == 1)).all()):
            raise ValueError(_("{name} expects mask to be {expected}; got values other than 0 and 1: {values}").format(
                name=function_name, expected=expected(), values=sorted(set(mask.unique().tolist()) - {0, 1})[:5]))
        mask = mask.bool()
    if mask.device != x.device:
        mask = mask.to(x.device)
    return mask


class CheckedBatch(NamedTuple):
    """A batch vector that passed :func:`check_batch_vector`, and what the check learnt on the way."""

    batch: Tensor  #: (T,) int64, sorted, in [0, G)
    counts: Tensor  #: (G,) int64: the tokens of each set
    no_empty_set: bool  #: every set holds at least one token


def check_batch_vector(batch: object, x: Tensor, size: object, function_name: str) -> CheckedBatch:
    """The batch vector as int64, each set's token count (G of them) and whether none is empty.

    ``batch`` is (T,) with one set index per token, sorted (each set's tokens
    next to each other, as PyG's ``Batch`` builds it) and in [0, G).
    ``size`` is G (``None``: the largest index + 1); a larger G adds empty sets.
    """
    def expected() -> str:  # written only for an error
        return _("a sorted 1-D integer tensor of T = {tokens} set indices").format(tokens=x.shape[0])

    if not isinstance(batch, Tensor):
        raise TypeError(_("{name} expects batch to be {expected}; got {got}").format(
            name=function_name, expected=expected(), got=describe(batch)))
    if batch.dtype.is_floating_point or batch.dtype.is_complex or batch.dtype == torch.bool:
        raise TypeError(_("{name} expects batch to be {expected}; got dtype {dtype}").format(
            name=function_name, expected=expected(), dtype=batch.dtype))
    if batch.dim() != 1 or batch.shape[0] != x.shape[0]:
        raise ValueError(_("{name} expects batch to be {expected}; got shape {shape}").format(
            name=function_name, expected=expected(), shape=tuple(batch.shape)))
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise TypeError(_("{name} expects size to be None or an int >= 0 (the number of sets); got {got}").format(
            name=function_name, got=repr(size)))
    batch = batch.to(device=x.device, dtype=torch.long)
    if batch.numel() == 0:
        sets = int(size or 0)
        return CheckedBatch(batch, batch.new_zeros(sets), sets == 0)
    # One pass finds the runs of equal indices and their lengths: the batch is sorted exactly when the runs'
    # indices increase, and then the run lengths are the sets' token counts (no second pass to count them).
    indices, run_lengths = torch.unique_consecutive(batch, return_counts=True)
    first, last = int(indices[0]), int(indices[-1])
    if first < 0:
        raise ValueError(_("{name} expects batch to hold set indices >= 0; got {value}").format(
            name=function_name, value=int(batch.min())))
    if indices.numel() > 1 and int(indices.diff().min()) <= 0:
        where = int((batch[1:] < batch[:-1]).nonzero()[0, 0])
        raise ValueError(_("{name} expects batch to be sorted (each set's tokens together, as PyG builds it); "
                           "got {before} then {after} at positions {position} and {next}").format(
            name=function_name, before=int(batch[where]), after=int(batch[where + 1]), position=where,
            next=where + 1))
    sets = last + 1 if size is None else size
    if last >= sets:
        raise ValueError(_("{name} expects batch's indices below size={size}; got {value}").format(
            name=function_name, size=size, value=last))
    if indices.numel() == sets:  # increasing, from >= 0 to < sets: every set 0 .. G - 1 holds a token
        return CheckedBatch(batch, run_lengths, True)
    return CheckedBatch(batch, batch.new_zeros(sets).index_put_((indices,), run_lengths), False)


def _empty_error(function_name: str, what: str, empty: Tensor) -> ValueError:
    rows = empty.nonzero().flatten().tolist()
    shown = ", ".join(str(row) for row in rows[:8]) + (", ..." if len(rows) > 8 else "")
    return ValueError(_("{name} was asked for empty='error', and these {what} hold no token: {rows} "
                        "(empty='zero' pools them to 0)").format(name=function_name, what=_(what), rows=shown))


# ----------------------------------------------------------------------------
# Layout helpers
# ----------------------------------------------------------------------------


def lengths_to_mask(lengths: object, max_length: int | None = None) -> Tensor:
    """(N,) lengths -> the (N, L) bool mask of right-padded rows: True for the first ``lengths[i]`` tokens."""
    if not isinstance(lengths, Tensor):
        lengths = torch.as_tensor(lengths)
    if lengths.dtype.is_floating_point or lengths.dim() != 1 or (lengths.numel() and int(lengths.min()) < 0):
        raise ValueError(_("lengths_to_mask expects lengths to be a 1-D tensor of ints >= 0; got {got}").format(
            got=describe(lengths)))
    longest = int(lengths.max()) if lengths.numel() else 0
    if max_length is None:
        max_length = longest
    if max_length < longest:
        raise ValueError(_("lengths_to_mask expects max_length >= the longest length {longest}; got {got}").format(
            longest=longest, got=max_length))
    return torch.arange(max_length, device=lengths.device) < lengths[:, None]


def pad_pieces(pieces: list[Tensor], max_length: int | None = None) -> tuple[Tensor, Tensor]:
    """A list of (L_i, C) pieces -> (x, mask): zero-padded (N, L, C) and the (N, L) bool mask."""
    if not pieces or any(not isinstance(piece, Tensor) or piece.dim() != 2 for piece in pieces):
        raise ValueError(_("pad_pieces expects a non-empty list of (L_i, C) tensors"))
    lengths = torch.tensor([piece.shape[0] for piece in pieces])
    mask = lengths_to_mask(lengths, max_length)
    x = pieces[0].new_zeros(len(pieces), mask.shape[1], pieces[0].shape[1])
    for row, piece in enumerate(pieces):
        x[row, : piece.shape[0]] = piece
    return x, mask


def segment_counts(batch: Tensor, size: int) -> Tensor:
    """How many tokens each of the ``size`` sets holds: (G,) int64."""
    return torch.bincount(batch, minlength=size)


def segments_to_padded(x: Tensor, batch: Tensor, size: int | None = None) -> tuple[Tensor, Tensor]:
    """Concatenated tokens (T, C) + batch (T,) -> padded (G, L_max, C) + mask (G, L_max), as PyG's ``to_dense_batch``."""
    x = _check_float(x, 2, EXPECTED_NODES, "segments_to_padded")
    checked = check_batch_vector(batch, x, size, "segments_to_padded")
    return segments_to_padded_checked(x, checked.batch, checked.counts)


def segments_to_padded_checked(x: Tensor, batch: Tensor, counts: Tensor) -> tuple[Tensor, Tensor]:
    """:func:`segments_to_padded` for checked input and its counts (the kinds' segment forms use it)."""
    sets = counts.shape[0]
    longest = int(counts.max()) if sets else 0
    starts = counts.cumsum(0) - counts
    position = torch.arange(x.shape[0], device=x.device) - starts[batch]
    padded = x.new_zeros(sets, longest, x.shape[1])
    padded[batch, position] = x
    return padded, torch.arange(longest, device=x.device) < counts[:, None]


# ----------------------------------------------------------------------------
# Building blocks the kinds' token forms share (inputs already checked)
# ----------------------------------------------------------------------------


def _weighted_token_sum(x: Tensor, weight: float) -> Tensor:
    """Every token of (N, L, C) times ``weight``, summed: (N, C), as one BLAS product with a row of weights.

    Vectorised at every CPU level torch runs at, where torch's own sum is scalar code at the DEFAULT
    level (10.5 ms against 5.7 ms for the row loop over bench's (64, 512, 768) tokens). A weight of 1 / L
    gives the mean in the same product, with no division per row after it.
    """
    if x.shape[0] == 1:  # one row, the row loop's case: a plain matrix product, not a batch of one
        return _weighted_row_sum(x[0], weight)
    return torch.matmul(x.new_full((x.shape[0], 1, x.shape[1]), weight), x)[:, 0]


def _weighted_row_sum(row: Tensor, weight: float) -> Tensor:
    """The tokens of one row, (L, C), times ``weight``, summed: (1, C)."""
    return row.new_full((1, row.shape[0]), weight) @ row


def masked_sum(x: Tensor, mask: Tensor | None) -> Tensor:
    """Sum over the real tokens: (N, L, C) -> (N, C). Padding is selected away, never multiplied by 0
    (0 * inf is NaN, and padding may hold anything)."""
    if mask is None:  # every token is real
        return _weighted_token_sum(x, 1.0)
    return torch.where(mask[..., None], x, 0.0).sum(dim=1)


def token_counts(x: Tensor, mask: Tensor | None) -> Tensor:
    """Real tokens per row, (N, 1), in x's dtype, at least 1 (an empty row's sum is 0, and 0 / 1 = 0)."""
    if mask is None:
        return x.new_full((x.shape[0], 1), max(x.shape[1], 1))
    return mask.sum(dim=1, keepdim=True).clamp(min=1).to(x.dtype)


def masked_mean(x: Tensor, mask: Tensor | None) -> Tensor:
    if mask is None:
        return _weighted_token_sum(x, 1.0 / max(x.shape[1], 1))
    return masked_sum(x, mask) / token_counts(x, mask)


def masked_amax(x: Tensor, mask: Tensor | None) -> Tensor:
    """Max over the real tokens; an empty row gives -inf here (the wrapper makes it 0)."""
    if mask is None:
        return x.amax(dim=1)
    return torch.where(mask[..., None], x, -math.inf).amax(dim=1)


def segment_sum(x: Tensor, batch: Tensor, counts: Tensor) -> Tensor:
    return x.new_zeros(counts.shape[0], x.shape[1]).index_add_(0, batch, x)


def segment_mean(x: Tensor, batch: Tensor, counts: Tensor) -> Tensor:
    """Mean per set in one scatter (bit for bit the sum by ``index_add_`` over the counts, and about 5 %
    faster at every CPU level here); include_self=False so an empty set keeps the 0 it starts from."""
    index = batch[:, None].expand(-1, x.shape[1])
    return x.new_zeros(counts.shape[0], x.shape[1]).scatter_reduce(0, index, x, "mean", include_self=False)


def segment_amax(x: Tensor, batch: Tensor, counts: Tensor) -> Tensor:
    """Max per set; include_self=False so the zeros it starts from take no part, and an empty set keeps 0."""
    index = batch[:, None].expand(-1, x.shape[1])
    return x.new_zeros(counts.shape[0], x.shape[1]).scatter_reduce(0, index, x, "amax", include_self=False)


def segment_softmax(scores: Tensor, batch: Tensor, counts: Tensor) -> Tensor:
    """Softmax of (T, H) scores within each set, shifted by each set's max so exp cannot overflow."""
    peak = segment_amax(scores.detach(), batch, counts)
    weights = (scores - peak[batch]).exp()
    return weights / segment_sum(weights, batch, counts)[batch]


# ----------------------------------------------------------------------------
# The entry points
# ----------------------------------------------------------------------------


def _right_padded_lengths(mask: Tensor) -> list[int] | None:
    """The real tokens of each row, when every row holds its real tokens first and then padding; else None.

    A row's first padded position is where its 0/1 bytes reach their minimum first (argmin returns the
    first of equal values). The row is right-padded exactly when that position equals its count of real
    tokens (all of them lie before it), or when it has no padding at all. Two reductions over the (N, L)
    mask and a look at N pairs of numbers: every op before the row loop costs about 25 us after a large
    pass has flushed the caches, so the test is built from as few as it can.
    """
    lengths = mask.sum(dim=1, dtype=torch.int32).tolist()
    first_padded = mask.view(torch.uint8).argmin(dim=1).tolist()
    width = mask.shape[1]
    if all(length in (first, width) for length, first in zip(lengths, first_padded)):
        return lengths
    return None


def _token_kind(kind: object, function_name: str, takes: str):
    pooling_kind = get_kind(kind, caller=function_name)
    if not pooling_kind.takes(takes):
        names = ", ".join(repr(name) for name in kind_names(takes=takes))
        raise ValueError(_("{name} expects a kind with a token form, one of {known}; got {kind} "
                           "(it has no meaning over a set of tokens)").format(
            name=function_name, known=names, kind=repr(kind)))
    return pooling_kind


def masked_pool(x: Tensor, mask: Tensor, kind: str = "avg", *, empty: str = "zero", **options) -> Tensor:
    """Pool the real tokens of each padded row: (N, L, C) with mask (N, L) -> (N, C) (statistics: 2C).

    ``kind`` is a registered kind with a token form (``kind_names(takes="mask")``),
    ``options`` its own (``p`` for GeM, ``r`` for LSE, ``fraction`` or ``k`` for
    top-k, ``query`` ... for attention). Equal, for every row, to the kind's
    pooling of that row's real tokens alone; a row with no real token gives 0
    (``empty="error"``: a ValueError naming it).
    """
    x = check_tokens(x, "masked_pool")
    mask = check_mask(mask, x, "masked_pool")
    check_choice(empty, EMPTY_POLICIES, "empty", "masked_pool")
    pooling_kind = _token_kind(kind, "masked_pool", "mask")
    return _pool_padded(pooling_kind, x, mask, empty, options, "masked_pool")


def _width(pooling_kind, channels: int) -> int:
    """Output features of ``pooling_kind`` for C channels (2C for statistics), read off its shape rule."""
    return int(pooling_kind.output_shape((1, channels, 1))[1])


def _pool_padded(pooling_kind, x: Tensor, mask: Tensor, empty: str, options: dict, function_name: str) -> Tensor:
    if x.shape[0] and x.shape[1] * x.shape[2] >= ROW_BY_ROW_MIN_VALUES:
        lengths = _right_padded_lengths(mask)
        if lengths is not None and min(lengths) > 0:
            # Right padding (the usual case): each row over its own real tokens, which skips reading the
            # padding. (x[row : row + 1, :length] is the cheapest view of a row: x[row, None, :length] costs
            # 1.4 us more.) A batch with an empty row takes the batched path below, which handles it.
            masked = pooling_kind.masked
            if masked is masked_sum or masked is masked_mean:
                # Linear kinds: each row's result is its tokens times a row of weights (1, or 1 / length for
                # the mean), one matrix product on the 2-D row, with no batch of one to build and unwrap:
                # about 4 us less per row, 250 us of the 2.5 ms for bench's 64 rows.
                mean = masked is masked_mean
                return torch.cat([_weighted_row_sum(x[row, :length], 1.0 / length if mean else 1.0)
                                  for row, length in enumerate(lengths)])
            return torch.cat([masked(x[row : row + 1, :length], None, **options)
                              for row, length in enumerate(lengths)])
    has_token = mask.any(dim=1)
    if x.shape[1] == 0:  # no position at all: every row is empty
        if empty == "error" and x.shape[0]:
            raise _empty_error(function_name, N_("rows"), ~has_token)
        return x.new_zeros(x.shape[0], _width(pooling_kind, x.shape[2]))
    if x.shape[0] and not bool(has_token.all()):
        if empty == "error":
            raise _empty_error(function_name, N_("rows"), ~has_token)
        # An empty row is pooled over zeros in all its positions (a finite value and gradient), then set to 0:
        # a pooling over nothing (0/0, max of nothing, a softmax of no score) would put NaN in the gradient,
        # and so would its padding, which may hold anything.
        safe = x.masked_fill(~has_token[:, None, None], 0.0)
        pooled = pooling_kind.masked(safe, mask | ~has_token[:, None], **options)
        return pooled.masked_fill(~has_token[:, None], 0.0)
    return pooling_kind.masked(x, mask, **options)


def segment_pool(x: Tensor, batch: Tensor, kind: str = "avg", *, size: int | None = None, empty: str = "zero",
                 **options) -> Tensor:
    """Pool each set of concatenated tokens: (T, C) with a sorted batch vector (T,) -> (G, C) (statistics: 2C).

    PyG's convention: ``batch[t]`` is the set of token t, sets numbered 0 to G - 1,
    each set's tokens together. ``size`` is G (default: the largest index + 1).
    A set with no token gives 0 (``empty="error"``: a ValueError naming it).
    """
    x = _check_float(x, 2, EXPECTED_NODES, "segment_pool")
    checked = check_batch_vector(batch, x, size, "segment_pool")
    check_choice(empty, EMPTY_POLICIES, "empty", "segment_pool")
    pooling_kind = _token_kind(kind, "segment_pool", "batch")
    return _pool_segments(pooling_kind, x, checked, empty, options, "segment_pool")


def _pool_segments(pooling_kind, x: Tensor, checked: CheckedBatch, empty: str, options: dict,
                   function_name: str) -> Tensor:
    batch, counts = checked.batch, checked.counts
    if checked.no_empty_set:
        return pooling_kind.segment(x, batch, counts, **options)
    is_empty = counts == 0
    if empty == "error":
        raise _empty_error(function_name, N_("sets"), is_empty)
    if x.shape[0] == 0:
        return x.new_zeros(counts.shape[0], _width(pooling_kind, x.shape[1]))
    return pooling_kind.segment(x, batch, counts, **options).masked_fill(is_empty[:, None], 0.0)


class _TokenPool(nn.Module):
    """Shared by the two token layers: a kind, its options or its learned module, the empty policy."""

    layout = "mask"

    def __init__(self, kind: str = "avg", channels: int = 0, *, empty: str = "zero", **options) -> None:
        super().__init__()
        name = type(self).__name__
        pooling_kind = _token_kind(kind, name, self.layout)
        self.kind = pooling_kind.name
        self.empty = check_choice(empty, EMPTY_POLICIES, "empty", name)
        if pooling_kind.module_options is not None:
            if options:
                raise TypeError(_("{name}({kind}) learns its options; got {options} (build the kind's own module "
                                  "to set them)").format(name=name, kind=repr(kind), options=", ".join(options)))
            # The kind's own module holds the learned parameters (GeM's p, attention's query and weights).
            self.pool = pooling_kind.make_module(channels)
        self.options = options

    def _options(self) -> dict:
        pooling_kind = get_kind(self.kind)
        if pooling_kind.module_options is not None:
            return pooling_kind.module_options(self.pool)
        return self.options

    def extra_repr(self) -> str:
        shown = "".join(f", {key}={value!r}" for key, value in self.options.items())
        return f"kind={self.kind!r}{shown}, empty={self.empty!r}"


class MaskedPool(_TokenPool):
    """Module twin of :func:`masked_pool`: ``MaskedPool(kind, channels)(x, mask)``."""

    layout = "mask"

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        x = check_tokens(x, "MaskedPool")
        mask = check_mask(mask, x, "MaskedPool")
        return _pool_padded(get_kind(self.kind), x, mask, self.empty, self._options(), "MaskedPool")


class SegmentPool(_TokenPool):
    """Module twin of :func:`segment_pool`: ``SegmentPool(kind, channels)(x, batch, size=None)``."""

    layout = "batch"

    def forward(self, x: Tensor, batch: Tensor, size: int | None = None) -> Tensor:
        x = _check_float(x, 2, EXPECTED_NODES, "SegmentPool")
        checked = check_batch_vector(batch, x, size, "SegmentPool")
        return _pool_segments(get_kind(self.kind), x, checked, self.empty, self._options(), "SegmentPool")
