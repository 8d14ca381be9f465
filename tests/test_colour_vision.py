"""The figures' colours read with the common colour-vision deficiencies (issue 24).

Each colour is passed through the simulation of Machado, Oliveira and Fernandes ("A Physiologically-
based Model for Simulation of Color Vision Deficiency", IEEE TVCG 15(6), 2009) at full severity, in
linear RGB, and compared in CIELAB (D65). Labels must stay apart; value maps must stay ordered in
lightness, which is what lets a reader see larger from smaller without hue.
"""

from __future__ import annotations

import itertools

import matplotlib
import numpy
import pytest
from matplotlib.colors import to_rgb

from gpool_helpers.viz.style import CATEGORICAL_COLOURS, DIVERGING_CMAP, SEQUENTIAL_CMAP

#: Machado et al. 2009, severity 1.0 (their Table 1), applied to linear RGB.
SIMULATIONS = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
    "typical": numpy.eye(3).tolist(),
}
#: CIELAB distance (CIE76) two labels keep at least; about 2 is "just noticeable", 10+ is plainly different.
MINIMUM_LABEL_DISTANCE = 15.0


def _linear(rgb: numpy.ndarray) -> numpy.ndarray:
    return numpy.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def seen_as_lab(colours, simulation: str) -> numpy.ndarray:
    """CIELAB of ``colours`` (any matplotlib colours, or an (n, 3) RGB array) as seen with ``simulation``."""
    rgb = numpy.array([to_rgb(colour) for colour in colours]) if not isinstance(colours, numpy.ndarray) else colours
    linear = numpy.clip(_linear(rgb) @ numpy.array(SIMULATIONS[simulation]).T, 0, 1)
    xyz = linear @ numpy.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    t = xyz / numpy.array([0.95047, 1.0, 1.08883])
    f = numpy.where(t > 0.008856, numpy.cbrt(t), 7.787 * t + 16 / 116)
    return numpy.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


@pytest.mark.parametrize("simulation", SIMULATIONS)
def test_label_colours_stay_apart(simulation):
    lab = seen_as_lab(CATEGORICAL_COLOURS, simulation)
    closest = min(
        (float(numpy.linalg.norm(lab[i] - lab[j])), CATEGORICAL_COLOURS[i], CATEGORICAL_COLOURS[j])
        for i, j in itertools.combinations(range(len(CATEGORICAL_COLOURS)), 2)
    )
    assert closest[0] >= MINIMUM_LABEL_DISTANCE, f"with {simulation}, {closest[1]} and {closest[2]} are {closest[0]:.1f} apart"


@pytest.mark.parametrize("simulation", SIMULATIONS)
def test_the_value_map_stays_ordered_in_lightness(simulation):
    rgb = matplotlib.colormaps[SEQUENTIAL_CMAP](numpy.linspace(0, 1, 64))[:, :3]
    lightness = seen_as_lab(rgb, simulation)[:, 0]
    assert numpy.all(numpy.diff(lightness) > 0), f"{SEQUENTIAL_CMAP} is not ordered in lightness with {simulation}"
    assert lightness[-1] - lightness[0] > 60


@pytest.mark.parametrize("simulation", SIMULATIONS)
def test_the_signed_map_is_lightest_at_zero_and_darkens_both_ways(simulation):
    rgb = matplotlib.colormaps[DIVERGING_CMAP](numpy.linspace(0, 1, 65))[:, :3]
    lightness = seen_as_lab(rgb, simulation)[:, 0]
    middle = int(numpy.argmax(lightness))
    assert 28 <= middle <= 36, f"{DIVERGING_CMAP}'s lightest point is at {middle / 64:.2f}, not near zero"
    assert numpy.all(numpy.diff(lightness[: middle + 1]) >= 0) and numpy.all(numpy.diff(lightness[middle:]) <= 0)
