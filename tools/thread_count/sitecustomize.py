"""Start every Python process of a test run with GPOOL_TORCH_THREADS torch threads.

torch takes its thread count from OMP_NUM_THREADS but never more than the
machine's cores, so a 2-core machine cannot simulate a 4-core one that way.
tools/portability.py puts this folder on PYTHONPATH, so Python imports this
file at start-up in the test process and in every kernel it launches.
"""

import os

_threads = os.environ.get("GPOOL_TORCH_THREADS")
if _threads:
    import torch

    torch.set_num_threads(int(_threads))
