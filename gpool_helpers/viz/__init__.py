"""Plots for the notebooks: functions that return a matplotlib Figure, no pyplot state.

- :mod:`.style`: ``new_figure``, ``figure_to_png``, ``describe_figure`` (a
  figure's text alternative) and the colour-blind-safe colours every plot shares.
- :mod:`.heatmaps`: feature maps as heatmaps, and "input -> pooled output" for
  any pooling kind in the registry (02-04, and the explorer).
- :mod:`.tables`: ``kinds_table()``, the registry as a table (00).
- :mod:`.heads`: what a flatten head and a pooling head cost (01).
- :mod:`.depth`: who wins each cell of a depth pooling, CBAM's attention (04).
- :mod:`.adaptive`: adaptive pooling's windows and SPP's levels (05).
- :mod:`.zoo`: the pooling family side by side (06).
- :mod:`.cam`: samples, head comparisons and class activation maps (07).
- :mod:`.sequences`: padded tokens with the padding greyed out, the set-task table (08).
"""

from .style import (  # noqa: F401
    CATEGORICAL_COLOURS,
    DIVERGING_CMAP,
    SEQUENTIAL_CMAP,
    describe_figure,
    enable_notebook_display,
    figure_description,
    figure_to_png,
    new_figure,
)

# In a notebook, a plot returned at the end of a cell shows as a picture.
enable_notebook_display()
