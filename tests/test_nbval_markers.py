"""Every nbval marker in a notebook is one nbval really honours.

nbval reads a comment marker only when the comment is exactly the marker:
``# NBVAL_IGNORE_OUTPUT  (versions differ)`` is an ordinary comment, so the
cell's output is compared byte for byte and fails on every other machine.
Tags must likewise be spelt as nbval spells them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from nbval.plugin import comment_markers, metadata_tags

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted([*ROOT.glob("notebooks/**/*.ipynb"), *ROOT.glob("app/*.ipynb")])
NOTEBOOKS = [path for path in NOTEBOOKS if ".ipynb_checkpoints" not in path.parts]
MENTIONS_NBVAL = re.compile(r"nbval|pytest_validate", re.IGNORECASE)


def marker_problems(notebook: dict) -> list[str]:
    """What nbval would silently ignore: comment markers with extra words, unknown tags."""
    problems = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", []))
        for line in source.splitlines():
            stripped = line.strip()
            if stripped.startswith("#") and MENTIONS_NBVAL.search(stripped):
                comment = stripped.lstrip("#").strip()
                if comment not in comment_markers:
                    problems.append(
                        f"cell {index}: comment {stripped!r} is not a marker nbval reads "
                        f"(it must be exactly one of {sorted(comment_markers)}; put reasons on the line before)"
                    )
        for tag in cell.get("metadata", {}).get("tags", []):
            if MENTIONS_NBVAL.search(tag) and tag not in metadata_tags:
                problems.append(f"cell {index}: tag {tag!r} is not one nbval reads ({sorted(metadata_tags)})")
    return problems


def code_cell(source: str, tags=()) -> dict:
    return {"cell_type": "code", "source": source, "metadata": {"tags": list(tags)}, "outputs": []}


def test_the_checker_catches_what_nbval_would_ignore():
    notebook = {
        "cells": [
            code_cell("# NBVAL_IGNORE_OUTPUT  (versions differ from machine to machine)\nprint(1)"),
            code_cell("print(2)", tags=["nbval_ignore_output"]),
            code_cell("#NBVAL_SKIP\nprint(3)"),  # what nbval reads: no problem
            code_cell("# versions differ\n# NBVAL_IGNORE_OUTPUT\nprint(4)", tags=["nbval-ignore-output"]),
        ]
    }
    problems = marker_problems(notebook)
    assert len(problems) == 2
    assert problems[0].startswith("cell 0: comment") and problems[1].startswith("cell 1: tag")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_marker_is_one_nbval_reads(path):
    assert marker_problems(json.loads(path.read_text(encoding="utf-8"))) == []


def test_the_environment_check_is_not_compared():
    """Versions differ on every machine: notebook 00's check must be ignored by nbval."""
    notebook = json.loads((ROOT / "notebooks" / "00_start_here.ipynb").read_text(encoding="utf-8"))
    cells = [cell for cell in notebook["cells"] if "check_environment()" in "".join(cell["source"])]
    assert len(cells) == 1
    cell = cells[0]
    source_markers = {line.strip().lstrip("#").strip() for line in "".join(cell["source"]).splitlines()}
    assert "nbval-ignore-output" in cell["metadata"].get("tags", []) or "NBVAL_IGNORE_OUTPUT" in source_markers
