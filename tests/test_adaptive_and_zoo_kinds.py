"""The kinds of notebooks 05 and 06 (adaptive bins and SPP; avgmax, GeM, LSE, top-k,
attention): each against its formula, against torch where torch has the same thing,
at its limits, under autograd and on bad input; then those notebooks' plots and widgets.

The contract every registered kind shares is tests/test_registry.py's."""

from __future__ import annotations

import math
import re

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from torch import nn

from gpool_helpers import get_kind, kind_names, pooling
from gpool_helpers.pooling import (
    AttentionPool,
    AvgMaxPool,
    CatAvgMaxPool,
    GeM,
    LSEPool,
    SpatialPyramidPool,
    TopKPool,
    adaptive_bins,
    attention_pool,
    avgmax_pool,
    catavgmax_pool,
    classic_spp_window,
    gem_pool,
    lse_pool,
    measure_work,
    spatial_pyramid_pool,
    spp_length,
    topk_pool,
)
from gpool_helpers.viz.adaptive import plot_adaptive_bins, plot_adaptive_windows, plot_classic_spp_check
from gpool_helpers.viz.zoo import (
    kind_summary,
    kind_summary_html,
    plot_attention,
    plot_mean_to_max,
    plot_ranges,
    plot_zoo,
    zoo_rows,
)
from gpool_helpers.widgets.adaptive import adaptive_explorer, describe_adaptive
from gpool_helpers.widgets.zoo import describe_mean_to_max, mean_to_max_explorer

FAMILY_KINDS = ("spp", "avgmax", "catavgmax", "gem", "lse", "topk", "attention")


def seeded(*shape, seed=0, dtype=torch.float32):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=dtype)


SHAPES = [(1, 8, 4, 4), (2, 3, 5, 7), (3, 4, 9), (2, 2, 3, 4, 5), (1, 1, 1, 1)]


# ----------------------------------------------------------------------------
# adaptive_bins and the classic SPP window
# ----------------------------------------------------------------------------


def torch_windows(in_size: int, out_size: int) -> list[tuple[int, int]]:
    """Read torch's windows from AdaptiveAvgPool1d itself.

    The identity matrix as a batch of inputs gives, in column i of the output,
    1/len on exactly the positions window i reads and 0 elsewhere.
    """
    identity = torch.eye(in_size, dtype=torch.float64).unsqueeze(1)  # (in, 1, in)
    columns = nn.AdaptiveAvgPool1d(out_size)(identity).squeeze(1)  # (in, out)
    windows = []
    for i in range(out_size):
        rows = torch.nonzero(columns[:, i]).flatten().tolist()
        assert rows == list(range(rows[0], rows[-1] + 1)), "a window must be contiguous"
        windows.append((rows[0], rows[-1] + 1))
    return windows


def test_adaptive_bins_match_torch_for_every_size_up_to_32():
    for in_size in range(1, 33):
        for out_size in range(1, 33):
            assert adaptive_bins(in_size, out_size) == torch_windows(in_size, out_size), (in_size, out_size)


@pytest.mark.parametrize("in_size, out_size", [(5, 3), (7, 4), (10, 3), (4, 2), (3, 5), (1, 1)])
def test_adaptive_bins_follow_the_floor_ceil_formula(in_size, out_size):
    expected = [
        (math.floor(i * in_size / out_size), math.ceil((i + 1) * in_size / out_size)) for i in range(out_size)
    ]
    assert adaptive_bins(in_size, out_size) == expected


def test_adaptive_bins_overlap_only_when_sizes_do_not_divide():
    assert adaptive_bins(5, 3) == [(0, 2), (1, 4), (3, 5)]
    for in_size, out_size in [(8, 4), (9, 3), (6, 2)]:
        windows = adaptive_bins(in_size, out_size)
        assert all(end == next_start for (_, end), (next_start, _) in zip(windows, windows[1:]))


def test_adaptive_bins_cover_every_position():
    for in_size in range(1, 20):
        for out_size in range(1, 20):
            covered = set()
            for start, end in adaptive_bins(in_size, out_size):
                assert 0 <= start < end <= in_size
                covered.update(range(start, end))
            assert covered == set(range(in_size))


@pytest.mark.parametrize(
    "in_size, out_size, error",
    [(0, 3, ValueError), (5, 0, ValueError), (-1, 2, ValueError), (5.0, 3, TypeError), (True, 3, TypeError), ("5", 3, TypeError)],
)
def test_adaptive_bins_reject_bad_sizes(in_size, out_size, error):
    with pytest.raises(error, match="adaptive_bins expects"):
        adaptive_bins(in_size, out_size)


def test_classic_spp_window_gets_7_to_4_wrong():
    window = classic_spp_window(7, 4)
    assert (window.kernel_size, window.stride, window.output_size) == (2, 1, 6)
    assert not window.correct
    x = seeded(1, 1, 7, 7)
    # The claim, checked with torch itself: max_pool2d with that kernel and stride gives 6x6.
    assert F.max_pool2d(x, window.kernel_size, window.stride).shape[-2:] == (6, 6)
    assert F.adaptive_max_pool2d(x, 4).shape[-2:] == (4, 4)


def test_classic_spp_window_output_size_matches_max_pool():
    for in_size in range(1, 25):
        for out_size in range(1, 9):
            window = classic_spp_window(in_size, out_size)
            if window.stride == 0:
                assert window.output_size is None and not window.correct
                continue
            pooled = F.max_pool1d(seeded(1, 1, in_size), window.kernel_size, window.stride)
            assert pooled.shape[-1] == window.output_size
            assert window.correct == (window.output_size == out_size)


def test_classic_spp_window_is_right_when_sizes_divide():
    for n in (1, 2, 3, 4, 6):
        assert classic_spp_window(12, n).correct


# ----------------------------------------------------------------------------
# Spatial pyramid pooling
# ----------------------------------------------------------------------------


def test_spp_matches_its_definition_from_adaptive_max_pool():
    x = seeded(2, 3, 13, 9)
    expected = torch.cat([F.adaptive_max_pool2d(x, level).flatten(1) for level in (1, 2, 4)], dim=1)
    assert torch.equal(spatial_pyramid_pool(x), expected)
    avg = torch.cat([F.adaptive_avg_pool2d(x, level).flatten(1) for level in (1, 3)], dim=1)
    assert torch.allclose(spatial_pyramid_pool(x, levels=(1, 3), mode="avg"), avg)


def test_spp_level_one_is_global_pooling():
    x = seeded(2, 5, 6, 7)
    assert torch.equal(spatial_pyramid_pool(x, levels=(1,)), x.amax(dim=(2, 3)))
    assert torch.allclose(spatial_pyramid_pool(x, levels=(1,), mode="avg"), x.mean(dim=(2, 3)))


def test_spp_gives_the_same_length_for_two_input_sizes():
    small, large = seeded(2, 8, 7, 7), seeded(2, 8, 13, 20, seed=1)
    assert spatial_pyramid_pool(small).shape == spatial_pyramid_pool(large).shape == (2, 8 * 21)
    assert spp_length(8) == 168
    # Smaller than the finest level still works: adaptive windows repeat.
    assert spatial_pyramid_pool(seeded(1, 2, 2, 3)).shape == (1, 42)


def test_spp_handles_1d_and_3d_maps():
    assert spatial_pyramid_pool(seeded(2, 3, 10), levels=(1, 2)).shape == (2, 3 * 3)
    assert spatial_pyramid_pool(seeded(1, 2, 4, 4, 4), levels=(1, 2)).shape == (1, 2 * 9)
    assert spp_length(2, (1, 2), spatial_rank=3) == 18


def test_spp_module_twin():
    x = seeded(2, 3, 8, 8)
    module = SpatialPyramidPool(levels=(1, 2), mode="avg")
    assert torch.equal(module(x), spatial_pyramid_pool(x, (1, 2), "avg"))
    assert module.output_features(3) == 15
    assert "levels=(1, 2)" in repr(module)
    assert repr(SpatialPyramidPool()) == "SpatialPyramidPool(levels=(1, 2, 4), mode='max')"
    assert SpatialPyramidPool([1, 2], "avg").levels == (1, 2)
    assert not SpatialPyramidPool().state_dict()
    with pytest.raises(TypeError, match="SpatialPyramidPool got unexpected option"):
        SpatialPyramidPool(level=(1, 2))


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        (dict(levels=4), TypeError, r"write \(4,\)"),
        (dict(levels=()), ValueError, "at least one level"),
        (dict(levels=(1, 0)), ValueError, "positive int"),
        (dict(levels=(1, 2.5)), TypeError, "positive int"),
        (dict(mode="sum"), ValueError, "mode to be one of"),
    ],
)
def test_spp_rejects_bad_options(kwargs, error, text):
    with pytest.raises(error, match=text):
        spatial_pyramid_pool(seeded(1, 2, 4, 4), **kwargs)


# ----------------------------------------------------------------------------
# avgmax and catavgmax
# ----------------------------------------------------------------------------


def mean_and_max_one_by_one(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each map's mean and max read off its values one at a time, in float64: none of the helpers' ops."""
    means = torch.empty(x.shape[:2], dtype=torch.float64)
    peaks = torch.empty(x.shape[:2], dtype=torch.float64)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            values = x[n, c].flatten().tolist()
            means[n, c] = math.fsum(values) / len(values)
            peaks[n, c] = max(values)
    return means, peaks


@pytest.mark.parametrize("shape", SHAPES)
def test_avgmax_is_the_mean_of_avg_and_max(shape):
    x = seeded(*shape)
    mean, peak = mean_and_max_one_by_one(x)
    torch.testing.assert_close(avgmax_pool(x).double(), (mean + peak) / 2, rtol=1e-6, atol=1e-6)
    assert torch.equal(AvgMaxPool()(x), avgmax_pool(x))


def test_avgmax_and_catavgmax_match_torch_adaptive_pools():
    x = seeded(2, 6, 5, 7)
    avg, peak = nn.AdaptiveAvgPool2d(1)(x).flatten(1), nn.AdaptiveMaxPool2d(1)(x).flatten(1)
    assert torch.allclose(avgmax_pool(x), 0.5 * (avg + peak))
    assert torch.allclose(catavgmax_pool(x), torch.cat([avg, peak], dim=1))


@pytest.mark.parametrize("shape", SHAPES)
def test_catavgmax_puts_averages_first_then_maxima(shape):
    x = seeded(*shape)
    mean, peak = mean_and_max_one_by_one(x)
    out = catavgmax_pool(x)
    channels = shape[1]
    assert out.shape == (shape[0], 2 * channels)
    torch.testing.assert_close(out[:, :channels].double(), mean, rtol=1e-6, atol=1e-6)
    assert torch.equal(out[:, channels:].double(), peak)  # a max picks a value: exact
    assert torch.equal(CatAvgMaxPool()(x), out)
    assert get_kind("catavgmax").feature_multiplier == 2


# ----------------------------------------------------------------------------
# GeM
# ----------------------------------------------------------------------------


def naive_gem(x, p, eps=1e-6):
    dims = tuple(range(2, x.dim()))
    return x.clamp(min=eps).pow(p).mean(dim=dims).pow(1 / p)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("p", [0.5, 1.0, 2.0, 3.0, 7.5])
def test_gem_matches_its_formula(shape, p):
    x = seeded(*shape, dtype=torch.float64).abs() + 0.1
    assert torch.allclose(gem_pool(x, p), naive_gem(x, p), rtol=1e-10)


def test_gem_with_p_1_is_the_mean_of_non_negative_maps():
    x = seeded(2, 4, 5, 5).relu() + 1e-3
    assert torch.allclose(gem_pool(x, p=1.0), x.mean(dim=(2, 3)), atol=1e-6)


def test_gem_with_large_p_approaches_the_max():
    x = seeded(2, 4, 6, 6).abs() + 0.01
    peak = x.amax(dim=(2, 3))
    gaps = [(peak - gem_pool(x, p)).max().item() for p in (3.0, 10.0, 100.0, 1000.0)]
    assert all(gap >= 0 for gap in gaps)
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[-1] < 1e-2 * peak.max().item()


def test_gem_stays_finite_where_the_naive_formula_overflows():
    x = torch.full((1, 2, 4, 4), 10.0)
    x[0, 0, 1, 2] = 20.0
    assert torch.isinf(naive_gem(x, 100.0)).any()
    result = gem_pool(x, 100.0)
    assert torch.isfinite(result).all()
    assert torch.allclose(result, naive_gem(x.double(), 100.0).float(), rtol=1e-5)


def test_gem_is_not_lp_pool_which_sums_instead_of_averaging():
    x = seeded(1, 3, 4, 4).abs() + 0.1
    lp = F.lp_pool2d(x, 3, (4, 4)).flatten(1)
    gem = gem_pool(x, 3.0)
    assert not torch.allclose(lp, gem)
    assert torch.allclose(lp / 16 ** (1 / 3), gem, rtol=1e-5)


def test_gem_clamps_negative_values_to_eps():
    x = -torch.ones(1, 1, 3, 3)
    assert torch.allclose(gem_pool(x, 3.0, eps=1e-6), torch.tensor([[1e-6]]))


def test_gem_module_learns_p():
    x = seeded(4, 3, 5, 5).abs()
    module = GeM()
    assert isinstance(module.p, nn.Parameter) and module.p.item() == 3.0
    assert torch.allclose(module(x), gem_pool(x, 3.0))
    module(x).sum().backward()
    assert module.p.grad is not None and module.p.grad.abs().item() > 0
    fixed = GeM(p=2.0, learnable=False)
    assert not any(True for _ in fixed.parameters())
    assert "p" in dict(fixed.named_buffers())
    assert "learnable=False" in repr(fixed)


def test_gem_p_learns_towards_the_max_when_the_target_is_the_max():
    x = seeded(8, 4, 5, 5).abs() + 0.05
    target = x.amax(dim=(2, 3))
    module = GeM()
    optimiser = torch.optim.SGD(module.parameters(), lr=2.0)
    losses = []
    for _ in range(30):
        optimiser.zero_grad()
        loss = (module(x) - target).pow(2).mean()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert module.p.item() > 3.0
    assert losses[-1] < 0.5 * losses[0]


def test_gem_module_says_so_when_training_makes_p_non_positive():
    module = GeM()
    with torch.no_grad():
        module.p.fill_(-0.5)
    with pytest.raises(ValueError, match="GeM's p must stay positive"):
        module(seeded(1, 2, 3, 3))


def test_gem_gradients_match_float64_finite_differences():
    x = (seeded(2, 2, 3, 3, dtype=torch.float64).abs() + 0.2).requires_grad_()
    p = torch.tensor([2.5], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: gem_pool(a, b), (x, p))


# ----------------------------------------------------------------------------
# LSE
# ----------------------------------------------------------------------------


def naive_lse(x, r):
    dims = tuple(range(2, x.dim()))
    return torch.log(torch.exp(r * x).mean(dim=dims)) / r


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("r", [0.1, 1.0, 5.0])
def test_lse_matches_its_formula(shape, r):
    x = seeded(*shape, dtype=torch.float64)
    assert torch.allclose(lse_pool(x, r), naive_lse(x, r), rtol=1e-10, atol=1e-12)


def test_lse_matches_torch_logsumexp():
    x = seeded(2, 3, 4, 5)
    r = 2.0
    expected = (torch.logsumexp(r * x.flatten(2), dim=2) - math.log(20)) / r
    assert torch.allclose(lse_pool(x, r), expected, atol=1e-6)


def test_lse_with_small_r_approaches_the_mean():
    x = seeded(2, 4, 5, 5)
    mean = x.mean(dim=(2, 3))
    gaps = [(lse_pool(x, r) - mean).abs().max().item() for r in (1.0, 0.1, 0.01, 1e-4)]
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[-1] < 1e-4


def test_lse_with_large_r_approaches_the_max():
    x = seeded(2, 4, 5, 5)
    peak = x.amax(dim=(2, 3))
    gaps = [(peak - lse_pool(x, r)).max().item() for r in (1.0, 10.0, 100.0, 1e4)]
    assert all(gap >= -1e-6 for gap in gaps)
    assert gaps == sorted(gaps, reverse=True)
    # The limit: log(H*W) / r, the gap left when one cell dominates.
    assert gaps[-1] < 2 * math.log(25) / 1e4


def test_lse_stays_finite_for_inputs_near_1e4():
    x = seeded(2, 3, 4, 4) * 1e4
    assert torch.isinf(naive_lse(x, 1.0)).any()
    result = lse_pool(x, 1.0)
    assert torch.isfinite(result).all()
    assert torch.allclose(result, (torch.logsumexp(x.flatten(2), 2) - math.log(16)), rtol=1e-6)
    assert torch.isfinite(lse_pool(-x, 50.0)).all()


@pytest.mark.parametrize("r", [pooling.LSE_SMALL_R * 0.999, pooling.LSE_SMALL_R, 1e-3, 30.0])
def test_both_lse_paths_match_a_float64_reference(r):
    x = seeded(3, 4, 7, 7)
    reference = naive_lse(x.double(), r).float()
    assert torch.allclose(lse_pool(x, r), reference, atol=2e-5, rtol=1e-5)


def test_lse_gradients_match_float64_finite_differences():
    x = seeded(2, 2, 3, 3, dtype=torch.float64).requires_grad_()
    assert torch.autograd.gradcheck(lambda a: lse_pool(a, 1.7), (x,))


@pytest.mark.parametrize("r", [0.05, 1.0, 3.0])
def test_lse_gradient_reaches_a_tensor_r_in_both_paths(r):
    x = seeded(2, 2, 3, 3, dtype=torch.float64)
    sharpness = torch.tensor([r], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda value: lse_pool(x, value), (sharpness,))


def test_lse_gradient_is_the_softmax_over_positions():
    x = seeded(1, 2, 3, 3).requires_grad_()
    lse_pool(x, 2.0).sum().backward()
    expected = (2.0 * x.detach()).flatten(2).softmax(dim=2).reshape_as(x)
    assert torch.allclose(x.grad, expected, atol=1e-6)


def test_lse_module_twin():
    x = seeded(2, 3, 4, 4)
    assert torch.equal(LSEPool(r=3.0)(x), lse_pool(x, 3.0))
    assert "r=3.0" in repr(LSEPool(r=3.0))


# ----------------------------------------------------------------------------
# top-k
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_topk_is_the_mean_of_the_k_largest(shape):
    x = seeded(*shape)
    positions = math.prod(shape[2:])
    for k in sorted({1, max(1, positions // 3), positions}):
        expected = x.flatten(2).sort(dim=2, descending=True).values[..., :k].mean(dim=2)
        assert torch.allclose(topk_pool(x, k), expected)


def test_topk_limits_are_max_and_mean():
    x = seeded(2, 3, 4, 5)
    assert torch.equal(topk_pool(x, 1), x.amax(dim=(2, 3)))
    assert torch.allclose(topk_pool(x, 20), x.mean(dim=(2, 3)))


def test_topk_fraction_rounds_up_and_fits_any_size():
    x = seeded(1, 2, 4, 4)
    assert torch.allclose(topk_pool(x, fraction=0.25), topk_pool(x, 4))
    assert torch.allclose(topk_pool(x, fraction=0.2), topk_pool(x, 4))  # 3.2 -> 4
    one = seeded(1, 2, 1, 1)
    assert torch.equal(topk_pool(one, fraction=0.25), one.flatten(1))
    assert torch.allclose(TopKPool(fraction=1.0)(x), x.mean(dim=(2, 3)))


def test_topk_gradient_reaches_only_the_chosen_values():
    x = seeded(1, 1, 3, 3).requires_grad_()
    topk_pool(x, 3).sum().backward()
    chosen = x.detach().flatten().topk(3).indices
    grad = x.grad.flatten()
    assert torch.allclose(grad[chosen], torch.full((3,), 1 / 3))
    assert grad.count_nonzero() == 3


@pytest.mark.parametrize(
    "args, kwargs, error, text",
    [
        ((17,), {}, ValueError, r"k between 1 and the number of positions in each map \(16"),
        ((0,), {}, ValueError, "positive int"),
        ((2.0,), {}, TypeError, "positive int"),
        ((), {}, TypeError, "exactly one of k"),
        ((2,), dict(fraction=0.5), TypeError, "exactly one of k"),
        ((), dict(fraction=0.0), ValueError, r"fraction to be a number in \(0, 1\]"),
        ((), dict(fraction=1.5), ValueError, r"fraction to be a number in \(0, 1\]"),
    ],
)
def test_topk_rejects_bad_k(args, kwargs, error, text):
    with pytest.raises(error, match=text):
        topk_pool(seeded(1, 2, 4, 4), *args, **kwargs)


def test_topk_module_checks_k_against_the_input():
    module = TopKPool(5)
    assert torch.allclose(module(seeded(1, 2, 3, 3)), topk_pool(seeded(1, 2, 3, 3), 5))
    with pytest.raises(ValueError, match="got k=5"):
        module(seeded(1, 2, 2, 2))
    with pytest.raises(TypeError, match="TopKPool expects exactly one"):
        TopKPool()


# ----------------------------------------------------------------------------
# Attention pooling
# ----------------------------------------------------------------------------


def test_attention_with_zero_query_is_the_average():
    x = seeded(2, 6, 4, 5)
    pooled, weights = attention_pool(x, return_weights=True)
    assert torch.allclose(pooled, x.mean(dim=(2, 3)), atol=1e-6)
    assert torch.allclose(weights, torch.full((2, 1, 4, 5), 1 / 20))
    module = AttentionPool(6)
    assert torch.allclose(module(x), x.mean(dim=(2, 3)), atol=1e-6)


@pytest.mark.parametrize("num_heads", [1, 2, 4])
def test_attention_matches_torch_multihead_attention(num_heads):
    channels = 8
    x = seeded(3, channels, 4, 5)
    query, key_weight, value_weight = seeded(channels, seed=1), seeded(channels, channels, seed=2), seeded(
        channels, channels, seed=3
    )
    ours, weights = attention_pool(x, query, key_weight, value_weight, num_heads, return_weights=True)
    reference = nn.MultiheadAttention(channels, num_heads, bias=False, batch_first=True)
    with torch.no_grad():
        # torch projects the query too; identity keeps ours (a query that is already projected).
        reference.in_proj_weight.copy_(torch.cat([torch.eye(channels), key_weight, value_weight]))
        reference.out_proj.weight.copy_(torch.eye(channels))
    tokens = x.flatten(2).transpose(1, 2)
    expected, expected_weights = reference(
        query.expand(3, 1, channels), tokens, tokens, average_attn_weights=False
    )
    assert torch.allclose(ours, expected.squeeze(1), atol=1e-5)
    assert torch.allclose(weights.flatten(2), expected_weights.squeeze(2), atol=1e-6)


def test_attention_weights_sum_to_one_and_follow_the_query():
    channels = 4
    x = torch.zeros(1, channels, 3, 3)
    x[0, 2, 1, 2] = 5.0  # one position stands out in channel 2
    query = torch.zeros(channels)
    query[2] = 4.0  # a query that looks for channel 2
    pooled, weights = attention_pool(x, query, return_weights=True)
    assert torch.allclose(weights.sum(dim=(2, 3)), torch.ones(1, 1))
    assert weights[0, 0].flatten().argmax().item() == 1 * 3 + 2
    assert pooled[0, 2] > x[0, 2].mean()


def test_attention_module_learns_and_returns_weights():
    module = AttentionPool(4, num_heads=2, return_weights=True)
    x = seeded(2, 4, 3, 3)
    pooled, weights = module(x)
    assert pooled.shape == (2, 4) and weights.shape == (2, 2, 3, 3)
    pooled.pow(2).sum().backward()
    assert module.query.grad.abs().sum() > 0 and module.value_weight.grad.abs().sum() > 0
    assert sum(p.numel() for p in module.parameters()) == 4 + 2 * 16


def test_attention_gradients_match_float64_finite_differences():
    x = seeded(2, 4, 2, 3, dtype=torch.float64).requires_grad_()
    query = seeded(4, dtype=torch.float64, seed=5).requires_grad_()
    key_weight = seeded(4, 4, dtype=torch.float64, seed=6).requires_grad_()
    assert torch.autograd.gradcheck(
        lambda a, q, k: attention_pool(a, q, k, None, num_heads=2), (x, query, key_weight)
    )


@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda x: attention_pool(x, num_heads=3), ValueError, "divisible by num_heads"),
        (lambda x: attention_pool(x, torch.zeros(5)), ValueError, r"query to be a float tensor of shape \(4,\)"),
        (lambda x: attention_pool(x, None, torch.zeros(4, 3)), ValueError, "key_weight"),
        (lambda x: AttentionPool(8)(x), ValueError, "built for C=8"),
        (lambda x: AttentionPool(6, num_heads=4), ValueError, "divisible by num_heads"),
    ],
)
def test_attention_rejects_bad_shapes(call, error, text):
    with pytest.raises(error, match=text):
        call(seeded(1, 4, 3, 3))


# ----------------------------------------------------------------------------
# Shared input rules, knobs and limits
# ----------------------------------------------------------------------------

FUNCTIONS = {
    "spatial_pyramid_pool": spatial_pyramid_pool,
    "avgmax_pool": avgmax_pool,
    "catavgmax_pool": catavgmax_pool,
    "gem_pool": gem_pool,
    "lse_pool": lse_pool,
    "topk_pool": lambda x: topk_pool(x, 1),
    "attention_pool": attention_pool,
}


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize(
    "bad, error",
    [
        ([[1.0, 2.0]], TypeError),
        (torch.ones(1, 2, 3, 3, dtype=torch.int64), TypeError),
        (torch.ones(2, 3), ValueError),
        (torch.ones(1, 1, 1, 1, 1, 1), ValueError),
        (torch.ones(1, 2, 0, 3), ValueError),
    ],
)
def test_every_function_rejects_bad_input_naming_itself(name, bad, error):
    with pytest.raises(error, match=f"{name.split('(')[0]} expects"):
        FUNCTIONS[name](bad)


@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda x: gem_pool(x, p=0.0), ValueError, "gem_pool expects p to be a positive finite number; got 0.0"),
        (lambda x: gem_pool(x, p=-2), ValueError, "got -2.0"),
        (lambda x: gem_pool(x, p=float("inf")), ValueError, "positive finite"),
        (lambda x: gem_pool(x, p="3"), TypeError, "gem_pool expects p to be a positive finite number; got a str"),
        (lambda x: gem_pool(x, p=torch.ones(2)), TypeError, "one-element float tensor"),
        (lambda x: gem_pool(x, eps=0.0), ValueError, "eps"),
        (lambda x: lse_pool(x, r=0.0), ValueError, "lse_pool expects r to be a positive finite number"),
        (lambda x: lse_pool(x, r=float("nan")), ValueError, "positive finite"),
        (lambda x: lse_pool(x, r=True), TypeError, "got a bool"),
        (lambda x: GeM(p=-1.0), ValueError, "GeM expects p"),
        (lambda x: LSEPool(r=-1.0), ValueError, "LSEPool expects r"),
    ],
)
def test_bad_knobs_are_named(call, error, text):
    with pytest.raises(error, match=text):
        call(seeded(1, 2, 3, 3))


# Not attention (anywhere in [min, max] once its query moves) and not GeM with
# p < 1 (below the mean): tests/test_kind_ranges.py pins every kind's true range.
@pytest.mark.parametrize("kind_name", ["avgmax", "gem", "lse", "topk"])
def test_registered_defaults_of_the_in_between_kinds_lie_between_mean_and_max(kind_name):
    x = seeded(4, 6, 5, 5).abs()  # GeM is defined for non-negative maps; its default p is 3
    out = get_kind(kind_name).function(x)
    assert (out >= x.mean(dim=(2, 3)) - 1e-5).all() and (out <= x.amax(dim=(2, 3)) + 1e-5).all()


def test_nan_propagates_like_in_torch():
    x = seeded(1, 2, 3, 3)
    x[0, 0, 1, 1] = float("nan")
    for name in ("avgmax", "catavgmax", "lse", "spp"):
        out = get_kind(name).function(x)
        assert torch.isnan(out[0, 0]) and not torch.isnan(out[0, 1]), name


def test_feature_multipliers_size_a_classifier_for_2d_maps():
    x = seeded(2, 8, 6, 6)
    for kind_name in FAMILY_KINDS:
        kind = get_kind(kind_name)
        assert kind.function(x).shape[1] == kind.feature_multiplier * 8, kind_name


def test_measure_work_counts_kernels_and_elements():
    x = seeded(1, 8, 4, 4)
    mean_work = measure_work(lambda t: t.mean(dim=(2, 3)), x)
    assert mean_work.operations == 1 and mean_work.elements == 128 + 8
    catavgmax_work = measure_work(catavgmax_pool, x)
    assert catavgmax_work.operations == 3  # mean, amax, cat
    assert measure_work(pooling.gem_pool, x).elements > catavgmax_work.elements


# ----------------------------------------------------------------------------
# Plots and widgets of notebooks 05 and 06
# ----------------------------------------------------------------------------



def texts(figure: Figure) -> list[str]:
    return [text.get_text() for axes in figure.axes for text in axes.texts]


def titles(figure: Figure) -> str:
    parts = [axes.get_title() for axes in figure.axes]
    if figure._suptitle is not None:
        parts.append(figure._suptitle.get_text())
    return " | ".join(parts)


def test_plot_adaptive_bins_draws_one_bar_per_output_and_marks_shared_positions():
    figure = plot_adaptive_bins(5, 3)
    labels = texts(figure)
    assert {"x[0:2]", "x[1:4]", "x[3:5]"} <= set(labels)
    assert "1\n×2" in labels and "3\n×2" in labels and "2" in labels
    assert "overlap" in titles(figure)
    assert "no overlap" in titles(plot_adaptive_bins(8, 4))


@pytest.mark.parametrize("output_size, windows, most_reads", [((2, 2), 4, 1), ((3, 3), 9, 4), (4, 16, 4)])
def test_plot_adaptive_windows_gives_every_window_its_own_tile_and_counts_reads(output_size, windows, most_reads):
    side = 4 if output_size != 4 else 7
    feature_map = seeded(1, 1, side, side)[0, 0]
    figure = plot_adaptive_windows(feature_map, output_size)
    map_axes, mosaic_axes, count_axes, out_axes = figure.axes[:4]
    # One tick per output row and column: a tile per window, never a colour shared by two.
    assert len(mosaic_axes.get_xticks()) * len(mosaic_axes.get_yticks()) == windows
    assert max(int(t) for t in (text.get_text() for text in count_axes.texts)) == most_reads
    rows = output_size[0] if isinstance(output_size, tuple) else output_size
    expected = F.adaptive_avg_pool2d(feature_map[None, None], rows)[0, 0]
    written = [float(text.get_text()) for text in out_axes.texts]
    assert written == pytest.approx([round(v, 2) for v in expected.flatten().tolist()], abs=0.006)
    assert f"({side}, {side}) -> ({rows}, {rows})" in titles(figure)


def test_plot_classic_spp_check_counts_the_wrong_cases():
    wrong = sum(
        1
        for s in range(1, 17)
        for n in range(1, 7)
        if classic_spp_window(s, n).output_size is not None and not classic_spp_window(s, n).correct
    )
    figure = plot_classic_spp_check(16, 6)
    assert f"wrong ({wrong} cases)" in titles(figure)
    assert "6" in texts(figure)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: plot_adaptive_bins(0, 3), ValueError),
        (lambda: plot_adaptive_bins(5, 2.0), TypeError),
        (lambda: plot_adaptive_windows(seeded(1, 1, 4, 4), 2), ValueError),
        (lambda: plot_adaptive_windows(seeded(4, 4), (2, 2, 2)), ValueError),
        (lambda: plot_adaptive_windows(seeded(4, 4), 2, mode="sum"), ValueError),
        (lambda: plot_mean_to_max(seeded(1, 8, 4, 4), p=1000.0), ValueError),
        (lambda: plot_zoo(seeded(8, 4, 4)), ValueError),
    ],
)
def test_plots_reject_bad_arguments(call, error):
    with pytest.raises(error):
        call()


@pytest.mark.parametrize(
    "knobs, error, words",
    [
        ({"p": 1000.0}, ValueError, r"p to be a number in \[0.5, 100\]; got 1000.0"),
        ({"p": "3"}, TypeError, r"p to be a number in \[0.5, 100\]; got a str"),
        ({"r": 0.0}, ValueError, r"r to be a number in \[0.01, 100\]; got 0.0"),
        ({"r": True}, TypeError, r"r to be a number in \[0.01, 100\]; got a bool"),
        ({"r": float("nan")}, ValueError, r"r to be a number in \[0.01, 100\]; got nan"),
    ],
)
def test_plot_mean_to_max_names_the_range_of_p_and_r(knobs, error, words):
    with pytest.raises(error, match=f"plot_mean_to_max expects {words}"):
        plot_mean_to_max(seeded(1, 8, 4, 4).abs(), **knobs)


@pytest.mark.parametrize(
    "features, error, words",
    [
        ([[1.0]], TypeError, r"expects a tensor shaped \(N, C, H, W\); got a list"),
        (torch.ones(1, 4, 3, 3, dtype=torch.int64), TypeError, "expects a floating-point tensor"),
        (torch.ones(4, 3, 3), ValueError, r"expects a tensor shaped \(N, C, H, W\) \(4 dims\)"),
        (torch.ones(0, 4, 3, 3), ValueError, r"expects every dim of \(N, C, H, W\) to be > 0"),
        (torch.ones(1, 17, 3, 3), ValueError, "draws 1 to 16 channels"),
    ],
)
def test_zoo_plots_reject_bad_features(features, error, words):
    with pytest.raises(error, match=f"plot_zoo {words}"):
        plot_zoo(features)
    with pytest.raises(error, match=f"plot_ranges {words}"):
        plot_ranges(features, {})


def test_plot_zoo_has_a_row_per_per_channel_kind_and_names_the_rest():
    features = seeded(1, 8, 4, 4).relu()
    labels, rows, notes = zoo_rows(features)
    assert labels[:2] == ["avg", "max"]
    assert "catavgmax [0:8]" in labels and "catavgmax [8:16]" in labels
    assert any(note.startswith("spp -> (1, 168)") for note in notes)
    assert any(note.startswith("depth-max -> (1, 1, 4, 4)") for note in notes)
    assert torch.allclose(rows[labels.index("gem")], gem_pool(features)[0])
    figure = plot_zoo(features)
    assert [tick.get_text() for tick in figure.axes[0].get_yticklabels()] == labels
    assert len(figure.axes[0].texts) == len(labels) * 8


def test_plot_mean_to_max_marks_gem_and_lse_between_mean_and_max():
    features = seeded(1, 8, 4, 4).relu()
    figure = plot_mean_to_max(features, p=3.0, r=1.0)
    left = figure.axes[0]
    gem_points = next(c for c in left.collections if c.get_label() == "GeM p=3").get_offsets()[:, 1]
    assert torch.allclose(torch.tensor(gem_points, dtype=torch.float32), gem_pool(features, 3.0)[0], atol=1e-5)
    assert "GeM p = 3, LSE r = 1" in titles(figure)


def test_plot_attention_titles_its_maps_by_head_and_counts_channels_below_the_mean():
    features = seeded(1, 8, 4, 4).relu()
    query = torch.zeros(8)
    query[3] = 2.0
    pooled, weights = attention_pool(features, query, torch.eye(8), return_weights=True)
    below = int((pooled < features.mean(dim=(2, 3))).sum())
    figure = plot_attention(features, weights, pooled)
    heatmap_titles = [axes.get_title() for axes in figure.axes if axes.images]
    assert heatmap_titles == ["head 0: weights over the\n16 positions (sum 1.00)"]
    assert "channel" not in heatmap_titles[0]
    assert f"{below} of 8 below the mean" in titles(figure)
    ranges = next(axes for axes in figure.axes if axes.get_legend() is not None)
    marks = next(c for c in ranges.collections if c.get_label().startswith("attention pooling"))
    assert torch.allclose(torch.tensor(marks.get_offsets()[:, 1], dtype=torch.float32), pooled[0], atol=1e-6)
    two_heads = attention_pool(features, seeded(8), num_heads=2, return_weights=True)
    heads = [axes.get_title().split(":")[0] for axes in plot_attention(features, two_heads[1], two_heads[0]).axes
             if axes.images]
    assert heads == ["head 0", "head 1"]


def test_plot_ranges_says_per_series_how_many_channels_fall_below_the_mean():
    features = seeded(1, 8, 4, 4).relu()
    figure = plot_ranges(features, {"GeM p = 0.5": gem_pool(features, 0.5), "avgmax": avgmax_pool(features)})
    labels = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert "GeM p = 0.5: 8 of 8 below the mean" in labels and "avgmax: 0 of 8 below the mean" in labels
    with pytest.raises(ValueError, match="plot_ranges expects 'bad' shaped \\(N, 8\\)"):
        plot_ranges(features, {"bad": torch.zeros(1, 3)})
    with pytest.raises(ValueError, match="plot_attention expects weights"):
        plot_attention(features, torch.zeros(1, 1, 3, 3), avgmax_pool(features))


def test_kind_summary_covers_every_kind_with_parameters_and_work():
    rows = {row["kind"]: row for row in kind_summary((1, 8, 4, 4))}
    assert set(rows) == set(kind_names())
    assert rows["attention"]["parameters"] == 8 + 2 * 64
    assert rows["gem"]["parameters"] == 1 and rows["avg"]["parameters"] == 0
    assert rows["catavgmax"]["output"] == "(1, 16)" and rows["spp"]["output"] == "(1, 168)"
    assert rows["avg"]["elements"] == 128 + 8
    assert rows["gem"]["elements"] > rows["avg"]["elements"]
    html = kind_summary_html((1, 8, 4, 4))
    assert html.count("<tr>") == len(rows) + 1 and "<code>attention</code>" in html




def test_adaptive_explorer_redraws_when_controls_change():
    view = adaptive_explorer(in_size=7, out_size=4)
    assert view.last_error is None and "kernel 2, stride 1 gives 6 cells per side (wrong: 6, not 4)" in view.readout.value
    first = view.image.value
    view.controls["in_size"].value = 8
    assert view.image.value != first
    assert "[0, 2), [2, 4), [4, 6), [6, 8)" in view.readout.value and "No two windows share" in view.readout.value
    view.controls["out_size"].value = 12  # more outputs than inputs: allowed
    assert view.last_error is None
    assert "stride 0" in view.readout.value


def test_describe_adaptive_never_raises_over_every_slider_value():
    for in_size in range(1, 13):
        for out_size in range(1, 13):
            text = describe_adaptive(in_size, out_size)
            assert f"({in_size}, {in_size}) -> ({out_size}, {out_size})" in text


def test_mean_to_max_explorer_reports_positions_between_average_and_max():
    features = seeded(1, 8, 4, 4).relu()
    view = mean_to_max_explorer(features)
    assert view.last_error is None and "GeM p = 3" in view.readout.value
    view.controls["p"].value = 1.0
    assert "<b>GeM p = 1</b> sits at 0 %" in view.readout.value
    view.controls["r"].value = 100.0
    lse_percent = int(re.search(r"<b>LSE r = 100</b> at (\d+) %", view.readout.value).group(1))
    assert 90 <= lse_percent <= 100  # r = 100 is nearly the max
    assert describe_mean_to_max(features, 1.0, 0.01).count("at 0 %") == 2
    view.controls["p"].value = 0.5  # p < 1: GeM falls below the average, and the readout says so
    gem_percent = int(re.search(r"<b>GeM p = 0.5</b> sits at (-\d+) % \(below the average\)", view.readout.value).group(1))
    assert -30 <= gem_percent < 0


# ----------------------------------------------------------------------------
# Properties over random shapes and knobs
# ----------------------------------------------------------------------------

SPATIAL = st.lists(st.integers(1, 6), min_size=1, max_size=3)


@settings(max_examples=60, deadline=None)
@given(spatial=SPATIAL, p=st.floats(1.0, 50.0), r=st.floats(0.01, 50.0), seed=st.integers(0, 10_000))
def test_gem_and_lse_stay_between_mean_and_max(spatial, p, r, seed):
    x = seeded(2, 3, *spatial, seed=seed, dtype=torch.float64)
    dims = tuple(range(2, x.dim()))
    positive = x.abs() + 0.01
    gem = gem_pool(positive, p)
    assert (gem >= positive.mean(dim=dims) - 1e-9).all() and (gem <= positive.amax(dim=dims) + 1e-9).all()
    lse = lse_pool(x, r)
    assert (lse >= x.mean(dim=dims) - 1e-9).all() and (lse <= x.amax(dim=dims) + 1e-9).all()


@settings(max_examples=40, deadline=None)
@given(spatial=SPATIAL, seed=st.integers(0, 10_000))
def test_topk_falls_from_max_to_mean_as_k_grows(spatial, seed):
    x = seeded(2, 3, *spatial, seed=seed, dtype=torch.float64)
    positions = math.prod(spatial)
    pooled = torch.stack([topk_pool(x, k) for k in range(1, positions + 1)])
    assert (pooled[1:] <= pooled[:-1] + 1e-12).all()
    dims = tuple(range(2, x.dim()))
    assert torch.allclose(pooled[0], x.amax(dim=dims)) and torch.allclose(pooled[-1], x.mean(dim=dims))


@settings(max_examples=40, deadline=None)
@given(spatial=st.lists(st.integers(1, 9), min_size=2, max_size=2), levels=st.lists(st.integers(1, 5), min_size=1, max_size=3))
def test_spp_length_never_depends_on_the_map_size(spatial, levels):
    x = seeded(2, 3, *spatial)
    assert spatial_pyramid_pool(x, levels).shape == (2, spp_length(3, levels))


# ---------------------------------------------------------------------------
# GeM's two paths: the plain formula when it is exact, the rescaled one otherwise
# ---------------------------------------------------------------------------


def test_gem_takes_the_plain_formula_when_nothing_overflows_or_underflows():
    x = torch.rand(3, 5, 6, 4, generator=torch.Generator().manual_seed(11)) + 0.1
    plain = x.clamp(min=1e-6).pow(3.0).mean(dim=(2, 3)).pow(1 / 3.0)
    assert torch.equal(gem_pool(x, p=3.0), plain)


@pytest.mark.parametrize(
    ("scale", "p"),
    [(1e-12, 4.0), (0.3, 80.0), (10.0, 100.0), (1e4, 12.0)],
    ids=["tiny values", "underflow at large p", "overflow at large p", "large values"],
)
def test_gem_matches_float64_where_the_plain_float32_formula_fails(scale, p):
    x = torch.rand(2, 3, 5, 5, generator=torch.Generator().manual_seed(12)) * scale + scale * 1e-3
    exact = x.double().clamp(min=1e-300).pow(p).mean(dim=(2, 3)).pow(1 / p)
    result = gem_pool(x, p=p, eps=1e-30)
    assert torch.isfinite(result).all()
    torch.testing.assert_close(result.double(), exact, rtol=1e-5, atol=0)


def test_gem_compiles_as_one_graph_and_agrees_with_eager():
    x = torch.rand(2, 4, 3, 3, generator=torch.Generator().manual_seed(13)) + 0.05
    compiled = torch.compile(gem_pool, backend="aot_eager", fullgraph=True)
    torch.testing.assert_close(compiled(x, 3.0), gem_pool(x, p=3.0))
