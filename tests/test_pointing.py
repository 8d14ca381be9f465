"""The pointing test notebook 07 runs: scenes with several shapes, Grad-CAM, the model-free baseline."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from gpool_helpers.cnn.cam import (
    blurred_input_maps,
    box_share,
    class_activation_maps,
    grad_cam,
    logit_gradients,
    scene_pointing,
)
from gpool_helpers.cnn.data import (
    SHAPE_NAMES,
    Scenes,
    draw_shape,
    make_scenes,
    make_shapes,
)
from gpool_helpers.cnn.models import SmallCNN, mlpconv_block
from gpool_helpers.viz.cam import plot_pointing_maps
from gpool_helpers.viz.style import figure_description


def _boxes_apart(first, second) -> bool:
    return (first[2] + 1 < second[0] or second[2] + 1 < first[0]
            or first[3] + 1 < second[1] or second[3] + 1 < first[1])


def test_scenes_hold_shapes_of_different_classes_in_boxes_that_never_touch():
    scenes = make_scenes(40, canvas_size=40, seed=3, noise=0.0)
    assert scenes.images.shape == (40, 1, 40, 40) and scenes.labels.shape == (40, 2) and scenes.boxes.shape == (40, 2, 4)
    for index in range(len(scenes)):
        first, second = scenes.labels[index].tolist()
        assert first != second
        assert _boxes_apart(scenes.boxes[index, 0].tolist(), scenes.boxes[index, 1].tolist())
        # All the ink lies inside the two boxes, and each box is exactly its shape's extent.
        inside = torch.zeros(40, 40, dtype=torch.bool)
        for top, left, bottom, right in scenes.boxes[index].tolist():
            inside[top : bottom + 1, left : right + 1] = True
            window = scenes.images[index, 0, top : bottom + 1, left : right + 1]
            assert window[0].any() and window[-1].any() and window[:, 0].any() and window[:, -1].any()
        assert not scenes.images[index, 0][~inside].any()


def test_scenes_are_seeded_and_check_their_input():
    assert torch.equal(make_scenes(5, seed=1).images, make_scenes(5, seed=1).images)
    assert not torch.equal(make_scenes(5, seed=1).images, make_scenes(5, seed=2).images)
    with pytest.raises(ValueError, match="make_scenes expects canvas_size >= 36"):
        make_scenes(3, canvas_size=30)
    with pytest.raises(ValueError, match="shapes_per_scene between 1 and 4"):
        make_scenes(3, canvas_size=100, shapes_per_scene=5)


def test_clutter_is_ink_outside_the_box_and_leaves_clean_sets_as_they_were():
    clean = make_shapes(30, canvas_size=24, seed=4, noise=0.0)
    cluttered = make_shapes(30, canvas_size=24, seed=4, noise=0.0, clutter=0.6)
    assert torch.equal(clean.labels, cluttered.labels) and torch.equal(clean.boxes, cluttered.boxes)
    # clutter=0 draws exactly what make_shapes drew before clutter existed: the shape and nothing else.
    for index in range(30):
        top, left, bottom, right = clean.boxes[index].tolist()
        extra = cluttered.images[index, 0] - clean.images[index, 0]
        assert set(extra.unique().tolist()) <= {0.0, 1.0}
        rim = torch.zeros(24, 24, dtype=torch.bool)
        rim[max(top - 1, 0) : bottom + 2, max(left - 1, 0) : right + 2] = True
        assert not extra[rim].any(), "no bar touches the shape's box or its 1-pixel rim"
    assert (cluttered.images - clean.images).sum() > 0
    with pytest.raises(ValueError, match="clutter"):
        make_shapes(3, clutter=-1.0)


def test_grad_cam_of_a_gap_model_is_its_class_map_without_the_negative_part(generator):
    torch.manual_seed(0)
    model = SmallCNN("avg", num_classes=4, channels=(8, 16)).eval()
    images = torch.rand(6, 1, 14, 18, generator=generator)
    classes = torch.tensor([0, 1, 2, 3, 0, 2])
    maps, _ = class_activation_maps(model, images)
    expected = torch.relu(maps[torch.arange(6), classes]) / (7 * 9)
    torch.testing.assert_close(grad_cam(model, images, classes), expected, rtol=1e-4, atol=1e-6)


def test_grad_cam_of_a_flatten_model_follows_its_definition(generator):
    torch.manual_seed(1)
    model = SmallCNN("flatten", num_classes=4, channels=(8, 16), input_size=(12, 12)).eval()
    images = torch.rand(3, 1, 12, 12, generator=generator)
    classes = torch.tensor([2, 0, 3])
    maps = grad_cam(model, images, classes)
    gradients = logit_gradients(model, images, classes)
    with torch.no_grad():
        features = model.features(images)
    for n in range(3):
        weights = gradients[n].mean(dim=(1, 2))
        by_hand = torch.relu(sum(weights[k] * features[n, k] for k in range(16)))
        torch.testing.assert_close(maps[n], by_hand, rtol=1e-4, atol=1e-6)
    assert (maps >= 0).all()
    with pytest.raises(ValueError, match="grad_cam expects classes"):
        grad_cam(model, images, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="between 0 and 3"):
        grad_cam(model, images, torch.tensor([0, 1, 4]))


def test_the_blurred_input_is_a_box_filter_whose_peak_is_the_inkiest_square():
    image = torch.zeros(1, 1, 20, 20)
    image[0, 0, 2:5, 2:5] = 1.0          # a 3 x 3 blob
    image[0, 0, 10:17, 11:18] = 1.0      # a 7 x 7 blob: the inkiest 5 x 5 square lies inside it
    blurred = blurred_input_maps(image)
    assert blurred.shape == (1, 20, 20)
    torch.testing.assert_close(blurred[0, 8:12, 8:12], F.avg_pool2d(image, 5, 1, 2, count_include_pad=False)[0, 0, 8:12, 8:12])
    row, column = divmod(int(blurred.flatten().argmax()), 20)
    assert 12 <= row <= 14 and 13 <= column <= 15 and float(blurred.max()) == 1.0
    with pytest.raises(ValueError, match="blurred_input_maps"):
        blurred_input_maps(torch.zeros(20, 20))


def _scene(first: str, second: str) -> Scenes:
    """Two shapes, one on each side of a 40 x 40 canvas, no noise."""
    left = draw_shape(first, 40, (10, 9), 6)
    right = draw_shape(second, 40, (29, 30), 6)
    boxes = []
    for mask in (left, right):
        rows, columns = mask.any(dim=1).nonzero().flatten(), mask.any(dim=0).nonzero().flatten()
        boxes.append([int(rows[0]), int(columns[0]), int(rows[-1]), int(columns[-1])])
    labels = torch.tensor([[SHAPE_NAMES.index(first), SHAPE_NAMES.index(second)]])
    return Scenes(torch.maximum(left, right)[None, None], labels, torch.tensor([boxes]), SHAPE_NAMES)


def test_scene_pointing_counts_right_other_and_elsewhere():
    scenes = _scene("circle", "cross")
    # The blurred input has one peak for both questions: right for one shape, the other shape for the other.
    blurred = scene_pointing(scenes, "blurred input")
    assert blurred["right shape"] == 0.5 and blurred["other shape"] == 0.5 and blurred["elsewhere"] == 0.0
    # A single-shape set counts only "right shape" or "elsewhere".
    single = make_shapes(20, canvas_size=24, seed=0, noise=0.0)
    scores = scene_pointing(single, "blurred input")
    assert scores["other shape"] == 0.0 and scores["right shape"] == 1.0
    assert sum(scores.values()) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="scene_pointing expects method"):
        scene_pointing(scenes, "saliency")
    with pytest.raises(TypeError, match="needs a SmallCNN"):
        scene_pointing(scenes, "CAM")
    with pytest.raises(TypeError, match="scene_pointing expects Scenes"):
        scene_pointing(scenes.images, "blurred input")


def test_a_class_map_that_tells_the_classes_apart_scores_on_both_shapes():
    # The circle drawn in full ink (1.0), the cross in half ink (0.5). A rigged GAP model: its first layer
    # fires on any ink (x - 0.25) and on full ink only (x - 0.75); its second turns them into a "circle"
    # channel (full ink) and a "cross" channel (ink that is not full); the linear layer reads one each.
    # So each class map sits on its own shape, where the blurred input has one peak, on the brighter circle.
    scenes = _scene("circle", "cross")
    cross_only = draw_shape("cross", 40, (29, 30), 6)
    images = (scenes.images - 0.5 * cross_only).clamp(min=0)
    scenes = Scenes(images, scenes.labels, scenes.boxes, SHAPE_NAMES)
    model = SmallCNN("avg", num_classes=4, channels=(2, 2)).eval()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()
        first, second = model.body[0], model.body[3]
        first.weight[:, 0, 1, 1] = 1.0
        first.bias[:] = torch.tensor([-0.25, -0.75])
        second.weight[0, 1, 1, 1] = 4.0                     # circle channel: full ink, 0.25 -> 1.0
        second.weight[1, 0, 1, 1] = 1.0                     # cross channel: any ink ...
        second.weight[1, 1, 1, 1] = -4.0                    # ... minus full ink, so the circle gives 0
        model.head.classifier.weight[SHAPE_NAMES.index("circle"), 0] = 1.0
        model.head.classifier.weight[SHAPE_NAMES.index("cross"), 1] = 1.0
    assert scene_pointing(scenes, "CAM", model) == {"right shape": 1.0, "other shape": 0.0, "elsewhere": 0.0}
    assert scene_pointing(scenes, "Grad-CAM", model)["right shape"] == 1.0
    assert scene_pointing(scenes, "blurred input") == {"right shape": 0.5, "other shape": 0.5, "elsewhere": 0.0}


def test_plot_pointing_maps_names_where_each_peak_landed():
    scenes = _scene("square", "triangle")
    on_square = torch.zeros(20, 20)
    on_square[5, 5] = 1.0
    on_background = torch.zeros(20, 20)
    on_background[0, 19] = 1.0
    figure = plot_pointing_maps(scenes.images[0, 0], {"first": on_square, "second": on_background},
                                scenes.boxes[0], ["square", "triangle"])
    assert len(figure.axes) == 3
    text = figure_description(figure)
    assert "first peaks in the square" in text and "second peaks in no box" in text
    with pytest.raises(ValueError, match="one name per box"):
        plot_pointing_maps(scenes.images[0, 0], {"first": on_square}, scenes.boxes[0], ["square"])


def test_box_share_of_scenes_counts_every_shape():
    scenes = make_scenes(10, canvas_size=40, seed=0)
    flat = scenes.boxes.flatten(0, 1)
    areas = (flat[:, 2] - flat[:, 0] + 1) * (flat[:, 3] - flat[:, 1] + 1)
    assert box_share(flat, scenes.image_size) == pytest.approx(float(areas.double().mean()) / 1600)


def test_mlpconv_block_is_a_convolution_then_two_1x1_convolutions_with_relus():
    block = mlpconv_block(3, 10, kernel_size=5, stride=2, padding=2)
    kinds = [type(layer).__name__ for layer in block]
    assert kinds == ["Conv2d", "ReLU", "Conv2d", "ReLU", "Conv2d", "ReLU"]
    assert [layer.kernel_size for layer in block if isinstance(layer, torch.nn.Conv2d)] == [(5, 5), (1, 1), (1, 1)]
    assert block(torch.rand(2, 3, 16, 16)).shape == (2, 10, 8, 8)
    with pytest.raises(ValueError, match="mlpconv_block"):
        mlpconv_block(3, 0, kernel_size=3)
