"""Notebook 05's pictures: one tile per adaptive window, and SPP's levels as grids."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from gpool_helpers import adaptive_bins, article_example, spatial_pyramid_pool
from gpool_helpers.viz.adaptive import plot_adaptive_windows, plot_spp_pyramid, window_mosaic


@pytest.mark.parametrize("side, out", [(4, 3), (7, 4), (5, 3), (12, 12)])
def test_each_tile_shows_exactly_its_window(side, out):
    values = article_example(shape=(1, 1, side, side))[0, 0]
    rows = cols = adaptive_bins(side, out)
    mosaic = window_mosaic(values, rows, cols)
    assert mosaic.shape == (out * (side + 1) - 1, out * (side + 1) - 1)
    for i, (top, bottom) in enumerate(rows):
        for j, (left, right) in enumerate(cols):
            tile = mosaic[i * (side + 1) : i * (side + 1) + side, j * (side + 1) : j * (side + 1) + side]
            shown = ~tile.isnan()
            expected = torch.zeros(side, side, dtype=torch.bool)
            expected[top:bottom, left:right] = True
            assert torch.equal(shown, expected)
            assert torch.equal(tile[shown], values[top:bottom, left:right].flatten())
            # The tile's mean is the output cell's value: the tile is that cell's window.
            torch.testing.assert_close(
                tile[shown].mean(), F.adaptive_avg_pool2d(values[None, None], out)[0, 0, i, j]
            )
    # Gap rows between tiles are empty.
    if out > 1:
        assert bool(mosaic[side].isnan().all())


def test_spp_pyramid_draws_each_level_as_its_grid_with_its_place_in_the_vector():
    small = article_example()
    large = article_example(seed=1, shape=(1, 8, 13, 9))
    figure = plot_spp_pyramid(small, large, channel=3)
    assert len(figure.axes) == 2 * 4
    for row, x in enumerate((small, large)):
        vector = spatial_pyramid_pool(x)[0]
        offset = 0
        for column, level in enumerate((1, 2, 4), start=1):
            axes = figure.axes[row * 4 + column]
            grid = torch.as_tensor(axes.get_images()[0].get_array().data)
            assert grid.shape == (level, level)
            start = offset + 3 * level * level
            assert f"vector[{start}:{start + level * level}]" in axes.get_title()
            assert torch.equal(grid.float(), vector[start : start + level * level].reshape(level, level))
            offset += 8 * level * level
    assert "1 + 4 + 16 = 21" in figure._suptitle.get_text()


def test_spp_pyramid_rejects_bad_input():
    with pytest.raises(ValueError, match="at least one"):
        plot_spp_pyramid()
    with pytest.raises(ValueError, match="plot_spp_pyramid expects channel to be an int from 0 to 7; got 8"):
        plot_spp_pyramid(article_example(), channel=8)
    with pytest.raises(TypeError, match="plot_spp_pyramid expects channel to be an int from 0 to 7; got a float"):
        plot_spp_pyramid(article_example(), channel=1.0)
    # A tensor of the wrong shape is a wrong value (ValueError); a non-tensor a wrong type.
    with pytest.raises(ValueError, match=r"plot_spp_pyramid expects a tensor shaped \(N, C, H, W\)"):
        plot_spp_pyramid(article_example()[0])
    with pytest.raises(TypeError, match=r"plot_spp_pyramid expects a tensor shaped \(N, C, H, W\); got a list"):
        plot_spp_pyramid([[1.0]])


@pytest.mark.parametrize(
    "output_size, error, words",
    [
        ("2", TypeError, r"output_size to be an int or a pair of ints such as \(2, 3\); got a str"),
        (2.0, TypeError, r"output_size to be an int or a pair of ints such as \(2, 3\); got a float"),
        ((2, 2, 2), ValueError, r"output_size to be an int or a pair of ints such as \(2, 3\); got \(2, 2, 2\)"),
        ((2, 0), ValueError, "every value in output_size to be an int from 1 to 64; got 0"),
        ((2, 1.5), TypeError, "every value in output_size to be an int from 1 to 64; got a float"),
    ],
)
def test_adaptive_windows_name_the_output_size_they_take(output_size, error, words):
    with pytest.raises(error, match=f"plot_adaptive_windows expects {words}"):
        plot_adaptive_windows(article_example(shape=(1, 1, 4, 4))[0, 0], output_size)


def test_adaptive_windows_take_one_int_for_a_square_output():
    square = plot_adaptive_windows(article_example(shape=(1, 1, 4, 4))[0, 0], 2)
    pair = plot_adaptive_windows(article_example(shape=(1, 1, 4, 4))[0, 0], (2, 2))
    assert square.get_suptitle() == pair.get_suptitle()
