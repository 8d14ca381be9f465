"""TEMPORARY (issue 12): the module paths notebooks imported before the layout was redrawn.

The notebooks are being moved to ``from gpool_helpers import ...``; until
their setup cells are updated, ``from gpool_helpers.heads import ...`` and the
like still work through this finder. Delete this file and its import in
``gpool_helpers/__init__.py`` once ``grep -rn "gpool_helpers\\.\\(heads\\|models\\|data\\|cam\\|cbam\\|training\\|family\\|registry\\|environment\\)"
notebooks app`` finds nothing.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types

#: old module -> the new modules whose public names it offers, in order.
OLD_TO_NEW = {
    "gpool_helpers.cam": ("gpool_helpers.cnn.cam",),
    "gpool_helpers.cbam": ("gpool_helpers.cnn.cbam",),
    "gpool_helpers.data": ("gpool_helpers.cnn.data",),
    "gpool_helpers.training": ("gpool_helpers.cnn.training",),
    "gpool_helpers.heads": ("gpool_helpers.cnn.heads", "gpool_helpers.cnn.counting"),
    "gpool_helpers.models": ("gpool_helpers.cnn.models", "gpool_helpers.cnn.heads", "gpool_helpers.cnn.counting"),
    "gpool_helpers.family": ("gpool_helpers.pooling",),
    "gpool_helpers.registry": ("gpool_helpers.pooling.registry", "gpool_helpers.viz.tables"),
    "gpool_helpers.environment": ("gpool_helpers.workspace.environment",),
}


class _OldPathLoader(importlib.abc.Loader):
    def create_module(self, spec):
        return types.ModuleType(spec.name)

    def exec_module(self, module):
        for new_name in OLD_TO_NEW[module.__name__]:
            new = importlib.import_module(new_name)
            for name, value in vars(new).items():
                if not name.startswith("__"):
                    module.__dict__.setdefault(name, value)


class _OldPathFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname in OLD_TO_NEW:
            return importlib.util.spec_from_loader(fullname, _OldPathLoader())
        return None


if not any(isinstance(finder, _OldPathFinder) for finder in sys.meta_path):
    sys.meta_path.append(_OldPathFinder())
