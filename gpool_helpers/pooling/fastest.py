"""Choose the fastest of several interchangeable torch ops by timing them once.

Which reduction kernel is fastest depends on the CPU (its vector width), the
thread count and the memory layout, not only on the shape. Depth max over
64x2048x7x7 is a clear example: ``max(dim=1)`` beat ``amax(dim=1)`` on the Intel
Xeon that made the first release, and lost to it 3.6x (15.0 against 4.2 ms) on
an AMD EPYC with the same torch. A rule tuned on one machine is a guess on
every other, so, like cuDNN's benchmark mode (``torch.backends.cudnn.benchmark``),
:class:`FastestOf` times its candidates on the first large input of each
signature (shape, strides, dtype, thread count) and remembers the winner.

Every candidate must return bitwise the same tensor, so the choice changes
speed and never a number: stored notebook outputs stay the same whichever
candidate a machine picks. Small inputs, inputs that need a gradient and traced
code (``torch.compile``, ``torch.export``) always take the first candidate, the
plain built-in, so gradients and graphs do not depend on the machine either.

Set the environment variable ``GPOOL_FASTEST=off`` to always take the plain
built-in (for example to time it alone).
"""

from __future__ import annotations

import os
import statistics
import time
from collections import OrderedDict
from typing import Callable

import torch
from torch import Tensor

Candidate = Callable[[Tensor, bool], Tensor]

#: Below this many elements every candidate takes microseconds; timing them
#: would cost more than any choice could save.
MIN_ELEMENTS_TO_TIME = 1 << 20
#: Timed calls per candidate, interleaved, after two untimed ones; the median
#: of each decides. (The fastest single call was tried first: one lucky call of
#: an erratic candidate then won against a steadier one, and make bench, which
#: compares medians over 60 calls, found the pick up to 1.4x slower.)
TIMING_ROUNDS = 9
WARM_UP_CALLS = 2
#: Signatures remembered per chooser (least recently used forgotten first).
MAX_REMEMBERED = 64


def timing_enabled() -> bool:
    """False when ``GPOOL_FASTEST=off`` (or 0 / false / no) is set."""
    return os.environ.get("GPOOL_FASTEST", "on").strip().lower() not in ("off", "0", "false", "no")


class FastestOf:
    """Call whichever of ``candidates`` ran fastest on inputs like this one.

    ``candidates`` maps a name to ``f(x, keepdim) -> Tensor``; the first one is
    the plain built-in every other one must match bit for bit.
    """

    def __init__(
        self, name: str, candidates: dict[str, Candidate], clock: Callable[[], float] = time.perf_counter
    ) -> None:
        if not candidates:
            raise ValueError(f"FastestOf({name!r}) needs at least one candidate")
        self.name = name
        self.candidates = dict(candidates)
        self.plain = next(iter(self.candidates))
        self._plain = self.candidates[self.plain]
        self.clock = clock
        self._chosen: OrderedDict[tuple, str] = OrderedDict()
        #: (shape, strides, dtype, on CPU, threads, candidate) of the last large call.
        self._last: tuple | None = None

    def __call__(self, x: Tensor, keepdim: bool) -> Tensor:
        # The common case first and cheapest: a small map runs the plain built-in
        # (at 1x8x4x4 every extra check shows up in microseconds). Traced code
        # must not reach the size test: under torch.export with a dynamic batch
        # it would become a guard ("batch < 65536/15") the exporter rejects.
        if torch.compiler.is_compiling() or x.numel() < MIN_ELEMENTS_TO_TIME:
            return self._plain(x, keepdim)
        if x.requires_grad and torch.is_grad_enabled():
            return self._plain(x, keepdim)
        # The same signature as last time (a training or benchmark loop) skips the
        # signature table. This path runs right after a large op has flushed the
        # CPU caches, where each Python step costs tens of times its usual time:
        # make bench measured the full lookup at 17 us there against 1-2 us warm.
        last = self._last
        if (last is not None and last[0] == x.shape and last[1] == x.stride() and last[2] is x.dtype
                and last[3] == x.is_cpu and last[4] == torch.get_num_threads()):
            return last[5](x, keepdim)
        candidate = self.candidates[self.choice_for(x)]
        self._last = (x.shape, x.stride(), x.dtype, x.is_cpu, torch.get_num_threads(), candidate)
        return candidate(x, keepdim)

    def choice_for(self, x: Tensor) -> str:
        """The candidate's name this input runs with (timing it first if new)."""
        if len(self.candidates) == 1 or not self._worth_timing(x):
            return self.plain
        key = (tuple(x.shape), x.stride(), x.dtype, x.device.type, torch.get_num_threads())
        chosen = self._chosen.get(key)
        if chosen is None:
            chosen = self._time_candidates(x)
            self._chosen[key] = chosen
            if len(self._chosen) > MAX_REMEMBERED:
                self._chosen.popitem(last=False)
        else:
            self._chosen.move_to_end(key)
        return chosen

    def remembered(self) -> dict[tuple, str]:
        """Signature -> chosen candidate, for inspection and ``make bench``."""
        return dict(self._chosen)

    def forget(self) -> None:
        self._chosen.clear()
        self._last = None

    def _worth_timing(self, x: Tensor) -> bool:
        if x.numel() < MIN_ELEMENTS_TO_TIME or torch.compiler.is_compiling() or not timing_enabled():
            return False
        return not (torch.is_grad_enabled() and x.requires_grad)

    def _time_candidates(self, x: Tensor) -> str:
        samples: dict[str, list[float]] = {name: [] for name in self.candidates}
        with torch.no_grad():
            for _ in range(WARM_UP_CALLS):
                for name, candidate in self.candidates.items():
                    candidate(x, False)  # first-call allocations are not the op's speed
            for _ in range(TIMING_ROUNDS):
                for name, candidate in self.candidates.items():
                    start = self.clock()
                    candidate(x, False)
                    samples[name].append(self.clock() - start)
        # Ties (within 2 %) go to the plain built-in: no reason to leave it.
        fastest = {name: statistics.median(times) for name, times in samples.items()}
        best = min(fastest, key=fastest.get)
        if fastest[self.plain] <= fastest[best] * 1.02:
            return self.plain
        return best
