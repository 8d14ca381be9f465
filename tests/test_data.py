"""The data sets of notebook 07: shapes, labels, boxes, seeds, and bad input."""

from __future__ import annotations

import pytest
import torch

from gpool_helpers.cnn.data import (
    DIGIT_NAMES,
    SHAPE_NAMES,
    LabelledImages,
    draw_shape,
    load_digits_split,
    make_shapes,
    make_shapes_split,
)


@pytest.fixture(scope="module")
def digits():
    return load_digits_split(seed=0)


def test_digits_split_sizes_and_layout(digits):
    assert len(digits.train) + len(digits.test) == 1797
    assert len(digits.test) == 450  # a quarter, rounded up by scikit-learn
    for part in (digits.train, digits.test):
        assert part.images.shape[1:] == (1, 8, 8)
        assert part.images.dtype == torch.float32
        assert part.labels.dtype == torch.int64
        assert 0.0 <= float(part.images.min()) and float(part.images.max()) <= 1.0
        assert part.class_names == DIGIT_NAMES
        assert part.boxes is None


def test_digits_split_is_stratified(digits):
    train_counts = torch.bincount(digits.train.labels, minlength=10).double()
    test_counts = torch.bincount(digits.test.labels, minlength=10).double()
    shares = test_counts / (train_counts + test_counts)
    assert torch.all((shares - 0.25).abs() < 0.02), shares


def test_digits_split_depends_on_the_seed_only(digits):
    again = load_digits_split(seed=0)
    other = load_digits_split(seed=1)
    assert torch.equal(again.train.images, digits.train.images)
    assert torch.equal(again.test.labels, digits.test.labels)
    assert not torch.equal(other.train.labels, digits.train.labels)


def test_digits_train_and_test_do_not_overlap(digits):
    train_rows = {tuple(image.flatten().tolist()) for image in digits.train.images}
    test_rows = [tuple(image.flatten().tolist()) for image in digits.test.images]
    # The digits set itself holds a few identical images; almost all must be unseen.
    assert sum(row in train_rows for row in test_rows) <= 5


@pytest.mark.parametrize("name", SHAPE_NAMES)
def test_each_shape_is_centred_and_inside_its_square(name):
    radius, centre = 6, (10, 12)
    mask = draw_shape(name, 24, centre, radius)
    assert mask.shape == (24, 24)
    assert set(mask.unique().tolist()) == {0.0, 1.0}
    rows, columns = mask.nonzero(as_tuple=True)
    assert rows.min() >= centre[0] - radius and rows.max() <= centre[0] + radius
    assert columns.min() >= centre[1] - radius and columns.max() <= centre[1] + radius
    # Left-right symmetric about the centre column, for every shape here.
    assert torch.equal(mask[:, centre[1] - radius : centre[1] + 1], mask[:, centre[1] : centre[1] + radius + 1].flip(1))


def test_the_shapes_differ_from_each_other():
    masks = [draw_shape(name, 24, (12, 12), 7) for name in SHAPE_NAMES]
    for first in range(len(masks)):
        for second in range(first + 1, len(masks)):
            assert not torch.equal(masks[first], masks[second])


def test_circle_and_square_have_similar_area():
    # So the amount of ink alone does not give the class away.
    circle = draw_shape("circle", 32, (16, 16), 8).sum()
    square = draw_shape("square", 32, (16, 16), 8).sum()
    assert abs(float(circle - square)) / float(circle) < 0.25


@pytest.mark.parametrize("canvas_size", [17, 24, 48])
def test_make_shapes_layout_labels_and_boxes(canvas_size):
    data = make_shapes(40, canvas_size=canvas_size, seed=3, noise=0.0)
    assert isinstance(data, LabelledImages)
    assert data.images.shape == (40, 1, canvas_size, canvas_size)
    assert data.labels.dtype == torch.int64 and data.boxes.dtype == torch.int64
    assert torch.bincount(data.labels, minlength=4).tolist() == [10, 10, 10, 10]
    for image, box in zip(data.images, data.boxes):
        top, left, bottom, right = box.tolist()
        inked = image[0].nonzero()
        assert inked[:, 0].min() == top and inked[:, 0].max() == bottom
        assert inked[:, 1].min() == left and inked[:, 1].max() == right
        assert 0 <= top <= bottom < canvas_size and 0 <= left <= right < canvas_size


def test_make_shapes_labels_match_the_drawn_shape():
    data = make_shapes(12, canvas_size=24, seed=5, noise=0.0)
    for image, label, box in zip(data.images, data.labels, data.boxes):
        top, left, bottom, right = box.tolist()
        radius = (right - left) // 2
        centre = ((top + bottom) // 2, (left + right) // 2)
        name = SHAPE_NAMES[int(label)]
        if name == "triangle":
            # Apex at the top: the drawn rows run from centre - radius to centre + radius.
            radius = (bottom - top) // 2
        if name == "square":
            continue  # its box is smaller than its radius says; checked by the area test
        assert torch.equal(image[0], draw_shape(name, 24, centre, radius)), name


def test_shapes_appear_all_over_the_canvas():
    data = make_shapes(400, canvas_size=32, seed=0, noise=0.0)
    centres = (data.boxes[:, :2] + data.boxes[:, 2:]).double() / 2
    assert centres[:, 0].min() < 10 and centres[:, 0].max() > 22
    assert centres[:, 1].min() < 10 and centres[:, 1].max() > 22


def test_make_shapes_is_deterministic_and_seed_dependent():
    first = make_shapes(20, seed=7)
    second = make_shapes(20, seed=7)
    other = make_shapes(20, seed=8)
    assert torch.equal(first.images, second.images)
    assert torch.equal(first.labels, second.labels)
    assert torch.equal(first.boxes, second.boxes)
    assert not torch.equal(first.images, other.images)


def test_make_shapes_leaves_the_global_random_state_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    make_shapes(10, seed=0)
    assert torch.equal(torch.rand(3), expected)


def test_noise_stays_in_range_and_zero_noise_is_binary():
    noisy = make_shapes(10, seed=0, noise=0.3)
    clean = make_shapes(10, seed=0, noise=0.0)
    assert 0.0 <= float(noisy.images.min()) and float(noisy.images.max()) <= 1.0
    assert set(clean.images.unique().tolist()) == {0.0, 1.0}
    assert not torch.equal(noisy.images, clean.images)


def test_split_sets_are_independent_draws():
    split = make_shapes_split(30, 20, canvas_size=24, seed=0)
    assert len(split.train) == 30 and len(split.test) == 20
    assert torch.equal(split.test.images, make_shapes(20, 24, seed=1).images)
    assert not torch.equal(split.train.images[:20], split.test.images)


def test_subset_keeps_images_labels_and_boxes_together():
    data = make_shapes(10, seed=0)
    part = data.subset([3, 1])
    assert torch.equal(part.images[0], data.images[3])
    assert torch.equal(part.labels, data.labels[[3, 1]])
    assert torch.equal(part.boxes[1], data.boxes[1])
    assert part.image_size == (32, 32)


@pytest.mark.parametrize(
    "arguments, error, words",
    [
        ({"count": 0}, ValueError, "count"),
        ({"count": 2.5}, TypeError, "count"),
        ({"count": True}, TypeError, "count"),
        ({"count": 4, "canvas_size": 10}, ValueError, "canvas_size >= 17"),
        ({"count": 4, "radius_range": (5, 3)}, ValueError,
         "radius_range to be (smallest, largest) with smallest <= largest; got (5, 3)"),
        ({"count": 4, "radius_range": (1, 3)}, ValueError, "every value in radius_range to be an int >= 2; got 1"),
        ({"count": 4, "radius_range": "5, 8"}, TypeError, "radius_range to be a pair of ints such as (5, 8); got a str"),
        ({"count": 4, "radius_range": (5, 6, 8)}, ValueError, "radius_range to be a pair of ints such as (5, 8); got (5, 6, 8)"),
        ({"count": 4, "radius_range": (5.0, 8)}, TypeError, "every value in radius_range to be an int >= 2; got a float"),
        ({"count": 4, "noise": -0.1}, ValueError, "noise"),
        ({"count": 4, "noise": float("inf")}, ValueError, "noise to be a finite number >= 0"),
        ({"count": 4, "noise": "0.1"}, TypeError, "noise to be a finite number >= 0"),
        ({"count": 4, "seed": -1}, ValueError, "seed"),
    ],
)
def test_make_shapes_rejects_bad_input(arguments, error, words):
    with pytest.raises(error, match="make_shapes") as raised:
        make_shapes(**arguments)
    assert words in str(raised.value)


def test_draw_shape_and_digits_reject_bad_input():
    with pytest.raises(ValueError, match="draw_shape expects name"):
        draw_shape("hexagon", 24, (12, 12), 5)
    with pytest.raises(ValueError, match="draw_shape expects radius"):
        draw_shape("circle", 24, (12, 12), 1)
    with pytest.raises(ValueError, match="load_digits_split expects test_fraction"):
        load_digits_split(test_fraction=1.5)
    with pytest.raises(ValueError, match=r"load_digits_split expects test_fraction to be a number in \(0, 1\); got 1"):
        load_digits_split(test_fraction=1)
    with pytest.raises(TypeError, match=r"load_digits_split expects test_fraction to be a number in \(0, 1\)"):
        load_digits_split(test_fraction="0.25")


def test_small_digits_split_keeps_its_counts_per_digit_and_never_mixes_sets():
    from gpool_helpers.cnn.data import small_digits_split

    split = small_digits_split(train_per_class=4, validation_per_class=6, seed=0)
    full = load_digits_split(seed=0)
    assert tuple(split.train.images.shape) == (40, 1, 8, 8) and tuple(split.validation.images.shape) == (60, 1, 8, 8)
    assert torch.equal(split.train.labels.bincount(minlength=10), torch.full((10,), 4))
    assert torch.equal(split.validation.labels.bincount(minlength=10), torch.full((10,), 6))
    assert torch.equal(split.test.images, full.test.images)  # the test set is untouched
    flat = lambda images: {tuple(image.flatten().tolist()) for image in images}  # noqa: E731
    assert not flat(split.train.images) & flat(split.validation.images)
    assert not flat(split.validation.images) & flat(split.test.images)
    again = small_digits_split(train_per_class=4, validation_per_class=6, seed=0)
    assert torch.equal(again.train.images, split.train.images)
    with pytest.raises(ValueError, match="small_digits_split"):
        small_digits_split(train_per_class=200, validation_per_class=1)
