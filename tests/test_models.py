"""SmallCNN and its heads: output shapes at several input sizes, counts, and bad input."""

from __future__ import annotations

import pytest
import torch

from gpool_helpers.cnn.counting import count_parameters
from gpool_helpers.cnn.heads import PoolingHead, flatten_head_cost, make_flatten_head, pooled_head_cost
from gpool_helpers.cnn.models import (
    FLATTEN_HEADS,
    SmallCNN,
    count_multiply_adds,
    head_label,
    head_names,
)
from gpool_helpers.pooling.registry import get_kind, kind_names

POOLING_HEADS = [name for name in head_names() if name not in FLATTEN_HEADS]


def test_head_names_cover_flatten_and_every_spatial_registry_kind():
    names = head_names()
    assert names[:2] == FLATTEN_HEADS
    assert {"avg", "max"} <= set(names)
    for kind in kind_names():
        assert (kind in names) == (get_kind(kind).pools_over == "space")


@pytest.mark.parametrize("head", head_names())
@pytest.mark.parametrize("batch", [1, 3])
def test_every_head_gives_one_logit_per_class_at_its_size(head, batch, generator):
    model = SmallCNN(head, num_classes=7, input_size=(8, 8))
    images = torch.rand(batch, 1, 8, 8, generator=generator)
    assert model.features(images).shape == (batch, 32, 4, 4)
    assert model(images).shape == (batch, 7)


@pytest.mark.parametrize("head", POOLING_HEADS)
@pytest.mark.parametrize("size", [(2, 2), (8, 8), (24, 24), (13, 31), (48, 48)])
def test_pooling_heads_accept_any_input_size(head, size, generator):
    model = SmallCNN(head, num_classes=4, channels=(8, 16))
    images = torch.rand(2, 1, *size, generator=generator)
    assert model.features(images).shape == (2, 16, size[0] // 2, size[1] // 2)
    assert model(images).shape == (2, 4)


@pytest.mark.parametrize("head", FLATTEN_HEADS)
def test_flatten_heads_refuse_another_size_with_a_clear_error(head, generator):
    model = SmallCNN(head, num_classes=4, input_size=(24, 24))
    assert model(torch.rand(2, 1, 24, 24, generator=generator)).shape == (2, 4)
    with pytest.raises(ValueError) as raised:
        model(torch.rand(2, 1, 48, 48, generator=generator))
    message = str(raised.value)
    assert message.startswith(f"SmallCNN with head {head!r} was built for feature maps of shape (32, 12, 12)")
    assert "(32, 12, 12)" in message and "(32, 24, 24)" in message
    assert "4608" in message and "18432" in message


def test_flatten_head_needs_an_input_size():
    with pytest.raises(ValueError, match="needs input_size"):
        SmallCNN("flatten", num_classes=10)


def test_odd_input_sizes_are_floored_like_max_pooling():
    model = SmallCNN("flatten", num_classes=3, input_size=(9, 11))
    assert model.flatten_input_shape == (32, 4, 5)
    assert model(torch.rand(1, 1, 9, 11)).shape == (1, 3)


def test_dropout_only_in_the_dropout_head():
    plain = SmallCNN("flatten", input_size=(8, 8))
    dropped = SmallCNN("flatten-dropout", input_size=(8, 8), dropout=0.5)
    assert not any(isinstance(layer, torch.nn.Dropout) for layer in plain.head)
    assert [layer.p for layer in dropped.head if isinstance(layer, torch.nn.Dropout)] == [0.5]


def test_registry_kind_with_a_feature_multiplier_sizes_the_classifier():
    wide = [name for name in POOLING_HEADS if name in kind_names() and get_kind(name).feature_multiplier > 1]
    assert wide, "the registry should hold a kind that widens the features (catavgmax)"
    for name in wide:
        model = SmallCNN(name, num_classes=5, channels=(8, 16))
        assert model.head.classifier.in_features == 16 * get_kind(name).feature_multiplier
        assert model(torch.rand(2, 1, 10, 10)).shape == (2, 5)


def test_pooling_head_refuses_a_kind_that_pools_over_channels():
    depth_kinds = [name for name in kind_names() if get_kind(name).pools_over == "channels"]
    assert depth_kinds, "the registry should hold at least one depth kind"
    with pytest.raises(ValueError, match="pools over channels"):
        PoolingHead(depth_kinds[0], 16, 4)
    with pytest.raises(ValueError, match="SmallCNN expects head"):
        SmallCNN(depth_kinds[0])


@pytest.mark.parametrize("head", ["Avg", "average", 1, None])
def test_small_cnn_names_its_heads_when_given_an_unknown_one(head):
    with pytest.raises(ValueError, match=f"SmallCNN expects head to be one of 'flatten'.*'avg'.*; got {head!r}"):
        SmallCNN(head)


@pytest.mark.parametrize("hidden", [16, 64])
def test_flatten_head_counts_agree_with_the_formulas(hidden):
    model = SmallCNN("flatten", num_classes=10, input_size=(8, 8), hidden_units=hidden)
    cost = flatten_head_cost(32, 4, 4, 10, hidden_widths=(hidden,))
    assert count_parameters(model.head) == cost.parameters
    assert count_multiply_adds(model, (1, 1, 8, 8))["head"] == cost.multiply_adds


@pytest.mark.parametrize("size", [8, 24])
def test_gap_head_counts_agree_with_the_formulas(size):
    model = SmallCNN("avg", num_classes=4)
    cost = pooled_head_cost(32, size // 2, size // 2, 4)
    assert count_parameters(model.head) == cost.parameters == 32 * 4 + 4
    assert count_multiply_adds(model, (1, 1, size, size))["head"] == cost.multiply_adds


def test_body_multiply_adds_by_hand():
    model = SmallCNN("avg", num_classes=10)
    counted = count_multiply_adds(model, (1, 1, 8, 8))
    first_conv = 8 * 8 * 16 * (1 * 3 * 3)
    second_conv = 4 * 4 * 32 * (16 * 3 * 3)
    assert counted["body"] == first_conv + second_conv
    assert counted["total"] == counted["body"] + counted["head"]
    # Four times the positions, four times the body's work; the GAP head's stays the same.
    bigger = count_multiply_adds(model, (1, 1, 16, 16))
    assert bigger["body"] == 4 * counted["body"] and bigger["head"] == counted["head"]


def test_counting_does_not_touch_the_random_state_or_the_mode():
    model = SmallCNN("flatten-dropout", input_size=(8, 8))
    model.train()
    torch.manual_seed(5)
    expected = torch.rand(2)
    torch.manual_seed(5)
    count_multiply_adds(model, (1, 1, 8, 8))
    assert torch.equal(torch.rand(2), expected)
    assert model.training


def test_head_labels():
    assert head_label("avg") == "GAP + linear"
    assert head_label("flatten-dropout") == "flatten + FC + dropout"
    assert "gem" in head_label("gem")


@pytest.mark.parametrize(
    "images, error",
    [
        (torch.rand(1, 8, 8), ValueError),  # no batch dim
        (torch.rand(2, 3, 8, 8), ValueError),  # three channels, the model has one
        (torch.rand(2, 1, 1, 8), ValueError),  # too small to pool 2x2
        (torch.ones(2, 1, 8, 8, dtype=torch.int64), TypeError),
        ([[0.0]], TypeError),
    ],
)
def test_bad_images_get_a_clear_error(images, error):
    model = SmallCNN("avg")
    with pytest.raises(error, match=r"SmallCNN expects a float tensor shaped \(N, 1, H, W\)"):
        model(images)


@pytest.mark.parametrize(
    "options, words",
    [
        ({"head": "mean"}, "head"),
        ({"num_classes": 0}, "num_classes"),
        ({"channels": ()}, "channels"),
        ({"channels": (8, -1)}, "channels"),
        ({"dropout": 1.0}, "dropout"),
        ({"head": "flatten", "input_size": (1, 8)}, "input_size"),
    ],
)
def test_bad_options_are_refused(options, words):
    with pytest.raises(ValueError, match="SmallCNN") as raised:
        SmallCNN(**options)
    assert words in str(raised.value)


@pytest.mark.parametrize(
    "input_size, error, words",
    [
        ((1, 8), ValueError, "every value in input_size to be an int >= 2; got 1"),
        (8, TypeError, r"input_size to be a pair of ints such as \(8, 8\); got a int"),
        ((8, 8, 8), ValueError, r"input_size to be a pair of ints such as \(8, 8\); got \(8, 8, 8\)"),
        ((8.0, 8), TypeError, "every value in input_size to be an int >= 2; got a float"),
    ],
)
def test_a_flatten_head_names_the_input_size_it_takes(input_size, error, words):
    with pytest.raises(error, match=f"SmallCNN expects {words}"):
        SmallCNN("flatten", input_size=input_size)


@pytest.mark.parametrize(
    "input_shape, error, words",
    [
        ((2, 1, 8, 8), ValueError, r"an input shape \(1, C, H, W\); got \(2, 1, 8, 8\)"),
        ((1, 8, 8), ValueError, r"an input shape \(1, C, H, W\); got \(1, 8, 8\)"),
        (8, TypeError, r"input_shape to be a sequence of positive ints such as \(1, 1, 8, 8\); got 8"),
        ((1, 1, 8.0, 8), TypeError, "every value in input_shape to be a positive int; got a float"),
    ],
)
def test_count_multiply_adds_names_the_input_shape_it_takes(input_shape, error, words):
    with pytest.raises(error, match=f"count_multiply_adds expects {words}"):
        count_multiply_adds(SmallCNN("avg"), input_shape)


def test_count_functions_reject_wrong_types():
    with pytest.raises(TypeError, match="count_parameters"):
        count_parameters("model")
    with pytest.raises(TypeError, match="count_multiply_adds"):
        count_multiply_adds(torch.nn.Linear(2, 2), (1, 1, 8, 8))
    with pytest.raises(ValueError, match="count_multiply_adds"):
        count_multiply_adds(SmallCNN("avg"), (2, 1, 8, 8))


@pytest.mark.parametrize("head, dropout", [("flatten", 0.0), ("flatten-dropout", 0.3)])
def test_the_flatten_heads_are_the_ones_make_flatten_head_builds(head, dropout):
    model = SmallCNN(head, num_classes=3, channels=(4, 6), input_size=(6, 8), hidden_units=5, dropout=0.3)
    built = make_flatten_head(channels=6, height=3, width=4, classes=3, hidden_widths=(5,), dropout=dropout)
    assert repr(model.head) == repr(built)
    assert count_parameters(model.head) == 6 * 3 * 4 * 5 + 5 + 5 * 3 + 3


def test_nin_head_is_gap_plus_linear_with_the_steps_swapped(generator):
    from gpool_helpers.cnn.models import NinHead

    torch.manual_seed(0)
    model = SmallCNN("nin", num_classes=10)
    assert isinstance(model.head, NinHead) and head_label("nin") == "NiN: 1x1 conv + GAP"
    features = torch.rand(3, 32, 5, 7, generator=generator)
    conv = model.head.classifier
    maps = model.head.class_maps(features)
    assert maps.shape == (3, 10, 5, 7)
    linear = torch.nn.Linear(32, 10)
    with torch.no_grad():
        linear.weight.copy_(conv.weight[:, :, 0, 0])
        linear.bias.copy_(conv.bias)
        torch.testing.assert_close(model.head(features), linear(features.mean(dim=(2, 3))))
    # Same parameters as GAP + linear, but the 1x1 convolution runs at every position.
    gap = SmallCNN("avg", num_classes=10)
    assert count_parameters(model.head) == count_parameters(gap.head) == 330
    counted = count_multiply_adds(model, (1, 1, 8, 8))["head"]
    assert counted == 4 * 4 * 320 and count_multiply_adds(gap, (1, 1, 8, 8))["head"] == 320


def test_nin_and_gap_heads_start_from_the_same_weights_with_the_same_seed():
    torch.manual_seed(5)
    nin = SmallCNN("nin", num_classes=4)
    torch.manual_seed(5)
    gap = SmallCNN("avg", num_classes=4)
    assert torch.equal(nin.head.classifier.weight[:, :, 0, 0], gap.head.classifier.weight)
    assert torch.equal(nin.head.classifier.bias, gap.head.classifier.bias)
