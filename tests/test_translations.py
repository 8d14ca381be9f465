"""The Chinese edition is built from the English one and cannot drift from it.

notebooks/zh/ is made by tools/translate.py from notebooks/ and the PO files in
translations/zh/. These tests hold the promises of that mechanism: every
English text has a translation made from the current English; a changed English
cell is named as stale; the code of both editions is the same code (comments
aside, and the setup cell's set_language); the committed Chinese notebooks are
exactly what the build makes.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import polib
import pytest

from tools import solutions, translate

REPOSITORY = Path(__file__).resolve().parents[1]

ENGLISH = translate.english_notebooks()
CJK = re.compile(r"[\u4e00-\u9fff]")
NAMES = [path.name for path in ENGLISH]


def chinese(path: Path) -> Path:
    return REPOSITORY / "notebooks" / "zh" / path.name


def test_there_is_a_chinese_notebook_for_every_english_one_and_no_other():
    built = sorted(path.name for path in (REPOSITORY / "notebooks" / "zh").glob(translate.NOTEBOOK_GLOB))
    assert built == NAMES


@pytest.mark.parametrize("english", ENGLISH, ids=NAMES)
def test_every_text_of_the_notebook_is_translated_from_its_current_english(english):
    problems = translate.notebook_problems("zh", english)
    assert not problems, "\n".join(map(str, problems)) + "\nrun: python tools/translate.py extract, then translate"


def test_every_learner_facing_text_of_the_helpers_is_translated():
    problems = translate.package_problems("zh")
    assert not problems, f"{len(problems)} untranslated:\n" + "\n".join(map(str, problems[:40]))


@pytest.mark.parametrize("english", ENGLISH, ids=NAMES)
def test_the_stored_chinese_notebook_is_what_the_build_makes(english):
    """Nobody edits notebooks/zh by hand: its sources are the build's, cell for cell."""
    stored = nbformat.read(chinese(english), as_version=4)
    assert translate.sources(stored) == translate.sources(translate.build_notebook("zh", english)), (
        f"notebooks/zh/{english.name} differs from its build: run make translations"
    )
    assert stored.metadata["gpool"]["language"] == "zh"


@pytest.mark.parametrize("english", ENGLISH, ids=NAMES)
def test_both_editions_run_the_same_code(english):
    """Cell for cell, the same tokens once comments and print() texts are set aside (each text's
    {fields} the same); only the language switch differs."""
    english_cells = nbformat.read(english, as_version=4).cells
    chinese_cells = nbformat.read(chinese(english), as_version=4).cells
    assert [c.cell_type for c in english_cells] == [c.cell_type for c in chinese_cells]
    switches = 0
    for mine, theirs in zip(english_cells, chinese_cells):
        if mine.cell_type != "code":
            continue
        chinese_source = theirs.source.replace('set_language("zh")', 'set_language("en")')
        assert translate.code_translation_problems(mine.source, chinese_source) == [], (
            f"cell {mine.id}: the code differs, not only its comments and print() texts"
        )
        switches += theirs.source.count('set_language("zh")')
    assert switches == 1, "the Chinese setup cell must call set_language(\"zh\") once"


@pytest.mark.parametrize("english", ENGLISH, ids=NAMES)
def test_each_setup_cell_chooses_english_once_so_the_build_can_switch_it(english):
    cells = [c for c in nbformat.read(english, as_version=4).cells if c.cell_type == "code"]
    setup = next(c for c in cells if "from gpool_helpers import" in c.source)
    assert len(translate.LANGUAGE_SWITCH.findall(setup.source)) == 1
    assert sum(len(translate.LANGUAGE_SWITCH.findall(c.source)) for c in cells) == 1


@pytest.mark.parametrize("english", ENGLISH, ids=NAMES)
def test_every_prose_cell_reads_in_chinese(english):
    """A markdown cell with English sentences gets Chinese ones, not a copy."""
    entries = {e.msgctxt: e for e in polib.pofile(str(translate.notebook_po_path("zh", english)))}
    untranslated = []
    for context, entry in entries.items():
        words = re.findall(r"(?<![`\w])[A-Za-z]{3,}(?![`\w])", re.sub(r"`[^`]*`|\$[^$]*\$|\([^)]*\.ipynb\)", "", entry.msgid))
        if context.endswith("markdown") and len(words) >= 6 and not CJK.search(entry.msgstr):
            untranslated.append(context)
    assert not untranslated


def test_a_changed_english_cell_is_named_as_stale(tmp_path):
    english = REPOSITORY / "notebooks" / "02_global_average_pooling.ipynb"
    changed = tmp_path / english.name
    shutil.copy2(english, changed)
    notebook = nbformat.read(changed, as_version=4)
    cell = next(c for c in notebook.cells if c.cell_type == "markdown" and len(c.source) > 200)
    cell.source += "\n\nOne more sentence in English."
    nbformat.write(notebook, changed)
    problems = translate.notebook_problems("zh", changed, translate.notebook_po_path("zh", english))
    assert [str(p) for p in problems] == [
        f"{english.name} cell {cell.id} (markdown): stale: the English changed since it was translated"
    ]
    with pytest.raises(ValueError, match=f"cell {cell.id} \\(markdown\\): stale"):
        translate.build_notebook("zh", changed, translate.notebook_po_path("zh", english))


def test_extract_keeps_a_changed_cells_old_translation_as_fuzzy_with_the_english_it_was_made_from():
    po = polib.POFile()
    po.append(polib.POEntry(msgctxt="c1 markdown", msgid="Old English.", msgstr="旧的中文。"))
    po.append(polib.POEntry(msgctxt="c2 markdown", msgid="Kept.", msgstr="保留。"))
    po.append(polib.POEntry(msgctxt="gone markdown", msgid="Removed cell.", msgstr="删除的单元格。"))
    merged = translate.merge(po, [("c1 markdown", "New English.", []), ("c2 markdown", "Kept.", []),
                                  ("c3 markdown", "A new cell.", [])])
    by_context = {entry.msgctxt: entry for entry in merged}
    assert set(by_context) == {"c1 markdown", "c2 markdown", "c3 markdown"}
    assert by_context["c1 markdown"].fuzzy and by_context["c1 markdown"].previous_msgid == "Old English."
    assert by_context["c1 markdown"].msgstr == "旧的中文。"
    assert not by_context["c2 markdown"].fuzzy and by_context["c2 markdown"].msgstr == "保留。"
    assert by_context["c3 markdown"].msgstr == ""


def test_a_translation_that_changes_code_is_refused(tmp_path):
    english = REPOSITORY / "notebooks" / "02_global_average_pooling.ipynb"
    po = polib.pofile(str(translate.notebook_po_path("zh", english)))
    entry = next(e for e in po if e.msgctxt.endswith(" code") and "mean" in e.msgstr)
    entry.msgstr = entry.msgstr.replace("mean", "sum", 1)
    broken = tmp_path / "broken.po"
    po.save(str(broken))
    cell_id = entry.msgctxt.split()[0]
    problems = translate.notebook_problems("zh", english, broken)
    assert [p.what for p in problems if cell_id in p.where] == [
        "the translation changes the code, not only its comments and print() texts"
    ]


def test_code_without_comments_ignores_comments_and_layout_but_not_code():
    assert translate.code_without_comments("x = 1  # one\n") == translate.code_without_comments("x = 1  # 一\n")
    assert translate.code_without_comments("%matplotlib inline\nx = 1") != translate.code_without_comments("x = 1")
    assert translate.code_without_comments("print('a')  # a") != translate.code_without_comments("print('b')")


def test_pooling_is_chi_hua_and_hui_ju_is_named_once_for_d2l_readers():
    """The glossary's choice: 池化 throughout; d2l-zh's 汇聚 mentioned once, in 00."""
    texts = {path.name: chinese(path).read_text(encoding="utf-8") for path in ENGLISH}
    assert all("池化" in text for text in texts.values())
    mentions = {name: text.count("汇聚") for name, text in texts.items() if "汇聚" in text}
    assert list(mentions) == ["00_start_here.ipynb"]


def test_the_notebooks_claims_are_printed_in_chinese_by_check_claims(capsys):
    """07's Claim statements are notebook code, the same in both editions; check_claims shows them translated."""
    from gpool_helpers import Claim, check_claims, set_language
    from gpool_helpers.claims import ClaimFailed

    statements = [text for text, _ in translate.notebook_claims()]
    assert len(statements) >= 10
    try:
        set_language("zh")
        check_claims(*(Claim(statement, True) for statement in statements))
        printed = capsys.readouterr().out.splitlines()
        assert len(printed) == len(statements) + 1
        assert all(CJK.search(line) for line in printed)
        with pytest.raises(ClaimFailed) as failure:
            check_claims(Claim(statements[0], False, "train 91.0 %"))
        assert CJK.search(str(failure.value)) and statements[0] not in str(failure.value)
    finally:
        set_language("en")
    check_claims(Claim(statements[0], True))
    assert statements[0] in capsys.readouterr().out


def test_the_chinese_solved_edition_fills_in_solutions_with_chinese_comments():
    notebook = nbformat.read(REPOSITORY / "notebooks" / "zh" / "02_global_average_pooling.ipynb", as_version=4)
    assert solutions.fill_answers(notebook, solutions.solution_code) == []
    filled = [cell for cell in notebook.cells if solutions.SOLUTION_TAG in cell.metadata.get("tags", [])]
    assert len(filled) == 3
    for cell in filled:
        question = solutions.find_question(cell.metadata["gpool"]["question"])
        assert translate.code_without_comments(cell.source) == translate.code_without_comments(question.solution_code)
        if "#" in question.solution_code:
            assert CJK.search(cell.source), cell.source


@pytest.mark.full  # builds and runs the Chinese solved edition
def test_the_chinese_solved_edition_answers_correct_in_chinese(tmp_path):
    """make solutions for notebooks/zh: every check of every exercise section says 正确 (correct)."""
    with_exercises = [chinese(path) for path in ENGLISH if solutions.has_exercises(chinese(path))]
    assert len(with_exercises) == 8
    for path in with_exercises:
        result, executed = solutions.build_edition(path, tmp_path, solutions.solution_code, timeout=600,  # a hang guard only
                                                   exercises_only=True)
        assert result.ok, f"{path.name}: {result.problems}"
        assert result.checks and all(headings == ["correct"] for headings in result.checks.values()), result.checks
        for qid, text in solutions.check_texts(executed).items():
            assert text.startswith(f"{qid}: 正确"), text[:80]
            assert CJK.search(text.split("\n", 1)[-1]), f"{qid}: the feedback under the heading is not Chinese"
