"""Masked and segment pooling (notebook 08): every kind with a token form, against a loop over the pieces.

The reference for one sequence of L real tokens is the kind's own map
function on those tokens read as a (1, C, L) map: ``kind.function(piece.T[None])``.
So a padded row and a concatenated set must pool exactly as the image kind
pools a map holding only that row's tokens. Hypothesis draws the lengths
(empty rows and sets included), the channel count and the padding's content.
"""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gpool_helpers import (
    MaskedPool,
    SegmentPool,
    get_kind,
    kind_names,
    lengths_to_mask,
    masked_pool,
    pad_pieces,
    segment_pool,
    segments_to_padded,
)
from gpool_helpers.pooling import tokens

TOKEN_KINDS = kind_names(takes="mask")
HYPOTHESIS = settings(max_examples=40, deadline=None)


def pieces_from(seed: int, lengths: list[int], channels: int, dtype=torch.float64) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(length, channels, generator=generator, dtype=dtype) for length in lengths]


def kind_options(name: str, channels: int, seed: int, dtype=torch.float64) -> dict:
    """Non-default options for the kinds that take them, so the loop is checked away from the defaults too."""
    generator = torch.Generator().manual_seed(seed + 1)
    if name == "gem":
        return {"p": 2.5}
    if name == "lse":
        return {"r": 3.0}
    if name == "topk":
        return {"fraction": 0.5}
    if name == "attention":
        # Weights scaled as an initialisation would (1 / sqrt(C)): float32 keeps the softmax's digits.
        scale = channels ** -0.5
        return {"query": torch.randn(channels, generator=generator, dtype=dtype),
                "key_weight": scale * torch.randn(channels, channels, generator=generator, dtype=dtype),
                "value_weight": scale * torch.randn(channels, channels, generator=generator, dtype=dtype)}
    return {}


def map_options(name: str, options: dict) -> dict:
    """The same options as the map function spells them."""
    return options


def loop_reference(name: str, pieces: list[torch.Tensor], channels: int, options: dict) -> torch.Tensor:
    """Each piece on its own through the kind's map function; an empty piece pools to 0 (the documented value)."""
    kind = get_kind(name)
    width = kind.output_shape((1, channels, 1))[1]
    rows = []
    for piece in pieces:
        if piece.shape[0] == 0:
            rows.append(torch.zeros(width, dtype=piece.dtype))
        else:
            rows.append(kind.function(piece.T[None], **map_options(name, options))[0])
    return torch.stack(rows)


def concatenated(pieces: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.cat(pieces)
    batch = torch.repeat_interleave(torch.arange(len(pieces)), torch.tensor([len(piece) for piece in pieces]))
    return x, batch


lengths_lists = st.lists(st.integers(0, 6), min_size=1, max_size=5)


@pytest.mark.parametrize("name", TOKEN_KINDS)
@HYPOTHESIS
@given(lengths=lengths_lists, channels=st.integers(1, 5), seed=st.integers(0, 2**16), extra=st.integers(0, 3))
def test_masked_pool_equals_a_loop_over_the_real_tokens(name, lengths, channels, seed, extra):
    pieces = pieces_from(seed, lengths, channels)
    options = kind_options(name, channels, seed)
    x, mask = pad_pieces(pieces, max_length=max(lengths) + extra)
    # Padding holding large values: a mean that counts it, or a max that reads it, is far off.
    x = torch.where(mask[..., None], x, 1e3)
    expected = loop_reference(name, pieces, channels, options)
    torch.testing.assert_close(masked_pool(x, mask, name, **options), expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", TOKEN_KINDS)
@HYPOTHESIS
@given(lengths=lengths_lists, channels=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_segment_pool_equals_a_loop_over_the_sets(name, lengths, channels, seed):
    pieces = pieces_from(seed, lengths, channels)
    options = kind_options(name, channels, seed)
    x, batch = concatenated(pieces)
    expected = loop_reference(name, pieces, channels, options)
    torch.testing.assert_close(segment_pool(x, batch, name, size=len(pieces), **options), expected,
                               rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", TOKEN_KINDS)
@settings(max_examples=15, deadline=None)
@given(lengths=st.lists(st.integers(0, 40), min_size=1, max_size=4), seed=st.integers(0, 2**16),
       left_padded=st.booleans())
def test_the_row_by_row_path_and_the_batched_path_agree(name, lengths, seed, left_padded):
    """Rows of L * C >= ROW_BY_ROW_MIN_VALUES take the per-row path when right-padded; left padding cannot."""
    channels = tokens.ROW_BY_ROW_MIN_VALUES // 40 + 1
    pieces = pieces_from(seed, lengths, channels, dtype=torch.float32)
    options = kind_options(name, channels, seed, dtype=torch.float32)
    x, mask = pad_pieces(pieces, max_length=40)
    if left_padded:
        x, mask = x.flip(1), mask.flip(1)
    expected = loop_reference(name, pieces, channels, options)
    torch.testing.assert_close(masked_pool(x, mask, name, **options), expected, rtol=2e-5, atol=2e-5)


@HYPOTHESIS
@given(rows=st.lists(st.lists(st.booleans(), min_size=6, max_size=6), min_size=1, max_size=5))
def test_the_row_loop_is_taken_only_for_right_padded_masks(rows):
    """Its test: the lengths exactly when each row is its real tokens first, then padding."""
    mask = torch.tensor(rows)
    counts = mask.sum(dim=1)
    right_padded = torch.equal(mask, torch.arange(6) < counts[:, None])
    assert tokens._right_padded_lengths(mask) == (counts.tolist() if right_padded else None)


@pytest.mark.parametrize("name", TOKEN_KINDS)
@pytest.mark.parametrize("padding", [math.inf, -math.inf, math.nan, 1e30])
def test_padding_reaches_neither_the_value_nor_the_gradient(name, padding):
    pieces = pieces_from(3, [3, 0, 5], 4)
    options = {key: value.requires_grad_() if isinstance(value, torch.Tensor) else value
               for key, value in kind_options(name, 4, 3).items()}
    clean, mask = pad_pieces(pieces, max_length=6)
    x = torch.where(mask[..., None], clean, padding).requires_grad_()
    pooled = masked_pool(x, mask, name, **options)
    torch.testing.assert_close(pooled, loop_reference(name, pieces, 4, options).detach(), rtol=1e-9, atol=1e-9)
    pooled.sum().backward()
    assert torch.isfinite(x.grad).all()
    assert (x.grad[~mask] == 0).all()
    for value in options.values():
        if isinstance(value, torch.Tensor):
            assert torch.isfinite(value.grad).all()


@pytest.mark.parametrize("name", TOKEN_KINDS)
def test_empty_rows_and_sets_give_0_with_a_finite_gradient(name):
    pieces = [piece.requires_grad_() for piece in pieces_from(5, [2, 0, 3, 0], 4)]
    x, batch = concatenated(pieces)
    options = {key: value.requires_grad_() if isinstance(value, torch.Tensor) else value
               for key, value in kind_options(name, 4, 5).items()}
    if name == "gem":
        options["p"] = torch.tensor([2.5], dtype=torch.float64, requires_grad=True)
    pooled = segment_pool(x, batch, name, size=5, **options)
    assert pooled.shape[0] == 5
    assert (pooled[[1, 3, 4]] == 0).all()
    pooled.sum().backward()
    for value in [*pieces, *[v for v in options.values() if isinstance(v, torch.Tensor)]]:
        if value.grad is not None:
            assert torch.isfinite(value.grad).all()


@pytest.mark.parametrize("name", TOKEN_KINDS)
@pytest.mark.parametrize("layout", ["mask", "batch"])
def test_empty_error_names_the_empty_rows(name, layout):
    pieces = pieces_from(1, [2, 0, 3], 4)
    with pytest.raises(ValueError, match=r"hold no token: 1"):
        if layout == "mask":
            masked_pool(*pad_pieces(pieces), name, empty="error")
        else:
            segment_pool(*concatenated(pieces), name, empty="error")


@pytest.mark.parametrize("name", TOKEN_KINDS)
def test_the_module_twins_pool_as_the_functions(name):
    pieces = pieces_from(7, [3, 1, 4], 4, dtype=torch.float32)
    x, mask = pad_pieces(pieces)
    nodes, batch = concatenated(pieces)
    masked_layer, segment_layer = MaskedPool(name, channels=4), SegmentPool(name, channels=4)
    if get_kind(name).module_options is not None:
        options = get_kind(name).module_options(masked_layer.pool)
        segment_options = get_kind(name).module_options(segment_layer.pool)
    else:
        options = segment_options = {}
    torch.testing.assert_close(masked_layer(x, mask), masked_pool(x, mask, name, **options))
    torch.testing.assert_close(segment_layer(nodes, batch), segment_pool(nodes, batch, name, **segment_options))
    assert repr(name) in repr(masked_layer)


def test_learned_kinds_learn_through_the_token_layers():
    x, mask = pad_pieces(pieces_from(2, [3, 5], 4, dtype=torch.float32))
    for name in ("gem", "attention"):
        layer = MaskedPool(name, channels=4)
        layer(x.abs(), mask).sum().backward()
        assert all(parameter.grad is not None for parameter in layer.parameters()), name


def test_a_right_padded_int_attention_mask_is_accepted_as_hugging_face_writes_it():
    x = torch.randn(2, 4, 3, generator=torch.Generator().manual_seed(0))
    attention_mask = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1]])
    torch.testing.assert_close(masked_pool(x, attention_mask), masked_pool(x, attention_mask.bool()))


# ---------------------------------------------------------------------------
# The conventions of the libraries notebook 08 names
# ---------------------------------------------------------------------------


def test_the_masked_mean_is_sentence_transformers_mean_pooling():
    """sentence-transformers' Pooling('mean'): sum(x * mask) / clamp(mask.sum(1), min=1e-9); an all-padding row is 0."""
    x = torch.randn(3, 5, 4, generator=torch.Generator().manual_seed(1))
    attention_mask = torch.tensor([[1, 1, 1, 0, 0], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]])
    weights = attention_mask.unsqueeze(-1).float()
    theirs = (x * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
    torch.testing.assert_close(masked_pool(x, attention_mask, "avg"), theirs)


def test_segment_pooling_follows_pyg_readouts_empty_graphs_included():
    """PyG's global_add/mean/max_pool(x, batch, size): a graph with no node gives 0 for all three."""
    x = torch.randn(6, 3, generator=torch.Generator().manual_seed(2))
    batch = torch.tensor([0, 0, 0, 2, 2, 2])
    size = 4
    counts = torch.bincount(batch, minlength=size)
    added = torch.zeros(size, 3).index_add_(0, batch, x)
    maxed = torch.zeros(size, 3).scatter_reduce(0, batch[:, None].expand(-1, 3), x, "amax", include_self=False)
    torch.testing.assert_close(segment_pool(x, batch, "sum", size=size), added)
    torch.testing.assert_close(segment_pool(x, batch, "avg", size=size), added / counts.clamp(min=1)[:, None])
    torch.testing.assert_close(segment_pool(x, batch, "max", size=size), maxed)
    assert (segment_pool(x, batch, "max", size=size)[[1, 3]] == 0).all()


def test_gem_over_a_set_is_a_power_mean_and_statistics_is_mean_then_population_std():
    """PyG's PowerMeanAggregation is GeM on a set; x-vectors' statistics are the mean and the std."""
    piece = torch.rand(7, 3, generator=torch.Generator().manual_seed(3), dtype=torch.float64) + 0.1
    batch = torch.zeros(7, dtype=torch.long)
    torch.testing.assert_close(segment_pool(piece, batch, "gem", p=3.0)[0], piece.pow(3).mean(0).pow(1 / 3))
    torch.testing.assert_close(segment_pool(piece, batch, "statistics")[0],
                               torch.cat([piece.mean(0), piece.std(0, correction=0)]))


def test_nested_jagged_tensors_agree_where_the_pinned_torch_reduces_them():
    pieces = pieces_from(4, [3, 7, 5], 8, dtype=torch.float32)
    nested = torch.nested.nested_tensor(pieces, layout=torch.jagged)
    x, mask = pad_pieces(pieces)
    torch.testing.assert_close(nested.sum(dim=1), masked_pool(x, mask, "sum"))
    torch.testing.assert_close(nested.mean(dim=1), masked_pool(x, mask, "avg"))
    torch.testing.assert_close(nested.amax(dim=1), masked_pool(x, mask, "max"))


# ---------------------------------------------------------------------------
# Layout helpers and bad input
# ---------------------------------------------------------------------------


@HYPOTHESIS
@given(lengths=lengths_lists, channels=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_segments_to_padded_and_pad_pieces_build_the_same_batch(lengths, channels, seed):
    pieces = pieces_from(seed, lengths, channels)
    padded, mask = segments_to_padded(*concatenated(pieces), size=len(pieces))
    expected_x, expected_mask = pad_pieces(pieces)
    torch.testing.assert_close(padded, expected_x)
    assert torch.equal(mask, expected_mask)
    assert torch.equal(lengths_to_mask(torch.tensor(lengths)), expected_mask)


X = torch.randn(2, 3, 4)
MASK = torch.ones(2, 3, dtype=torch.bool)
NODES = torch.randn(4, 3)
BAD_CALLS = {
    "tokens not a tensor": (lambda: masked_pool([[1.0]], MASK), TypeError, "masked_pool expects a floating-point tensor of padded tokens shaped"),
    "tokens 4-D": (lambda: masked_pool(torch.randn(2, 3, 4, 1), MASK), ValueError, r"got shape \(2, 3, 4, 1\)"),
    "int tokens": (lambda: masked_pool(torch.ones(2, 3, 4, dtype=torch.long), MASK), TypeError, "convert with x.float"),
    "mask of the wrong shape": (lambda: masked_pool(X, torch.ones(2, 4, dtype=torch.bool)), ValueError, r"\(N, L\) = \(2, 3\).*got shape \(2, 4\)"),
    "float mask": (lambda: masked_pool(X, torch.ones(2, 3)), TypeError, "mask.bool"),
    "mask of 0 and 2": (lambda: masked_pool(X, torch.full((2, 3), 2)), ValueError, r"other than 0 and 1: \[2\]"),
    "mask a list": (lambda: masked_pool(X, [[1, 1, 1]] * 2), TypeError, "got a list"),
    "a kind without a token form": (lambda: masked_pool(X, MASK, "depth-max"), ValueError, "kind with a token form"),
    "an unknown kind": (lambda: masked_pool(X, MASK, "mean"), ValueError, "unknown pooling kind"),
    "empty policy": (lambda: masked_pool(X, MASK, empty="nan"), ValueError, "empty to be one of"),
    "unsorted batch": (lambda: segment_pool(NODES, torch.tensor([0, 1, 0, 1])), ValueError, "sorted.*got 1 then 0 at positions 1 and 2"),
    "negative batch": (lambda: segment_pool(NODES, torch.tensor([-1, 0, 0, 1])), ValueError, ">= 0; got -1"),
    "batch past size": (lambda: segment_pool(NODES, torch.tensor([0, 0, 1, 3]), size=3), ValueError, "below size=3; got 3"),
    "float batch": (lambda: segment_pool(NODES, torch.tensor([0.0, 0, 1, 1])), TypeError, "integer tensor.*float32"),
    "batch too short": (lambda: segment_pool(NODES, torch.tensor([0, 0, 1])), ValueError, r"T = 4.*got shape \(3,\)"),
    "size a float": (lambda: segment_pool(NODES, torch.tensor([0, 0, 1, 1]), size=2.0), TypeError, "size to be None or an int"),
    "nodes 3-D": (lambda: segment_pool(torch.randn(4, 3, 1), torch.tensor([0, 0, 1, 1])), ValueError, r"\(T, C\)"),
    "learned options to a learned layer": (lambda: MaskedPool("gem", 4, p=2.0), TypeError, "learns its options"),
    "a layer of a kind without a token form": (lambda: SegmentPool("spp"), ValueError, "kind with a token form"),
}


@pytest.mark.parametrize("case", BAD_CALLS)
def test_bad_input_gets_a_clear_error(case):
    call, error, message = BAD_CALLS[case]
    with pytest.raises(error, match=message):
        call()


def test_the_registry_lists_token_kinds_apart_from_the_image_menus():
    assert set(TOKEN_KINDS) == {"sum", "avg", "max", "gem", "lse", "topk", "attention", "statistics"}
    assert "sum" not in kind_names() and "statistics" not in kind_names()
    assert set(kind_names(takes=None)) == set(kind_names()) | {"sum", "statistics"}
    assert get_kind("statistics").feature_multiplier == 2
