"""A small CNN with interchangeable classifier heads (notebook 07).

One convolutional body, then one of these heads on its last feature maps
(N, C, h, w):

- ``"flatten"``: flatten + fully connected, (N, C, h, w) -> (N, C*h*w) ->
  hidden layer -> classes, the classic head before global pooling;
- ``"flatten-dropout"``: the same with dropout before the last layer, the cure
  for over-fitting that Lin, Chen and Yan compare GAP against
  ("Network In Network", 2013, arXiv:1312.4400);
- ``"nin"``: the head of "Network In Network" (and of d2l's NiN): a 1x1
  convolution to one map per class, then global average pooling,
  (N, C, h, w) -> (N, classes, h, w) -> (N, classes), with no linear layer;
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

from ..checks import check_choice, check_int, check_int_pair, check_ints, check_number, describe
from ..i18n import N_, gettext as _
from ..pooling import kind_names
from .counting import measure_multiply_adds
from .heads import PoolingHead, make_flatten_head

__all__ = ["NinHead", "SmallCNN", "count_multiply_adds", "head_label", "head_names", "mlpconv_block"]

FLATTEN_HEADS = ("flatten", "flatten-dropout")

#: Heads that are neither a flatten head nor a registry kind + linear layer.
NIN_HEAD = "nin"

#: How tables and plots name each head.
HEAD_LABELS = {
    "flatten": "flatten + FC",
    "flatten-dropout": "flatten + FC + dropout",
    "avg": "GAP + linear",
    "max": "GMP + linear",
    "nin": "NiN: 1x1 conv + GAP",
}


def head_label(head: str) -> str:
    """The display name of ``head``: ``"avg"`` -> ``"GAP + linear"``."""
    return HEAD_LABELS.get(head, f"{head} pooling + linear")


def head_names() -> tuple[str, ...]:
    """Every head :class:`SmallCNN` accepts: the flatten heads, the NiN head, then
    the registry kinds that pool over space, in registration order."""
    return FLATTEN_HEADS + (NIN_HEAD,) + kind_names(pools_over="space")


def mlpconv_block(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0) -> nn.Sequential:
    """NIN's "mlpconv" layer: one k x k convolution, then two 1x1 convolutions, each followed by a ReLU.

    Lin, Chen and Yan ("Network In Network", 2013, arXiv:1312.4400, section 3.1)
    slide a small multilayer perceptron over the image instead of a single linear
    filter: the 1x1 convolutions are that perceptron's hidden layers, applied at
    every position. d2l builds the same block (its ``nin_block``, chapter
    "Network in Network"). Shapes: (N, in, H, W) -> (N, out, H', W') with H', W'
    set by the first convolution alone; the 1x1 layers keep them.
    """
    for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("kernel_size", kernel_size),
                        ("stride", stride)):
        check_int(value, name, "mlpconv_block")
    check_int(padding, "padding", "mlpconv_block", minimum=0)
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
    )


class NinHead(nn.Module):
    """Lin, Chen and Yan's head ("Network In Network", 2013, arXiv:1312.4400).

    (N, C, h, w) -> 1x1 convolution -> (N, classes, h, w) -> mean over h, w
    -> (N, classes). The last maps *are* the class maps: no linear layer
    follows the pooling. NIN and d2l put a ReLU after the 1x1 convolution, as
    the end of a deeper mlpconv block; here the body's last ReLU comes just
    before, and without a second one the head is GAP + linear with the two
    steps swapped (a mean commutes with a weighted sum over channels): the
    same function and parameter count (C*classes + classes), but the 1x1
    convolution runs at every one of the h*w positions.
    """

    def __init__(self, channels: int, num_classes: int) -> None:
        super().__init__()
        self.classifier = nn.Conv2d(channels, num_classes, kernel_size=1)

    def class_maps(self, features: Tensor) -> Tensor:
        """(N, C, h, w) -> (N, classes, h, w): one map per class."""
        return self.classifier(features)

    def forward(self, features: Tensor) -> Tensor:
        return self.class_maps(features).mean(dim=(2, 3))


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
        check_choice(head, head_names(), "head", "SmallCNN")
        for name, value in (("num_classes", num_classes), ("in_channels", in_channels), ("hidden_units", hidden_units)):
            check_int(value, name, "SmallCNN")
        channels = check_ints(channels, "channels", "SmallCNN", example="(16, 32)", item=N_("channel count"))
        check_number(dropout, "dropout", "SmallCNN", minimum=0.0, include_minimum=True, maximum=1.0,
                     include_maximum=False)
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
        #: The (C, h, w) a flatten head was built for; None for heads that take any h and w.
        self.flatten_input_shape: tuple[int, int, int] | None = None
        if head in FLATTEN_HEADS:
            if input_size is None:
                raise ValueError(
                    _("SmallCNN with head {head} needs input_size=(H, W): a flatten head's first layer "
                      "has one weight per feature-map position").format(head=repr(head))
                )
            height, width = check_int_pair(input_size, "input_size", "SmallCNN", example="(8, 8)", minimum=2)
            self.flatten_input_shape = (previous, height // 2, width // 2)
            self.head: nn.Module = make_flatten_head(
                *self.flatten_input_shape, classes=num_classes, hidden_widths=(hidden_units,),
                dropout=dropout if head == "flatten-dropout" else 0.0,
            )
        elif head == NIN_HEAD:
            self.head = NinHead(previous, num_classes)
        else:
            self.head = PoolingHead(head, previous, num_classes)

    def check_images(self, images: object) -> Tensor:
        """``images`` if it is a float (N, in_channels, H, W) tensor with H, W >= 2."""
        if not isinstance(images, Tensor) or not images.dtype.is_floating_point:
            raise TypeError(_("{name} expects {expected}; got {got}").format(
                name="SmallCNN", expected=self._expected_images(), got=describe(images)))
        if images.dim() != 4 or images.shape[1] != self.in_channels or min(images.shape[2:]) < 2:
            raise ValueError(_("{name} expects {expected}; got shape {shape}").format(
                name="SmallCNN", expected=self._expected_images(), shape=tuple(images.shape)))
        return images

    def _expected_images(self) -> str:
        return _("a float tensor shaped (N, {channels}, H, W) with H, W >= 2").format(channels=self.in_channels)

    def features(self, images: Tensor) -> Tensor:
        """The body's output, what the head sees: (N, 1, H, W) -> (N, C, H/2, W/2)."""
        return self.body(self.check_images(images))

    def forward(self, images: Tensor) -> Tensor:
        features = self.features(images)
        if self.flatten_input_shape is not None and tuple(features.shape[1:]) != self.flatten_input_shape:
            # Plain torch would fail inside the matrix product, with a message about mat1 and mat2.
            channels, height, width = self.flatten_input_shape
            raise ValueError(
                _("SmallCNN with head {head} was built for feature maps of shape {shape} "
                  "({count} numbers after flattening); got {got} "
                  "({got_count} numbers). A flatten head fixes the input image size; "
                  "a global pooling head does not.").format(
                    head=repr(self.head_name), shape=self.flatten_input_shape, count=channels * height * width,
                    got=tuple(features.shape[1:]), got_count=features[0].numel())
            )
        return self.head(features)


def count_multiply_adds(model: SmallCNN, input_shape: Sequence[int]) -> dict[str, int]:
    """A :class:`SmallCNN`'s multiply-adds per image, by part.

    Runs :func:`~gpool_helpers.cnn.counting.measure_multiply_adds` on the body
    with zeros of ``input_shape`` (1, C, H, W), then on the head with the
    body's output. Returns ``{"body": ..., "head": ..., "total": ...}``.
    """
    if not isinstance(model, SmallCNN):
        raise TypeError(_("{name} expects a SmallCNN; got {got}").format(name="count_multiply_adds", got=describe(model)))
    shape = check_ints(input_shape, "input_shape", "count_multiply_adds", example="(1, 1, 8, 8)")
    if len(shape) != 4 or shape[0] != 1:
        raise ValueError(_("count_multiply_adds expects an input shape (1, C, H, W); got {got}").format(got=repr(shape)))
    images = torch.zeros(shape)
    body = measure_multiply_adds(model.body, images)
    with torch.no_grad():
        features = model.features(images)
    head = measure_multiply_adds(model.head, features)
    return {"body": body, "head": head, "total": body + head}
