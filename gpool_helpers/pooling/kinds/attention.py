"""Attention pooling: a learned query attends over the H*W positions.

CLIP's attention pooling, simplified (Radford et al., "Learning Transferable
Visual Models From Natural Language Supervision", 2021, arXiv:2103.00020).

Range: the output is a convex combination of the positions' value vectors
(softmax weights are positive and sum to 1). So each output channel lies in
[min, max] of that channel of the values W_v t; with identity values (the
module's start) in [min(x), max(x)] of the channel, and it can be anywhere in
it, below the mean too: a query that favours the positions where one channel
is large gives the other channels whatever they hold there. Only the zero
query gives the mean (up to float rounding).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ...checks import check_int, check_pool_input, describe
from ...i18n import gettext as _
from ..registry import PoolingKind, per_channel_shape, register
from ..tokens import segments_to_padded_checked

__all__ = ["attention_pool", "AttentionPool"]


def attention_pool(
    x: Tensor,
    query: Tensor | None = None,
    key_weight: Tensor | None = None,
    value_weight: Tensor | None = None,
    num_heads: int = 1,
    return_weights: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """One query attends over the H*W positions: (N, C, *spatial) -> (N, C).

    Each position's C values form a token t. With keys k = W_k t and values
    v = W_v t (identity when a weight is ``None``), each head h scores every
    position by q_h . k_h / sqrt(C / num_heads), turns the scores into weights
    with a softmax over the positions, and returns the weighted sum of the
    values; the heads are concatenated back to C features.

    ``query`` has shape (C,); ``None`` means zeros, where every position gets the
    same weight and the result is exactly the global average. With
    ``return_weights=True`` it also returns the weights, shaped
    (N, num_heads, *spatial), each head's summing to 1 over the positions.
    """
    check_pool_input(x, "attention_pool")
    # (N, C, *spatial) -> (N, L, C): one token of C values per position.
    pooled, weights = _attend(x.flatten(2).transpose(1, 2), None, query, key_weight, value_weight, num_heads,
                              "attention_pool")
    if return_weights:
        return pooled, weights.reshape(x.shape[0], weights.shape[1], *x.shape[2:])
    return pooled


def _attend(tokens: Tensor, mask: Tensor | None, query: Tensor | None, key_weight: Tensor | None,
            value_weight: Tensor | None, num_heads: int, function_name: str) -> tuple[Tensor, Tensor]:
    """The attention over (N, L, C) tokens, padding (mask False) given no weight: (pooled (N, C), weights (N, heads, L))."""
    batch, channels = tokens.shape[0], tokens.shape[2]
    num_heads = check_int(num_heads, "num_heads", function_name)
    if channels % num_heads:
        raise ValueError(
            _("attention_pool expects the channel count to be divisible by num_heads; "
              "got C={channels}, num_heads={num_heads}").format(channels=channels, num_heads=num_heads)
        )
    _check_parameter(query, (channels,), "query", channels)
    _check_parameter(key_weight, (channels, channels), "key_weight", channels)
    _check_parameter(value_weight, (channels, channels), "value_weight", channels)
    head_size = channels // num_heads
    if mask is not None:  # padding may hold anything (inf, NaN): a weight of 0 times it would still be NaN
        tokens = torch.where(mask[..., None], tokens, 0.0)
    keys = tokens if key_weight is None else tokens @ key_weight.T
    values = tokens if value_weight is None else tokens @ value_weight.T
    if query is None or channels == 0:
        scores = keys.new_zeros(batch, num_heads, tokens.shape[1])
    else:
        per_head_keys = keys.unflatten(2, (num_heads, head_size))  # (N, L, heads, d)
        per_head_query = query.reshape(num_heads, head_size)
        scores = torch.einsum("nlhd,hd->nhl", per_head_keys, per_head_query) / math.sqrt(head_size)
    if mask is not None:
        scores = scores.masked_fill(~mask[:, None, :], -math.inf)
    weights = scores.softmax(dim=2)  # (N, heads, L)
    per_head_values = values.unflatten(2, (num_heads, head_size))
    pooled = torch.einsum("nhl,nlhd->nhd", weights, per_head_values).reshape(batch, channels)
    return pooled, weights


def _check_parameter(value: Tensor | None, shape: tuple[int, ...], argument: str, channels: int) -> None:
    if value is None:
        return
    if not isinstance(value, Tensor) or tuple(value.shape) != shape or not value.dtype.is_floating_point:
        raise ValueError(
            _("attention_pool expects {argument} to be a float tensor of shape {shape} "
              "for an input with C={channels}; got {got}").format(
                argument=argument, shape=shape, channels=channels, got=describe(value))
        )


# Token forms (notebook 08): the softmax runs over each row's or set's real tokens only.


def _attention_masked(x: Tensor, mask: Tensor | None, query: Tensor | None = None, key_weight: Tensor | None = None,
                      value_weight: Tensor | None = None, num_heads: int = 1) -> Tensor:
    return _attend(x, mask, query, key_weight, value_weight, num_heads, "masked_pool")[0]


def _attention_segment(x: Tensor, batch: Tensor, counts: Tensor, query: Tensor | None = None,
                       key_weight: Tensor | None = None, value_weight: Tensor | None = None,
                       num_heads: int = 1) -> Tensor:
    padded, mask = segments_to_padded_checked(x, batch, counts)
    # An empty set attends over its padding (finite, a finite gradient); the wrapper sets it to 0.
    return _attend(padded, mask | (counts == 0)[:, None], query, key_weight, value_weight, num_heads,
                   "segment_pool")[0]


class AttentionPool(nn.Module):
    """Learned-query attention over the H*W positions: (N, C, H, W) -> (N, C).

    CLIP's ``AttentionPool2d`` adds a positional embedding, uses the mean token
    as the query, and projects the output. This simplified version keeps the
    core: a learned query, key and value projections, a softmax over the
    positions, and ``num_heads`` heads.

    Parameters: the query (C), W_k and W_v (C x C each): C + 2C^2 in all. It
    starts as the global average (zero query, identity values), so adding it to a
    trained GAP network changes nothing until it learns. With
    ``return_weights=True`` the forward returns (pooled, weights), the weights
    shaped (N, num_heads, *spatial).
    """

    def __init__(self, channels: int, num_heads: int = 1, return_weights: bool = False) -> None:
        super().__init__()
        channels = check_int(channels, "channels", "AttentionPool")
        num_heads = check_int(num_heads, "num_heads", "AttentionPool")
        if channels % num_heads:
            raise ValueError(
                _("AttentionPool expects channels to be divisible by num_heads; got {channels} and {num_heads}").format(
                    channels=channels, num_heads=num_heads)
            )
        self.channels = channels
        self.num_heads = num_heads
        self.return_weights = return_weights
        self.query = nn.Parameter(torch.zeros(channels))
        # A zero query gives W_k no gradient at the start, so W_k starts random
        # (not zero): once the query moves, the keys already tell positions apart.
        self.key_weight = nn.Parameter(torch.empty(channels, channels))
        nn.init.kaiming_uniform_(self.key_weight, a=math.sqrt(5))
        self.value_weight = nn.Parameter(torch.eye(channels))

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        if isinstance(x, Tensor) and x.dim() >= 2 and x.shape[1] != self.channels:
            raise ValueError(
                _("AttentionPool was built for C={channels} channels; got shape {shape}").format(
                    channels=self.channels, shape=tuple(x.shape))
            )
        return attention_pool(
            x, self.query, self.key_weight, self.value_weight, self.num_heads, self.return_weights
        )

    def extra_repr(self) -> str:
        return f"channels={self.channels}, num_heads={self.num_heads}, return_weights={self.return_weights}"


def _attention_builtin(x: Tensor) -> Tensor:
    tokens = x.flatten(2).transpose(1, 2)
    zero_query = tokens.new_zeros(x.shape[0], 1, x.shape[1])
    return F.scaled_dot_product_attention(zero_query, tokens, tokens).squeeze(1)


register(PoolingKind.make(
    "attention", attention_pool, lambda channels: AttentionPool(channels), "AttentionPool(C)(x)",
    (
        "Attention pooling: a learned query weighs the H*W positions by a softmax; "
        "untrained (zero query) it is the average."
    ),
    {
        "F.scaled_dot_product_attention(q, t, t).squeeze(1), t = x.flatten(2).mT, q = zeros(N, 1, C)": _attention_builtin,
    },
    learnable=True,
    masked=_attention_masked, segment=_attention_segment,
    module_options=lambda module: {"query": module.query, "key_weight": module.key_weight,
                                   "value_weight": module.value_weight, "num_heads": module.num_heads},
))
