"""Widget responsiveness: time from a control change to the new image.

Drives the pooling explorer from code, the way a slider does: set a control's
value, and the observer draws the figure, encodes the PNG and updates the
image and the readout before ``value = ...`` returns. Each change flips the
seed, so every draw has new numbers to write (no cache can answer for it) while
the shape stays the one being measured. Targets (issue 3):

- median at most 100 ms at 1x8x4x4 (the article's example);
- median at most 300 ms at the explorer's size cap, N·C·H·W = 65,536 (4x16x32x32).

Wall-clock medians are what a learner feels; CPU time is printed beside them
because on a shared machine the wall clock also counts other processes' turns.
Run alone with ``python -m benchmarks.bench_widgets``; ``benchmarks/run.py``
imports :func:`main`.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

from gpool_helpers import kind_names
from gpool_helpers.widgets.explorer import MAX_ELEMENTS, pooling_explorer

#: (label, shape, target median in ms)
CASES = (
    ("1x8x4x4", (1, 8, 4, 4), 100.0),
    ("size cap 4x16x32x32", (4, 16, 32, 32), 300.0),
)
CHANGES = 9
WARMUP = 2


def time_changes(shape: tuple[int, int, int, int], kind: str, changes: int = CHANGES) -> tuple[float, float]:
    """Median wall and CPU milliseconds from a seed change to the new image, at ``shape``."""
    n, c, h, w = shape
    explorer = pooling_explorer(N=n, C=c, H=h, W=w, seed=0, kind=kind)
    seed = explorer.controls["seed"]
    wall, cpu = [], []
    for index in range(WARMUP + changes):
        before = explorer.redraw_count
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        seed.value = (seed.value + 1) % (seed.max + 1)
        wall_end, cpu_end = time.perf_counter(), time.process_time()
        if explorer.redraw_count != before + 1 or explorer.last_error is not None:
            raise RuntimeError(f"bench_widgets: the explorer did not redraw at {shape}, {kind}: {explorer.last_error!r}")
        if index >= WARMUP:
            wall.append((wall_end - wall_start) * 1000)
            cpu.append((cpu_end - cpu_start) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> bool:
    """Print a markdown table of redraw times and return whether every target was met."""
    cap_shape = CASES[1][1]
    if cap_shape[0] * cap_shape[1] * cap_shape[2] * cap_shape[3] != MAX_ELEMENTS:
        raise RuntimeError("bench_widgets: the 'size cap' case no longer matches the explorer's MAX_ELEMENTS")
    print("\n### Widgets: control change to new image (pooling explorer)\n")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{CHANGES} seed changes per row after {WARMUP} warm-up changes; 1-minute load average {load:.1f} "
          f"on {os.cpu_count()} CPUs.\n")
    print("| input | kind | median wall ms | median CPU ms | target ms | met |")
    print("|---|---|---|---|---|---|")
    all_met = True
    # The target is on the slowest kind a learner can pick, so every registered kind is timed.
    for label, shape, target in CASES:
        for kind in kind_names():
            wall, cpu = time_changes(shape, kind)
            met = wall <= target
            all_met = all_met and met
            print(f"| {label} | {kind} | {wall:.0f} | {cpu:.0f} | {target:.0f} | {'yes' if met else 'NO'} |")
    print()
    return all_met


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
