"""global_avg_pool, global_max_pool, global_depth_pool and their module twins.

Every result is compared with torch's own layers and reductions
(AdaptiveAvgPool1d/2d/3d, AdaptiveMaxPool1d/2d/3d, mean, amax, max) over many
shapes and memory layouts, then the edge cases: empty batches and channels,
NaN and infinities, ties, gradients, and every kind of bad input.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as numpy_strategies
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from gpool_helpers import (
    GlobalAvgPool,
    GlobalDepthPool,
    GlobalMaxPool,
    global_avg_pool,
    global_depth_pool,
    global_max_pool,
)

# ---------------------------------------------------------------------------
# Inputs: the same values in different memory layouts
# ---------------------------------------------------------------------------

SHAPES = [
    (1, 8, 4, 4),  # the blog post's example
    (2, 3, 5, 7),  # batch > 1, non-square
    (3, 4, 1, 9),
    (2, 5, 6, 1),
    (4, 2, 1, 1),
    (2, 3, 32, 33),  # large enough for the channels_last adaptive_max_pool2d path
    (2, 130, 3, 5),  # many channels over few positions: depth pooling's torch.max path
    (2, 3, 7),  # 1-D maps
    (1, 1, 1),
    (3, 4, 20),
    (2, 3, 4, 5, 6),  # 3-D maps
    (1, 2, 1, 3, 1),
    (2, 2, 3, 3, 8),
]

LAYOUTS = (
    "contiguous",
    "channels_last",
    "batch_channel_swapped",
    "spatial_transposed",
    "stepped",
    "channels_last_stepped",
)


def layouts_for(rank: int) -> tuple[str, ...]:
    """Layouts that make sense for ``rank`` spatial dims (a 1-D map has nothing to transpose)."""
    return tuple(layout for layout in LAYOUTS if not (layout == "spatial_transposed" and rank < 2))


def in_layout(x: torch.Tensor, layout: str) -> torch.Tensor:
    """A tensor equal to ``x`` whose memory is laid out as ``layout`` says.

    - channels_last: channels vary fastest (torch.channels_last for 4-D,
      channels_last_3d for 5-D, and the same idea for 3-D).
    - batch_channel_swapped, spatial_transposed: a transposed view.
    - stepped: every other element of a larger buffer along the last dim.
    - channels_last_stepped: every other channel of a channels_last buffer.
    """
    if layout == "contiguous":
        return x.contiguous()
    if layout == "channels_last":
        return x.movedim(1, -1).contiguous().movedim(-1, 1)
    if layout == "batch_channel_swapped":
        return x.transpose(0, 1).contiguous().transpose(0, 1)
    if layout == "spatial_transposed":
        return x.transpose(-1, -2).contiguous().transpose(-1, -2)
    if layout == "stepped":
        buffer = x.new_zeros(*x.shape[:-1], 2 * x.shape[-1])
        buffer[..., ::2] = x
        return buffer[..., ::2]
    if layout == "channels_last_stepped":
        buffer = in_layout(x.new_zeros(x.shape[0], 2 * x.shape[1], *x.shape[2:]), "channels_last")
        buffer[:, ::2] = x
        return buffer[:, ::2]
    raise AssertionError(f"unknown layout {layout!r}")


def shape_layout_cases():
    return [
        pytest.param(shape, layout, id=f"{'x'.join(map(str, shape))}-{layout}")
        for shape in SHAPES
        for layout in layouts_for(len(shape) - 2)
    ]


def spatial_dims(x: torch.Tensor) -> tuple[int, ...]:
    return tuple(range(2, x.dim()))


ADAPTIVE_AVG = {1: nn.AdaptiveAvgPool1d(1), 2: nn.AdaptiveAvgPool2d((1, 1)), 3: nn.AdaptiveAvgPool3d((1, 1, 1))}
ADAPTIVE_MAX = {
    1: nn.AdaptiveMaxPool1d(1, return_indices=True),
    2: nn.AdaptiveMaxPool2d((1, 1), return_indices=True),
    3: nn.AdaptiveMaxPool3d((1, 1, 1), return_indices=True),
}


def pooled_shape(shape, keepdim):
    """(N, C, *spatial) -> (N, C), or (N, C, 1, ...) with keepdim."""
    return tuple(shape[:2]) + ((1,) * (len(shape) - 2) if keepdim else ())


def depth_pooled_shape(shape, keepdim):
    """(N, C, *spatial) -> (N, 1, *spatial), or (N, *spatial) without keepdim."""
    return (shape[0],) + ((1,) if keepdim else ()) + tuple(shape[2:])


def test_the_layout_helper_makes_the_layouts_it_names():
    """The harness itself: each layout really is non-contiguous (or channels_last)."""
    x = torch.randn(2, 3, 5, 7)
    for layout in LAYOUTS:
        laid_out = in_layout(x, layout)
        assert torch.equal(laid_out, x), layout
        assert laid_out.is_contiguous() == (layout == "contiguous"), layout
        assert laid_out.is_contiguous(memory_format=torch.channels_last) == (layout == "channels_last"), layout
    volume = in_layout(torch.randn(2, 3, 4, 5, 6), "channels_last")
    assert volume.is_contiguous(memory_format=torch.channels_last_3d)


# ---------------------------------------------------------------------------
# Against torch's built-ins, shape by shape and layout by layout
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("shape", "layout"), shape_layout_cases())
def test_global_avg_pool_matches_adaptive_avg_pool_and_mean(shape, layout, generator):
    x = in_layout(torch.randn(shape, generator=generator), layout)
    rank = len(shape) - 2
    adaptive = ADAPTIVE_AVG[rank](x)

    for keepdim in (False, True):
        result = global_avg_pool(x, keepdim=keepdim)
        expected = adaptive if keepdim else adaptive.flatten(1)
        assert result.shape == pooled_shape(shape, keepdim)
        assert result.dtype == x.dtype
        torch.testing.assert_close(result, expected)
        torch.testing.assert_close(result, x.mean(dim=spatial_dims(x), keepdim=keepdim))
        assert torch.equal(GlobalAvgPool(keepdim=keepdim)(x), result)


@pytest.mark.parametrize(("shape", "layout"), shape_layout_cases())
def test_global_max_pool_matches_adaptive_max_pool_and_amax(shape, layout, generator):
    x = in_layout(torch.randn(shape, generator=generator), layout)
    rank = len(shape) - 2
    adaptive_values_kept, adaptive_indices_kept = ADAPTIVE_MAX[rank](x)

    for keepdim in (False, True):
        adaptive_values, adaptive_indices = adaptive_values_kept, adaptive_indices_kept
        if not keepdim:
            adaptive_values, adaptive_indices = adaptive_values.flatten(1), adaptive_indices.flatten(1)

        values = global_max_pool(x, keepdim=keepdim)
        assert values.shape == pooled_shape(shape, keepdim)
        # A max picks an element, so the values must be bit-for-bit those of torch.
        assert torch.equal(values, adaptive_values)
        assert torch.equal(values, x.amax(dim=spatial_dims(x), keepdim=keepdim))

        values_again, indices = global_max_pool(x, keepdim=keepdim, return_indices=True)
        assert torch.equal(values_again, values)
        assert indices.dtype == torch.int64
        assert torch.equal(indices, adaptive_indices)

        module_values, module_indices = GlobalMaxPool(keepdim=keepdim, return_indices=True)(x)
        assert torch.equal(module_values, values) and torch.equal(module_indices, indices)
        assert torch.equal(GlobalMaxPool(keepdim=keepdim)(x), values)


@pytest.mark.parametrize(("shape", "layout"), shape_layout_cases())
def test_global_depth_pool_matches_reductions_over_channels(shape, layout, generator):
    x = in_layout(torch.randn(shape, generator=generator), layout)
    channels = shape[1]
    # The blog post's idea done right: each position becomes a row of C values,
    # and a 1-D pool whose window is the whole row reduces it to one.
    rows = x.flatten(2).transpose(1, 2)
    row_maxima = F.max_pool1d(rows, kernel_size=channels).reshape(-1)
    row_means = F.avg_pool1d(rows, kernel_size=channels).reshape(-1)

    for keepdim in (True, False):
        expected_shape = depth_pooled_shape(shape, keepdim)
        maxima = global_depth_pool(x, mode="max", keepdim=keepdim)
        assert maxima.shape == expected_shape
        assert torch.equal(maxima, x.amax(dim=1, keepdim=keepdim))
        assert torch.equal(maxima, x.max(dim=1, keepdim=keepdim).values)
        assert torch.equal(maxima.reshape(-1), row_maxima)
        assert torch.equal(GlobalDepthPool(mode="max", keepdim=keepdim)(x), maxima)

        means = global_depth_pool(x, mode="avg", keepdim=keepdim)
        assert means.shape == expected_shape
        torch.testing.assert_close(means, x.mean(dim=1, keepdim=keepdim))
        torch.testing.assert_close(means.reshape(-1), row_means)
        assert torch.equal(GlobalDepthPool(mode="avg", keepdim=keepdim)(x), means)


def test_global_depth_pool_defaults_to_max_with_keepdim(generator):
    x = torch.randn(2, 5, 3, 4, generator=generator)
    assert torch.equal(global_depth_pool(x), x.amax(dim=1, keepdim=True))
    assert torch.equal(GlobalDepthPool()(x), x.amax(dim=1, keepdim=True))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
@pytest.mark.parametrize("shape", [(2, 3, 5, 7), (2, 3, 32, 33), (2, 130, 3, 5), (2, 3, 4, 5, 6), (3, 4, 9)])
def test_each_floating_dtype_matches_torch(shape, layout, dtype, generator):
    x = in_layout(torch.randn(shape, generator=generator, dtype=torch.float64).to(dtype), layout)
    rank = len(shape) - 2

    average = global_avg_pool(x)
    assert average.dtype == dtype
    torch.testing.assert_close(average, ADAPTIVE_AVG[rank](x).flatten(1))
    # Reduced precision must still be close to the exact mean of the same numbers.
    tolerance = {torch.float64: 1e-12, torch.float16: 2e-3, torch.bfloat16: 2e-2}[dtype]
    torch.testing.assert_close(
        average.double(), x.double().mean(dim=spatial_dims(x)), rtol=tolerance, atol=tolerance
    )

    values, indices = global_max_pool(x, return_indices=True)
    adaptive_values, adaptive_indices = ADAPTIVE_MAX[rank](x)
    assert values.dtype == dtype
    assert torch.equal(values, adaptive_values.flatten(1))
    # Rounding to 16 bits makes ties likely; both must pick the first.
    assert torch.equal(indices, adaptive_indices.flatten(1))
    assert torch.equal(global_max_pool(x), values)

    assert global_depth_pool(x).dtype == dtype
    assert torch.equal(global_depth_pool(x), x.amax(dim=1, keepdim=True))
    torch.testing.assert_close(global_depth_pool(x, mode="avg"), x.mean(dim=1, keepdim=True))


@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
def test_broadcast_input_with_zero_strides(layout, generator):
    """An expanded tensor repeats one column: every row ties, and the first column must win."""
    column = torch.randn(2, 3, 6, 1, generator=generator)
    x = column.expand(2, 3, 6, 5)
    if layout == "channels_last":
        x = in_layout(x, layout)
    torch.testing.assert_close(global_avg_pool(x), column.mean(dim=(2, 3)))
    values, indices = global_max_pool(x, return_indices=True)
    adaptive_values, adaptive_indices = F.adaptive_max_pool2d(x, 1, return_indices=True)
    assert torch.equal(values, adaptive_values.flatten(1))
    assert torch.equal(indices, adaptive_indices.flatten(1))
    winning_rows = column.flatten(2).argmax(dim=2)
    assert torch.equal(indices, winning_rows * x.shape[-1])  # column 0 of the winning row


# ---------------------------------------------------------------------------
# Indices: flat position in each (n, c) map, the first maximum winning
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["contiguous", "channels_last", "spatial_transposed", "stepped"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_indices_are_flat_positions_h_times_width_plus_w(layout, keepdim):
    height, width = 5, 7
    x = torch.zeros(2, 3, height, width)
    winners = {(0, 0): (2, 3), (0, 1): (0, 6), (0, 2): (4, 0), (1, 0): (4, 6), (1, 1): (1, 1), (1, 2): (0, 0)}
    for (n, c), (h, w) in winners.items():
        x[n, c, h, w] = 1.0 + n + c
    values, indices = global_max_pool(in_layout(x, layout), keepdim=keepdim, return_indices=True)
    for (n, c), (h, w) in winners.items():
        assert indices[n, c].item() == h * width + w
        assert values[n, c].item() == 1.0 + n + c


@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
def test_indices_in_3d_maps_are_d_times_h_times_w_plus_h_times_w_plus_w(layout):
    depth, height, width = 3, 4, 5
    x = torch.zeros(1, 2, depth, height, width)
    x[0, 0, 2, 1, 3] = 5.0
    x[0, 1, 0, 3, 4] = 5.0
    _, indices = global_max_pool(in_layout(x, layout), return_indices=True)
    assert indices[0, 0].item() == 2 * height * width + 1 * width + 3
    assert indices[0, 1].item() == 0 * height * width + 3 * width + 4


@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
@pytest.mark.parametrize("shape", [(2, 3, 5, 7), (2, 3, 32, 33), (2, 3, 2, 3, 4), (2, 3, 11)])
def test_ties_go_to_the_first_maximum(shape, layout):
    x = torch.zeros(shape)
    flat = x.view(shape[0], shape[1], -1)
    positions = flat.shape[-1]
    first, second = positions // 3, positions - 1
    flat[:, :, first] = 2.0
    flat[:, :, second] = 2.0
    values, indices = global_max_pool(in_layout(x, layout), return_indices=True)
    assert torch.equal(indices, torch.full(shape[:2], first))
    assert torch.equal(values, torch.full(shape[:2], 2.0))
    all_equal = in_layout(torch.ones(shape), layout)
    assert torch.equal(global_max_pool(all_equal, return_indices=True)[1], torch.zeros(shape[:2], dtype=torch.int64))


# ---------------------------------------------------------------------------
# Empty batches and channels
# ---------------------------------------------------------------------------

EMPTY_SHAPES = [(0, 3, 4, 5), (2, 0, 4, 5), (0, 0, 3, 3), (0, 2, 7), (3, 0, 7), (0, 2, 2, 3, 4), (3, 0, 2, 2, 2)]


@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape", EMPTY_SHAPES, ids=str)
def test_empty_batch_or_channels_give_empty_results_of_the_right_shape(shape, keepdim, layout):
    x = in_layout(torch.randn(shape), layout)
    expected = pooled_shape(shape, keepdim)

    average = global_avg_pool(x, keepdim=keepdim)
    assert average.shape == expected and average.numel() == 0
    assert global_max_pool(x, keepdim=keepdim).shape == expected
    values, indices = global_max_pool(x, keepdim=keepdim, return_indices=True)
    assert values.shape == expected and indices.shape == expected
    assert indices.dtype == torch.int64


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("shape", [(0, 3, 4, 5), (0, 2, 7), (0, 2, 2, 3, 4)], ids=str)
def test_depth_pool_of_an_empty_batch_is_empty(shape, mode):
    x = torch.randn(shape)
    assert global_depth_pool(x, mode=mode).shape == depth_pooled_shape(shape, True)
    assert global_depth_pool(x, mode=mode, keepdim=False).shape == depth_pooled_shape(shape, False)


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("shape", [(2, 0, 4, 5), (0, 0, 3), (3, 0, 2, 2, 2)], ids=str)
def test_depth_pool_with_no_channels_is_a_value_error(shape, mode):
    """Nothing to pool at any position; torch's mean would quietly return NaN."""
    with pytest.raises(ValueError) as error:
        global_depth_pool(torch.randn(shape), mode=mode)
    message = str(error.value)
    assert "global_depth_pool" in message
    assert "at least one channel" in message
    assert f"got shape {shape}" in message


# ---------------------------------------------------------------------------
# NaN and infinities propagate as in torch
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["contiguous", "channels_last", "stepped"])
@pytest.mark.parametrize("shape", [(2, 3, 5, 7), (2, 3, 32, 33), (2, 3, 2, 3, 4), (2, 3, 9)])
def test_one_nan_poisons_its_own_map_and_nothing_else(shape, layout, generator):
    x = torch.randn(shape, generator=generator)
    flat_position = math.prod(shape[2:]) // 2
    x.view(shape[0], shape[1], -1)[1, 2, flat_position] = float("nan")
    nan_map = torch.zeros(shape[:2], dtype=torch.bool)
    nan_map[1, 2] = True
    x = in_layout(x, layout)
    rank = len(shape) - 2

    average = global_avg_pool(x)
    assert torch.equal(average.isnan(), nan_map)
    torch.testing.assert_close(average, ADAPTIVE_AVG[rank](x).flatten(1), equal_nan=True)

    for values in (global_max_pool(x), global_max_pool(x, return_indices=True)[0]):
        assert torch.equal(values.isnan(), nan_map)
        torch.testing.assert_close(values, x.amax(dim=spatial_dims(x)), equal_nan=True, rtol=0, atol=0)
    _, indices = global_max_pool(x, return_indices=True)
    assert indices[1, 2].item() == flat_position
    assert torch.equal(indices, ADAPTIVE_MAX[rank](x)[1].flatten(1))

    for mode in ("max", "avg"):
        depth = global_depth_pool(x, mode=mode, keepdim=False)
        expected_nan = torch.zeros(depth.shape, dtype=torch.bool)
        expected_nan.view(shape[0], -1)[1, flat_position] = True
        assert torch.equal(depth.isnan(), expected_nan), mode


@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
@pytest.mark.parametrize("shape", [(1, 2, 5, 7), (1, 2, 32, 33)])
def test_several_nans_in_one_map_index_a_nan(shape, layout):
    """Which NaN wins differs between torch's kernels; that a NaN wins does not."""
    x = torch.randn(shape)
    x[0, 0, 1, 2] = float("nan")
    x[0, 0, 3, 4] = float("nan")
    values, indices = global_max_pool(in_layout(x, layout), return_indices=True)
    assert values[0, 0].isnan() and not values[0, 1].isnan()
    assert x.flatten(2)[0, 0, indices[0, 0]].isnan()


@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
def test_infinities(layout):
    x = torch.randn(2, 3, 4, 5)
    x[0, 0] = float("-inf")
    x[0, 1, 2, 2] = float("inf")
    x[1, 0, 0, 0], x[1, 0, 1, 1] = float("inf"), float("-inf")
    x = in_layout(x, layout)
    values, indices = global_max_pool(x, return_indices=True)
    assert values[0, 0].item() == float("-inf") and indices[0, 0].item() == 0  # all tied: the first
    assert values[0, 1].item() == float("inf") and indices[0, 1].item() == 2 * 5 + 2
    average = global_avg_pool(x)
    assert average[0, 0].item() == float("-inf") and average[0, 1].item() == float("inf")
    assert average[1, 0].isnan()  # inf + -inf, as torch.mean gives
    torch.testing.assert_close(average, F.adaptive_avg_pool2d(x, 1).flatten(1), equal_nan=True)


# ---------------------------------------------------------------------------
# Gradients
# ---------------------------------------------------------------------------


def distinct_values(shape, generator):
    """float64 values 0.01 apart in random order: no two within gradcheck's step of each other."""
    count = math.prod(shape)
    return (torch.randperm(count, generator=generator).double() * 0.01).reshape(shape)


GRADIENT_CASES = [
    ("global_avg_pool", lambda x: global_avg_pool(x)),
    ("global_avg_pool keepdim", lambda x: global_avg_pool(x, keepdim=True)),
    ("global_max_pool", lambda x: global_max_pool(x)),
    ("global_max_pool keepdim", lambda x: global_max_pool(x, keepdim=True)),
    ("global_max_pool values with indices", lambda x: global_max_pool(x, return_indices=True)[0]),
    ("global_depth_pool max", lambda x: global_depth_pool(x, mode="max")),
    ("global_depth_pool avg", lambda x: global_depth_pool(x, mode="avg", keepdim=False)),
]


@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 2, 32, 33), (2, 130, 2, 2), (2, 3, 6), (1, 2, 3, 2, 3)], ids=str)
@pytest.mark.parametrize(("name", "function"), GRADIENT_CASES, ids=[name for name, _ in GRADIENT_CASES])
def test_gradcheck_in_float64(name, function, shape, layout, generator):
    x = in_layout(distinct_values(shape, generator), layout).requires_grad_()
    # Past a few hundred elements the full Jacobian is slow to build; fast mode
    # checks it along random directions instead (same tolerance).
    fast_mode = x.numel() > 300
    assert torch.autograd.gradcheck(function, (x,), eps=1e-6, atol=1e-6, fast_mode=fast_mode)


@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
@pytest.mark.parametrize("shape", [(2, 3, 5, 7), (2, 3, 32, 33), (2, 3, 2, 2, 3), (2, 3, 8)])
def test_gradient_on_ties_lands_only_on_the_maxima(shape, layout):
    """amax splits the gradient evenly and adaptive_max_pool gives it to one cell;
    whichever runs, each map's gradient sums to 1 and lands only on maxima."""
    x = torch.zeros(shape, dtype=torch.float64)
    flat = x.view(shape[0], shape[1], -1)
    flat[:, :, 0] = 1.0
    flat[:, :, -1] = 1.0
    is_maximum = x == 1.0
    for return_indices in (False, True):
        leaf = in_layout(x.clone(), layout).requires_grad_()
        result = global_max_pool(leaf, return_indices=return_indices)
        values = result[0] if return_indices else result
        values.sum().backward()
        gradient = leaf.grad
        assert torch.all(gradient[~is_maximum] == 0)
        torch.testing.assert_close(gradient.sum(dim=spatial_dims(x)), torch.ones(shape[:2], dtype=torch.float64))
        if return_indices:
            # The gradient goes to the reported winner and nowhere else.
            winners = gradient.flatten(2).argmax(dim=2)
            assert torch.equal(winners, result[1])
            assert torch.all(gradient.flatten(2).amax(dim=2) == 1.0)


@pytest.mark.parametrize("layout", ["contiguous", "channels_last"])
@pytest.mark.parametrize("shape", [(2, 3, 5, 7), (2, 130, 3, 5)])
def test_depth_pool_gradient_on_tied_channels_lands_only_on_the_maxima(shape, layout):
    """Depth max pooling may run amax or max(dim=1) depending on the shape;
    either way each position's gradient sums to 1 over its tied channels."""
    x = torch.zeros(shape, dtype=torch.float64)
    x[:, 0] = 1.0
    x[:, -1] = 1.0
    leaf = in_layout(x, layout).requires_grad_()
    global_depth_pool(leaf).sum().backward()
    assert torch.all(leaf.grad[x != 1.0] == 0)
    torch.testing.assert_close(leaf.grad.sum(dim=1), torch.ones(shape[0], *shape[2:], dtype=torch.float64))


def test_average_gradient_is_one_over_the_map_size():
    x = torch.randn(2, 3, 4, 5, requires_grad=True)
    global_avg_pool(x).sum().backward()
    torch.testing.assert_close(x.grad, torch.full_like(x, 1 / 20))


# ---------------------------------------------------------------------------
# Property-based: random shapes, layouts and values
# ---------------------------------------------------------------------------

VALUE_STYLES = {
    # Few distinct values: many ties.
    "ties": st.integers(-3, 3).map(float),
    "spread": st.floats(-1e3, 1e3, allow_nan=False, width=32),
    "with_nan_and_infinities": st.sampled_from([float("nan"), float("inf"), float("-inf"), 0.0, 1.0, -1.0]),
}


@st.composite
def pooling_inputs(draw):
    """(values as a contiguous tensor, the same values in a drawn layout)."""
    rank = draw(st.integers(1, 3))
    # 2-D maps reach past 32x32 so the channels_last adaptive path is drawn too.
    side = st.integers(1, 40) if rank == 2 else st.integers(1, 6)
    spatial = draw(st.lists(side, min_size=rank, max_size=rank))
    shape = (draw(st.integers(0, 3)), draw(st.integers(0, 4)), *spatial)
    style = draw(st.sampled_from(sorted(VALUE_STYLES)))
    array = draw(numpy_strategies.arrays(np.float32, shape, elements=VALUE_STYLES[style]))
    x = torch.from_numpy(array)
    layout = draw(st.sampled_from(layouts_for(rank)))
    return x, in_layout(x, layout)


PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY_SETTINGS
@given(pooling_inputs(), st.booleans())
def test_property_global_avg_pool_is_the_mean_in_any_layout(inputs, keepdim):
    x, laid_out = inputs
    result = global_avg_pool(laid_out, keepdim=keepdim)
    assert result.shape == pooled_shape(x.shape, keepdim)
    exact = x.double().mean(dim=spatial_dims(x), keepdim=keepdim)
    torch.testing.assert_close(result.double(), exact, equal_nan=True, rtol=1e-5, atol=1e-3)


@PROPERTY_SETTINGS
@given(pooling_inputs(), st.booleans())
def test_property_global_max_pool_values_and_indices_in_any_layout(inputs, keepdim):
    x, laid_out = inputs
    values, indices = global_max_pool(laid_out, keepdim=keepdim, return_indices=True)
    assert values.shape == indices.shape == pooled_shape(x.shape, keepdim)
    torch.testing.assert_close(values, x.amax(dim=spatial_dims(x), keepdim=keepdim), equal_nan=True, rtol=0, atol=0)
    torch.testing.assert_close(global_max_pool(laid_out, keepdim=keepdim), values, equal_nan=True, rtol=0, atol=0)
    if x.numel() == 0:
        return
    flat = x.flatten(2)
    flat_values, flat_indices = values.reshape(flat.shape[:2]), indices.reshape(flat.shape[:2])
    picked = flat.gather(2, flat_indices.unsqueeze(2)).squeeze(2)
    torch.testing.assert_close(picked, flat_values, equal_nan=True, rtol=0, atol=0)
    has_nan = flat.isnan().any(dim=2)
    # Without NaN the index is the first maximum, exactly as AdaptiveMaxPool reports it.
    first_maximum = ADAPTIVE_MAX[x.dim() - 2](x)[1].reshape(flat.shape[:2])
    assert torch.equal(flat_indices[~has_nan], first_maximum[~has_nan])


@PROPERTY_SETTINGS
@given(pooling_inputs(), st.sampled_from(["max", "avg"]), st.booleans())
def test_property_global_depth_pool_reduces_the_channels(inputs, mode, keepdim):
    x, laid_out = inputs
    if x.shape[1] == 0:
        with pytest.raises(ValueError, match="global_depth_pool"):
            global_depth_pool(laid_out, mode=mode, keepdim=keepdim)
        return
    result = global_depth_pool(laid_out, mode=mode, keepdim=keepdim)
    assert result.shape == depth_pooled_shape(x.shape, keepdim)
    if mode == "max":
        torch.testing.assert_close(result, x.amax(dim=1, keepdim=keepdim), equal_nan=True, rtol=0, atol=0)
    else:
        exact = x.double().mean(dim=1, keepdim=keepdim)
        torch.testing.assert_close(result.double(), exact, equal_nan=True, rtol=1e-5, atol=1e-3)


# ---------------------------------------------------------------------------
# The op picked for each memory layout (speed itself belongs in benchmarks/)
# ---------------------------------------------------------------------------


class RecordOperators(TorchDispatchMode):
    """Record every aten operator that runs, by name ('mean', 'amax', ...)."""

    def __init__(self):
        super().__init__()
        self.operators: list[str] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.operators.append(func.overloadpacket.__name__)
        return func(*args, **(kwargs or {}))


def operators_run(function, x):
    with RecordOperators() as recorder:
        function(x)
    # Views cost nothing; the interesting part is which kernel reads the data.
    return [name for name in recorder.operators if name not in ("view", "_unsafe_view", "alias")]


DISPATCH_CASES = [
    # (function, shape, layout, the one kernel expected to read the tensor)
    (global_avg_pool, (2, 3, 5, 7), "contiguous", "mean"),
    (global_avg_pool, (2, 3, 5, 7), "channels_last", "mean"),
    (global_max_pool, (2, 3, 5, 7), "contiguous", "amax"),
    (global_max_pool, (2, 3, 5, 7), "channels_last", "amax"),
    (lambda x: global_max_pool(x, return_indices=True), (2, 3, 5, 7), "contiguous", "max"),
    (lambda x: global_max_pool(x, return_indices=True), (2, 3, 5, 7), "channels_last", "adaptive_max_pool2d"),
    (lambda x: global_max_pool(x, return_indices=True), (2, 3, 2, 3, 4), "channels_last", "adaptive_max_pool3d"),
    (lambda x: global_max_pool(x, return_indices=True), (2, 3, 7), "channels_last", "max"),
    (global_depth_pool, (2, 3, 5, 7), "contiguous", "amax"),
    (global_depth_pool, (2, 3, 5, 7), "channels_last", "amax"),
    (global_depth_pool, (2, 130, 3, 5), "contiguous", "amax"),
    (lambda x: global_depth_pool(x, mode="avg"), (2, 130, 3, 5), "contiguous", "mean"),
]


@pytest.mark.parametrize(("function", "shape", "layout", "kernel"), DISPATCH_CASES)
def test_one_kernel_reads_the_input_and_nothing_copies_it(function, shape, layout, kernel):
    """Validation runs no tensor op, and no path copies the input first
    (a copy of a channels_last tensor costs more than the pooling)."""
    x = in_layout(torch.randn(shape), layout)
    assert operators_run(function, x) == [kernel]


# ---------------------------------------------------------------------------
# Bad input: a clear TypeError or ValueError naming the function
# ---------------------------------------------------------------------------

EXPECTS = "floating-point tensor shaped (N, C, *spatial) with 1-3 spatial dims"

CALLERS = [
    ("global_avg_pool", global_avg_pool),
    ("global_max_pool", global_max_pool),
    ("global_max_pool", lambda x: global_max_pool(x, return_indices=True)),
    ("global_depth_pool", global_depth_pool),
    ("global_avg_pool", GlobalAvgPool()),
    ("global_max_pool", GlobalMaxPool()),
    ("global_depth_pool", GlobalDepthPool(mode="avg")),
]
CALLER_IDS = ["avg", "max", "max-indices", "depth", "GlobalAvgPool", "GlobalMaxPool", "GlobalDepthPool"]

WRONG_TYPES = [
    pytest.param([[1.0, 2.0]], "a list", id="list"),
    pytest.param(3.0, "a float", id="float"),
    pytest.param(None, "a NoneType", id="None"),
    pytest.param(np.zeros((1, 2, 3, 3), dtype=np.float32), "numpy array of shape (1, 2, 3, 3)", id="numpy"),
    pytest.param(torch.zeros(1, 2, 3, 3, dtype=torch.int64), "torch.int64 (convert with x.float())", id="int64"),
    pytest.param(torch.zeros(1, 2, 3, 3, dtype=torch.uint8), "torch.uint8", id="uint8"),
    pytest.param(torch.zeros(1, 2, 3, 3, dtype=torch.bool), "torch.bool", id="bool"),
    pytest.param(torch.zeros(1, 2, 3, 3, dtype=torch.complex64), "torch.complex64 (pool x.real or x.abs())", id="complex64"),
]


@pytest.mark.parametrize(("value", "described_as"), WRONG_TYPES)
@pytest.mark.parametrize(("name", "caller"), CALLERS, ids=CALLER_IDS)
def test_wrong_types_are_type_errors_naming_function_expectation_and_input(name, caller, value, described_as):
    with pytest.raises(TypeError) as error:
        caller(value)
    message = str(error.value)
    assert name in message
    assert EXPECTS in message
    assert described_as in message


WRONG_SHAPES = [
    pytest.param((8, 4), id="2-D"),
    pytest.param((5,), id="1-D"),
    pytest.param((), id="scalar"),
    pytest.param((1, 2, 3, 4, 5, 6), id="6-D"),
    pytest.param((1, 2, 0, 4), id="empty height"),
    pytest.param((1, 2, 4, 0), id="empty width"),
    pytest.param((2, 3, 0), id="empty length"),
    pytest.param((1, 2, 3, 0, 5), id="empty 3-D dim"),
]


@pytest.mark.parametrize("shape", WRONG_SHAPES)
@pytest.mark.parametrize(("name", "caller"), CALLERS, ids=CALLER_IDS)
def test_wrong_shapes_are_value_errors_naming_function_expectation_and_shape(name, caller, shape):
    with pytest.raises(ValueError) as error:
        caller(torch.zeros(shape))
    message = str(error.value)
    assert name in message
    assert EXPECTS in message
    assert f"got shape {shape}" in message


def test_torch_layers_accept_what_the_helpers_reject():
    """Why the checks exist: torch's own layers give an answer to these."""
    # A 2-D tensor is pooled as one (1, 8, 4) "image": (8, 4) -> (1, 1).
    assert nn.AdaptiveAvgPool2d(1)(torch.randn(8, 4)).shape == (1, 1)
    # An empty map averages to NaN instead of failing.
    assert F.adaptive_avg_pool2d(torch.randn(1, 2, 0, 4), 1).isnan().all()
    for helper in (global_avg_pool, global_max_pool, global_depth_pool):
        with pytest.raises(ValueError):
            helper(torch.randn(8, 4))
        with pytest.raises(ValueError):
            helper(torch.randn(1, 2, 0, 4))


BAD_MODES = ["mean", "MAX", "max ", "", None, 1, "sum"]


@pytest.mark.parametrize("mode", BAD_MODES, ids=repr)
def test_unknown_depth_mode_is_a_value_error(mode):
    with pytest.raises(ValueError) as error:
        global_depth_pool(torch.randn(1, 2, 3, 3), mode=mode)
    message = str(error.value)
    assert "global_depth_pool" in message
    assert "mode" in message and "'max', 'avg'" in message
    assert f"got {mode!r}" in message

    with pytest.raises(ValueError) as error:
        GlobalDepthPool(mode=mode)
    assert "GlobalDepthPool" in str(error.value) and f"got {mode!r}" in str(error.value)


def test_input_is_checked_before_the_mode():
    """The input is the likelier mistake, so its message comes first."""
    with pytest.raises(TypeError, match="global_depth_pool"):
        global_depth_pool([1.0], mode="sum")


# ---------------------------------------------------------------------------
# Module twins
# ---------------------------------------------------------------------------


def test_modules_print_their_options_and_hold_no_parameters():
    modules = {
        GlobalAvgPool(keepdim=True): "keepdim=True",
        GlobalMaxPool(keepdim=False, return_indices=True): "keepdim=False, return_indices=True",
        GlobalDepthPool(mode="avg", keepdim=False): "mode='avg', keepdim=False",
    }
    for module, options in modules.items():
        assert repr(module) == f"{type(module).__name__}({options})"
        assert list(module.parameters()) == [] and list(module.buffers()) == []


def test_modules_fit_in_a_sequential_head(generator):
    features = torch.randn(4, 16, 7, 7, generator=generator)
    head = nn.Sequential(GlobalAvgPool(), nn.Linear(16, 10))
    assert head(features).shape == (4, 10)
    keepdim_head = nn.Sequential(GlobalMaxPool(keepdim=True), nn.Conv2d(16, 10, kernel_size=1), nn.Flatten())
    assert keepdim_head(features).shape == (4, 10)
