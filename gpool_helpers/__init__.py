"""gpool_helpers: the reusable code behind the global pooling notebooks.

Everything a notebook uses imports from here: ``from gpool_helpers import ...``.
The rooms behind it (map in CONTRIBUTING.md):

- :mod:`~gpool_helpers.pooling`: every pooling kind (function, module twin,
  registry row) and the registry that widgets, plots, benchmarks and tests read.
- :mod:`~gpool_helpers.cnn`: the small CNN of notebooks 01, 04 and 07: data,
  models, heads and their costs, training, CAM, CBAM.
- :mod:`~gpool_helpers.viz` (plots), :mod:`~gpool_helpers.widgets`,
  :mod:`~gpool_helpers.exercises` (``nb01`` ... ``nb07``).
- :mod:`~gpool_helpers.workspace`: the learner's copy of the notebooks and
  the environment check; :mod:`~gpool_helpers.article`: the blog post's class;
  :mod:`~gpool_helpers.checks`: the input checks every room shares;
  :mod:`~gpool_helpers.i18n`: ``set_language("zh")``, the language the
  helpers speak to a learner (English by default).

The pooling names load with the package. The rest load on first use, so that
``import gpool_helpers`` in a benchmark or a test does not pay for matplotlib
and ipywidgets.
"""

from __future__ import annotations

import importlib

from . import pooling
from .examples import ARTICLE_SHAPE, article_example
from .i18n import LANGUAGES, get_language, set_language
from .pooling import *  # noqa: F401,F403  (every kind's names, the registry, GlobalPool)

__version__ = "0.1.0"

#: Names that load on first use: room -> names it provides.
_LAZY_ROOMS = {
    "article": ("ArticleDepthPool", "DeepWise_Pool", "trace_article_depth_pool"),
    "claims": ("Claim", "ClaimFailed", "check_claims"),
    "cnn.cam": ("box_share", "class_activation_maps", "largest_identity_error", "logit_gradients", "logits_from_maps",
                "map_peaks", "pointing_accuracy", "upsample_maps"),
    "cnn.cbam": ("SpatialAttention", "channel_descriptors"),
    "cnn.channel_attention": ("ChannelAttention", "SqueezeExcite", "channel_mlp", "maxout"),
    "cnn.counting": ("count_parameters", "measure_multiply_adds"),
    "cnn.data": ("LabelledImages", "SHAPE_NAMES", "Split", "load_digits_split", "make_shapes", "make_shapes_split",
                 "small_digits_split"),
    "cnn.heads": ("VGG16_BODY", "VGG16_HEAD", "conv_body_cost", "make_conv_body", "HeadCost", "LayerCost", "PoolingHead", "flatten_head_cost",
                  "format_count", "make_flatten_head", "make_pooled_head", "pooled_head_cost", "try_head"),
    "cnn.models": ("NinHead", "SmallCNN", "count_multiply_adds", "head_label", "head_names"),
    "cnn.training": ("canvas_sweep", "compare_heads", "format_nin_table", "format_search", "format_summary",
                     "search_learning_rates", "summarise_runs", "train_head", "train_model"),
    "viz.adaptive": ("plot_adaptive_bins", "plot_adaptive_windows", "plot_classic_spp_check", "plot_spp_pyramid"),
    "viz.cam": ("plot_cam", "plot_cam_grid", "plot_canvas_sweep", "plot_examples", "plot_gradient_maps",
                "plot_head_comparison"),
    "viz.depth": ("plot_channel_winners", "plot_spatial_attention"),
    "viz.heads": ("plot_head_costs",),
    "viz.heatmaps": ("plot_feature_maps", "plot_pooling"),
    "viz.tables": ("KindTable", "kinds_table"),
    "viz.zoo": ("kind_summary_html", "plot_attention", "plot_mean_to_max", "plot_ranges", "plot_zoo"),
    "widgets.adaptive": ("adaptive_explorer",),
    "widgets.cam": ("cam_explorer",),
    "widgets.explorer": ("pooling_explorer",),
    "widgets.heads": ("head_cost_explorer",),
    "widgets.zoo": ("mean_to_max_explorer",),
    "workspace.environment": ("check_environment",),
    "exercises": tuple(f"nb0{number}" for number in range(1, 8)),
}
_LAZY = {name: room for room, names in _LAZY_ROOMS.items() for name in names}

__all__ = ["ARTICLE_SHAPE", "LANGUAGES", "article_example", "get_language", "set_language", *pooling.__all__, *_LAZY]


def __getattr__(name: str):
    room = _LAZY.get(name)
    if room is None:
        raise AttributeError(f"module 'gpool_helpers' has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{room}")
    # An exercise set is a module of its own (nb02.q1 ...); everything else is a name in its room.
    value = importlib.import_module(f"{module.__name__}.{name}") if room == "exercises" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
