"""Head cost formulas against real modules: parameters by numel, multiply-adds by torch's FLOP counter."""

from __future__ import annotations

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn

from gpool_helpers import article_example
from gpool_helpers.cnn.counting import count_parameters, measure_multiply_adds
from gpool_helpers.cnn.heads import (
    MAX_MATERIALISED_PARAMETERS,
    VGG16_BODY,
    VGG16_HEAD,
    conv_body_cost,
    flatten_head_cost,
    format_count,
    linear_layer_cost,
    make_conv_body,
    make_flatten_head,
    make_pooled_head,
    pooled_head_cost,
    try_head,
)

small = st.integers(min_value=1, max_value=9)
widths = st.lists(st.integers(min_value=1, max_value=12), max_size=2).map(tuple)


@settings(max_examples=40, deadline=None)
@given(channels=small, height=small, width=small, classes=small, hidden=widths, bias=st.booleans())
def test_flatten_head_formula_matches_the_module(channels, height, width, classes, hidden, bias):
    cost = flatten_head_cost(channels, height, width, classes, hidden, bias=bias)
    head = make_flatten_head(channels, height, width, classes, hidden, bias=bias)
    x = torch.randn(3, channels, height, width)
    assert cost.parameters == count_parameters(head)
    assert cost.multiply_adds == measure_multiply_adds(head, x)
    assert cost.pooling_operations == 0


@settings(max_examples=40, deadline=None)
@given(channels=small, height=small, width=small, classes=small, hidden=widths, bias=st.booleans(),
       kind=st.sampled_from(["avg", "max"]))
def test_pooled_head_formula_matches_the_module(channels, height, width, classes, hidden, bias, kind):
    cost = pooled_head_cost(channels, height, width, classes, hidden, kind=kind, bias=bias)
    head = make_pooled_head(channels, classes, hidden, kind=kind, bias=bias)
    x = torch.randn(2, channels, height, width)
    assert cost.parameters == count_parameters(head)
    assert cost.multiply_adds == measure_multiply_adds(head, x)
    assert cost.pooling_operations == channels * height * width


def test_layer_by_layer_counts_match_each_linear_module():
    cost = flatten_head_cost(3, 4, 5, classes=7, hidden_widths=(11, 6))
    head = make_flatten_head(3, 4, 5, classes=7, hidden_widths=(11, 6))
    linears = [m for m in head if isinstance(m, nn.Linear)]
    assert [layer.parameters for layer in cost.layers] == [count_parameters(m) for m in linears]
    assert [layer.multiply_adds for layer in cost.layers] == [m.in_features * m.out_features for m in linears]


def test_vgg16_sized_head_on_the_meta_device_matches_the_formula():
    flatten = make_flatten_head(**VGG16_HEAD, dropout=0.5, device="meta")
    pooled = make_pooled_head(VGG16_HEAD["channels"], VGG16_HEAD["classes"], device="meta")
    assert all(p.device.type == "meta" for p in flatten.parameters())
    assert count_parameters(flatten) == flatten_head_cost(**VGG16_HEAD).parameters
    feature_maps = torch.empty(1, 512, 7, 7, device="meta")
    assert measure_multiply_adds(flatten, feature_maps) == flatten_head_cost(**VGG16_HEAD).multiply_adds
    gap_cost = pooled_head_cost(512, 7, 7, 1000)
    assert count_parameters(pooled) == gap_cost.parameters
    # The ratio the notebook quotes: the flatten head has over 200 times the parameters.
    assert flatten_head_cost(**VGG16_HEAD).parameters > 200 * gap_cost.parameters


# ---- the whole network: VGG-16's convolutional body -----------------------------------

body_layers = st.lists(st.one_of(st.integers(min_value=1, max_value=5), st.just("M")), min_size=1, max_size=5)


@settings(max_examples=40, deadline=None)
@given(layers=body_layers, in_channels=st.integers(min_value=1, max_value=3), size=st.integers(min_value=8, max_value=12),
       bias=st.booleans())
def test_conv_body_formula_matches_a_real_module(layers, in_channels, size, bias):
    # At least one convolution, and no more poolings than an 8 x 8 map can take (8 -> 4 -> 2 -> 1).
    assume(any(layer != "M" for layer in layers) and layers.count("M") <= 3)
    cost = conv_body_cost(layers, in_channels=in_channels, size=size, bias=bias)
    body = make_conv_body(layers, in_channels=in_channels, bias=bias)
    x = torch.randn(2, in_channels, size, size)
    assert cost.parameters == count_parameters(body)
    assert cost.multiply_adds == measure_multiply_adds(body, x)
    side = size
    for layer in layers:
        side = side // 2 if layer == "M" else side
    assert cost.name.endswith(f"x{side}x{side}")
    assert tuple(body(x).shape[2:]) == (side, side)


def test_vgg16_body_at_small_cost_matches_its_module_layer_by_layer():
    # The real VGG-16 body (14.7 M parameters) on a 32 x 32 image: cheap to run, every layer counted.
    body = make_conv_body(VGG16_BODY)
    cost = conv_body_cost(VGG16_BODY, size=32)
    convs = [m for m in body if isinstance(m, nn.Conv2d)]
    assert len(convs) == len(cost.layers) == 13
    assert [layer.parameters for layer in cost.layers] == [count_parameters(m) for m in convs]
    x = torch.randn(1, 3, 32, 32)
    assert cost.multiply_adds == measure_multiply_adds(body, x)
    assert body(x).shape == (1, 512, 1, 1)


def test_vgg16_at_224_matches_the_published_sizes():
    body = conv_body_cost()
    head = flatten_head_cost(**VGG16_HEAD)
    # The module on the meta device: every layer's output shape, no memory and no arithmetic.
    meta_body = make_conv_body(device="meta")
    assert measure_multiply_adds(meta_body, torch.empty(1, 3, 224, 224, device="meta")) == body.multiply_adds
    assert count_parameters(meta_body) == body.parameters == 14_714_688
    assert body.name == "conv body 3x224x224 -> 512x7x7"
    # Simonyan and Zisserman (arXiv:1409.1556), Table 2: configuration D has 138 M parameters.
    assert round((body.parameters + head.parameters) / 1e6) == 138
    # The usual published figure for VGG-16 at 224 x 224 is 15.5 G multiply-adds
    # (torchvision's model table: 15.47).
    total = body.multiply_adds + head.multiply_adds
    assert round(total / 1e9, 2) == 15.47
    # Notebook 01's claims: the flatten head is under 1 % of the work and most of the parameters.
    assert head.multiply_adds / total < 0.01
    assert head.parameters / (body.parameters + head.parameters) > 0.85


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: conv_body_cost("64M"), TypeError, "conv_body_cost expects layers"),
        (lambda: conv_body_cost(("M",)), ValueError, "at least one convolution"),
        (lambda: conv_body_cost((64, "pool")), TypeError, "every channel count in layers"),
        (lambda: conv_body_cost((64, 0)), ValueError, "every channel count in layers"),
        (lambda: conv_body_cost(VGG16_BODY, size=16), ValueError, "cannot shrink a 1 x 1 map"),
        (lambda: conv_body_cost(VGG16_BODY, size=0), ValueError, "conv_body_cost expects size"),
        (lambda: make_conv_body((8, "max")), TypeError, "make_conv_body expects every channel count"),
    ],
)
def test_conv_body_bad_input_is_named(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_dropout_adds_layers_but_no_parameters():
    plain = make_flatten_head(2, 3, 3, 5, (4,))
    dropped = make_flatten_head(2, 3, 3, 5, (4,), dropout=0.5)
    assert any(isinstance(m, nn.Dropout) for m in dropped)
    assert count_parameters(plain) == count_parameters(dropped)


def test_flatten_parameters_grow_with_the_map_area_and_pooled_ones_do_not():
    small_maps = flatten_head_cost(64, 7, 7, 10)
    large_maps = flatten_head_cost(64, 14, 14, 10)
    # Doubling H and W quadruples the weights (the biases stay).
    assert large_maps.parameters - 10 == 4 * (small_maps.parameters - 10)
    assert pooled_head_cost(64, 7, 7, 10).parameters == pooled_head_cost(64, 14, 14, 10).parameters


def test_flatten_head_breaks_on_a_larger_map_and_the_pooled_head_does_not():
    flatten = make_flatten_head(8, 4, 4, 10)
    pooled = make_pooled_head(8, 10)
    larger = article_example(shape=(1, 8, 5, 5))
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        flatten(larger)
    assert pooled(larger).shape == (1, 10)
    report = try_head(flatten, larger)
    assert report.startswith("(1, 8, 5, 5) -> RuntimeError:")
    assert "200" in report and "128" in report  # 8*5*5 values offered, 8*4*4 expected
    assert try_head(pooled, larger) == "(1, 8, 5, 5) -> (1, 10)"
    assert try_head(flatten, article_example()) == "(1, 8, 4, 4) -> (1, 10)"


def test_pooled_head_computes_mean_then_linear():
    torch.manual_seed(0)
    head = make_pooled_head(8, 3)
    x = article_example()
    linear = head[1]
    expected = x.mean(dim=(2, 3)) @ linear.weight.T + linear.bias
    torch.testing.assert_close(head(x), expected)


def test_max_and_avg_heads_differ_only_in_the_pooling():
    torch.manual_seed(1)
    avg_head = make_pooled_head(8, 3, kind="avg")
    max_head = make_pooled_head(8, 3, kind="max")
    max_head[1].load_state_dict(avg_head[1].state_dict())
    x = article_example()
    torch.testing.assert_close(max_head(x), avg_head[1](x.amax(dim=(2, 3))))


def test_formula_text_names_the_sizes():
    cost = flatten_head_cost(2, 3, 4, 5, (6,))
    assert [layer.formula for layer in cost.layers] == ["(C·H·W)·h1 + h1", "h1·K + K"]
    assert pooled_head_cost(2, 3, 4, 5).layers[-1].formula == "C·K + K"
    assert linear_layer_cost(3, 2, bias=False).formula == "3·2"
    assert linear_layer_cost(3, 2, bias=False).parameters == 6


def test_str_lists_every_layer():
    text = str(flatten_head_cost(**VGG16_HEAD))
    assert "Linear(25088 -> 4096)" in text and "Linear(4096 -> 1000)" in text
    assert "pooling" in str(pooled_head_cost(512, 7, 7, 1000))


@pytest.mark.parametrize(
    ("count", "text"),
    [(7, "7"), (9_999, "9,999"), (513_000, "513,000 (513.0 k)"), (123_642_856, "123,642,856 (123.6 M)"),
     (2_500_000_000, "2,500,000,000 (2.5 G)")],
)
def test_format_count(count, text):
    assert format_count(count) == text


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: flatten_head_cost(0, 7, 7, 10), ValueError, "flatten_head_cost expects channels"),
        (lambda: flatten_head_cost(512, 7.0, 7, 10), TypeError, "flatten_head_cost expects height"),
        (lambda: flatten_head_cost(True, 7, 7, 10), TypeError, "channels"),
        (lambda: flatten_head_cost(8, 7, 7, 10, hidden_widths=4096), TypeError, "hidden_widths"),
        (lambda: flatten_head_cost(8, 7, 7, 10, hidden_widths=(0,)), ValueError, "hidden width"),
        (lambda: pooled_head_cost(8, 7, 7, -1), ValueError, "pooled_head_cost expects classes"),
        (lambda: pooled_head_cost(8, 7, 7, 10, kind="depth-max"), ValueError, "pools over channels"),
        (lambda: pooled_head_cost(8, 7, 7, 10, kind="average"), ValueError, "unknown pooling kind"),
        (lambda: make_flatten_head(8, 4, 4, 10, dropout=1.5), ValueError, "make_flatten_head expects dropout"),
        (lambda: make_flatten_head(**VGG16_HEAD), ValueError, "device='meta'"),
        (lambda: count_parameters("a model"), TypeError, "count_parameters expects module to be an nn.Module; got a str"),
        (lambda: measure_multiply_adds("a model", torch.ones(1, 2)), TypeError,
         "measure_multiply_adds expects module to be an nn.Module; got a str"),
        (lambda: measure_multiply_adds(nn.Linear(2, 2), [1.0, 2.0]), TypeError,
         "measure_multiply_adds expects example_input to be a tensor with a non-empty batch dim N; got a list"),
        (lambda: measure_multiply_adds(nn.Linear(2, 2), torch.ones(0, 2)), ValueError,
         r"non-empty batch dim N; got a torch.float32 tensor of shape \(0, 2\)"),
        (lambda: measure_multiply_adds(nn.Linear(2, 2), torch.tensor(1.0)), ValueError, r"shape \(\)"),
        (lambda: try_head(nn.Linear(2, 2), [1.0, 2.0]), TypeError, "try_head expects a tensor"),
    ],
)
def test_bad_input_is_named(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_size_guard_threshold_is_below_the_vgg_head():
    assert flatten_head_cost(**VGG16_HEAD).parameters > MAX_MATERIALISED_PARAMETERS
    # A head under the threshold is built for real, on the CPU.
    head = make_flatten_head(512, 3, 3, 1000)
    assert count_parameters(head) < MAX_MATERIALISED_PARAMETERS
    assert next(head.parameters()).device.type == "cpu"


# ---- the plot and the explorer -------------------------------------------------------


def test_plot_marks_the_current_costs_on_log_axes():
    from gpool_helpers.viz.heads import plot_head_costs, work_per_image

    figure = plot_head_costs(256, 5, 9, 100, (512,))
    by_positions, by_channels = figure.axes
    assert by_positions.get_xscale() == by_positions.get_yscale() == "log"
    assert by_channels.get_xscale() == "log"
    flatten = flatten_head_cost(256, 5, 9, 100, (512,))
    pooled = pooled_head_cost(256, 5, 9, 100)
    for axes, x_now in ((by_positions, 45), (by_channels, 256)):
        markers = {(line.get_xdata()[0], line.get_ydata()[0]) for line in axes.lines if len(line.get_xdata()) == 1}
        assert {(x_now, flatten.parameters), (x_now, pooled.parameters),
                (x_now, work_per_image(flatten)), (x_now, work_per_image(pooled))} <= markers
    assert f"{flatten.parameters:,}" in figure.get_suptitle()


def test_plot_curves_follow_the_formulas():
    from gpool_helpers.viz.heads import plot_head_costs

    figure = plot_head_costs(64, 7, 7, 10, ())
    by_positions = figure.axes[0]
    flatten_parameters = by_positions.lines[0]
    for positions, parameters in zip(flatten_parameters.get_xdata(), flatten_parameters.get_ydata()):
        assert parameters == flatten_head_cost(64, 1, int(positions), 10).parameters
    pooled_parameters = by_positions.lines[4]
    assert set(pooled_parameters.get_ydata()) == {pooled_head_cost(64, 7, 7, 10).parameters}


def test_explorer_redraws_when_a_control_changes():
    from gpool_helpers.widgets.heads import head_cost_explorer

    view = head_cost_explorer()
    assert view.last_error is None
    assert f"{flatten_head_cost(**VGG16_HEAD).parameters:,}" in view.readout.value
    first_image, count = view.image.value, view.redraw_count
    view.controls["H"].value = 14
    assert view.redraw_count == count + 1 and view.image.value != first_image
    assert f"{flatten_head_cost(512, 14, 7, 1000, (4096, 4096)).parameters:,}" in view.readout.value
    view.set(C=16, hidden=(), classes=10)
    assert "(C·H·W)·K + K" in view.readout.value
    assert f"{flatten_head_cost(16, 14, 7, 10).parameters:,}" in view.readout.value
    assert f"{pooled_head_cost(16, 14, 7, 10).parameters:,}" in view.readout.value


@pytest.mark.parametrize(
    ("arguments", "words"),
    [({"channels": 500}, "channels"), ({"classes": 7}, "classes"), ({"height": 0}, "height"),
     ({"width": 40}, "width")],
)
def test_explorer_rejects_sizes_its_controls_cannot_show(arguments, words):
    from gpool_helpers.widgets.heads import head_cost_explorer

    with pytest.raises(ValueError, match=f"head_cost_explorer expects {words}"):
        head_cost_explorer(**arguments)


@pytest.mark.parametrize(
    ("arguments", "words"),
    [({"channels": 64.0}, "channels to be a positive int; got a float"), ({"classes": "10"}, "classes"),
     ({"height": 7.0}, "height to be an int from 1 to 32"), ({"width": True}, "width")],
)
def test_explorer_rejects_values_of_the_wrong_type(arguments, words):
    from gpool_helpers.widgets.heads import head_cost_explorer

    with pytest.raises(TypeError, match=f"head_cost_explorer expects {words}"):
        head_cost_explorer(**arguments)


def test_every_registered_space_kind_counts_like_its_module():
    from gpool_helpers import all_kinds

    space_kinds = [name for name, kind in all_kinds().items() if kind.pools_over == "space"]
    assert {"avg", "max"} <= set(space_kinds)
    x = torch.randn(2, 6, 5, 4)
    for name in space_kinds:
        cost = pooled_head_cost(6, 5, 4, 3, (7,), kind=name)
        head = make_pooled_head(6, 3, (7,), kind=name)
        assert cost.parameters == count_parameters(head), name
        if not all_kinds()[name].learnable:  # a learned pool's own arithmetic is not in the formula
            assert cost.multiply_adds == measure_multiply_adds(head, x), name
        # The first linear layer's width follows the kind's feature multiplier (2 for avg+max concatenated).
        assert head[1].in_features == all_kinds()[name].feature_multiplier * 6, name
        assert head(x).shape == (2, 3), name


def test_a_learned_poolings_own_products_are_counted_too():
    # Attention pooling projects every position's C values to keys and values (C x C each),
    # then scores the positions and weighs them: pooled_head_cost leaves these out.
    channels, classes, positions = 6, 3, 5 * 4
    head = make_pooled_head(channels, classes, kind="attention")
    attention = 2 * positions * channels * channels + 2 * positions * channels
    assert measure_multiply_adds(head, torch.randn(2, channels, 5, 4)) == channels * classes + attention
    assert pooled_head_cost(channels, 5, 4, classes, kind="attention").multiply_adds == channels * classes


def test_measuring_leaves_the_input_and_the_mode_alone():
    head = make_flatten_head(2, 3, 3, 5, (4,), dropout=0.5)
    x = torch.randn(2, 2, 3, 3, requires_grad=True)
    assert measure_multiply_adds(head, x) == 18 * 4 + 4 * 5
    assert head.training and x.grad is None


def test_a_gap_head_ignores_a_circular_shift_and_a_flatten_head_does_not():
    # Notebook 01, claim 6: the mean sums out position, so moving a map's content leaves the scores alone.
    torch.manual_seed(0)
    flatten, pooled = make_flatten_head(8, 4, 4, 10), make_pooled_head(8, 10)
    x = article_example()
    with torch.no_grad():
        for shifts, dims in ((1, 3), (2, 2), ((1, 3), (2, 3))):
            moved = torch.roll(x, shifts=shifts, dims=dims)
            torch.testing.assert_close(pooled(moved), pooled(x))
            assert (flatten(moved) - flatten(x)).abs().max() > 0.1
