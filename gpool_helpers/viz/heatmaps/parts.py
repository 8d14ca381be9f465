"""What a heatmap plot drew, for tests and curious readers: ``figure.gpool_parts``.

The part ids (``GID_*``), :class:`DrawnPart`, and the two sizes learners can
change (:data:`ANNOTATE_MAX_SIDE`, :data:`DEFAULT_MAX_CHANNELS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy

#: Values are written in the cells of maps this size or smaller (per side).
ANNOTATE_MAX_SIDE = 8
#: At most this many channels are drawn; the title says when more were left out.
DEFAULT_MAX_CHANNELS = 16

GID_COLORBAR = "colorbar"
GID_MAP = "input-map"
GID_MAP_LABEL = "map-label"
GID_VALUE = "cell-value"
GID_POOLED = "pooled-output"
GID_POOLED_VALUE = "pooled-value"
GID_POOLED_LABEL = "pooled-label"
GID_WINNER_OUTLINE = "winner-outline"
GID_WINNER_MAP = "winner-map"
GID_WINNER_VALUE = "winner-channel"
GID_NOTE = "note"
GID_LEGEND = "legend"


@dataclass(frozen=True)
class DrawnPart:
    """One thing a plot drew, for tests and curious readers: ``figure.gpool_parts``.

    ``gid`` says what it is (``GID_MAP``, ``GID_POOLED``, ``GID_VALUE``...),
    ``channel`` which channel it belongs to (None for whole-figure parts),
    ``values`` the numbers coloured, ``labels`` the text written in the cells,
    ``extent`` where on the board: (left, right, bottom, top) in box units,
    ``font_size`` the size in points of written labels.
    """

    gid: str
    channel: int | None
    extent: tuple[float, float, float, float]
    values: numpy.ndarray | None = None
    labels: tuple[str, ...] | None = None
    font_size: float | None = None


def format_shape(shape: Sequence[int]) -> str:
    """``(1, 8, 4, 4)``, as a learner would write it (a 1-tuple keeps its comma)."""
    return str(tuple(int(size) for size in shape))
