"""Every lesson opens and closes with the same previous / contents / next line, in the collection's order."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")


def _links(cell: dict) -> list[tuple[str, str]]:
    return LINK.findall("".join(cell["source"]))


@pytest.mark.parametrize("index", range(1, len(NOTEBOOKS)), ids=[path.stem for path in NOTEBOOKS[1:]])
def test_a_lesson_links_its_neighbours_at_both_ends(index):
    cells = json.loads(NOTEBOOKS[index].read_text(encoding="utf-8"))["cells"]
    first, last = _links(cells[0]), _links(cells[-1])
    assert first == last, "the top and bottom navigation lines differ"
    previous = NOTEBOOKS[index - 1].name
    following = NOTEBOOKS[index + 1].name if index + 1 < len(NOTEBOOKS) else NOTEBOOKS[0].name
    assert [target for _, target in first] == [previous, "00_start_here.ipynb", following]
    assert first[0][0].startswith("< " + previous[:2]) and first[2][0].startswith(following[:2])
    assert first[2][0].endswith(" >")


def test_the_start_page_leads_to_the_first_lesson():
    cells = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))["cells"]
    assert _links(cells[0])[-1][1] == NOTEBOOKS[1].name == _links(cells[-1])[-1][1]
