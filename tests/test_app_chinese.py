"""The classroom page in Chinese (make app LANG=zh): app/explorer.zh.ipynb, built from the English page.

tools/translate.py builds it from app/explorer.ipynb and translations/zh/app_explorer.po, as it
builds notebooks/zh/ (nobody keeps a second copy by hand): the same code, comments translated, and a
first code cell that switches the helpers to Chinese. The browser suite drives the page itself
(tests/browser/test_voila_app_zh.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from tools import translate

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = ROOT / "app" / "explorer.ipynb"
CHINESE = ROOT / "app" / "explorer.zh.ipynb"
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_text_of_the_page_is_translated_from_its_current_english():
    problems = translate.notebook_problems("zh", ENGLISH)
    assert not problems, "\n".join(map(str, problems)) + (
        "\nthe English page changed: run python -m tools.translate extract, translate "
        "translations/zh/app_explorer.po, then make translations")


def test_the_stored_chinese_page_is_what_the_build_makes():
    stored = nbformat.read(CHINESE, as_version=4)
    built = translate.build_notebook("zh", ENGLISH)
    assert translate.sources(stored) == translate.sources(built), "app/explorer.zh.ipynb differs from its build: " \
        "run make translations"
    assert stored.metadata["gpool"] == {"language": "zh", "source": "explorer.ipynb"}
    assert all(not cell.get("outputs") for cell in stored.cells if cell.cell_type == "code"), \
        "the page is stored without outputs: Voila runs it"


def test_the_chinese_page_runs_the_english_code_after_switching_to_chinese():
    english = nbformat.read(ENGLISH, as_version=4).cells
    chinese = nbformat.read(CHINESE, as_version=4).cells
    first_code = next(index for index, cell in enumerate(chinese) if cell.cell_type == "code")
    switch = chinese[first_code]
    assert translate.code_without_comments(switch.source) == translate.code_without_comments(
        'from gpool_helpers import set_language\n_language = set_language("zh")')
    rest = chinese[:first_code] + chinese[first_code + 1:]
    assert [cell.cell_type for cell in rest] == [cell.cell_type for cell in english]
    for mine, theirs in zip(english, rest):
        if mine.cell_type == "code":
            assert translate.code_without_comments(theirs.source) == translate.code_without_comments(mine.source)
        else:
            assert HAN.search(theirs.source), f"cell {mine.id} is not translated"


def test_the_chinese_page_sits_beside_the_english_so_it_imports_the_same_modules():
    assert CHINESE.parent == ENGLISH.parent
    assert translate.translated_page_path("zh", ENGLISH) == CHINESE
    source = "".join(cell.source for cell in nbformat.read(CHINESE, as_version=4).cells)
    assert "from accessible_widgets import" in source and "from cam_model import load" in source
