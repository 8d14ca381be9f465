"""Counting a network's parameters and multiply-adds, one definition each.

- :func:`count_parameters`: every number the module holds as a parameter.
- :func:`measure_multiply_adds`: run the module once and count what its
  ``nn.Conv2d`` and ``nn.Linear`` layers computed, per example.

Conventions: a linear layer does in·out multiply-adds per example, a
convolution (output positions) x (output channels) x (inputs per output).
Pooling, ReLU and dropout compare and add; they are not multiply-adds.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..checks import describe
from ..i18n import gettext as _


def count_parameters(module: nn.Module) -> int:
    """Sum of ``p.numel()`` over the module's parameters (works on the meta device too).

    Buffers (a GeM's fixed p, batch-norm statistics) are not parameters and
    are not counted.
    """
    if not isinstance(module, nn.Module):
        raise TypeError(_("{name} expects an nn.Module; got {got}").format(name="count_parameters", got=describe(module)))
    return sum(parameter.numel() for parameter in module.parameters())


def _layer_multiply_adds(layer: nn.Module, output: Tensor) -> int:
    if isinstance(layer, nn.Conv2d):
        inputs_per_output = (layer.in_channels // layer.groups) * layer.kernel_size[0] * layer.kernel_size[1]
        return output.numel() * inputs_per_output
    # nn.Linear: every output value is in_features multiply-adds.
    return output.numel() * layer.in_features


def measure_multiply_adds(module: nn.Module, example_input: Tensor) -> int:
    """Run ``module`` once on ``example_input`` and count its multiply-adds per example.

    Forward hooks on every ``nn.Conv2d`` and ``nn.Linear`` see what actually
    ran; the total is divided by the batch size N. The module runs in eval
    mode (restored afterwards), so dropout draws no random numbers and a later
    seeded run is unchanged.
    """
    if not isinstance(module, nn.Module):
        raise TypeError(_("{name} expects an nn.Module; got {got}").format(
            name="measure_multiply_adds", got=describe(module)))
    if not isinstance(example_input, Tensor) or example_input.dim() < 1 or example_input.shape[0] == 0:
        raise ValueError(_("measure_multiply_adds expects a tensor with a non-empty batch dim N; got {got}").format(
            got=describe(example_input)))
    total = 0

    def count(layer: nn.Module, inputs: tuple, output: Tensor) -> None:
        nonlocal total
        total += _layer_multiply_adds(layer, output)

    handles = [m.register_forward_hook(count) for m in module.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            module(example_input)
    finally:
        module.train(was_training)
        for handle in handles:
            handle.remove()
    return total // example_input.shape[0]

