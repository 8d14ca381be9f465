"""Classifier heads: flatten + fully connected against global pooling, and what each costs.

A CNN ends with feature maps shaped (N, C, H, W). A *head* turns them into one
score per class. Two kinds are compared here (notebook 01):

- flatten head: ``Flatten`` makes a vector of C·H·W numbers, then fully
  connected (``nn.Linear``) layers map it to the classes. The first weight
  matrix has C·H·W rows' worth of inputs, so it grows with the map size and is
  tied to one exact H and W.
- pooled head: a global pooling layer makes one number per channel (C numbers,
  or ``feature_multiplier``·C for kinds such as avg+max concatenation), then a
  linear layer maps them to the classes. Nothing in it depends on H or W.

Counts are given as formulas (``flatten_head_cost``, ``pooled_head_cost``) and
can be checked against real modules (``make_flatten_head``,
``make_pooled_head``, and :mod:`.counting`'s ``count_parameters`` and
``measure_multiply_adds``). :class:`~gpool_helpers.cnn.models.SmallCNN`
(notebook 07) trains ``make_flatten_head``'s module and :class:`PoolingHead`.

Conventions: a linear layer with ``in_features`` inputs and ``out_features``
outputs has ``in·out`` weights plus ``out`` biases, and does ``in·out``
multiply-adds per example. Multiply-adds are per example (batch size 1).
ReLU and dropout have no parameters and no multiply-adds. The pooling layer's
own work (about one addition or comparison per input value, C·H·W) is kept
apart in ``pooling_operations``: it is not a multiply-add.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Sequence

import torch
from torch import Tensor, nn

from ..checks import check_int, check_ints, check_number
from ..i18n import N_, gettext as _
from ..pooling import GlobalPool, get_kind
from ..text_width import pad
from .counting import count_parameters

__all__ = [
    "VGG16_BODY", "VGG16_HEAD", "conv_body_cost", "make_conv_body", "HeadCost", "LayerCost", "PoolingHead",
    "flatten_head_cost", "format_count", "make_flatten_head", "make_pooled_head", "pooled_head_cost", "try_head",
]

#: The classifier of VGG-16 (Simonyan & Zisserman, "Very Deep Convolutional
#: Networks for Large-Scale Image Recognition", 2014, arXiv:1409.1556): the last
#: feature maps are 512 x 7 x 7 for a 224 x 224 image, flattened into two fully
#: connected layers of 4096 and a 1000-way output for ImageNet.
VGG16_HEAD = {"channels": 512, "height": 7, "width": 7, "hidden_widths": (4096, 4096), "classes": 1000}

#: The convolutional body of VGG-16 (configuration D in Table 1 of the same
#: paper): each number is a 3 x 3 convolution (stride 1, padding 1, then ReLU)
#: with that many output channels; "M" is a 2 x 2 max pooling of stride 2.
#: On a 3 x 224 x 224 image it ends with the 512 x 7 x 7 maps of VGG16_HEAD.
VGG16_BODY = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")

#: Building a real module above this many parameters on the CPU is refused
#: (about 80 MB of float32); pass ``device="meta"`` to get the shapes without
#: the memory, which is how notebook 01 builds the VGG-16-sized head.
MAX_MATERIALISED_PARAMETERS = 20_000_000


@dataclass(frozen=True)
class LayerCost:
    """One layer of a head: what it is, its formula and its two counts."""

    name: str
    formula: str
    parameters: int
    multiply_adds: int


@dataclass(frozen=True)
class HeadCost:
    """The cost of a whole head, layer by layer.

    ``parameters`` and ``multiply_adds`` sum the layers. ``pooling_operations``
    is the pooling layer's own additions or comparisons (0 for a flatten head).
    """

    name: str
    layers: tuple[LayerCost, ...]
    pooling_operations: int = 0

    @property
    def parameters(self) -> int:
        return sum(layer.parameters for layer in self.layers)

    @property
    def multiply_adds(self) -> int:
        return sum(layer.multiply_adds for layer in self.layers)

    def __str__(self) -> str:
        """The head's totals, then one aligned line per layer, in the learner's language.

        Names and formula words are shown through ``_()``; columns are padded
        by display width (:mod:`gpool_helpers.text_width`), so they stay
        aligned when a cell holds Chinese.
        """
        lines = [_("{name}: {parameters} parameters, {multiply_adds} multiply-adds per image").format(
            name=display_name(self.name), parameters=format_count(self.parameters),
            multiply_adds=format_count(self.multiply_adds))]
        for layer in self.layers:
            lines.append(_("  {layer} {formula} = {parameters} parameters").format(
                layer=pad(display_name(layer.name), 28), formula=pad(_(layer.formula), 24),
                parameters=f"{layer.parameters:>13,}"))
        if self.pooling_operations:
            lines.append(_("  (plus {count} additions or comparisons inside the pooling)").format(
                count=f"{self.pooling_operations:,}"))
        return "\n".join(lines)


# ----------------------------------------------------------------------------
# Names: built from English templates, shown through _()
# ----------------------------------------------------------------------------

#: The templates every HeadCost and LayerCost name in this module is built
#: from. A name stays English in the data (``cost.name``); :func:`display_name`
#: finds its template and shows it in the learner's language.
FLATTEN_HEAD_NAME = N_("flatten head {path}")
POOLED_HEAD_NAME = N_("global {kind} pooling head {path}")
POOLING_LAYER_NAME = N_("global {kind} pooling")
CONV_BODY_NAME = N_("conv body {start} -> {end}")
CONV_LAYER_NAME = N_("Conv3x3({c_in} -> {c_out}) at {size}x{size}")
NAME_TEMPLATES = (FLATTEN_HEAD_NAME, POOLED_HEAD_NAME, POOLING_LAYER_NAME, CONV_BODY_NAME, CONV_LAYER_NAME)
#: The two kinds a head is usually pooled with have names of their own in other
#: languages (全局平均池化, not 全局 avg 池化): the same English, one text per kind.
#: Any other kind is shown through the general template, with its code name.
KIND_NAME_TEMPLATES = {
    (POOLED_HEAD_NAME, "avg"): N_("global avg pooling head {path}"),
    (POOLED_HEAD_NAME, "max"): N_("global max pooling head {path}"),
    (POOLING_LAYER_NAME, "avg"): N_("global avg pooling"),
    (POOLING_LAYER_NAME, "max"): N_("global max pooling"),
}


def _template_pattern(template: str) -> re.Pattern:
    """``"global {kind} pooling"`` -> a regex matching exactly the names it formats."""
    pattern, seen = "", set()
    for literal, field_name, _spec, _conversion in string.Formatter().parse(template):
        pattern += re.escape(literal)
        if field_name is None:
            continue
        pattern += f"(?P={field_name})" if field_name in seen else f"(?P<{field_name}>.+?)"
        seen.add(field_name)
    return re.compile(pattern)


_NAME_PATTERNS = tuple((template, _template_pattern(template)) for template in NAME_TEMPLATES)


def display_name(name: str) -> str:
    """A head's or layer's name in the learner's language: "global avg pooling" -> "全局平均池化".

    A name made from none of :data:`NAME_TEMPLATES` ("Linear(512 -> 10)", a
    name of the learner's own) is shown as it is.
    """
    for template, pattern in _NAME_PATTERNS:
        match = pattern.fullmatch(name)
        if match:
            fields = match.groupdict()
            named = KIND_NAME_TEMPLATES.get((template, fields.get("kind")))
            if named is not None:
                return _(named).format(**fields)
            return _(template).format(**fields)
    return name


# ----------------------------------------------------------------------------
# Input checks: a learner passes these by hand, so each error names the call.
# ----------------------------------------------------------------------------


def _check_head_sizes(channels, height, width, classes, hidden_widths, function_name: str) -> tuple[int, ...]:
    """Every size a head cost takes must be a positive int; returns the hidden widths as a tuple."""
    for value, argument in ((channels, "channels"), (height, "height"), (width, "width"), (classes, "classes")):
        check_int(value, argument, function_name)
    return check_ints(hidden_widths, "hidden_widths", function_name, example=N_("(4096, 4096) or () for none"),
                      item=N_("hidden width"), allow_empty=True)


def format_count(count: int) -> str:
    """123642856 -> '123,642,856 (123.6 M)': exact digits plus a readable size."""
    if count >= 1_000_000_000:
        return f"{count:,} ({count / 1e9:.1f} G)"
    if count >= 1_000_000:
        return f"{count:,} ({count / 1e6:.1f} M)"
    if count >= 10_000:
        return f"{count:,} ({count / 1e3:.1f} k)"
    return f"{count:,}"


# ----------------------------------------------------------------------------
# Formulas
# ----------------------------------------------------------------------------


def linear_layer_cost(in_features: int, out_features: int, bias: bool = True,
                      in_label: str | None = None, out_label: str | None = None) -> LayerCost:
    """``nn.Linear(in_features, out_features)``: in·out (+ out) parameters, in·out multiply-adds.

    ``in_label`` / ``out_label`` name the sizes in the formula text (e.g.
    ``"C·H·W"``); by default the numbers themselves are shown.
    """
    check_int(in_features, "in_features", "linear_layer_cost")
    check_int(out_features, "out_features", "linear_layer_cost")
    in_text = in_label or str(in_features)
    out_text = out_label or str(out_features)
    formula = f"{in_text}·{out_text}" + (f" + {out_text}" if bias else "")
    return LayerCost(
        name=f"Linear({in_features} -> {out_features})",
        formula=formula,
        parameters=in_features * out_features + (out_features if bias else 0),
        multiply_adds=in_features * out_features,
    )


def _fully_connected_stack(in_features: int, in_label: str, hidden_widths: tuple[int, ...],
                           classes: int, bias: bool) -> list[LayerCost]:
    widths = (*hidden_widths, classes)
    labels = tuple(f"h{i + 1}" for i in range(len(hidden_widths))) + ("K",)
    layers = []
    previous, previous_label = in_features, in_label
    for width, label in zip(widths, labels):
        layers.append(linear_layer_cost(previous, width, bias, in_label=previous_label, out_label=label))
        previous, previous_label = width, label
    return layers


def flatten_head_cost(channels: int, height: int, width: int, classes: int,
                      hidden_widths: Sequence[int] = (), bias: bool = True) -> HeadCost:
    """Flatten (C, H, W) into C·H·W numbers, then linear layers of ``hidden_widths``, then ``classes``.

    Formula text uses C, H, W, h1, h2, ... for the hidden widths and K for the
    classes. With no hidden layer: parameters = C·H·W·K + K.
    """
    name = "flatten_head_cost"
    widths = _check_head_sizes(channels, height, width, classes, hidden_widths, name)
    layers = _fully_connected_stack(channels * height * width, "(C·H·W)", widths, classes, bias)
    return HeadCost(name=FLATTEN_HEAD_NAME.format(path=_shape_path(channels, height, width, widths, classes)),
                    layers=tuple(layers))


def pooled_head_cost(channels: int, height: int, width: int, classes: int,
                     hidden_widths: Sequence[int] = (), kind: str = "avg", bias: bool = True) -> HeadCost:
    """Global pooling (a registry kind, default ``"avg"``), then linear layers to ``classes``.

    The pooled vector has ``feature_multiplier``·C numbers whatever H and W are,
    so H and W only enter ``pooling_operations``. With no hidden layer and GAP:
    parameters = C·K + K. A learnable kind's own parameters (e.g. GeM's p)
    are counted from its module; its own arithmetic (e.g. attention scores)
    is not in ``multiply_adds``, which counts the linear layers only.
    ``pooling_operations`` is C·H·W, one operation per input value: exact for
    GAP's additions, a lower bound for kinds that read each value more than once.
    """
    name = "pooled_head_cost"
    widths = _check_head_sizes(channels, height, width, classes, hidden_widths, name)
    pooling_kind = get_kind(kind, caller=name, pools_over="space")
    multiplier = pooling_kind.feature_multiplier
    in_label = "C" if multiplier == 1 else f"({multiplier}·C)"
    pool_parameters = count_parameters(pooling_kind.make_module(channels)) if pooling_kind.learnable else 0
    # The formula texts are English, shown through _() by the head cost explorer.
    pool_layer = LayerCost(name=POOLING_LAYER_NAME.format(kind=kind), formula=N_("no weights") if not pool_parameters
                           else N_("learned pooling parameters"), parameters=pool_parameters, multiply_adds=0)
    layers = [pool_layer, *_fully_connected_stack(multiplier * channels, in_label, widths, classes, bias)]
    return HeadCost(
        name=POOLED_HEAD_NAME.format(
            kind=kind, path=_shape_path(channels, height, width, widths, classes, pooled=multiplier)),
        layers=tuple(layers),
        pooling_operations=channels * height * width,
    )


def _check_body_layers(layers, function_name: str) -> tuple:
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise TypeError(_("{name} expects layers as a sequence of channel counts and 'M'; got {type}").format(
            name=function_name, type=type(layers).__name__))
    layers = tuple(layers)
    for layer in layers:
        if layer != "M":
            check_int(layer, _("every {item} in {argument}").format(item=_("channel count"), argument="layers"), function_name)
    if not any(layer != "M" for layer in layers):
        raise ValueError(_("{name} expects at least one convolution in layers, e.g. VGG16_BODY; got {got}").format(
            name=function_name, got=repr(layers)))
    return layers


def conv_body_cost(layers: Sequence[int | str] = VGG16_BODY, in_channels: int = 3, size: int = 224,
                   bias: bool = True) -> HeadCost:
    """The cost of a VGG-style body on a ``size`` x ``size`` image, layer by layer.

    ``layers`` lists 3 x 3 convolutions (stride 1, padding 1) by their output
    channels and 2 x 2 max poolings of stride 2 as ``"M"`` (:data:`VGG16_BODY`
    by default). A convolution from c_in to c_out channels holds 3·3·c_in·c_out
    weights (+ c_out biases) and, keeping the map size s x s, does
    s·s·c_out·3·3·c_in multiply-adds per image. A pooling halves s (rounding
    down, as ``nn.MaxPool2d(2)`` does) and learns nothing; the values it reads
    are counted in ``pooling_operations``.
    """
    name = "conv_body_cost"
    layers = _check_body_layers(layers, name)
    check_int(in_channels, "in_channels", name)
    check_int(size, "size", name)
    costs, channels, side, compared = [], in_channels, size, 0
    for layer in layers:
        if layer == "M":
            if side < 2:
                raise ValueError(_("{name}: a 2 x 2 pooling cannot shrink a {side} x {side} map; "
                                   "use a larger size than {size}").format(name=name, side=side, size=size))
            compared += channels * side * side
            side //= 2
            continue
        weights = 3 * 3 * channels * layer
        costs.append(LayerCost(
            name=CONV_LAYER_NAME.format(c_in=channels, c_out=layer, size=side),
            formula=f"3·3·{channels}·{layer}" + (f" + {layer}" if bias else ""),
            parameters=weights + (layer if bias else 0),
            multiply_adds=side * side * weights,
        ))
        channels = layer
    return HeadCost(name=CONV_BODY_NAME.format(start=f"{in_channels}x{size}x{size}", end=f"{channels}x{side}x{side}"),
                    layers=tuple(costs), pooling_operations=compared)


def make_conv_body(layers: Sequence[int | str] = VGG16_BODY, in_channels: int = 3, bias: bool = True,
                   device: str | torch.device | None = None) -> nn.Sequential:
    """The real module :func:`conv_body_cost` counts: ``Conv2d(3, padding=1)`` + ``ReLU`` per number, ``MaxPool2d(2)`` per "M".

    VGG-16's body holds 14.7 M parameters (about 59 MB); ``device="meta"`` builds
    it without memory, and a meta input still runs it for its shapes.
    """
    name = "make_conv_body"
    layers = _check_body_layers(layers, name)
    check_int(in_channels, "in_channels", name)
    modules: list[nn.Module] = []
    channels = in_channels
    with torch.device(device or "cpu"):
        for layer in layers:
            if layer == "M":
                modules.append(nn.MaxPool2d(2))
            else:
                modules += [nn.Conv2d(channels, layer, kernel_size=3, padding=1, bias=bias), nn.ReLU()]
                channels = layer
    return nn.Sequential(*modules)


def _shape_path(channels, height, width, widths, classes, pooled: int | None = None) -> str:
    start = f"{channels}x{height}x{width}"
    middle = str(channels * height * width) if pooled is None else str(pooled * channels)
    return " -> ".join([start, middle, *(str(w) for w in widths), str(classes)])


# ----------------------------------------------------------------------------
# Real modules, to check the formulas against
# ----------------------------------------------------------------------------


def _linear_stack(in_features: int, hidden_widths: tuple[int, ...], classes: int,
                  dropout: float, bias: bool) -> list[nn.Module]:
    layers: list[nn.Module] = []
    previous = in_features
    for width in hidden_widths:
        layers += [nn.Linear(previous, width, bias=bias), nn.ReLU()]
        if dropout:
            # Where NIN and AlexNet put it: after the hidden fully connected
            # layers, the ones that hold most of the weights.
            layers.append(nn.Dropout(dropout))
        previous = width
    layers.append(nn.Linear(previous, classes, bias=bias))
    return layers


def _check_dropout(dropout: object, function_name: str) -> float:
    return check_number(dropout, "dropout", function_name, minimum=0.0, include_minimum=True,
                        maximum=1.0, include_maximum=False)


def _check_size_for_device(cost: HeadCost, device, function_name: str) -> None:
    if cost.parameters > MAX_MATERIALISED_PARAMETERS and torch.device(device or "cpu").type != "meta":
        raise ValueError(
            _("{name} would allocate {count} parameters (more than {limit}); "
              "pass device='meta' to build it without memory").format(
                name=function_name, count=format_count(cost.parameters), limit=f"{MAX_MATERIALISED_PARAMETERS:,}")
        )


def make_flatten_head(channels: int, height: int, width: int, classes: int,
                      hidden_widths: Sequence[int] = (), dropout: float = 0.0,
                      bias: bool = True, device: str | torch.device | None = None) -> nn.Sequential:
    """``Flatten`` -> [``Linear`` -> ``ReLU`` (-> ``Dropout``)] per hidden width -> ``Linear`` to classes.

    It accepts only (N, C, H, W) inputs of the exact sizes it was built for.
    With ``device="meta"`` no memory is allocated: shapes and parameter counts
    still work, values do not exist.
    """
    name = "make_flatten_head"
    cost = flatten_head_cost(channels, height, width, classes, hidden_widths, bias)
    dropout = _check_dropout(dropout, name)
    _check_size_for_device(cost, device, name)
    widths = tuple(hidden_widths)
    with torch.device(device or "cpu"):
        return nn.Sequential(nn.Flatten(), *_linear_stack(channels * height * width, widths, classes, dropout, bias))


def make_pooled_head(channels: int, classes: int, hidden_widths: Sequence[int] = (), kind: str = "avg",
                     dropout: float = 0.0, bias: bool = True,
                     device: str | torch.device | None = None) -> nn.Sequential:
    """Global pooling of ``kind`` -> [``Linear`` -> ``ReLU`` (-> ``Dropout``)] per hidden width -> ``Linear``.

    Takes no H or W: it accepts (N, C, H, W) inputs of any H and W.
    """
    name = "make_pooled_head"
    # H = W = 1 stands in for "any size": the parameter count does not depend on it.
    cost = pooled_head_cost(channels, 1, 1, classes, hidden_widths, kind, bias)
    dropout = _check_dropout(dropout, name)
    _check_size_for_device(cost, device, name)
    multiplier = get_kind(kind).feature_multiplier
    with torch.device(device or "cpu"):
        return nn.Sequential(GlobalPool(kind, channels),
                             *_linear_stack(multiplier * channels, tuple(hidden_widths), classes, dropout, bias))


def try_head(head: nn.Module, x: torch.Tensor) -> str:
    """Run ``head`` on ``x`` and say what happened, without raising.

    '(1, 8, 4, 4) -> (1, 10)' when it runs; otherwise the input shape and the
    error's type and first line, e.g. a flatten head built for 4 x 4 maps fed
    5 x 5 maps: 'RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x200 and 128x10)'.
    """
    if not isinstance(head, nn.Module):
        raise TypeError(_("try_head expects an nn.Module as head; got a {type}").format(type=type(head).__name__))
    if not isinstance(x, torch.Tensor):
        raise TypeError(_("try_head expects a tensor as x; got a {type}").format(type=type(x).__name__))
    try:
        with torch.no_grad():
            output = head(x)
    except Exception as error:  # noqa: BLE001 - reporting the failure is the point
        first_line = str(error).splitlines()[0] if str(error) else ""
        return f"{tuple(x.shape)} -> {type(error).__name__}: {first_line}"
    return f"{tuple(x.shape)} -> {tuple(output.shape)}"


# ----------------------------------------------------------------------------
# The pooling head notebook 07 trains on the small CNN (its flatten heads are
# make_flatten_head's)
# ----------------------------------------------------------------------------


class PoolingHead(nn.Module):
    """Global pooling + one linear layer: (N, C, h, w) -> (N, m*C) -> (N, classes)."""

    def __init__(self, kind: str, channels: int, num_classes: int) -> None:
        super().__init__()
        get_kind(kind, caller="PoolingHead", pools_over="space")
        self.pool = GlobalPool(kind, channels)
        self.classifier = nn.Linear(channels * self.pool.feature_multiplier, num_classes)

    @property
    def kind(self) -> str:
        return self.pool.kind

    def forward(self, features: Tensor) -> Tensor:
        return self.classifier(self.pool(features))
