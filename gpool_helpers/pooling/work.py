"""Counting the work a pooling does: kernels run and tensor elements touched.

The machine-independent cost column of notebook 06, and the registry tests'
way to see that a torch equivalent runs other ops than the helper it checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor
# Private, on purpose: only a dispatch mode sees the kernels themselves, after
# torch has broken composite calls (flatten, einsum, softmax) into them, with
# each op's is_view flag and its real output tensors. The public APIs were
# tried (torch 2.13) and count something else: torch.overrides.TorchFunctionMode
# sees the Python calls, not kernels (dim, numel, flatten, einsum: 12 for
# attention pooling against its 3 kernels), views with no flag to tell them
# apart; torch.profiler records composite
# ops with input shapes only (and writes "profiler_start" lines to stderr);
# torch.utils.flop_counter.FlopCounterMode, built on this same class,
# counts only the ops in its FLOP table. torch's own docs (torch.library's
# register_torch_dispatch example) subclass TorchDispatchMode from here too.
from torch.utils._python_dispatch import TorchDispatchMode

__all__ = ["Work", "measure_work", "ops_run"]


@dataclass(frozen=True)
class Work:
    """What one call did, counted op by op (views excluded: they move no data).

    ``operations``: torch kernels run. ``elements``: tensor elements read plus
    written over all of them, a rough, machine-independent proxy for time on
    memory-bound work like pooling.
    """

    operations: int
    elements: int


class _WorkCounter(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.operations = 0
        self.elements = 0
        self.names: set[str] = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        if not func.is_view:
            self.operations += 1
            self.names.add(func.overloadpacket.__name__)
            tensors = [a for a in (*args, *(kwargs or {}).values()) if isinstance(a, Tensor)]
            outputs = result if isinstance(result, (tuple, list)) else (result,)
            tensors += [o for o in outputs if isinstance(o, Tensor)]
            self.elements += sum(t.numel() for t in tensors)
        return result


def measure_work(function: Callable[[Tensor], object], x: Tensor) -> Work:
    """Count the kernels and tensor elements touched by ``function(x)``, without autograd."""
    counter = _WorkCounter()
    with torch.no_grad(), counter:
        function(x)
    return Work(counter.operations, counter.elements)


def ops_run(function: Callable[[Tensor], object], x: Tensor) -> frozenset[str]:
    """The names of the torch kernels ``function(x)`` runs (views excluded), e.g. {'mean'}."""
    counter = _WorkCounter()
    with torch.no_grad(), counter:
        function(x)
    return frozenset(counter.names)
