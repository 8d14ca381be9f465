"""Exercises for notebook 07, global pooling at work in a small CNN.

- q1: compute class activation maps by hand from feature maps and classifier weights.
- q2: the shape of the class activation maps of a batch on a larger canvas.
- q3: the pointing game's chance level, computed from the boxes by hand
  (inclusive bounds, an average of areas). It replaced a multiple-choice
  question whose answer the notebook's prose spelled out just above it.
"""

from __future__ import annotations

import torch

from .core import Case, FunctionQuestion, Mistake, ValueQuestion


def _reference_maps(features: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ck,nkhw->nchw", weight, features)


def _seeded_pair(batch: int, channels: int, classes: int, height: int, width: int, seed: int):
    generator = torch.Generator().manual_seed(seed)
    # ReLU features are never negative; the checker feeds the same kind of maps.
    features = torch.rand(batch, channels, height, width, generator=generator)
    weight = torch.randn(classes, channels, generator=generator)
    return features, weight


_CASES = [
    Case("one image, 32 channels of 4x4, 10 classes", lambda: _seeded_pair(1, 32, 10, 4, 4, 0)),
    Case("batch of 3, 8 channels of 12x12, 4 classes", lambda: _seeded_pair(3, 8, 4, 12, 12, 1)),
    Case("batch of 2, non-square 5x7 maps, 6 channels, 3 classes", lambda: _seeded_pair(2, 6, 3, 5, 7, 2)),
]


def _averaged(features, weight):
    return _reference_maps(features, weight) / features.shape[1]


def _pooled(features, weight):
    return features.mean(dim=(2, 3)) @ weight.T


def _normalised(features, weight):
    maps = _reference_maps(features, weight)
    low = maps.amin(dim=(2, 3), keepdim=True)
    high = maps.amax(dim=(2, 3), keepdim=True)
    return (maps - low) / (high - low)


def _unweighted(features, weight):
    return features.sum(dim=1, keepdim=True).expand(-1, weight.shape[0], -1, -1)


q1 = FunctionQuestion(
    qid="nb07.q1",
    prompt=(
        "Write my_class_activation_maps(features, weight): features are the last feature maps, "
        "shaped (N, K, h, w); weight is the linear layer's weight after GAP, shaped (classes, K). "
        "Return the class activation maps M[n, c] = sum over k of weight[c, k] * features[n, k], "
        "shaped (N, classes, h, w)."
    ),
    reference=_reference_maps,
    cases=_CASES,
    hints=[
        "One map per class: a weighted sum of the K feature maps, with class c's row of weight as the weights.",
        "weight[c, k] has to multiply a whole h x w map: reshape weight to (1, classes, K, 1, 1) and features "
        "to (N, 1, K, h, w), multiply, then sum over the K dim. Or one line: torch.einsum('ck,nkhw->nchw', weight, features).",
    ],
    solution_code="""
import torch


def my_class_activation_maps(features, weight):
    # For every image n and class c: sum_k weight[c, k] * features[n, k], an h x w map.
    return torch.einsum("ck,nkhw->nchw", weight, features)
""",
    answer_name="my_class_activation_maps",
    mistakes=[
        Mistake.wrong_function(
            "averaged over channels",
            "Your maps are the right ones divided by K: CAM sums the weighted feature maps, "
            "it does not average them (the weights already say how much each map counts).",
            _averaged,
        ),
        Mistake.wrong_function(
            "pooled",
            "You returned one number per class: that is GAP followed by the linear layer (the logits "
            "without the bias). A class activation map keeps the h x w positions: sum over k before any mean.",
            _pooled,
        ),
        Mistake.wrong_function(
            "normalised",
            "Your maps are rescaled to [0, 1]. That is fine for a picture, but then GAP of the map plus the "
            "bias is no longer the logit: return the raw weighted sums.",
            _normalised,
        ),
        Mistake.wrong_function(
            "unweighted",
            "Every class got the same map, the plain sum of the feature maps: multiply each map by "
            "weight[c, k] first, so that each class weighs the maps its own way.",
            _unweighted,
        ),
    ],
)


# The GAP model of the notebook: 16 channels, 4 shape classes, one 2x2 max
# pooling in its body; a batch of 5 images on the 48x48 canvas.
_BATCH, _CLASSES, _CHANNELS, _CANVAS = 5, 4, 16, 48


q2 = ValueQuestion(
    qid="nb07.q2",
    prompt=(
        f"The notebook's GAP model ({_CHANNELS} channels in its last feature maps, {_CLASSES} shape classes, one 2x2 "
        f"max pooling in its body) gets a batch of {_BATCH} images on a {_CANVAS}x{_CANVAS} canvas, shaped "
        f"({_BATCH}, 1, {_CANVAS}, {_CANVAS}). What is the shape of class_activation_maps(model, images)[0], "
        "the maps? Answer with a tuple, e.g. maps_shape = (1, 2, 3, 4)."
    ),
    expected=(_BATCH, _CLASSES, _CANVAS // 2, _CANVAS // 2),
    hints=[
        "There is one map per image and per class.",
        "A map lives where the last feature maps live: the body halves the height and width once.",
    ],
    solution_code=f"""
# One map per (image, class), at the size of the last feature maps: the canvas halved once.
maps_shape = ({_BATCH}, {_CLASSES}, {_CANVAS} // 2, {_CANVAS} // 2)
""",
    answer_name="maps_shape",
    mistakes=[
        Mistake.wrong_value(
            "image size",
            "That is the image size. The maps have the size of the last feature maps (the body halves H and W); "
            "they are only resized to the image for the picture.",
            (_BATCH, _CLASSES, _CANVAS, _CANVAS),
        ),
        Mistake.wrong_value(
            "the logits",
            "That is the shape of the logits: the maps keep the positions, one h x w map per class.",
            (_BATCH, _CLASSES),
        ),
        Mistake.wrong_value(
            "the features",
            f"That is the feature maps' shape, one per channel. CAM mixes the {_CHANNELS} channels into one "
            "map per class.",
            (_BATCH, _CHANNELS, _CANVAS // 2, _CANVAS // 2),
        ),
    ],
)


def _reference_share(boxes: torch.Tensor, canvas_size: int) -> torch.Tensor:
    heights = boxes[:, 2] - boxes[:, 0] + 1
    widths = boxes[:, 3] - boxes[:, 1] + 1
    return (heights * widths).double().mean() / canvas_size**2


def _boxes(rows: list[list[int]], canvas_size: int):
    return torch.tensor(rows, dtype=torch.long), canvas_size


_SHARE_CASES = [
    Case("one 10x10 box on a 24x24 canvas", lambda: _boxes([[3, 4, 12, 13]], 24)),
    Case("a tall and a wide box on a 24x24 canvas", lambda: _boxes([[0, 0, 11, 3], [5, 2, 7, 21]], 24)),
    Case("three boxes on a 48x48 canvas, one a single pixel", lambda: _boxes([[10, 10, 20, 24], [0, 40, 16, 47], [30, 30, 30, 30]], 48)),
]


def _exclusive(boxes, canvas_size):
    return ((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])).double().mean() / canvas_size**2


def _per_image(boxes, canvas_size):
    return ((boxes[:, 2] - boxes[:, 0] + 1) * (boxes[:, 3] - boxes[:, 1] + 1)).double() / canvas_size**2


def _by_side(boxes, canvas_size):
    return (boxes[:, 2] - boxes[:, 0] + 1).double().mean() * (boxes[:, 3] - boxes[:, 1] + 1).double().mean() / canvas_size**2


def _by_length(boxes, canvas_size):
    return ((boxes[:, 2] - boxes[:, 0] + 1) * (boxes[:, 3] - boxes[:, 1] + 1)).double().mean() / canvas_size


q3 = FunctionQuestion(
    qid="nb07.q3",
    prompt=(
        "A class activation map 'points' at a shape when its peak falls inside the shape's box. Write "
        "my_pointing_chance(boxes, canvas_size): how often a peak at a uniformly random pixel of a square canvas "
        "would land inside the box, averaged over the images. boxes is an int64 tensor (N, 4) of "
        "(top, left, bottom, right), inclusive pixel bounds; return a 0-dim float tensor."
    ),
    reference=_reference_share,
    cases=_SHARE_CASES,
    hints=[
        "A random pixel lands in a box with probability (pixels in the box) / (pixels on the canvas). "
        "Average that over the images.",
        "The bounds are inclusive: a box from row 3 to row 12 covers 12 - 3 + 1 = 10 rows. "
        "Areas first, then the mean: ((b[:, 2] - b[:, 0] + 1) * (b[:, 3] - b[:, 1] + 1)).double().mean() / canvas_size**2.",
    ],
    solution_code="""
def my_pointing_chance(boxes, canvas_size):
    # Inclusive bounds: a box from 3 to 12 covers 10 pixels, hence the + 1.
    heights = boxes[:, 2] - boxes[:, 0] + 1
    widths = boxes[:, 3] - boxes[:, 1] + 1
    # Share of each image's canvas, averaged; .double() so the mean is not integer arithmetic.
    return (heights * widths).double().mean() / canvas_size**2
""",
    answer_name="my_pointing_chance",
    mistakes=[
        Mistake.wrong_function(
            "exclusive bounds",
            "Your boxes are one pixel too small each way: the bounds are inclusive, so a box from row 3 to "
            "row 12 covers 12 - 3 + 1 = 10 rows (a one-pixel box covers 1, not 0).",
            _exclusive,
        ),
        Mistake.wrong_function(
            "one share per image",
            "You returned one share per image: the chance level is their average over the images, one number.",
            _per_image,
        ),
        Mistake.wrong_function(
            "averaged the sides",
            "You multiplied the mean height by the mean width. The mean of the areas is not that product "
            "(a tall box and a wide box average to a square neither of them is): compute each area, then average.",
            _by_side,
        ),
        Mistake.wrong_function(
            "divided by the side",
            "You divided by the canvas side: a random pixel is one of canvas_size * canvas_size, so divide by the area.",
            _by_length,
        ),
    ],
)

QUESTIONS = (q1, q2, q3)
