"""gpool_helpers: the reusable code behind the global pooling notebooks.

One room per concern:

- :mod:`~gpool_helpers.pooling`: global average, max and depth pooling,
  functions and ``nn.Module`` twins.
- :mod:`~gpool_helpers.registry`: the one table of pooling kinds that widgets,
  plots, benchmarks and tests read.
- :mod:`~gpool_helpers.article`: the blog post's broken depth-pooling class,
  re-created for dissection.
"""

from . import kinds as _kinds  # noqa: F401  (registers the basic kinds)
from . import kinds_family as _kinds_family  # noqa: F401  (registers the wider family)
from .family import (
    AttentionPool,
    AvgMaxPool,
    CatAvgMaxPool,
    GeM,
    LSEPool,
    SpatialPyramidPool,
    TopKPool,
    adaptive_bins,
    attention_pool,
    avgmax_pool,
    catavgmax_pool,
    gem_pool,
    lse_pool,
    spatial_pyramid_pool,
    topk_pool,
)
from .examples import ARTICLE_SHAPE, article_example
from .pooling import (
    GlobalAvgPool,
    GlobalDepthPool,
    GlobalMaxPool,
    global_avg_pool,
    global_depth_pool,
    global_max_pool,
)
from .registry import GlobalPool, PoolingKind, TorchEquivalent, all_kinds, get_kind, kind_names, register

__version__ = "0.1.0"

__all__ = [
    "AttentionPool",
    "AvgMaxPool",
    "CatAvgMaxPool",
    "GeM",
    "LSEPool",
    "SpatialPyramidPool",
    "TopKPool",
    "adaptive_bins",
    "attention_pool",
    "avgmax_pool",
    "catavgmax_pool",
    "gem_pool",
    "lse_pool",
    "spatial_pyramid_pool",
    "topk_pool",
    "ARTICLE_SHAPE",
    "article_example",
    "GlobalAvgPool",
    "GlobalDepthPool",
    "GlobalMaxPool",
    "GlobalPool",
    "PoolingKind",
    "TorchEquivalent",
    "all_kinds",
    "get_kind",
    "global_avg_pool",
    "global_depth_pool",
    "global_max_pool",
    "kind_names",
    "register",
]
