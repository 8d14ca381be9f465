"""The padding explorer of notebook 08: each sequence's length and the pooling kind.

``padding_explorer(tokens)`` cuts three sequences from ``tokens`` (T, C), one
after another (wrapping round), pads them to the longest, and shows
:func:`~gpool_helpers.viz.sequences.plot_padded_pooling`: the padding greyed
out, the pooling over every position beside the pooling over the real tokens.
"""

from __future__ import annotations

import functools

import ipywidgets
import torch

from ..i18n import gettext as _
from ..pooling import kind_names
from ..pooling.tokens import check_tokens, pad_pieces
from ..viz.sequences import naive_and_masked, plot_padded_pooling
from .base import FigureView

__all__ = ["padding_explorer", "padded_batch"]

MAX_LENGTH = 8


def padded_batch(tokens: torch.Tensor, lengths: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """Sequences of ``lengths`` cut one after another from ``tokens`` (T, C), wrapping round, zero-padded."""
    start, pieces = 0, []
    for length in lengths:
        index = (start + torch.arange(length)) % tokens.shape[0]
        pieces.append(tokens[index])
        start += length
    return pad_pieces(pieces, max_length=max(max(lengths), 1))


def _state(tokens: torch.Tensor, kind: str, **lengths: int) -> tuple[torch.Tensor, torch.Tensor, str]:
    x, mask = padded_batch(tokens, tuple(lengths[name] for name in sorted(lengths)))
    return x, mask, kind


def _draw(state) -> object:
    x, mask, kind = state
    return plot_padded_pooling(x, mask, kind)


def _describe(state) -> str:
    x, mask, kind = state
    naive, masked = naive_and_masked(x, mask, kind)
    rows = []
    for index in range(x.shape[0]):
        real = int(mask[index].sum())
        gap = float((naive[index] - masked[index]).abs().max())
        if real == 0:
            note = _("no real token: the masked result is 0 by convention")
        elif real == x.shape[1]:
            note = _("no padding: both agree")
        elif gap < 0.005:
            note = _("padded, but here the padding changes nothing")
        else:
            note = _("off by up to {gap} with its padding counted").format(gap=f"{gap:.2f}")
        rows.append(_("sequence {index} ({real} of {length} real): {note}").format(
            index=index, real=real, length=x.shape[1], note=note))
    return "<div>" + "<br>".join(rows) + "</div>"


def padding_explorer(tokens: torch.Tensor, lengths: tuple[int, int, int] = (3, 7, 5), kind: str = "avg") -> FigureView:
    """Sliders for three lengths (0 to 8 tokens) and a menu of every kind with a token form."""
    tokens = check_tokens(tokens[None] if tokens.dim() == 2 else tokens, "padding_explorer")[0].detach().clone()
    controls = {
        f"length_{index}": ipywidgets.IntSlider(value=value, min=0, max=MAX_LENGTH, description=f"length {index}",
                                                continuous_update=False)
        for index, value in enumerate(lengths)
    }
    controls["kind"] = ipywidgets.Dropdown(options=list(kind_names(takes="mask")), value=kind, description=_("kind"))
    return FigureView(controls, _draw, _describe, build_state=functools.partial(_state, tokens))
