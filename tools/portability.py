"""``make test-portable`` (``python -m tools.portability -- PYTEST ARGS``): strict nbval as other machines would run it.

The stored outputs were made on one CPU with one thread count. A learner's
laptop or a teacher's CI has another, and anything computed in float32 over
many steps can come out different there. This runs strict nbval over every
notebook again under other simulated machines, one process tree each, since
the switches are read when a process starts:

- CPU levels below this machine's own: torch's kernels (ATEN_CPU_CAPABILITY),
  oneDNN's (ONEDNN_MAX_CPU_ISA) and MKL's (MKL_ENABLE_INSTRUCTIONS);
- other thread counts at this machine's own level: 1, and 4 even on a
  2-core machine (torch caps OMP_NUM_THREADS at the core count, so
  tools/thread_count/sitecustomize.py sets the count in every process).

What pytest runs (the notebooks and nbval's options) is run.py's, passed after
``--``, so the flags are written in one place.

Each run first asks torch which level it really got, so a switch that did
nothing is reported as a failure rather than passing unnoticed.
Exit code: non-zero when any run fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Level name as torch reports it -> the switches that select it.
CPU_LEVELS = {
    "DEFAULT": {"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "SSE41", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"},
    "AVX2": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
    "AVX512": {"ATEN_CPU_CAPABILITY": "avx512", "ONEDNN_MAX_CPU_ISA": "AVX512_CORE", "MKL_ENABLE_INSTRUCTIONS": "AVX512"},
}
SWITCHES = {name for level in CPU_LEVELS.values() for name in level}
PROBE = "import torch; print(torch.backends.cpu.get_cpu_capability(), torch.get_num_threads())"


def probe(environment: dict[str, str]) -> tuple[str, int]:
    level, threads = subprocess.run(
        [sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, check=True
    ).stdout.split()
    return level, int(threads)


def thread_count(threads: int) -> dict[str, str]:
    site = str(ROOT / "tools" / "thread_count")
    path = os.pathsep.join(filter(None, [site, os.environ.get("PYTHONPATH")]))
    return {"OMP_NUM_THREADS": str(threads), "GPOOL_TORCH_THREADS": str(threads), "PYTHONPATH": path}


def simulated_machines(native_level: str) -> list[tuple[str, dict[str, str], str, int | None]]:
    """(label, environment changes, expected level, expected threads) for every run."""
    names = list(CPU_LEVELS)
    lower = names[: names.index(native_level)] if native_level in names else []
    machines = [(f"CPU level {name}", CPU_LEVELS[name], name, None) for name in lower]
    machines += [(f"{threads} thread(s)", thread_count(threads), native_level, threads) for threads in (1, 4)]
    return machines


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    pytest_arguments = argv[argv.index("--") + 1:] if "--" in argv else []
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    if not pytest_arguments:
        parser.error("give pytest's arguments after --, e.g. -- --nbval notebooks/02_global_average_pooling.ipynb")
    base = {key: value for key, value in os.environ.items() if key not in SWITCHES and key not in ("OMP_NUM_THREADS", "GPOOL_TORCH_THREADS")}
    native_level, _ = probe(base)
    machines = simulated_machines(native_level)
    if len([m for m in machines if m[0].startswith("CPU level")]) < 2:
        print(f"note: this CPU runs at level {native_level}; fewer than two lower levels can be simulated here")
    failed = []
    for label, changes, expected_level, expected_threads in machines:
        environment = {**base, **changes}
        level, threads = probe(environment)
        if level != expected_level or (expected_threads is not None and threads != expected_threads):
            print(f"== {label}: the switches did not take (torch reports {level}, {threads} threads)")
            failed.append(label)
            continue
        print(f"== {label}: torch runs at {level} with {threads} thread(s)", flush=True)
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", *pytest_arguments], env=environment, cwd=ROOT)
        print(f"== {label}: {'passed' if result.returncode == 0 else 'FAILED'} in {time.perf_counter() - start:.0f} s", flush=True)
        if result.returncode != 0:
            failed.append(label)
    verdict = f"failed under: {', '.join(failed)}" if failed else f"passed under {len(machines)} simulated machines"
    print(f"Portability check {verdict}.", file=sys.stderr if failed else sys.stdout)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
