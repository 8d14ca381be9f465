"""Class activation maps (CAM) of a global-average-pooling model.

Zhou, Khosla, Lapedriza, Oliva and Torralba, "Learning Deep Features for
Discriminative Localization" (CVPR 2016, arXiv:1512.04150): when the last
feature maps f_k (k = 1..K, each h x w) go through global average pooling and
then one linear layer with weights w_k^c and bias b_c, the logit of class c is

    logit_c = sum_k w_k^c * mean(f_k) + b_c = mean(sum_k w_k^c * f_k) + b_c,

because the mean is linear. The map inside, M_c = sum_k w_k^c f_k (h x w), is
the class activation map: it says where in the image the evidence for class c
sits, and its average plus the bias *is* the logit. The identity needs GAP
followed directly by a single linear layer; after a max, or a flatten with a
hidden layer, there is no such map.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ..checks import describe
from ..i18n import gettext as _
from .data import LabelledImages, Scenes
from .models import PoolingHead, SmallCNN

__all__ = [
    "POINTING_METHODS", "blurred_input_maps", "box_share", "class_activation_maps", "grad_cam",
    "largest_identity_error", "logit_gradients", "logits_from_maps", "map_peaks", "pointing_accuracy",
    "scene_pointing", "upsample_maps",
]


def _check_gap_model(model: object, function_name: str) -> SmallCNN:
    if not isinstance(model, SmallCNN):
        raise TypeError(_("{name} expects a SmallCNN with a GAP head; got {got}").format(
            name=function_name, got=describe(model)))
    if not isinstance(model.head, PoolingHead) or model.head.kind != "avg":
        raise ValueError(
            _("{name} expects a SmallCNN with head 'avg' (global average pooling + one linear layer); "
              "got head {head}. Only then is a class logit the average of a map plus a bias.").format(
                name=function_name, head=repr(model.head_name))
        )
    return model


def class_activation_maps(model: SmallCNN, images: Tensor) -> tuple[Tensor, Tensor]:
    """Every class's map for every image, and the model's logits.

    (N, 1, H, W) images -> maps (N, classes, h, w) and logits (N, classes),
    with h, w the size of the last feature maps (H/2, W/2 for SmallCNN).
    Runs in eval mode without gradients.
    """
    _check_gap_model(model, "class_activation_maps")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            features = model.features(images)
            weights = model.head.classifier.weight  # (classes, K)
            # M[n, c] = sum_k w[c, k] * f[n, k]: one weighted sum of maps per class.
            maps = torch.einsum("ck,nkhw->nchw", weights, features)
            logits = model.head(features)
    finally:
        model.train(was_training)
    return maps, logits


def logits_from_maps(maps: Tensor, bias: Tensor) -> Tensor:
    """GAP of each map plus the class bias: (N, classes, h, w) -> (N, classes)."""
    if not isinstance(maps, Tensor) or maps.dim() != 4:
        raise ValueError(_("{name} expects maps shaped (N, classes, h, w); got {got}").format(
            name="logits_from_maps", got=describe(maps)))
    if not isinstance(bias, Tensor) or bias.shape != maps.shape[1:2]:
        raise ValueError(
            _("logits_from_maps expects bias shaped ({classes},), one per class; got {got}").format(
                classes=maps.shape[1], got=describe(bias))
        )
    return maps.mean(dim=(2, 3)) + bias


def largest_identity_error(model: SmallCNN, images: Tensor) -> float:
    """max |logit - (GAP(map) + bias)| over all images and classes: float rounding only."""
    maps, logits = class_activation_maps(model, images)
    return float((logits - logits_from_maps(maps, model.head.classifier.bias.detach())).abs().max())


def upsample_maps(maps: Tensor, size: tuple[int, int]) -> Tensor:
    """Maps (N, classes, h, w) resized to the image size (N, classes, H, W), bilinearly.

    Each feature position covers a 2x2 patch of pixels; bilinear resizing with
    ``align_corners=False`` keeps every map value at its patch's centre.
    """
    if not isinstance(maps, Tensor) or maps.dim() != 4:
        raise ValueError(_("{name} expects maps shaped (N, classes, h, w); got {got}").format(
            name="upsample_maps", got=describe(maps)))
    return F.interpolate(maps, size=tuple(size), mode="bilinear", align_corners=False)


def map_peaks(maps: Tensor, size: tuple[int, int]) -> Tensor:
    """(row, column) in image pixels of each map's largest value: (N, h, w) -> (N, 2).

    ``maps`` holds one map per image (pick the class first); they are resized to
    ``size`` before the peak is found. Ties go to the first position in row order.
    """
    if not isinstance(maps, Tensor) or maps.dim() != 3:
        raise ValueError(_("map_peaks expects one map per image, shaped (N, h, w); got {got}").format(
            got=describe(maps)))
    resized = upsample_maps(maps.unsqueeze(1), size)[:, 0]
    flat_index = resized.flatten(1).argmax(dim=1)
    width = resized.shape[-1]
    return torch.stack([flat_index // width, flat_index % width], dim=1)


def pointing_accuracy(model: SmallCNN, images: Tensor, labels: Tensor, boxes: Tensor) -> float:
    """The fraction of images whose true class's map peaks inside the object's box.

    The "pointing game" of Zhang et al. ("Top-down Neural Attention by
    Excitation Backprop", 2016, arXiv:1608.00507), with a box of zero margin:
    a map that points at the object, not at the background around it.
    ``boxes`` are (top, left, bottom, right), inclusive, as
    :func:`gpool_helpers.cnn.data.make_shapes` returns them.
    """
    maps, _logits = class_activation_maps(model, images)
    true_class_maps = maps[torch.arange(len(labels)), labels]
    peaks = map_peaks(true_class_maps, images.shape[-2:])
    rows, columns = peaks[:, 0], peaks[:, 1]
    inside = (rows >= boxes[:, 0]) & (rows <= boxes[:, 2]) & (columns >= boxes[:, 1]) & (columns <= boxes[:, 3])
    return float(inside.float().mean())


def box_share(boxes: Tensor, image_size: tuple[int, int]) -> float:
    """The mean fraction of the image that a box covers: the pointing game's chance level.

    A map whose peak fell on a uniformly random pixel would land inside the
    box this often. ``boxes`` are (top, left, bottom, right), inclusive.
    """
    if not isinstance(boxes, Tensor) or boxes.dim() != 2 or boxes.shape[1] != 4 or len(boxes) == 0:
        raise ValueError(_("box_share expects boxes shaped (N, 4), N >= 1; got {got}").format(got=describe(boxes)))
    height, width = (int(size) for size in image_size)
    areas = (boxes[:, 2] - boxes[:, 0] + 1) * (boxes[:, 3] - boxes[:, 1] + 1)
    return float(areas.double().mean() / (height * width))


def logit_gradients(model: SmallCNN, images: Tensor, labels: Tensor) -> Tensor:
    """d(logit of each image's class) / d(last feature maps): (N, C, h, w).

    What one training step sends back into the body through the head. After
    GAP every position of channel k gets w_k^c / (h*w); after GMP only the
    position that won the max does. Computed in eval mode; the model's
    parameters get no gradient.
    """
    if not isinstance(model, SmallCNN):
        raise TypeError(_("{name} expects a SmallCNN; got {got}").format(name="logit_gradients", got=describe(model)))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            features = model.features(images)
        features.requires_grad_(True)
        logits = model.head(features)
        chosen = logits[torch.arange(len(labels)), labels].sum()
        (gradients,) = torch.autograd.grad(chosen, features)
    finally:
        model.train(was_training)
    return gradients


def grad_cam(model: SmallCNN, images: Tensor, classes: Tensor) -> Tensor:
    """Grad-CAM maps of ``classes`` (one per image): (N, 1, H, W) -> (N, h, w).

    Selvaraju, Cogswell, Das, Vedantam, Parikh and Batra, "Grad-CAM: Visual
    Explanations from Deep Networks via Gradient-based Localization" (ICCV 2017,
    arXiv:1610.02391): weigh each feature map f_k by the mean over its positions
    of d(logit_c)/d(f_k), add the weighted maps, keep the positive part. It works
    for any head, a flatten head included. For a GAP head that mean is
    w_k^c / (h*w), so Grad-CAM is ReLU(M_c) / (h*w): the class activation map,
    rescaled, with its negative part cut off.
    """
    if not isinstance(model, SmallCNN):
        raise TypeError(_("{name} expects a SmallCNN; got {got}").format(name="grad_cam", got=describe(model)))
    classes = _check_classes(classes, images, model, "grad_cam")
    gradients = logit_gradients(model, images, classes)          # (N, K, h, w)
    with torch.no_grad():
        was_training = model.training
        model.eval()
        try:
            features = model.features(images)
        finally:
            model.train(was_training)
        channel_weights = gradients.mean(dim=(2, 3), keepdim=True)   # (N, K, 1, 1): alpha_k^c
        return torch.relu((channel_weights * features).sum(dim=1))


def _check_classes(classes: object, images: Tensor, model: SmallCNN, function_name: str) -> Tensor:
    if (not isinstance(classes, Tensor) or classes.dim() != 1 or classes.dtype != torch.long
            or not isinstance(images, Tensor) or len(classes) != len(images)):
        raise ValueError(_("{name} expects classes as an int64 tensor (N,), one class per image; got {got}").format(
            name=function_name, got=describe(classes)))
    if len(classes) and (int(classes.min()) < 0 or int(classes.max()) >= model.num_classes):
        raise ValueError(_("{name} expects every class between 0 and {last}; got {got}").format(
            name=function_name, last=model.num_classes - 1, got=classes.tolist()))
    return classes


def blurred_input_maps(images: Tensor, kernel_size: int = 5) -> Tensor:
    """The model-free baseline of the pointing test: each image blurred by a box filter, (N, 1, H, W) -> (N, H, W).

    Its peak is the centre of the inkiest ``kernel_size`` square of the image.
    It knows nothing of classes, so it points at the same place whatever class
    is asked for. A map that cannot beat it has shown nothing about the model.
    """
    if not isinstance(images, Tensor) or images.dim() != 4 or images.shape[1] != 1:
        raise ValueError(_("{name} expects images shaped (N, 1, H, W); got {got}").format(
            name="blurred_input_maps", got=describe(images)))
    return F.avg_pool2d(images, kernel_size, stride=1, padding=kernel_size // 2, count_include_pad=False)[:, 0]


#: The ways to draw a map for the pointing test on scenes; "blurred input" needs no model.
POINTING_METHODS = ("CAM", "Grad-CAM", "blurred input")


def scene_pointing(scenes, method: str, model: SmallCNN | None = None) -> dict[str, float]:
    """Where each shape's class map peaks, over every shape of every scene.

    ``scenes`` is a :class:`~gpool_helpers.cnn.data.Scenes` (several shapes per
    image) or a :class:`~gpool_helpers.cnn.data.LabelledImages` with boxes (one
    shape per image, so "other shape" is then always 0).

    For each scene and each of its shapes, the map of that shape's class is
    drawn by ``method`` (one of :data:`POINTING_METHODS`) and its peak is found
    at image resolution. Returns the fractions of (scene, shape) pairs whose
    peak lies inside that shape's box (``"right shape"``), inside another
    shape's box (``"other shape"``), or in neither (``"elsewhere"``: background
    or clutter); they add up to 1. Boxes of one scene never touch.
    """
    if method not in POINTING_METHODS:
        raise ValueError(_("{name} expects method to be one of {choices}; got {got}").format(
            name="scene_pointing", choices=", ".join(POINTING_METHODS), got=repr(method)))
    if method != "blurred input" and not isinstance(model, SmallCNN):
        raise TypeError(_("{name} with method {method} needs a SmallCNN as model; got {got}").format(
            name="scene_pointing", method=repr(method), got=describe(model)))
    if isinstance(scenes, LabelledImages):
        if scenes.boxes is None:
            raise ValueError(_("{name} needs each shape's box; this set has none").format(name="scene_pointing"))
        scenes = Scenes(scenes.images, scenes.labels[:, None], scenes.boxes[:, None], scenes.class_names)
    elif not isinstance(scenes, Scenes):
        raise TypeError(_("{name} expects Scenes (make_scenes) or LabelledImages with boxes (make_shapes); got {got}").format(
            name="scene_pointing", got=describe(scenes)))
    size = scenes.images.shape[-2:]
    count, shapes_per_scene = scenes.labels.shape
    counts = {"right shape": 0, "other shape": 0, "elsewhere": 0}
    if method == "CAM":
        all_maps, _logits = class_activation_maps(model, scenes.images)
    for shape in range(shapes_per_scene):
        classes = scenes.labels[:, shape]
        if method == "CAM":
            maps = all_maps[torch.arange(count), classes]
        elif method == "Grad-CAM":
            maps = grad_cam(model, scenes.images, classes)
        else:
            maps = blurred_input_maps(scenes.images)
        peaks = map_peaks(maps, size)
        for other in range(shapes_per_scene):
            box = scenes.boxes[:, other]
            inside = ((peaks[:, 0] >= box[:, 0]) & (peaks[:, 0] <= box[:, 2])
                      & (peaks[:, 1] >= box[:, 1]) & (peaks[:, 1] <= box[:, 3]))
            counts["right shape" if other == shape else "other shape"] += int(inside.sum())
    total = count * shapes_per_scene
    counts["elsewhere"] = total - counts["right shape"] - counts["other shape"]
    return {key: value / total for key, value in counts.items()}
