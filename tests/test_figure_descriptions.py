"""Every stored picture says what it shows (WCAG 2.1, 1.1.1), in the language of its edition.

The text alternative travels in the notebook output, ``metadata["image/png"]["alt"]``, written by
``gpool_helpers.viz.describe_figure`` through the Figure display formatter (and by FigureView for a
widget's picture); make html turns it into ``<img alt>``, and the browser suite checks the pages. This
catches a figure without one where it is made: in the stored notebooks, before any site is built.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted([*ROOT.glob("notebooks/[0-9][0-9]_*.ipynb"), *ROOT.glob("notebooks/zh/[0-9][0-9]_*.ipynb"),
                    *ROOT.glob("app/*.ipynb")])
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def pictures(path: Path) -> list[tuple[int, str | None]]:
    """(cell index, alt text or None) for every PNG the notebook stores."""
    notebook = nbformat.read(path, as_version=4)
    return [
        (index, output.get("metadata", {}).get("image/png", {}).get("alt"))
        for index, cell in enumerate(notebook.cells)
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]


def says_something(text: str | None) -> bool:
    # At least five words, or ten Chinese characters; not matplotlib's "<Figure size ...>".
    return bool(text) and not text.startswith("<Figure") and (
        len(text.split()) >= 5 or len(CHINESE.findall(text)) >= 10)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_stored_picture_has_a_text_alternative_that_says_something(path):
    found = pictures(path)
    missing = [(index, alt) for index, alt in found if not says_something(alt)]
    assert not missing, (
        f"{path.relative_to(ROOT)}: {len(missing)} of {len(found)} pictures have no real text alternative "
        f"(cell, alt): {missing[:5]}; end the plot function with describe_figure(figure, text) and re-execute"
    )


@pytest.mark.parametrize("path", [path for path in NOTEBOOKS if path.parent.name == "zh"],
                         ids=lambda path: path.relative_to(ROOT).as_posix())
def test_the_chinese_edition_describes_its_pictures_in_chinese(path):
    english = [(index, alt[:60]) for index, alt in pictures(path) if alt and not CHINESE.search(alt)]
    assert not english, (
        f"{path.relative_to(ROOT)}: pictures described in English only (cell, alt): {english[:5]}; "
        "translate the sentence in gpool_helpers/locale/zh/helpers.po and re-execute"
    )


def test_the_collection_stores_pictures_to_describe():
    # Guards the two tests above against passing on notebooks that store no pictures at all.
    assert sum(len(pictures(path)) for path in NOTEBOOKS) >= 60
