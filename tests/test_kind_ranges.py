"""Where each pooling kind can land, per channel, pinned as properties.

Notebook 06 once said that every kind lies between global average and global
max pooling. That is false for attention pooling and for GeM with p < 1. These
tests state the true range of each kind (see each kind's module docstring) and
keep the counter-examples, so the false claim cannot come back unnoticed.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from gpool_helpers import (
    AttentionPool,
    adaptive_bins,
    article_example,
    attention_pool,
    avgmax_pool,
    catavgmax_pool,
    gem_pool,
    lse_pool,
    spatial_pyramid_pool,
    topk_pool,
)

SPATIAL = st.lists(st.integers(1, 6), min_size=1, max_size=3)
SEEDS = st.integers(0, 10_000)
TOL = 1e-9  # float64 throughout: the bounds are exact maths, rounding is all that is allowed


def seeded(*shape, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=torch.float64)


def ends(x):
    dims = tuple(range(2, x.dim()))
    return x.amin(dim=dims), x.mean(dim=dims), x.amax(dim=dims)


def article_features():
    return article_example().relu()


def hand_set_attention(features):
    """Notebook 06's hand-set attention: identity keys, a query that looks for channel 3."""
    query = torch.zeros(8)
    query[3] = 2.0
    return attention_pool(features, query, torch.eye(8))


# ----------------------------------------------------------------------------
# Kinds that stay in [mean, max]
# ----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(spatial=SPATIAL, seed=SEEDS)
def test_avgmax_is_the_midpoint_so_in_mean_to_max(spatial, seed):
    x = seeded(2, 3, *spatial, seed=seed)
    _, mean, peak = ends(x)
    out = avgmax_pool(x)
    assert torch.allclose(out, (mean + peak) / 2)
    assert (out >= mean - TOL).all() and (out <= peak + TOL).all()


@settings(max_examples=60, deadline=None)
@given(spatial=SPATIAL, seed=SEEDS)
def test_catavgmax_is_the_two_ends_not_a_value_between(spatial, seed):
    x = seeded(2, 3, *spatial, seed=seed)
    _, mean, peak = ends(x)
    assert torch.equal(catavgmax_pool(x), torch.cat([mean, peak], dim=1))


@settings(max_examples=80, deadline=None)
@given(spatial=SPATIAL, r=st.floats(0.01, 200.0), seed=SEEDS)
def test_lse_lies_in_mean_to_max_and_within_log_n_over_r_of_the_max(spatial, r, seed):
    x = seeded(2, 3, *spatial, seed=seed)
    _, mean, peak = ends(x)
    out = lse_pool(x, r)
    n = math.prod(spatial)
    assert (out <= peak + TOL).all()
    assert (out >= mean - TOL).all()
    assert (out >= peak - math.log(n) / r - TOL).all()


@settings(max_examples=40, deadline=None)
@given(spatial=SPATIAL, seed=SEEDS)
def test_lse_grows_with_r(spatial, seed):
    x = seeded(2, 3, *spatial, seed=seed)
    pooled = torch.stack([lse_pool(x, r) for r in (0.05, 0.3, 1.0, 4.0, 20.0)])
    assert (pooled[1:] >= pooled[:-1] - TOL).all()


def test_lse_lower_bound_is_tight_for_one_spike():
    # One large value among zeros: LSE sits close to max - log(n) / r, not close to the max.
    x = torch.zeros(1, 1, 4, 4, dtype=torch.float64)
    x[0, 0, 0, 0] = 50.0
    r = 1.0
    assert lse_pool(x, r).item() < 50.0 - math.log(16) / r + 1e-6


@settings(max_examples=60, deadline=None)
@given(spatial=SPATIAL, seed=SEEDS)
def test_topk_lies_in_mean_to_max_and_falls_as_k_grows(spatial, seed):
    x = seeded(2, 3, *spatial, seed=seed)
    _, mean, peak = ends(x)
    pooled = torch.stack([topk_pool(x, k) for k in range(1, math.prod(spatial) + 1)])
    assert (pooled >= mean - TOL).all() and (pooled <= peak + TOL).all()
    assert (pooled[1:] <= pooled[:-1] + TOL).all()
    assert torch.equal(pooled[0], peak) and torch.allclose(pooled[-1], mean)


# ----------------------------------------------------------------------------
# GeM: [mean, max] only for p >= 1, and only of the clamped map
# ----------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(spatial=SPATIAL, p=st.floats(1.0, 60.0), seed=SEEDS)
def test_gem_with_p_at_least_1_lies_in_clamped_mean_to_max(spatial, p, seed):
    x = seeded(2, 3, *spatial, seed=seed)  # signed: GeM sees clamp(x, 1e-6)
    _, mean, peak = ends(x.clamp(min=1e-6))
    out = gem_pool(x, p)
    assert (out >= mean - TOL).all() and (out <= peak + TOL).all()


@settings(max_examples=80, deadline=None)
@given(spatial=SPATIAL, p=st.floats(0.05, 60.0), seed=SEEDS)
def test_gem_with_any_p_lies_in_clamped_min_to_max_and_grows_with_p(spatial, p, seed):
    x = seeded(2, 3, *spatial, seed=seed).abs() + 0.01
    low, _, peak = ends(x)
    out = gem_pool(x, p)
    assert (out >= low - TOL).all() and (out <= peak + TOL).all()
    assert (gem_pool(x, p * 1.5) >= out - TOL).all()


@settings(max_examples=80, deadline=None)
@given(spatial=st.lists(st.integers(2, 6), min_size=1, max_size=3), p=st.floats(0.05, 0.95), seed=SEEDS)
def test_gem_with_p_below_1_falls_below_the_mean(spatial, p, seed):
    # Random maps are not constant, so the power-mean inequality is strict.
    x = seeded(2, 3, *spatial, seed=seed).abs() + 0.01
    _, mean, _ = ends(x)
    assert (gem_pool(x, p) < mean).all()


def test_gem_p_half_is_below_the_mean_on_every_channel_of_the_article_example():
    features = article_features()
    mean = features.mean(dim=(2, 3))
    gem = gem_pool(features, 0.5)
    assert (gem < mean).sum().item() == 8
    assert round(gem[0, 3].item(), 4) == 0.2769 and round(mean[0, 3].item(), 4) == 0.634


def test_gem_reaches_the_max_only_in_the_limit():
    x = seeded(1, 4, 5, 5).abs() + 0.01
    peak = x.amax(dim=(2, 3))
    gaps = [(peak - gem_pool(x, p)).min().item() for p in (3.0, 30.0, 300.0)]
    assert all(gap > 0 for gap in gaps) and gaps[0] > gaps[1] > gaps[2]
    constant = torch.full((1, 2, 3, 3), 2.5, dtype=torch.float64)
    assert torch.allclose(gem_pool(constant, 7.0), torch.full((1, 2), 2.5, dtype=torch.float64))


# ----------------------------------------------------------------------------
# Attention pooling: anywhere in [min, max], below the mean too
# ----------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(spatial=SPATIAL, seed=SEEDS, scale=st.floats(0.0, 30.0))
def test_attention_with_identity_values_lies_in_min_to_max(spatial, seed, scale):
    x = seeded(2, 4, *spatial, seed=seed)
    query = scale * seeded(4, seed=seed + 1)
    key_weight = seeded(4, 4, seed=seed + 2)
    low, _, peak = ends(x)
    out = attention_pool(x, query, key_weight)
    assert (out >= low - TOL).all() and (out <= peak + TOL).all()


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS, scale=st.floats(0.0, 30.0))
def test_attention_lies_in_min_to_max_of_the_projected_values(seed, scale):
    x = seeded(2, 4, 3, 5, seed=seed)
    value_weight = seeded(4, 4, seed=seed + 3)
    out = attention_pool(x, scale * seeded(4, seed=seed + 1), seeded(4, 4, seed=seed + 2), value_weight)
    values = x.flatten(2).transpose(1, 2) @ value_weight.T  # (N, L, C)
    assert (out >= values.amin(dim=1) - TOL).all() and (out <= values.amax(dim=1) + TOL).all()


def test_notebook_06_hand_set_attention_puts_5_of_8_channels_below_their_mean():
    features = article_features()
    out = hand_set_attention(features)
    mean = features.mean(dim=(2, 3))
    assert (out < mean).sum().item() == 5
    assert round(out[0, 2].item(), 4) == 0.2069 and round(mean[0, 2].item(), 4) == 0.349


def test_attention_is_below_the_mean_for_many_random_queries():
    # Not a rare corner: about half of all (query, channel) pairs land below the mean.
    x = seeded(1, 8, 4, 4)
    below = 0
    for seed in range(50):
        out = attention_pool(x, 3 * seeded(8, seed=seed))
        below += int((out < x.mean(dim=(2, 3))).sum())
    assert 100 < below < 300, below


def test_attention_reaches_towards_both_ends_of_a_channel():
    features = article_features()
    low, _, peak = ends(features)
    query = torch.zeros(8)
    query[3] = 50.0  # all weight on channel 3's largest position
    assert torch.allclose(attention_pool(features, query)[0, 3], peak[0, 3], atol=1e-4)
    query[3] = -50.0  # all weight on the positions where channel 3 is smallest (0 after the ReLU)
    assert attention_pool(features, query)[0, 3].item() < low[0, 3].item() + 0.01


def test_untrained_attention_is_the_mean_up_to_rounding_only():
    features = article_features()
    out = AttentionPool(8)(features)
    assert torch.allclose(out, features.mean(dim=(2, 3)), atol=1e-6, rtol=0)


# ----------------------------------------------------------------------------
# SPP: every piece is a window's max
# ----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(height=st.integers(1, 9), width=st.integers(1, 9), seed=SEEDS)
def test_spp_pieces_lie_between_their_window_mean_and_the_global_max(height, width, seed):
    x = seeded(2, 3, height, width, seed=seed)
    levels = (1, 2, 4)
    out = spatial_pyramid_pool(x, levels)
    _, _, peak = ends(x)
    start = 0
    for level in levels:
        pieces = out[:, start : start + 3 * level * level].reshape(2, 3, level, level)
        start += 3 * level * level
        assert (pieces <= peak[..., None, None] + TOL).all()
        # The windows cover the map, so each level's largest piece is the global max.
        assert torch.equal(pieces.amax(dim=(2, 3)), peak)
        for i, (top, bottom) in enumerate(adaptive_bins(height, level)):
            for j, (left, right) in enumerate(adaptive_bins(width, level)):
                window = x[:, :, top:bottom, left:right]
                assert (pieces[:, :, i, j] >= window.mean(dim=(2, 3)) - TOL).all()
                assert torch.equal(pieces[:, :, i, j], window.amax(dim=(2, 3)))
    assert torch.equal(out[:, :3], F.adaptive_max_pool2d(x, 1).flatten(1))
