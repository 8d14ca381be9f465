"""Every pooling kind, one module each: the formula, its module twin, its registry row.

The built-in kinds load in teaching order (the order menus show); any other
module placed in this folder loads after them, alphabetically, so a new kind
is one new file here plus its tests (see CONTRIBUTING.md). Each module lists
its public names in ``__all__``; they are re-exported by
:mod:`gpool_helpers.pooling` and the package root.
"""

from __future__ import annotations

import importlib
import pkgutil

#: Teaching order: notebooks 02-04, then 05, then the zoo of notebook 06.
BUILT_IN = ("basic", "adaptive", "avgmax", "gem", "lse", "topk", "attention")


def _kind_modules() -> list:
    others = sorted(info.name for info in pkgutil.iter_modules(__path__) if info.name not in BUILT_IN
                    and not info.name.startswith("_"))
    return [importlib.import_module(f"{__name__}.{name}") for name in (*BUILT_IN, *others)]


MODULES = _kind_modules()

__all__: list[str] = []
for _module in MODULES:
    for _name in _module.__all__:
        globals()[_name] = getattr(_module, _name)
        __all__.append(_name)
del _module, _name
