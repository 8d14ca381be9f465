"""Feature maps as heatmaps, and what pooling makes of them.

- :func:`plot_feature_maps`: one sample's C maps (H x W) as a grid of heatmaps
  on one shared colour scale, values written in the cells of small maps.
- :func:`plot_pooling`: "input -> pooled output" for any kind in the registry,
  titled with both shapes, e.g. ``avg: (1, 8, 4, 4) -> (1, 8)``.

How the pooled output is drawn depends on what the registry says the kind pools over:

- ``pools_over="space"`` with an (N, k·C) output: under each map, its k pooled
  values (output[n, c], output[n, C + c], ...), so the cells form strips of C
  values aligned with the channels. An (N, C, h, w) output is drawn as a small
  h x w map under each channel. When the output is exactly the max of each map
  (global max pooling), the winning cell of every map is outlined.
- ``pools_over="channels"``: the (N, k, H, W) output as k maps of their own.
  When it is exactly the max across the channels (depth max pooling), a second
  map shows which channel won each position, and the winning cell is outlined
  in that channel's map.

Speed shapes the drawing (see :mod:`.board`): the explorer widget redraws on every slider move.
A matplotlib axes costs about 10 ms to create and a Text about half a
millisecond to lay out, and a figure of 8 small maps would need 16 axes and 150
texts. So everything except the title is painted, with numpy, into one RGBA
raster the size of the figure, laid out on a "board" measured in map boxes;
labels are FreeType bitmaps of each distinct string, rendered once and cached.
The raster is drawn by one artist, pixel for pixel. What was drawn stays
readable from code: ``figure.gpool_parts`` lists a :class:`DrawnPart` for every
map, strip, label and written value (tests use it).

Rooms: :mod:`.parts` (what was drawn), :mod:`.board` (the renderer),
:mod:`.plots` (the two public plots).
"""

from .parts import (  # noqa: F401
    ANNOTATE_MAX_SIDE,
    DEFAULT_MAX_CHANNELS,
    DrawnPart,
    GID_COLORBAR,
    GID_LEGEND,
    GID_MAP,
    GID_MAP_LABEL,
    GID_NOTE,
    GID_POOLED,
    GID_POOLED_LABEL,
    GID_POOLED_VALUE,
    GID_VALUE,
    GID_WINNER_MAP,
    GID_WINNER_OUTLINE,
    GID_WINNER_VALUE,
    format_shape,
)
from .plots import plot_feature_maps, plot_pooling  # noqa: F401

__all__ = ["plot_feature_maps", "plot_pooling"]
