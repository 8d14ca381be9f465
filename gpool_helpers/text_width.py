"""Padding text to a width on screen, for fixed-width tables in any language.

A monospace font draws a Chinese character (and a fullwidth sign such as
``，`` or ``（``) two columns wide, so ``f"{text:<24}"``, which counts
characters, misaligns a table as soon as a cell holds one. These count display
columns instead: East Asian Wide and Fullwidth characters take 2, combining
marks 0, everything else 1. For ASCII text they give exactly what the format
specifiers give, so English tables are unchanged.
"""

from __future__ import annotations

import unicodedata

__all__ = ["display_width", "pad"]


def display_width(text: str) -> int:
    """The columns ``text`` takes in a monospace font: ``display_width("分类头 avg") == 10``."""
    width = 0
    for character in text:
        if unicodedata.combining(character):
            continue
        width += 2 if unicodedata.east_asian_width(character) in ("W", "F") else 1
    return width


def pad(text: str, width: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``width`` columns: ``"<"`` left-aligns, ``">"`` right-aligns.

    Like ``format(text, "<24")``, a text already wider than ``width`` is
    returned whole, never cut.
    """
    if align not in ("<", ">"):
        raise ValueError(f"pad expects align to be '<' or '>'; got {align!r}")
    spaces = " " * max(0, width - display_width(text))
    return text + spaces if align == "<" else spaces + text
