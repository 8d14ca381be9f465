"""What a classifier head costs: flatten + fully connected against global pooling.

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
``make_pooled_head``, ``count_parameters``, ``measure_multiply_adds``).

Conventions: a linear layer with ``in_features`` inputs and ``out_features``
outputs has ``in·out`` weights plus ``out`` biases, and does ``in·out``
multiply-adds per example. Multiply-adds are per example (batch size 1).
ReLU and dropout have no parameters and no multiply-adds. The pooling layer's
own work (about one addition or comparison per input value, C·H·W) is kept
apart in ``pooling_operations``: it is not a multiply-add.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from torch import nn

from .registry import GlobalPool, get_kind

#: The classifier of VGG-16 (Simonyan & Zisserman, "Very Deep Convolutional
#: Networks for Large-Scale Image Recognition", 2014, arXiv:1409.1556): the last
#: feature maps are 512 x 7 x 7 for a 224 x 224 image, flattened into two fully
#: connected layers of 4096 and a 1000-way output for ImageNet.
VGG16_HEAD = {"channels": 512, "height": 7, "width": 7, "hidden_widths": (4096, 4096), "classes": 1000}

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
        lines = [f"{self.name}: {format_count(self.parameters)} parameters, "
                 f"{format_count(self.multiply_adds)} multiply-adds per image"]
        for layer in self.layers:
            lines.append(f"  {layer.name:<28} {layer.formula:<24} = {layer.parameters:>13,} parameters")
        if self.pooling_operations:
            lines.append(f"  (plus {self.pooling_operations:,} additions or comparisons inside the pooling)")
        return "\n".join(lines)


# ----------------------------------------------------------------------------
# Input checks: a learner passes these by hand, so each error names the call.
# ----------------------------------------------------------------------------


def _check_positive_int(value: object, argument: str, function_name: str) -> int:
    # bool is an int subclass; True as a channel count is a mistake, not 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{function_name} expects {argument} to be a positive int; got {value!r}")
    if value <= 0:
        raise ValueError(f"{function_name} expects {argument} to be a positive int; got {value}")
    return value


def _check_widths(hidden_widths: object, function_name: str) -> tuple[int, ...]:
    if isinstance(hidden_widths, (str, bytes)) or not isinstance(hidden_widths, Sequence):
        raise TypeError(
            f"{function_name} expects hidden_widths to be a sequence of positive ints, "
            f"e.g. (4096, 4096) or () for none; got {hidden_widths!r}"
        )
    return tuple(_check_positive_int(w, "every hidden width", function_name) for w in hidden_widths)


def _check_space_kind(kind: str, function_name: str):
    pooling_kind = get_kind(kind)
    if pooling_kind.pools_over != "space":
        raise ValueError(
            f"{function_name} needs a kind that pools over space (one value per channel); "
            f"{kind!r} pools over channels and keeps H and W"
        )
    return pooling_kind


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
    _check_positive_int(in_features, "in_features", "linear_layer_cost")
    _check_positive_int(out_features, "out_features", "linear_layer_cost")
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
    _check_positive_int(channels, "channels", name)
    _check_positive_int(height, "height", name)
    _check_positive_int(width, "width", name)
    _check_positive_int(classes, "classes", name)
    widths = _check_widths(hidden_widths, name)
    layers = _fully_connected_stack(channels * height * width, "(C·H·W)", widths, classes, bias)
    return HeadCost(name=f"flatten head {_shape_path(channels, height, width, widths, classes)}",
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
    _check_positive_int(channels, "channels", name)
    _check_positive_int(height, "height", name)
    _check_positive_int(width, "width", name)
    _check_positive_int(classes, "classes", name)
    widths = _check_widths(hidden_widths, name)
    pooling_kind = _check_space_kind(kind, name)
    multiplier = pooling_kind.feature_multiplier
    in_label = "C" if multiplier == 1 else f"({multiplier}·C)"
    pool_parameters = count_parameters(pooling_kind.make_module(channels)) if pooling_kind.learnable else 0
    pool_layer = LayerCost(name=f"global {kind} pooling", formula="no weights" if not pool_parameters
                           else "learned pooling parameters", parameters=pool_parameters, multiply_adds=0)
    layers = [pool_layer, *_fully_connected_stack(multiplier * channels, in_label, widths, classes, bias)]
    return HeadCost(
        name=f"global {kind} pooling head {_shape_path(channels, height, width, widths, classes, pooled=multiplier)}",
        layers=tuple(layers),
        pooling_operations=channels * height * width,
    )


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
            layers.append(nn.Dropout(dropout))
        previous = width
    layers.append(nn.Linear(previous, classes, bias=bias))
    return layers


def _check_dropout(dropout: object, function_name: str) -> float:
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(f"{function_name} expects dropout to be a number in [0, 1); got {dropout!r}")
    return float(dropout)


def _check_size_for_device(cost: HeadCost, device, function_name: str) -> None:
    if cost.parameters > MAX_MATERIALISED_PARAMETERS and torch.device(device or "cpu").type != "meta":
        raise ValueError(
            f"{function_name} would allocate {format_count(cost.parameters)} parameters "
            f"(more than {MAX_MATERIALISED_PARAMETERS:,}); pass device='meta' to build it without memory"
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


def count_parameters(module: nn.Module) -> int:
    """Sum of ``p.numel()`` over the module's parameters (works on the meta device too)."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"count_parameters expects an nn.Module; got a {type(module).__name__}")
    return sum(parameter.numel() for parameter in module.parameters())


def measure_multiply_adds(module: nn.Module, example_input: torch.Tensor) -> int:
    """Run ``module`` once and count the multiply-adds of its ``nn.Linear`` layers, per example.

    Forward hooks see each linear layer's real input, so the count follows
    what actually ran (rows of the input x in_features x out_features),
    divided by the batch size N. Other layers are not counted.
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"measure_multiply_adds expects an nn.Module; got a {type(module).__name__}")
    if not isinstance(example_input, torch.Tensor) or example_input.dim() < 1 or example_input.shape[0] == 0:
        raise ValueError("measure_multiply_adds expects a tensor with a non-empty batch dim N; "
                         f"got {example_input!r:.80}")
    total = 0

    def count(layer: nn.Linear, inputs: tuple, output: torch.Tensor) -> None:
        nonlocal total
        rows = inputs[0].numel() // layer.in_features
        total += rows * layer.in_features * layer.out_features

    handles = [m.register_forward_hook(count) for m in module.modules() if isinstance(m, nn.Linear)]
    try:
        with torch.no_grad():
            module(example_input)
    finally:
        for handle in handles:
            handle.remove()
    return total // example_input.shape[0]


def try_head(head: nn.Module, x: torch.Tensor) -> str:
    """Run ``head`` on ``x`` and say what happened, without raising.

    '(1, 8, 4, 4) -> (1, 10)' when it runs; otherwise the input shape and the
    error's type and first line, e.g. a flatten head built for 4 x 4 maps fed
    5 x 5 maps: 'RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x200 and 128x10)'.
    """
    if not isinstance(head, nn.Module):
        raise TypeError(f"try_head expects an nn.Module as head; got a {type(head).__name__}")
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"try_head expects a tensor as x; got a {type(x).__name__}")
    try:
        with torch.no_grad():
            output = head(x)
    except Exception as error:  # noqa: BLE001 - reporting the failure is the point
        first_line = str(error).splitlines()[0] if str(error) else ""
        return f"{tuple(x.shape)} -> {type(error).__name__}: {first_line}"
    return f"{tuple(x.shape)} -> {tuple(output.shape)}"
