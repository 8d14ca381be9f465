"""Widgets: thin views over pure state and drawing functions.

- :mod:`.base`: ``FigureView``, controls + image + readout, which every widget is.
- :mod:`.explorer`: ``pooling_explorer()``, any kind on any shape (00, 02-04).
- :mod:`.heads`: ``head_cost_explorer()`` (01).
- :mod:`.adaptive`: ``adaptive_explorer()`` (05).
- :mod:`.zoo`: ``mean_to_max_explorer()``, GeM's p and LSE's r (06).
- :mod:`.cam`: ``cam_explorer()``, class activation maps (07).
- :mod:`.sequences`: ``padding_explorer()``, lengths and kind over padded tokens (08).
"""

from .base import FigureView  # noqa: F401
from .explorer import pooling_explorer  # noqa: F401
