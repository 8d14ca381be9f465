"""Global pooling: the maths of every kind and the registry that lists them.

- :mod:`.kinds`: one module per kind (or family of kinds): the function a
  learner reads, its ``nn.Module`` twin, and its :func:`register` call.
- :mod:`.registry`: the table of kinds that widgets, plots, benchmarks and
  tests read; :mod:`.global_pool`: :class:`GlobalPool`, a layer chosen by name.
- :mod:`.twin`: derives a module twin from a function; :mod:`.shapes`: shape
  arithmetic; :mod:`.fastest`: times interchangeable ops once per input;
  :mod:`.work`: counts the kernels a pooling runs.
- :mod:`.tokens`: the same kinds over padded sequences with a mask and over
  concatenated sets with a batch vector (notebook 08).
"""

from __future__ import annotations

from . import kinds
from .fastest import FastestOf
from .kinds import *  # noqa: F401,F403  (every kind's public names)
from .registry import (
    PoolingKind,
    TorchEquivalent,
    all_kinds,
    depth_shape,
    get_kind,
    kind_names,
    per_channel_shape,
    register,
    unregister,
)
from .global_pool import GlobalPool
from .shapes import spatial_dims, spatial_positions
from .twin import module_twin
from .tokens import (
    EMPTY_POLICIES,
    MaskedPool,
    SegmentPool,
    lengths_to_mask,
    masked_pool,
    pad_pieces,
    segment_counts,
    segment_pool,
    segments_to_padded,
)
from .work import Work, measure_work, ops_run

__all__ = [
    *kinds.__all__,
    "FastestOf", "PoolingKind", "TorchEquivalent", "all_kinds", "depth_shape", "get_kind", "kind_names",
    "per_channel_shape", "register", "unregister", "GlobalPool", "spatial_dims", "spatial_positions",
    "module_twin", "Work", "measure_work", "ops_run",
    "masked_pool", "segment_pool", "MaskedPool", "SegmentPool", "lengths_to_mask", "pad_pieces",
    "segments_to_padded", "segment_counts", "EMPTY_POLICIES",
]
