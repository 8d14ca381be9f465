"""The average-to-max explorer of notebook 06: sliders for GeM's p and LSE's r.

``mean_to_max_explorer(features)`` returns a
:class:`~gpool_helpers.widgets.base.FigureView` over ``plot_mean_to_max`` and
``describe_mean_to_max``, both pure functions of (features, p, r).
"""

from __future__ import annotations

import functools
import math

import ipywidgets
import torch

from ..i18n import gettext as _
from ..pooling import gem_pool, lse_pool
from ..viz.zoo import GEM_P_RANGE, LSE_R_RANGE, plot_mean_to_max
from .base import FigureView

__all__ = ["mean_to_max_explorer"]


def describe_mean_to_max(features: torch.Tensor, p: float, r: float) -> str:
    """HTML: how far GeM(p) and LSE(r) have moved from the average towards the max, per channel."""
    sample = features[:1].detach()
    mean, peak = sample.mean(dim=(2, 3))[0], sample.amax(dim=(2, 3))[0]
    spread = (peak - mean).clamp(min=1e-12)
    gem = ((gem_pool(sample, float(p))[0] - mean) / spread).mean().item()
    lse = ((lse_pool(sample, float(r))[0] - mean) / spread).mean().item()
    return "<div>" + _(
        "Averaged over the channels (0 % = the average, 100 % = the max): "
        "{gem_label} sits at {gem_share}, {lse_label} at {lse_share}."
    ).format(gem_label=f"<b>GeM p = {p:.3g}</b>", gem_share=_share(gem),
             lse_label=f"<b>LSE r = {r:.3g}</b>", lse_share=_share(lse)) + "</div>"


def _share(position: float) -> str:
    # GeM with p < 1 lands below the average: say so, a negative percentage alone reads like a bug.
    percent = round(100 * position)
    return _("{percent} % (below the average)").format(percent=percent) if percent < 0 else f"{percent} %"


def _log_slider(value: float, bounds: tuple[float, float], name: str) -> ipywidgets.FloatLogSlider:
    return ipywidgets.FloatLogSlider(
        value=value,
        base=10,
        min=math.log10(bounds[0]),
        max=math.log10(bounds[1]),
        step=0.05,
        description=name,
        readout_format=".3g",
        continuous_update=False,
    )


def mean_to_max_explorer(features: torch.Tensor, p: float = 3.0, r: float = 1.0) -> FigureView:
    """Sliders ``p`` (0.5 to 100) and ``r`` (0.01 to 100), both on a log scale."""
    features = features.detach().clone()
    controls = {"p": _log_slider(p, GEM_P_RANGE, "p"), "r": _log_slider(r, LSE_R_RANGE, "r")}
    return FigureView(
        controls,
        functools.partial(plot_mean_to_max, features),
        functools.partial(describe_mean_to_max, features),
    )
