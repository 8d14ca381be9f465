"""The learner's side: their own copy of the notebooks, and a check that their setup works.

- :mod:`.copies`: ``make lab`` copies the notebooks into ``workspace/`` once and
  never overwrites a learner's edits (``python -m gpool_helpers.workspace sync``).
- :mod:`.environment`: ``check_environment()``, the first cell of notebook 00.
"""

from .copies import MANIFEST_NAME, sync, updated_name  # noqa: F401
from .environment import check_environment  # noqa: F401
