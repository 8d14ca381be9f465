"""Class activation maps: the logit identity, localisation, plots and the explorer widget."""

from __future__ import annotations

import pytest
import torch
from matplotlib.figure import Figure

from gpool_helpers.cnn.cam import (
    box_share,
    class_activation_maps,
    largest_identity_error,
    logit_gradients,
    logits_from_maps,
    map_peaks,
    pointing_accuracy,
    upsample_maps,
)
from gpool_helpers.cnn.data import make_shapes, make_shapes_split
from gpool_helpers.cnn.models import SmallCNN
from gpool_helpers.cnn.training import summarise_runs, train_head
from gpool_helpers.viz.cam import (
    plot_cam,
    plot_cam_grid,
    plot_canvas_sweep,
    plot_examples,
    plot_gradient_maps,
    plot_head_comparison,
)
from gpool_helpers.viz.style import figure_description
from gpool_helpers.widgets.cam import cam_explorer


def _gap_model(seed: int = 0, classes: int = 4) -> SmallCNN:
    torch.manual_seed(seed)
    return SmallCNN("avg", num_classes=classes, channels=(8, 16)).eval()


@pytest.mark.parametrize("size", [(8, 8), (24, 24), (13, 31)])
def test_logit_equals_gap_of_its_map_plus_bias(size, generator):
    model = _gap_model()
    images = torch.rand(3, 1, *size, generator=generator)
    maps, logits = class_activation_maps(model, images)
    assert maps.shape == (3, 4, size[0] // 2, size[1] // 2)
    assert torch.allclose(logits, model(images), atol=1e-6)
    bias = model.head.classifier.bias.detach()
    assert torch.allclose(logits_from_maps(maps, bias), logits, atol=1e-5)
    assert largest_identity_error(model, images) < 1e-5


def test_maps_are_the_weighted_sums_written_out(generator):
    model = _gap_model(seed=1)
    images = torch.rand(2, 1, 10, 10, generator=generator)
    maps, _ = class_activation_maps(model, images)
    with torch.no_grad():
        features = model.features(images)
    weight = model.head.classifier.weight.detach()
    for n in range(2):
        for c in range(4):
            by_hand = sum(weight[c, k] * features[n, k] for k in range(features.shape[1]))
            assert torch.allclose(maps[n, c], by_hand, atol=1e-6)


def test_without_the_bias_the_identity_fails(generator):
    # Guards the test above against a bias that happens to be zero.
    model = _gap_model()
    images = torch.rand(2, 1, 8, 8, generator=generator)
    maps, logits = class_activation_maps(model, images)
    assert not torch.allclose(maps.mean(dim=(2, 3)), logits, atol=1e-3)


def test_maps_keep_the_model_mode_and_need_no_gradients():
    model = _gap_model().train()
    maps, _ = class_activation_maps(model, torch.rand(1, 1, 8, 8))
    assert model.training and not maps.requires_grad


@pytest.mark.parametrize("head", ["max", "flatten"])
def test_maps_refuse_heads_without_the_identity(head):
    model = SmallCNN(head, num_classes=4, input_size=(8, 8))
    with pytest.raises(ValueError, match="class_activation_maps expects a SmallCNN with head 'avg'"):
        class_activation_maps(model, torch.rand(1, 1, 8, 8))


def test_maps_refuse_other_objects():
    with pytest.raises(TypeError, match="class_activation_maps"):
        class_activation_maps(torch.nn.Linear(2, 2), torch.rand(1, 1, 8, 8))


def test_map_helpers_reject_bad_shapes():
    with pytest.raises(ValueError, match="logits_from_maps"):
        logits_from_maps(torch.rand(2, 4, 3), torch.rand(4))
    with pytest.raises(ValueError, match="logits_from_maps"):
        logits_from_maps(torch.rand(2, 4, 3, 3), torch.rand(3))
    with pytest.raises(ValueError, match="upsample_maps"):
        upsample_maps(torch.rand(4, 3, 3), (6, 6))
    with pytest.raises(ValueError, match="map_peaks"):
        map_peaks(torch.rand(2, 4, 3, 3), (6, 6))


def test_upsampled_maps_and_peaks():
    maps = torch.zeros(2, 4, 4)
    maps[0, 1, 2] = 5.0
    maps[1, 3, 0] = 5.0
    assert upsample_maps(maps.unsqueeze(1), (8, 8)).shape == (2, 1, 8, 8)
    peaks = map_peaks(maps, (8, 8))
    # Map cell (r, c) covers pixels 2r..2r+1 and 2c..2c+1.
    assert peaks[0, 0] in (2, 3) and peaks[0, 1] in (4, 5)
    assert peaks[1, 0] in (6, 7) and peaks[1, 1] in (0, 1)


def _ink_detector() -> SmallCNN:
    """A GAP model whose every class map is the image, 2x2-max-pooled, then 3x3-averaged.

    The average makes the map highest in the shape's interior, strictly
    below it on the rim, where a 2x2 cell can hold ink and background.
    """
    model = SmallCNN("avg", num_classes=4, channels=(1, 1))
    with torch.no_grad():
        first, second = model.body[0], model.body[3]
        first.weight.zero_()
        first.weight[0, 0, 1, 1] = 1.0
        second.weight.fill_(1.0 / 9)
        for conv in (first, second):
            conv.bias.zero_()
        model.head.classifier.weight.fill_(1.0)
        model.head.classifier.bias.zero_()
    return model.eval()


def test_pointing_accuracy_of_a_model_that_looks_at_the_ink():
    data = make_shapes(20, canvas_size=32, seed=0, noise=0.0)
    model = _ink_detector()
    assert pointing_accuracy(model, data.images, data.labels, data.boxes) == 1.0
    # Boxes moved off the shapes: the same maps now point outside every box.
    far_boxes = data.boxes.clone()
    far_boxes[:, [0, 2]] = (data.boxes[:, [0, 2]] + 40) % 80 + 40
    assert pointing_accuracy(model, data.images, data.labels, far_boxes) == 0.0


@pytest.fixture(scope="module")
def trained_shapes():
    split = make_shapes_split(160, 40, canvas_size=20, seed=0, radius_range=(3, 5))
    return split, train_head("avg", split, seed=0, epochs=2, batch_size=32, progress=False)


def test_identity_holds_for_a_trained_model_on_a_larger_canvas(trained_shapes):
    _, run = trained_shapes
    bigger = make_shapes(6, canvas_size=40, seed=3, radius_range=(3, 5))
    assert largest_identity_error(run.model, bigger.images) < 1e-5


def test_plots_return_figures(trained_shapes):
    split, run = trained_shapes
    maps, logits = class_activation_maps(run.model, split.test.images[:3])
    figures = [
        plot_examples(split.test, count=5, columns=5, title="shapes"),
        plot_head_comparison(summarise_runs([run])),
        plot_canvas_sweep((20, 30), {"GAP": [[0.5, 0.4], [0.7, 0.2]], "GMP": [[0.9, 0.9], [1.0, 0.8]]}, trained_size=20),
        plot_cam_grid(split.test.images[:3], maps, logits, split.test.labels[:3], split.test.class_names,
                      split.test.boxes[:3]),
        plot_cam(split.test.images[0, 0], upsample_maps(maps, (20, 20))[0, 0], "circle", split.test.boxes[0].tolist()),
    ]
    assert all(isinstance(figure, Figure) for figure in figures)
    assert len(figures[0].axes) == 5
    # One panel; each model's mean over seeds with its spread, the seeds as dots beside it.
    assert len(figures[2].axes) == 1
    _, labels = figures[2].axes[0].get_legend_handles_labels()
    assert labels == ["GAP: mean ± 1 sd", "GMP: mean ± 1 sd"]
    sweep_text = figure_description(figures[2])
    assert "GAP from 60.0 ± 14.1 % at 20 x 20 to 30.0 ± 14.1 % at 30 x 30" in sweep_text
    assert len(figures[3].axes) == 3 * (1 + 4) + 3  # and one colourbar per row


def test_plots_reject_mismatched_input(trained_shapes):
    split, run = trained_shapes
    maps, logits = class_activation_maps(run.model, split.test.images[:3])
    with pytest.raises(ValueError, match="plot_cam_grid"):
        plot_cam_grid(split.test.images[:2], maps, logits, split.test.labels, split.test.class_names)
    with pytest.raises(ValueError, match="plot_cam"):
        plot_cam(split.test.images[0, 0], maps[0, 0], "mismatched sizes")
    with pytest.raises(ValueError, match="plot_canvas_sweep"):
        plot_canvas_sweep((20, 30), {"GAP": [0.5]})
    with pytest.raises(ValueError, match="plot_canvas_sweep"):
        plot_canvas_sweep((20, 30), {"GAP": [[0.5, 0.4], [0.5]]})
    with pytest.raises(TypeError, match="plot_examples"):
        plot_examples(split.test.images)


def test_explorer_redraws_and_checks_the_identity(trained_shapes):
    split, run = trained_shapes
    view = cam_explorer(run.model, split.test.subset(range(10)))
    first_png = view.image.value
    assert first_png[:8] == b"\x89PNG\r\n\x1a\n"
    view.controls["image"].value = 4
    view.controls["class_index"].value = 2
    assert view.image.value != first_png
    assert view.last_error is None
    readout = view.readout.value
    maps, logits = class_activation_maps(run.model, split.test.images[4:5])
    assert f"the model's logit: {float(logits[0, 2]):.4f}" in readout
    assert "Image 4" in readout and "'triangle'" in readout
    assert "10x10, resized to the 20x20 image" in readout


def test_explorer_starts_on_the_predicted_class(trained_shapes):
    split, run = trained_shapes
    view = cam_explorer(run.model, split.test.subset([7]))
    _, logits = class_activation_maps(run.model, split.test.images[7:8])
    assert view.controls["class_index"].value == int(logits.argmax())


def test_explorer_rejects_bad_input(trained_shapes):
    split, run = trained_shapes
    with pytest.raises(TypeError, match="cam_explorer"):
        cam_explorer(run.model, split.test.images)
    with pytest.raises(ValueError, match="cam_explorer"):
        cam_explorer(run.model, make_shapes(501, canvas_size=20, seed=0, radius_range=(3, 5)))
    with pytest.raises(ValueError, match="class_activation_maps"):
        cam_explorer(SmallCNN("max", num_classes=4), split.test)


def test_cam_pictures_are_signed_and_centred_at_zero(trained_shapes):
    split, run = trained_shapes
    maps, logits = class_activation_maps(run.model, split.test.images[:2])
    figure = plot_cam_grid(split.test.images[:2], maps, logits, split.test.labels[:2], split.test.class_names)
    resized = upsample_maps(maps, split.test.image_size)
    images = [axes.images[0] for axes in figure.axes if axes.images and axes.images[0].cmap.name == "RdBu_r"]
    assert len(images) == 2 * 4, "every map uses the diverging colour map"
    for image in images:
        low, high = image.get_clim()
        assert low == -high and high > 0  # symmetric: 0 sits in the middle of the scale, drawn white
    limits = sorted({image.get_clim()[1] for image in images})
    assert limits == sorted({float(resized[row].abs().max()) for row in range(2)})
    single = plot_cam(split.test.images[0, 0], resized[0, 0], "circle")
    low, high = single.axes[1].images[0].get_clim()
    assert low == -high and single.axes[1].images[0].cmap.name == "RdBu_r"


def test_box_share_is_the_chance_of_a_random_peak():
    boxes = torch.tensor([[0, 0, 9, 9], [0, 0, 0, 19]])  # 100 pixels and 20 pixels, inclusive bounds
    assert box_share(boxes, (20, 20)) == pytest.approx((100 / 400 + 20 / 400) / 2)
    shapes = make_shapes(400, canvas_size=24, seed=1)
    peaks = torch.randint(0, 24, (20000, 2), generator=torch.Generator().manual_seed(0))
    chosen = shapes.boxes[torch.arange(20000) % 400]
    inside = ((peaks[:, 0] >= chosen[:, 0]) & (peaks[:, 0] <= chosen[:, 2])
              & (peaks[:, 1] >= chosen[:, 1]) & (peaks[:, 1] <= chosen[:, 3])).float().mean()
    assert abs(float(inside) - box_share(shapes.boxes, (24, 24))) < 0.01
    with pytest.raises(ValueError, match="box_share"):
        box_share(torch.zeros(0, 4, dtype=torch.long), (24, 24))


def test_logit_gradients_after_gap_are_dense_and_after_gmp_sit_on_the_max(generator):
    images = torch.rand(2, 1, 12, 12, generator=generator)
    labels = torch.tensor([1, 3])
    torch.manual_seed(0)
    gap = SmallCNN("avg", num_classes=4).eval()
    gradients = logit_gradients(gap, images, labels)
    weight = gap.head.classifier.weight.detach()
    for n in range(2):
        expected = (weight[labels[n]] / 36)[:, None, None].expand(32, 6, 6)
        torch.testing.assert_close(gradients[n], expected)
    torch.manual_seed(0)
    gmp = SmallCNN("max", num_classes=4)
    gradients = logit_gradients(gmp, images, labels)
    assert gmp.training  # left as it was found
    with torch.no_grad():
        features = gmp.features(images)
    on_max = features == features.amax(dim=(2, 3), keepdim=True)
    assert not gradients[~on_max].any() and gradients[on_max].any()
    assert all(parameter.grad is None for parameter in gmp.parameters())
    figure = plot_gradient_maps({"GAP": logit_gradients(gap, images, labels)[0], "GMP": gradients[0]}, images[0, 0])
    assert isinstance(figure, Figure) and len(figure.axes) == 1 + 2 + 2  # input, two maps, two colourbars
    with pytest.raises(ValueError, match="plot_gradient_maps"):
        plot_gradient_maps({"GAP": gradients})
