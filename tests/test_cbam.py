"""CBAM spatial attention (Woo et al. 2018, arXiv:1807.06521) on global depth pooling."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from gpool_helpers import article_example
from gpool_helpers.cnn.cbam import CBAM_KERNEL_SIZE, SpatialAttention, channel_descriptors


def seeded(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def test_descriptors_are_mean_then_max_over_channels():
    x = seeded(3, 5, 6, 7)
    descriptors = channel_descriptors(x)
    assert descriptors.shape == (3, 2, 6, 7)
    # Independent of the helper: loop over positions and pool the C values by hand.
    for n in range(3):
        for h in range(6):
            for w in range(7):
                column = x[n, :, h, w]
                assert torch.isclose(descriptors[n, 0, h, w], column.sum() / 5)
                assert descriptors[n, 1, h, w] == max(column.tolist())


@pytest.mark.parametrize("shape", [(1, 8, 4, 4), (2, 3, 5, 7), (4, 1, 1, 1), (2, 16, 9, 3)])
def test_attention_map_shape_and_range(shape):
    # Includes N > 1, C = 1 and 1x1 maps: nothing depends on the article's 1x8x4x4.
    layer = SpatialAttention(generator=torch.Generator().manual_seed(1))
    x = seeded(*shape)
    attention = layer.attention_map(x)
    assert attention.shape == (shape[0], 1, *shape[2:])
    assert bool(((attention > 0) & (attention < 1)).all())
    assert layer(x).shape == x.shape


def test_forward_equals_conv_of_descriptors_then_sigmoid_times_input():
    layer = SpatialAttention(generator=torch.Generator().manual_seed(2))
    x = seeded(2, 6, 8, 5, seed=3)
    stacked = torch.cat([x.mean(dim=1, keepdim=True), x.max(dim=1, keepdim=True).values], dim=1)
    attention = torch.sigmoid(F.conv2d(stacked, layer.conv.weight, padding=CBAM_KERNEL_SIZE // 2))
    torch.testing.assert_close(layer.attention_map(x), attention)
    torch.testing.assert_close(layer(x), x * attention)


def test_empty_batch_double_precision_and_channels_last_inputs():
    layer = SpatialAttention(generator=torch.Generator().manual_seed(4))
    assert layer(torch.ones(0, 3, 4, 4)).shape == (0, 3, 4, 4)
    x = seeded(2, 3, 5, 5, seed=14)
    # The conv's weights stay float32; a float64 input keeps its dtype at the output.
    assert layer(x.double()).dtype == torch.float64
    torch.testing.assert_close(layer(x.double()).float(), layer(x))
    torch.testing.assert_close(layer(x.contiguous(memory_format=torch.channels_last)), layer(x))


def test_parameter_count_does_not_depend_on_channels():
    layer = SpatialAttention()
    assert sum(p.numel() for p in layer.parameters()) == 2 * 7 * 7
    for channels in (1, 8, 64):
        assert layer.attention_map(seeded(1, channels, 7, 7)).shape == (1, 1, 7, 7)


def test_generator_makes_weights_reproducible_and_leaves_global_state_alone():
    state = torch.get_rng_state()
    first = SpatialAttention(generator=torch.Generator().manual_seed(5))
    after_first = torch.get_rng_state()
    second = SpatialAttention(generator=torch.Generator().manual_seed(5))
    other = SpatialAttention(generator=torch.Generator().manual_seed(6))
    assert torch.equal(first.conv.weight, second.conv.weight)
    assert not torch.equal(first.conv.weight, other.conv.weight)
    # nn.Conv2d's constructor draws from the global generator once; our re-draw must not add to it.
    torch.set_rng_state(state)
    SpatialAttention()
    assert torch.equal(torch.get_rng_state(), after_first)
    bound = 1 / (2 * 7 * 7) ** 0.5
    assert float(first.conv.weight.detach().abs().max()) <= bound


def test_centre_weights_give_a_pointwise_map():
    x = article_example()
    layer = SpatialAttention.from_centre_weights(mean_weight=1.0, max_weight=2.0, bias=-1.0)
    expected = torch.sigmoid(x.mean(dim=1, keepdim=True) + 2 * x.amax(dim=1, keepdim=True) - 1)
    torch.testing.assert_close(layer.attention_map(x), expected)


def test_kernel_sees_neighbours():
    # A change at one cell moves the map within 3 cells of it (a 7x7 kernel) and nowhere else.
    layer = SpatialAttention(generator=torch.Generator().manual_seed(7))
    x = seeded(1, 4, 12, 12, seed=8)
    bumped = x.clone()
    bumped[0, :, 6, 6] += 5.0
    changed = (layer.attention_map(bumped) - layer.attention_map(x)).abs()[0, 0] > 1e-7
    rows, cols = torch.nonzero(changed, as_tuple=True)
    assert changed[6, 6]
    assert int(rows.min()) >= 3 and int(rows.max()) <= 9
    assert int(cols.min()) >= 3 and int(cols.max()) <= 9
    assert not changed[0, 0] and not changed[11, 11]


def test_gradient_reaches_the_conv_weights_and_the_input():
    layer = SpatialAttention(generator=torch.Generator().manual_seed(9))
    x = seeded(2, 3, 5, 5, seed=10).requires_grad_()
    layer(x).sum().backward()
    assert layer.conv.weight.grad is not None and float(layer.conv.weight.grad.abs().sum()) > 0
    assert x.grad is not None and x.grad.shape == x.shape


@pytest.mark.parametrize("kernel_size", [3, 1])
def test_other_odd_kernel_sizes_keep_the_size(kernel_size):
    layer = SpatialAttention(kernel_size=kernel_size)
    assert layer.attention_map(seeded(1, 3, 6, 4)).shape == (1, 1, 6, 4)
    assert f"kernel_size={kernel_size}" in repr(layer)


@pytest.mark.parametrize(
    ("kernel_size", "error"),
    [(0, ValueError), (4, ValueError), (-3, ValueError), (7.0, TypeError), (True, TypeError), ("7", TypeError)],
)
def test_bad_kernel_size_is_rejected(kernel_size, error):
    # The package-wide convention: a wrong type is a TypeError, a wrong value a ValueError.
    with pytest.raises(error, match="SpatialAttention expects kernel_size"):
        SpatialAttention(kernel_size=kernel_size)


def test_bad_inputs_get_clear_errors():
    layer = SpatialAttention()
    with pytest.raises(TypeError, match=r"SpatialAttention expects .*got a list"):
        layer([[1.0]])
    with pytest.raises(ValueError, match=r"\(N, C, H, W\) \(4 dims\); got shape \(8, 4, 4\)"):
        layer(seeded(8, 4, 4))
    with pytest.raises(TypeError, match="SpatialAttention expects .*dtype torch.int64"):
        layer(torch.ones(1, 2, 3, 3, dtype=torch.int64))
    with pytest.raises(ValueError, match=r"SpatialAttention expects C, H and W > 0; got shape \(1, 0, 3, 3\)"):
        layer(torch.ones(1, 0, 3, 3))
    with pytest.raises(ValueError, match=r"channel_descriptors expects .*\(2, 3, 0, 4\)"):
        channel_descriptors(torch.ones(2, 3, 0, 4))
    with pytest.raises(ValueError, match="channel_descriptors expects"):
        channel_descriptors(seeded(1, 2, 3, 3, 3))
    with pytest.raises(TypeError, match="from_centre_weights expects mean_weight to be a finite number; got a str"):
        SpatialAttention.from_centre_weights("1", 1.0)
    with pytest.raises(TypeError, match="expects max_weight to be a finite number; got a bool"):
        SpatialAttention.from_centre_weights(1.0, True)
    with pytest.raises(ValueError, match="expects bias to be a finite number; got nan"):
        SpatialAttention.from_centre_weights(1.0, 1.0, bias=float("nan"))


# ----------------------------------------------------------------------------
# The plots of notebook 04 that read these layers (gpool_helpers.viz.depth)
# ----------------------------------------------------------------------------

from gpool_helpers.viz.depth import plot_channel_winners, plot_spatial_attention  # noqa: E402


def _image_data(axes):
    return torch.as_tensor(axes.get_images()[0].get_array().data)


def test_channel_winner_plot_shows_the_depth_max_and_the_argmax_channel():
    x = seeded(2, 5, 3, 6, seed=11)
    figure = plot_channel_winners(x, sample=1)
    value_axes, winner_axes = [axes for axes in figure.axes if axes.get_images()]
    torch.testing.assert_close(_image_data(value_axes).float(), x[1].amax(dim=0))
    assert torch.equal(_image_data(winner_axes).long(), x[1].argmax(dim=0))
    assert "(1, 5, 3, 6) -> (1, 1, 3, 6)" in value_axes.get_title()
    # Every cell carries its channel number as text (palette colours repeat past 8).
    assert len(winner_axes.texts) == 3 * 6


def test_channel_winner_plot_names_channels_that_never_win():
    x = torch.zeros(1, 3, 2, 2)
    x[0, 2] = 1.0  # channel 2 wins every cell
    title = plot_channel_winners(x).axes[1].get_title()
    assert "never win: 0, 1" in title


def test_attention_plot_shows_descriptors_and_the_layers_map():
    x = seeded(1, 8, 4, 4, seed=12)
    layer = SpatialAttention(generator=torch.Generator().manual_seed(13))
    figure = plot_spatial_attention(x, layer)
    images = [axes for axes in figure.axes if axes.get_images()]
    assert len(images) == 3
    torch.testing.assert_close(_image_data(images[0]).float(), x[0].mean(dim=0))
    torch.testing.assert_close(_image_data(images[1]).float(), x[0].amax(dim=0))
    torch.testing.assert_close(_image_data(images[2]).float(), layer.attention_map(x)[0, 0].detach())
    assert images[2].get_images()[0].get_clim() == (0.0, 1.0)


def test_plots_reject_bad_input():
    # A tensor of the wrong shape is a wrong value (ValueError); a non-tensor a wrong type.
    with pytest.raises(ValueError, match=r"plot_channel_winners expects a tensor shaped \(N, C, H, W\)"):
        plot_channel_winners(seeded(8, 4, 4))
    with pytest.raises(TypeError, match=r"plot_channel_winners expects a tensor shaped \(N, C, H, W\); got a list"):
        plot_channel_winners([[1.0]])
    with pytest.raises(TypeError, match="plot_spatial_attention expects a floating-point tensor"):
        plot_spatial_attention(torch.ones(1, 3, 4, 4, dtype=torch.int64), SpatialAttention())
    with pytest.raises(ValueError, match="sample to be an int from 0 to 1; got 2"):
        plot_channel_winners(seeded(2, 3, 4, 4), sample=2)
    with pytest.raises(TypeError, match="plot_spatial_attention expects sample to be an int from 0 to 1; got a str"):
        plot_spatial_attention(seeded(2, 3, 4, 4), SpatialAttention(), sample="0")
    with pytest.raises(TypeError, match="expects a SpatialAttention layer"):
        plot_spatial_attention(seeded(1, 3, 4, 4), torch.nn.Conv2d(2, 1, 7))


def test_attention_plot_gives_mean_and_max_their_own_scale():
    # On a shared scale the mean map (a narrow range near 0) looked flat beside the max.
    x = seeded(1, 8, 4, 4, seed=14)
    figure = plot_spatial_attention(x, SpatialAttention.from_centre_weights(1.0, 1.0, -2.0))
    mean_image, max_image = [axes.get_images()[0] for axes in figure.axes if axes.get_images()][:2]
    assert mean_image.get_clim() == pytest.approx((float(x[0].mean(0).min()), float(x[0].mean(0).max())))
    assert max_image.get_clim() == pytest.approx((float(x[0].amax(0).min()), float(x[0].amax(0).max())))
    assert mean_image.get_clim() != max_image.get_clim()
    assert len(figure.axes) == 6  # three panels, three colourbars


def test_attention_plots_of_different_layers_say_which_layer():
    x = seeded(1, 8, 4, 4, seed=15)
    readable = plot_spatial_attention(x, SpatialAttention.from_centre_weights(1.0, 1.0, -2.0), layer_name="centre weights")
    untrained = plot_spatial_attention(x, SpatialAttention(generator=torch.Generator().manual_seed(0)), layer_name="random weights")
    assert readable._suptitle.get_text() != untrained._suptitle.get_text()
    assert "centre weights" in readable._suptitle.get_text()
    with pytest.raises(TypeError, match="layer_name as text"):
        plot_spatial_attention(x, SpatialAttention(), layer_name=3)
