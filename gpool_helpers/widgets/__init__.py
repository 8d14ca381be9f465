"""Widgets: thin views over pure state and drawing functions.

- :mod:`~gpool_helpers.widgets.base`: ``FigureView``, controls + image + readout.
- :mod:`~gpool_helpers.widgets.explorer`: ``pooling_explorer()``.
"""

from .base import FigureView  # noqa: F401
from .explorer import pooling_explorer  # noqa: F401
