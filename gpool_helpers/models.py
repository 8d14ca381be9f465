"""A small CNN with interchangeable classifier heads (notebook 07).

One convolutional body, then one of these heads on its last feature maps
(N, C, h, w):

- ``"flatten"``: flatten + fully connected, (N, C, h, w) -> (N, C*h*w) ->
  hidden layer -> classes, the classic head before global pooling;
- ``"flatten-dropout"``: the same with dropout before the last layer, the cure
  for over-fitting that Lin, Chen and Yan compare GAP against
  ("Network In Network", 2013, arXiv:1312.4400);
- ``"avg"`` (GAP), ``"max"`` (GMP), or any other registry kind that pools over
  space: pool (N, C, h, w) -> (N, m*C), then one linear layer to the classes,
  where m is the kind's ``feature_multiplier``.

The body: 3x3 convolutions with padding 1 (they keep the size) and ReLU, with
one 2x2 max pooling after the first, so an (N, 1, H, W) image gives (N, C, H/2, W/2)
feature maps. A flatten head fixes H and W when it is built; a pooling head
works for any input of at least 2x2 pixels.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor, nn

from ._validation import describe
from .registry import GlobalPool, get_kind, kind_names

FLATTEN_HEADS = ("flatten", "flatten-dropout")

#: How tables and plots name each head.
HEAD_LABELS = {
    "flatten": "flatten + FC",
    "flatten-dropout": "flatten + FC + dropout",
    "avg": "GAP + linear",
    "max": "GMP + linear",
}


def head_label(head: str) -> str:
    """The display name of ``head``: ``"avg"`` -> ``"GAP + linear"``."""
    return HEAD_LABELS.get(head, f"{head} pooling + linear")


def head_names() -> tuple[str, ...]:
    """Every head :class:`SmallCNN` accepts: the flatten heads, then the registry
    kinds that pool over space, in registration order."""
    spatial = tuple(name for name in kind_names() if get_kind(name).pools_over == "space")
    return FLATTEN_HEADS + spatial


class FlattenHead(nn.Module):
    """Flatten + fully connected: (N, C, h, w) -> (N, classes).

    Its first layer has C*h*w inputs, so it accepts only the (C, h, w) it was
    built for; anything else raises a ValueError that says so (plain torch would
    fail inside the matrix product with a message about mat1 and mat2).
    """

    def __init__(
        self, feature_shape: tuple[int, int, int], hidden_units: int, num_classes: int, dropout: float = 0.0
    ) -> None:
        super().__init__()
        self.feature_shape = tuple(int(size) for size in feature_shape)
        channels, height, width = self.feature_shape
        self.hidden = nn.Linear(channels * height * width, hidden_units)
        self.activation = nn.ReLU()
        # Dropout sits where NIN and AlexNet put it: on the hidden fully
        # connected layer, the one with most of the weights.
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.classifier = nn.Linear(hidden_units, num_classes)

    def forward(self, features: Tensor) -> Tensor:
        if tuple(features.shape[1:]) != self.feature_shape:
            channels, height, width = self.feature_shape
            raise ValueError(
                f"FlattenHead was built for feature maps of shape {self.feature_shape} "
                f"({channels * height * width} numbers after flattening); got {tuple(features.shape[1:])} "
                f"({features[0].numel()} numbers). A flatten head fixes the input image size; "
                "a global pooling head does not."
            )
        return self.classifier(self.dropout(self.activation(self.hidden(features.flatten(1)))))


class PoolingHead(nn.Module):
    """Global pooling + one linear layer: (N, C, h, w) -> (N, m*C) -> (N, classes)."""

    def __init__(self, kind: str, channels: int, num_classes: int) -> None:
        super().__init__()
        if get_kind(kind).pools_over != "space":
            raise ValueError(
                f"PoolingHead expects a kind that pools over space (one value per channel); "
                f"{kind!r} pools over the channels and keeps (h, w), so no linear layer of fixed width can follow it"
            )
        self.pool = GlobalPool(kind, channels)
        self.classifier = nn.Linear(channels * self.pool.feature_multiplier, num_classes)

    @property
    def kind(self) -> str:
        return self.pool.kind

    def forward(self, features: Tensor) -> Tensor:
        return self.classifier(self.pool(features))


class SmallCNN(nn.Module):
    """Convolutional body + a head chosen by name (see :func:`head_names`).

    - ``channels``: output channels of each 3x3 convolution; the last one is the
      C the head sees. The default (16, 32) turns an 8x8 digit into (32, 4, 4).
    - ``input_size``: (H, W) of the images; flatten heads need it to size their
      first layer, pooling heads ignore it.
    - ``hidden_units`` and ``dropout``: the flatten heads' hidden layer.
    """

    def __init__(
        self,
        head: str = "avg",
        num_classes: int = 10,
        in_channels: int = 1,
        channels: Sequence[int] = (16, 32),
        input_size: tuple[int, int] | None = None,
        hidden_units: int = 64,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        if head not in head_names():
            raise ValueError(
                f"SmallCNN expects head to be one of {', '.join(map(repr, head_names()))}; got {head!r}"
            )
        for name, value in (("num_classes", num_classes), ("in_channels", in_channels), ("hidden_units", hidden_units)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"SmallCNN expects {name} to be a positive int; got {value!r}")
        channels = tuple(channels)
        if not channels or not all(isinstance(c, int) and not isinstance(c, bool) and c > 0 for c in channels):
            raise ValueError(f"SmallCNN expects channels to be a non-empty sequence of positive ints; got {channels!r}")
        if not 0 <= dropout < 1:
            raise ValueError(f"SmallCNN expects dropout in [0, 1); got {dropout!r}")
        self.head_name = head
        self.in_channels = in_channels
        self.num_classes = num_classes
        layers: list[nn.Module] = []
        previous = in_channels
        for index, width in enumerate(channels):
            layers += [nn.Conv2d(previous, width, kernel_size=3, padding=1), nn.ReLU()]
            if index == 0:
                # One halving only: deep enough to combine strokes, while the
                # maps stay fine enough (16x16 on a 32x32 canvas) for class
                # activation maps to point at the object.
                layers.append(nn.MaxPool2d(2))
            previous = width
        self.body = nn.Sequential(*layers)
        self.feature_channels = previous
        if head in FLATTEN_HEADS:
            if input_size is None:
                raise ValueError(
                    f"SmallCNN with head {head!r} needs input_size=(H, W): a flatten head's first layer "
                    "has one weight per feature-map position"
                )
            height, width = (int(size) for size in input_size)
            if height < 2 or width < 2:
                raise ValueError(f"SmallCNN expects input_size of at least (2, 2); got {input_size!r}")
            self.head: nn.Module = FlattenHead(
                (previous, height // 2, width // 2),
                hidden_units,
                num_classes,
                dropout=dropout if head == "flatten-dropout" else 0.0,
            )
        else:
            self.head = PoolingHead(head, previous, num_classes)

    def check_images(self, images: object) -> Tensor:
        """``images`` if it is a float (N, in_channels, H, W) tensor with H, W >= 2."""
        expected = f"a float tensor shaped (N, {self.in_channels}, H, W) with H, W >= 2"
        if not isinstance(images, Tensor) or not images.dtype.is_floating_point:
            raise TypeError(f"SmallCNN expects {expected}; got {describe(images)}")
        if images.dim() != 4 or images.shape[1] != self.in_channels or min(images.shape[2:]) < 2:
            raise ValueError(f"SmallCNN expects {expected}; got shape {tuple(images.shape)}")
        return images

    def features(self, images: Tensor) -> Tensor:
        """The body's output, what the head sees: (N, 1, H, W) -> (N, C, H/2, W/2)."""
        return self.body(self.check_images(images))

    def forward(self, images: Tensor) -> Tensor:
        return self.head(self.features(images))


def count_parameters(module: nn.Module) -> int:
    """The number of trainable numbers in ``module``."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"count_parameters expects a torch.nn.Module; got {describe(module)}")
    return sum(parameter.numel() for parameter in module.parameters() if parameter.requires_grad)


def count_multiply_adds(model: nn.Module, input_shape: Sequence[int]) -> dict[str, int]:
    """Multiply-adds of one forward pass on an input of ``input_shape``, by part.

    Counted by running the model once on zeros with hooks on every Conv2d and
    Linear: a convolution costs (output positions) x (output channels) x
    (inputs per output) multiply-adds, a linear layer in x out, per image.
    Pooling and ReLU are comparisons and additions, not multiply-adds, and are
    not counted. Returns ``{"body": ..., "head": ..., "total": ...}`` per image.
    """
    if not isinstance(model, SmallCNN):
        raise TypeError(f"count_multiply_adds expects a SmallCNN; got {describe(model)}")
    shape = tuple(input_shape)
    if len(shape) != 4 or shape[0] != 1:
        raise ValueError(f"count_multiply_adds expects an input shape (1, C, H, W); got {shape!r}")
    totals = {"body": 0, "head": 0}

    def hook_for(part: str):
        def hook(layer: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
            if isinstance(layer, nn.Conv2d):
                inputs_per_output = (layer.in_channels // layer.groups) * layer.kernel_size[0] * layer.kernel_size[1]
                totals[part] += output.numel() * inputs_per_output
            else:
                totals[part] += layer.in_features * layer.out_features * (output.numel() // layer.out_features)

        return hook

    handles = []
    for part, module in (("body", model.body), ("head", model.head)):
        for layer in module.modules():
            if isinstance(layer, (nn.Conv2d, nn.Linear)):
                handles.append(layer.register_forward_hook(hook_for(part)))
    # eval mode: dropout in training mode would draw from the global random
    # state, and counting must not change what a later seeded run does.
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(shape))
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    return {**totals, "total": totals["body"] + totals["head"]}
