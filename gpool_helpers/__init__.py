"""gpool_helpers: the reusable code behind the global pooling notebooks.

Everything a notebook uses imports from here: ``from gpool_helpers import ...``.
The rooms behind it (map in CONTRIBUTING.md):

- :mod:`~gpool_helpers.pooling`: every pooling kind (function, module twin,
  registry row) and the registry that widgets, plots, benchmarks and tests read.
- :mod:`~gpool_helpers.cnn`: the small CNN of notebooks 01, 04 and 07: data,
  models, heads and their costs, training, CAM, CBAM.
- :mod:`~gpool_helpers.viz` (plots), :mod:`~gpool_helpers.widgets`,
  :mod:`~gpool_helpers.exercises` (``nb01`` ... ``nb08``); :mod:`~gpool_helpers.sets`:
  notebook 08's experiment, which pooling solves which question about a set.
- :mod:`~gpool_helpers.workspace`: the learner's copy of the notebooks and
  the environment check; :mod:`~gpool_helpers.article`: the blog post's class;
  :mod:`~gpool_helpers.checks`: the input checks every room shares;
  :mod:`~gpool_helpers.i18n`: ``set_language("zh")``, the language the
  helpers speak to a learner (English by default).

The pooling names load with the package. The rest load on first use, so that
``import gpool_helpers`` in a benchmark or a test does not pay for matplotlib
and ipywidgets: each room's ``__all__`` is the list of names it gives here.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from . import pooling
from .examples import ARTICLE_SHAPE, article_example
from .i18n import LANGUAGES, get_language, set_language
from .pooling import *  # noqa: F401,F403  (every kind's names, the registry, GlobalPool)

__version__ = "0.1.0"

#: The rooms whose names load on first use. Each lists the names it gives a
#: notebook in its ``__all__`` (the exercises room: its ``NOTEBOOK_SETS``).
_LAZY_ROOMS = (
    "article", "claims", "cnn.cam", "cnn.cbam", "cnn.channel_attention", "cnn.counting", "cnn.data", "cnn.heads",
    "cnn.models", "cnn.training", "viz.adaptive", "viz.cam", "viz.depth", "viz.heads", "viz.heatmaps", "viz.tables",
    "viz.zoo", "viz.sequences", "widgets.adaptive", "widgets.cam", "widgets.explorer", "widgets.heads", "widgets.zoo",
    "widgets.sequences", "sets.tasks", "workspace.environment", "exercises",
)


def _names_in(room: str) -> tuple[str, ...]:
    """The names a room lists, read from its source: importing it to ask would load matplotlib and ipywidgets.

    Reading all the rooms takes about a millisecond; tests/test_package_layout.py
    checks that what is read here is each room's real list.
    """
    folder = Path(__file__).parent.joinpath(*room.split("."))
    source = (folder / "__init__.py" if folder.is_dir() else folder.with_suffix(".py")).read_text(encoding="utf-8")
    variable = "NOTEBOOK_SETS" if room == "exercises" else "__all__"
    listed = re.search(rf"^{variable} = [\[(]([^\])]*)[\])]", source, re.MULTILINE)
    if listed is None:
        raise ImportError(f"gpool_helpers.{room} lists no {variable} = [...] of the names it provides")
    return tuple(re.findall(r'"(\w+)"', listed.group(1)))


_LAZY = {name: room for room in _LAZY_ROOMS for name in _names_in(room)}

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
