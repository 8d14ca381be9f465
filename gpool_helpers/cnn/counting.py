"""Counting a network's parameters and multiply-adds, one definition each.

- :func:`count_parameters`: every number the module holds as a parameter.
- :func:`measure_multiply_adds`: run the module once and count the
  multiply-adds of every matrix product and convolution that ran, per example.

Conventions: a linear layer does in·out multiply-adds per example, a
convolution (output positions) x (output channels) x (inputs per output).
Pooling, ReLU and dropout compare and add; they are not multiply-adds.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.utils.flop_counter import FlopCounterMode

from ..checks import check_batch, check_module

__all__ = ["count_parameters", "measure_multiply_adds"]


def count_parameters(module: nn.Module) -> int:
    """Sum of ``p.numel()`` over the module's parameters (works on the meta device too).

    Buffers (a GeM's fixed p, batch-norm statistics) are not parameters and
    are not counted.
    """
    check_module(module, "module", "count_parameters")
    return sum(parameter.numel() for parameter in module.parameters())


def measure_multiply_adds(module: nn.Module, example_input: Tensor) -> int:
    """Run ``module`` once on ``example_input`` and count its multiply-adds per example.

    torch's own counter, ``torch.utils.flop_counter.FlopCounterMode``, sees
    every matrix product and convolution that actually ran (a learned pooling's
    own products too, such as attention's keys and values) and reports 2 FLOPs,
    a multiply and an add, per multiply-add; the total is divided by the batch
    size N. The module runs in eval mode (restored afterwards), so dropout
    draws no random numbers and a later seeded run is unchanged.
    """
    check_module(module, "module", "measure_multiply_adds")
    check_batch(example_input, "example_input", "measure_multiply_adds")
    counter = FlopCounterMode(display=False)
    was_training = module.training
    module.eval()
    try:
        # Detached: the counter's module tracker fails on an input that requires grad under no_grad.
        with torch.no_grad(), counter:
            module(example_input.detach())
    finally:
        module.train(was_training)
    return counter.get_total_flops() // 2 // example_input.shape[0]
