"""Plots for the notebooks: functions that return a matplotlib Figure, no pyplot state.

- :mod:`~gpool_helpers.viz.style`: ``new_figure``, ``figure_to_png`` and the
  colour-blind-safe colours every plot shares.
- :mod:`~gpool_helpers.viz.heatmaps`: feature maps as heatmaps, and "input ->
  pooled output" for any pooling kind in the registry.
"""

from .style import (  # noqa: F401
    CATEGORICAL_COLOURS,
    DIVERGING_CMAP,
    SEQUENTIAL_CMAP,
    enable_notebook_display,
    figure_to_png,
    new_figure,
)

# In a notebook, a plot returned at the end of a cell shows as a picture.
enable_notebook_display()
