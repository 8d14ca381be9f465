"""Plots: style helpers, feature-map heatmaps and "input -> pooled output" for every kind.

Figures are checked through what they drew (``figure.gpool_parts``, artist
gids, titles), never through pixels: the numbers a learner reads must be the
numbers pooling computed.
"""

from __future__ import annotations

import io

import numpy
import pytest
import torch
from matplotlib import _pylab_helpers
from matplotlib.figure import Figure
from PIL import Image

from gpool_helpers import article_example, get_kind, kind_names
from gpool_helpers.pooling import registry
from gpool_helpers.viz import heatmaps, style
from gpool_helpers.viz.heatmaps import format_shape, plot_feature_maps, plot_pooling

#: The article's example, an odd non-square shape with a batch, and the explorer's size cap.
SHAPES = [(1, 8, 4, 4), (2, 3, 7, 5), (4, 16, 32, 32)]


def parts(figure: Figure, gid: str) -> list[heatmaps.DrawnPart]:
    return [part for part in figure.gpool_parts if part.gid == gid]


def texts_with_gid(figure: Figure, gid: str) -> list[str]:
    """Text artists (title notes) and painted labels with this gid, in drawing order."""
    found = [text.get_text() for text in figure.texts if text.get_gid() == gid]
    for part in parts(figure, gid):
        found += list(part.labels or ())
    return found


def colour_scale(figure: Figure) -> tuple[float, float]:
    (bar,) = parts(figure, heatmaps.GID_COLORBAR)
    return tuple(bar.values)


def title(figure: Figure) -> str:
    return figure._suptitle.get_text()


def pooled_of(x: torch.Tensor, kind_name: str) -> torch.Tensor:
    with torch.no_grad():
        return get_kind(kind_name).function(x)


def check_labels(labels, values) -> None:
    """Written labels are the values, rounded to what the label shows."""
    assert len(labels) == values.size
    for label, value in zip(labels, numpy.ravel(values)):
        decimals = len(label.split(".")[1]) if "." in label else 0
        assert float(label) == pytest.approx(value, abs=0.5 * 10**-decimals + 1e-9)


# -- style ------------------------------------------------------------------------------


def test_new_figure_is_opaque_white_and_not_registered_with_pyplot():
    open_before = _pylab_helpers.Gcf.get_num_fig_managers()
    figure = style.new_figure(4, 3)
    assert isinstance(figure, Figure)
    assert figure.get_facecolor() == (1.0, 1.0, 1.0, 1.0)
    assert _pylab_helpers.Gcf.get_num_fig_managers() == open_before


def test_new_figure_caps_width_and_keeps_proportions():
    figure = style.new_figure(19, 6)
    width, height = figure.get_size_inches()
    assert width == pytest.approx(style.MAX_WIDTH_INCHES)
    assert height == pytest.approx(6 * style.MAX_WIDTH_INCHES / 19, abs=0.01)


@pytest.mark.parametrize(
    "width, height, error",
    [(0, 3, ValueError), (-1, 3, ValueError), (4, "3", TypeError), (True, 3, TypeError),
     (4, float("nan"), ValueError)],
)
def test_new_figure_rejects_sizes_that_are_not_positive_numbers(width, height, error):
    with pytest.raises(error, match="new_figure expects (width|height)_inches to be a positive finite number"):
        style.new_figure(width, height)


@pytest.mark.parametrize(
    "figure, level, error, words",
    [(None, 6, TypeError, "a matplotlib Figure; got a NoneType"), ("figure", 6, TypeError, "a matplotlib Figure; got a str"),
     ("new", 10, ValueError, "compress_level"),
     ("new", -1, ValueError, "compress_level"), ("new", 6.0, TypeError, "compress_level to be an int from 0 to 9")],
)
def test_figure_to_png_rejects_bad_input(figure, level, error, words):
    figure = style.new_figure(1, 1) if figure == "new" else figure
    with pytest.raises(error, match=f"figure_to_png expects {words}"):
        style.figure_to_png(figure, compress_level=level)


def test_figure_to_png_is_opaque_and_identical_on_every_call():
    figure = plot_pooling(article_example(), "avg")
    first, second = style.figure_to_png(figure), style.figure_to_png(figure)
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    assert first == second
    image = Image.open(io.BytesIO(first))
    alpha = numpy.asarray(image.convert("RGBA"))[..., 3]
    assert alpha.min() == 255
    assert b"Software" not in first
    # A faster, lighter compression still gives the same picture.
    fast = Image.open(io.BytesIO(style.figure_to_png(figure, compress_level=1)))
    assert numpy.array_equal(numpy.asarray(fast), numpy.asarray(image))


def test_text_colour_reads_on_the_ends_of_the_colormaps():
    import matplotlib

    viridis = matplotlib.colormaps[style.SEQUENTIAL_CMAP]
    assert style.text_colour_on(viridis(0.0)) == "white"  # dark purple
    assert style.text_colour_on(viridis(1.0)) == "black"  # yellow
    assert style.text_colour_on("#000000") == "white"


def test_categorical_colours_are_distinct_and_cycle():
    assert len(set(style.CATEGORICAL_COLOURS)) == len(style.CATEGORICAL_COLOURS)
    assert style.categorical_colour(len(style.CATEGORICAL_COLOURS) + 2) == style.CATEGORICAL_COLOURS[2]


def test_enable_notebook_display_is_harmless_outside_ipython():
    assert style.enable_notebook_display() is False


# -- plot_pooling: every kind, several shapes --------------------------------------------


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: "x".join(map(str, shape)))
@pytest.mark.parametrize("kind_name", kind_names())
def test_plot_pooling_titles_axes_and_maps(kind_name, shape):
    x = article_example(shape=shape)
    pooled = pooled_of(x, kind_name)
    figure = plot_pooling(x, kind_name)

    assert title(figure) == f"{kind_name}: {format_shape(shape)} -> {format_shape(pooled.shape)}"
    assert tuple(pooled.shape) == tuple(get_kind(kind_name).output_shape(shape))
    # Everything is painted: no axes to build, one colour scale.
    assert figure.axes == []
    assert len(parts(figure, heatmaps.GID_COLORBAR)) == 1
    assert figure.get_size_inches()[0] <= style.MAX_WIDTH_INCHES + 1e-9

    drawn = min(shape[1], heatmaps.DEFAULT_MAX_CHANNELS)
    maps = parts(figure, heatmaps.GID_MAP)
    assert [part.channel for part in maps] == list(range(drawn))
    for part in maps:
        assert numpy.allclose(part.values, x[0, part.channel].numpy())
    assert texts_with_gid(figure, heatmaps.GID_MAP_LABEL) == [f"channel {c}" for c in range(drawn)]

    written = parts(figure, heatmaps.GID_VALUE)
    if max(shape[2:]) <= heatmaps.ANNOTATE_MAX_SIDE:
        assert [part.channel for part in written] == list(range(drawn))
        for part in written:
            check_labels(part.labels, x[0, part.channel].numpy())
            assert part.font_size >= 5.5  # legible at 100 dpi
    else:
        assert written == []

    notes = " | ".join(texts_with_gid(figure, heatmaps.GID_NOTE))
    if shape[0] > 1:
        assert f"sample 0 of {shape[0]} drawn" in notes


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: "x".join(map(str, shape)))
@pytest.mark.parametrize("kind_name", [name for name in kind_names() if get_kind(name).pools_over == "space"])
def test_space_kinds_put_each_channels_pooled_values_under_its_map(kind_name, shape):
    x = article_example(shape=shape)
    pooled = pooled_of(x, kind_name)
    figure = plot_pooling(x, kind_name)
    drawn = min(shape[1], heatmaps.DEFAULT_MAX_CHANNELS)
    blocks = parts(figure, heatmaps.GID_POOLED)
    assert [part.channel for part in blocks] == list(range(drawn))
    per_channel = pooled.shape[1] // shape[1]
    maps = {part.channel: part.extent for part in parts(figure, heatmaps.GID_MAP)}
    for part in blocks:
        values = part.values[numpy.isfinite(part.values)]
        assert values.size == per_channel
        # Same columns as the channel's map, and below it (y grows downwards).
        assert part.extent[0] == pytest.approx(maps[part.channel][0])
        assert part.extent[3] > maps[part.channel][2]
        if per_channel == 1:
            assert values[0] == pytest.approx(pooled[0, part.channel].item())
        else:
            # Every value under the map comes from the pooled output.
            distances = numpy.abs(values[:, None] - pooled[0].numpy()[None, :].astype(numpy.float64))
            assert (distances.min(axis=1) < 1e-6).all()


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: "x".join(map(str, shape)))
def test_global_max_outlines_the_winning_cell_of_each_map(shape):
    x = article_example(shape=shape)
    figure = plot_pooling(x, "max")
    drawn = min(shape[1], heatmaps.DEFAULT_MAX_CHANNELS)
    outlines = parts(figure, heatmaps.GID_WINNER_OUTLINE)
    assert [part.channel for part in outlines] == list(range(drawn))
    height, width = shape[2:]
    maps = {part.channel: part.extent for part in parts(figure, heatmaps.GID_MAP)}
    for outline in outlines:
        left, right, bottom, top = maps[outline.channel]
        centre_x = (outline.extent[0] + outline.extent[1]) / 2
        centre_y = (outline.extent[2] + outline.extent[3]) / 2
        column = int((centre_x - left) / (right - left) * width)
        row = int((centre_y - top) / (bottom - top) * height)
        assert row * width + column == int(x[0, outline.channel].flatten().argmax())
    assert "maximum came from" in " ".join(texts_with_gid(figure, heatmaps.GID_NOTE))


def test_global_average_outlines_nothing():
    figure = plot_pooling(article_example(), "avg")
    assert parts(figure, heatmaps.GID_WINNER_OUTLINE) == []


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: "x".join(map(str, shape)))
def test_depth_max_shows_the_output_map_and_which_channel_won(shape):
    x = article_example(shape=shape)
    figure = plot_pooling(x, "depth-max")
    (output,) = parts(figure, heatmaps.GID_POOLED)
    assert numpy.allclose(output.values, x[0].amax(dim=0).numpy())
    (winners,) = parts(figure, heatmaps.GID_WINNER_MAP)
    assert numpy.array_equal(winners.values, x[0].argmax(dim=0).numpy())
    small = max(shape[2:]) <= heatmaps.ANNOTATE_MAX_SIDE
    written_winners = parts(figure, heatmaps.GID_WINNER_VALUE)
    if small:
        assert list(written_winners[0].labels) == [str(c) for c in x[0].argmax(dim=0).flatten().tolist()]
        outlines = parts(figure, heatmaps.GID_WINNER_OUTLINE)
        assert len(outlines) == shape[2] * shape[3]
        # Each outline sits in the map of the channel that won that position.
        winners = x[0].argmax(dim=0).flatten().tolist()
        assert sorted(part.channel for part in outlines) == sorted(winners)
    else:
        assert written_winners == []
        legend = texts_with_gid(figure, heatmaps.GID_LEGEND)
        assert legend[0] == "which channel won"
        assert len(legend) == 1 + min(shape[1], len(style.CATEGORICAL_COLOURS))


def test_depth_avg_has_no_winner_map():
    x = article_example(shape=(2, 3, 7, 5))
    figure = plot_pooling(x, "depth-avg")
    assert parts(figure, heatmaps.GID_WINNER_MAP) == []
    (output,) = parts(figure, heatmaps.GID_POOLED)
    assert numpy.allclose(output.values, x[0].mean(dim=0).numpy())


def test_concatenated_kind_shows_both_halves_under_each_channel():
    x = article_example()
    pooled = pooled_of(x, "catavgmax")
    channels = x.shape[1]
    figure = plot_pooling(x, "catavgmax")
    for part in parts(figure, heatmaps.GID_POOLED):
        expected = pooled[0, [part.channel, channels + part.channel]].numpy()
        assert numpy.allclose(part.values.ravel(), expected)
    assert f"output[0, {channels} + c]" in " ".join(texts_with_gid(figure, heatmaps.GID_NOTE))


def test_spatial_pyramid_values_are_found_per_channel():
    # SPP orders its output level by level, not channel block by channel block;
    # the plot must still put each channel's 1 + 4 + 16 values under that channel.
    x = article_example(shape=(1, 3, 8, 8))
    pooled = pooled_of(x, "spp")[0]
    channels = x.shape[1]
    for part in parts(plot_pooling(x, "spp"), heatmaps.GID_POOLED):
        c = part.channel
        expected = torch.cat(
            [pooled[c : c + 1], pooled[channels + 4 * c : channels + 4 * c + 4],
             pooled[5 * channels + 16 * c : 5 * channels + 16 * c + 16]]
        ).numpy()
        values = part.values.ravel()
        assert numpy.allclose(values[numpy.isfinite(values)], expected)


def test_a_kind_whose_output_does_not_line_up_is_drawn_as_one_strip(monkeypatch):
    # A made-up kind, registered only for this test: three numbers from the whole input.
    def three_numbers(x):
        return torch.stack([x.mean(dim=(1, 2, 3)), x.amax(dim=(1, 2, 3)), x.amin(dim=(1, 2, 3))], dim=1)

    kind = registry.PoolingKind(
        name="test-three-numbers",
        function=three_numbers,
        make_module=lambda channels: torch.nn.Identity(),
        output_shape=lambda shape: (shape[0], 3),
        description="three numbers",
        code="three_numbers(x)",
    )
    monkeypatch.setitem(registry._REGISTRY, kind.name, kind)
    x = article_example()
    figure = plot_pooling(x, kind.name)
    assert title(figure) == "test-three-numbers: (1, 8, 4, 4) -> (1, 3)"
    (strip,) = parts(figure, heatmaps.GID_POOLED)
    assert strip.channel is None
    assert numpy.allclose(strip.values.ravel(), three_numbers(x)[0].numpy())
    assert "does not line up" in " ".join(texts_with_gid(figure, heatmaps.GID_NOTE))


def test_more_channels_than_drawn_says_so():
    x = article_example(shape=(1, 20, 3, 3))
    figure = plot_pooling(x, "avg", max_channels=5)
    assert len(parts(figure, heatmaps.GID_MAP)) == 5
    assert "first 5 of 20 channels drawn" in " ".join(texts_with_gid(figure, heatmaps.GID_NOTE))


def test_max_written_values_is_all_or_nothing():
    x = article_example()  # 8 maps of 16 cells
    assert parts(plot_pooling(x, "avg", max_written_values=128), heatmaps.GID_VALUE)
    assert parts(plot_pooling(x, "avg", max_written_values=127), heatmaps.GID_VALUE) == []


def test_plot_pooling_draws_another_sample_and_a_nan():
    x = article_example(shape=(2, 3, 4, 4)).clone()
    x[1, 0, 0, 0] = float("nan")
    figure = plot_pooling(x, "avg", sample=1)
    first = parts(figure, heatmaps.GID_VALUE)[0]
    assert first.labels[0] == "nan"
    assert numpy.allclose(parts(figure, heatmaps.GID_MAP)[1].values, x[1, 1].numpy())


def test_plot_pooling_keeps_no_pyplot_state_and_leaves_input_alone():
    x = article_example().requires_grad_()
    before = x.detach().clone()
    open_before = _pylab_helpers.Gcf.get_num_fig_managers()
    plot_pooling(x, "max")
    assert _pylab_helpers.Gcf.get_num_fig_managers() == open_before
    assert torch.equal(x.detach(), before)
    assert x.grad is None


# -- plot_feature_maps -------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: "x".join(map(str, shape)))
def test_plot_feature_maps_grid_and_shared_scale(shape):
    x = article_example(shape=shape)
    figure = plot_feature_maps(x)
    assert title(figure) == f"feature maps {format_shape(shape)}"
    drawn = min(shape[1], heatmaps.DEFAULT_MAX_CHANNELS)
    assert len(parts(figure, heatmaps.GID_MAP)) == drawn
    low, high = colour_scale(figure)
    drawn_values = x[0, :drawn]
    assert low == pytest.approx(drawn_values.min().item()) and high == pytest.approx(drawn_values.max().item())


def test_plot_feature_maps_symmetric_scale_for_gradients():
    x = article_example(shape=(1, 2, 3, 3)) - 1.0
    figure = plot_feature_maps(x, title="gradient", symmetric=True, annotate=False)
    assert title(figure) == "gradient"
    low, high = colour_scale(figure)
    assert low == pytest.approx(-high)
    assert high == pytest.approx(x.abs().max().item())
    assert parts(figure, heatmaps.GID_VALUE) == []


def test_constant_maps_still_get_a_scale():
    figure = plot_feature_maps(torch.ones(1, 2, 3, 3))
    low, high = colour_scale(figure)
    assert low < 1.0 < high


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: plot_pooling([[1.0]], "avg"), TypeError, r"plot_pooling expects a tensor shaped \(N, C, H, W\); got a list"),
        (lambda: plot_pooling(torch.ones(8, 4, 4), "avg"), ValueError, r"plot_pooling expects .*4 dims.*\(8, 4, 4\)"),
        (lambda: plot_pooling(torch.ones(1, 2, 3, 3, dtype=torch.int64), "avg"), TypeError, "floating-point.*int64"),
        (lambda: plot_pooling(torch.ones(1, 0, 3, 3), "avg"), ValueError, r"every dim .* > 0; got shape \(1, 0, 3, 3\)"),
        (lambda: plot_pooling(torch.ones(1, 2, 3, 3), "mean"), ValueError, "plot_pooling expects kind to be one of 'avg'"),
        (lambda: plot_pooling(torch.ones(1, 2, 3, 3), "avg", sample=1), ValueError, "sample to be an int from 0 to 0; got 1"),
        (lambda: plot_pooling(torch.ones(1, 2, 3, 3), "avg", max_channels=0), ValueError, "max_channels to be a positive int"),
        (lambda: plot_feature_maps(numpy.ones((1, 2, 3, 3))), TypeError, "plot_feature_maps expects .* numpy array"),
        (lambda: plot_feature_maps(torch.ones(1, 2, 3, 3), title=3), TypeError, "title to be a str or None"),
        (lambda: plot_feature_maps(torch.ones(1, 2, 3, 3, dtype=torch.bool)), TypeError, "real-valued tensor; got dtype torch.bool"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_integer_maps_can_still_be_looked_at():
    figure = plot_feature_maps(torch.arange(18).reshape(1, 2, 3, 3))
    check_labels(parts(figure, heatmaps.GID_VALUE)[1].labels, numpy.arange(9, 18))


def test_format_shape():
    assert format_shape(torch.Size([1, 8])) == "(1, 8)"
    assert format_shape((3,)) == "(3,)"
    assert format_shape(()) == "()"


def test_the_painted_cells_reach_the_png_at_any_resolution():
    import matplotlib

    x = article_example()
    figure = plot_pooling(x, "avg")
    low, high = colour_scale(figure)
    viridis = matplotlib.colormaps[style.SEQUENTIAL_CMAP]
    largest = tuple(int(v) for v in viridis(1.0, bytes=True)[:3])  # the colour of the largest input value
    for dpi, scale in ((None, 1.0), (50, 0.5)):
        image = Image.open(io.BytesIO(style.figure_to_png(figure, dpi=dpi))).convert("RGB")
        assert image.size == (round(figure.get_size_inches()[0] * figure.dpi * scale),
                              round(figure.get_size_inches()[1] * figure.dpi * scale))
        pixels = numpy.asarray(image).reshape(-1, 3)
        matches = numpy.all(numpy.abs(pixels.astype(int) - largest) <= 2, axis=1).sum()
        # One 4x4 cell of a 1.9-inch map is about 48 x 48 pixels at 100 dpi, less its written value.
        assert matches > 600 * scale * scale
    assert high == pytest.approx(x[0].max().item())


def test_tight_bounding_box_keeps_the_painted_maps():
    # pyplot's inline backend saves with bbox_inches="tight"; the maps must survive the crop.
    figure = plot_pooling(article_example(), "depth-max")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    width, height = Image.open(io.BytesIO(buffer.getvalue())).size
    full_width, full_height = figure.get_size_inches() * figure.dpi
    assert 0.9 * full_width <= width <= full_width + 30
    assert 0.9 * full_height <= height <= full_height + 30


def test_values_that_round_to_zero_carry_no_minus_sign():
    x = torch.tensor([[[[-0.001, 0.5], [1.0, -0.5]]]])
    labels = parts(plot_feature_maps(x), heatmaps.GID_VALUE)[0].labels
    assert labels == ("0.00", "0.50", "1.00", "-0.50")


def test_a_figure_reads_as_its_title_where_no_picture_is_shown():
    from IPython.core.interactiveshell import InteractiveShell

    from gpool_helpers import article_example
    from gpool_helpers.viz.heatmaps import plot_pooling
    from gpool_helpers.viz.style import enable_notebook_display, figure_text, new_figure

    figure = plot_pooling(article_example(), "avg")
    assert figure_text(figure) == "<Figure 950x%d: avg: (1, 8, 4, 4) -> (1, 8)>" % round(
        figure.get_size_inches()[1] * figure.dpi
    )
    assert figure_text(new_figure(4, 3)) == "<Figure 400x300>"

    shell = InteractiveShell.instance()
    try:
        assert enable_notebook_display()
        data, _ = shell.display_formatter.format(figure)
        assert data["text/plain"] == figure_text(figure)
        assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        InteractiveShell.clear_instance()


# -- text alternatives (WCAG 2.1, 1.1.1) ---------------------------------------------------


def test_describe_figure_attaches_a_text_alternative_and_returns_the_figure():
    from gpool_helpers.viz import describe_figure, figure_description
    from gpool_helpers.viz.style import new_figure

    figure = new_figure(4, 3)
    assert figure_description(figure) is None
    assert describe_figure(figure, "  Two bars:\n 3 and 5. ") is figure
    assert figure_description(figure) == "Two bars: 3 and 5."
    describe_figure(figure, "Replaced.")
    assert figure_description(figure) == "Replaced."


@pytest.mark.parametrize("text", ["", "   ", None, 3])
def test_describe_figure_refuses_an_empty_or_non_text_description(text):
    from gpool_helpers.viz import describe_figure
    from gpool_helpers.viz.style import new_figure

    with pytest.raises(ValueError, match="describe_figure expects a non-empty text"):
        describe_figure(new_figure(4, 3), text)


def test_describe_figure_refuses_what_is_not_a_figure():
    from gpool_helpers.viz import describe_figure

    with pytest.raises(TypeError, match="describe_figure expects a matplotlib Figure"):
        describe_figure("a picture", "words")


def test_a_described_figure_stores_its_text_as_the_pngs_alt_metadata():
    # The key IPython's Image(alt=...) writes and nbconvert's templates read.
    from IPython.core.interactiveshell import InteractiveShell

    from gpool_helpers.viz import describe_figure
    from gpool_helpers.viz.style import enable_notebook_display, new_figure

    shell = InteractiveShell.instance()
    try:
        assert enable_notebook_display()
        described = describe_figure(new_figure(4, 3), "A blank figure.")
        data, metadata = shell.display_formatter.format(described)
        assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
        assert metadata == {"image/png": {"alt": "A blank figure."}}
        data, metadata = shell.display_formatter.format(new_figure(4, 3))
        assert "image/png" in data and metadata == {}
    finally:
        InteractiveShell.clear_instance()
