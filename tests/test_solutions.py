"""The solved edition and the learner edition, through the real notebooks.

- Every notebook with exercises, its starters replaced by the solutions and
  executed, shows "correct" at every check (what ``make solutions`` does).
- The learner edition, as stored in notebooks/, shows "not attempted yet" at
  every check: no solution leaks into it.
- Known-wrong answers, the blog post's depth-pooling class among them, are
  answered wrong with the matching hint, in the notebook and in-process.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest

from gpool_helpers.exercises.core import BATCH_ONE_ONLY_MESSAGE, FunctionQuestion, Outcome, ThoughtQuestion
from tools import solutions

# The full tier only (make test-all): this file builds and runs the solved edition.
pytestmark = pytest.mark.full

REPOSITORY = Path(__file__).resolve().parents[1]
#: Seconds a cell may run: a guard against a hang, not a speed target. 07's training cell takes
#: about a minute alone, and make test-all runs it beside other notebooks on the same two cores.
CELL_TIMEOUT = 600

NOTEBOOKS = [path for path in solutions.default_notebooks() if solutions.has_exercises(path)]
DEPTH_NOTEBOOK = next((p for p in NOTEBOOKS if p.name.startswith("04_")), None)

ARTICLE_ANSWER_CODE = '''
from gpool_helpers.article import ArticleDepthPool


def my_global_depth_pool(x):
    # The blog post's class, built for this input's channel count and size.
    n, c, h, w = x.shape
    return ArticleDepthPool(c, h * w)(x)
'''


@pytest.fixture(scope="module")
def solved_edition(tmp_path_factory):
    output = tmp_path_factory.mktemp("solutions")
    return solutions.build_solutions(NOTEBOOKS, output, timeout=CELL_TIMEOUT, jobs=2), output


def test_there_are_notebooks_with_exercises():
    assert NOTEBOOKS, "no notebook in notebooks/ has exercises yet"


def test_solved_edition_says_correct_at_every_check(solved_edition):
    results, output = solved_edition
    report = "\n".join(f"{r.notebook}: {p}" for r in results for p in r.problems)
    assert all(result.ok for result in results), report
    for result, path in zip(results, NOTEBOOKS):
        starters = {qid for _, qid in solutions.starter_cells(nbformat.read(path, as_version=4))}
        assert starters <= set(result.checks), f"{path.name}: unchecked {starters - set(result.checks)}"
        solved = nbformat.read(output / path.name, as_version=4)
        # The starters really were replaced: no starter tag and no NotImplementedError left.
        assert not solutions.starter_cells(solved)
        for cell in solved.cells:
            if solutions.SOLUTION_TAG in cell.metadata.get("tags", []):
                question = solutions.find_question(cell.metadata["gpool"]["question"])
                assert cell.source == question.solution_code


def test_learner_edition_says_not_attempted_at_every_check():
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        headings = solutions.check_headings(notebook)
        starters = {qid for _, qid in solutions.starter_cells(notebook)}
        assert starters, f"{path.name} has no starter cells"
        assert starters <= set(headings), f"{path.name}: no stored check output for {starters - set(headings)}"
        for qid, shown in headings.items():
            assert set(shown) == {"not attempted yet"}, f"{path.name}: {qid} shows {shown}"


def test_the_blog_posts_class_is_answered_wrong_with_the_batch_hint():
    from gpool_helpers.exercises import nb04

    namespace: dict = {}
    exec(ARTICLE_ANSWER_CODE, namespace)  # noqa: S102 - our own test code
    feedback = nb04.q1.check(namespace["my_global_depth_pool"])
    assert feedback.outcome is Outcome.INCORRECT
    assert BATCH_ONE_ONLY_MESSAGE in feedback.text
    assert "(4, 4)" in feedback.text  # what the class returns for the 1x8x4x4 example


def _wrong_answer_code(question) -> str:
    module_name, _, attribute = question.qid.partition(".")
    if question.qid == "nb04.q1":
        return ARTICLE_ANSWER_CODE
    if question.mistakes:
        return (
            f"from gpool_helpers.exercises.{module_name} import {attribute} as _question\n"
            f"{question.answer_name} = _question.mistakes[0].example"
        )
    if isinstance(question, ThoughtQuestion) and question.choices:
        wrong = next(choice for choice in question.choices if choice != question.correct_choice)
        return f"{question.answer_name} = {wrong!r}"
    if isinstance(question, FunctionQuestion):
        return f"def {question.answer_name}(*args):\n    raise ValueError('wrong on purpose')"
    return question.solution_code


def _expected_words(question) -> str | None:
    if question.qid == "nb04.q1":
        return BATCH_ONE_ONLY_MESSAGE
    if question.mistakes:
        return question.mistakes[0].message
    if isinstance(question, ThoughtQuestion) and question.choices:
        wrong = next(choice for choice in question.choices if choice != question.correct_choice)
        return question.explanations.get(wrong) or "Not that one."
    if isinstance(question, FunctionQuestion):
        return "ValueError: wrong on purpose"
    return None


def test_known_wrong_answers_in_the_depth_pooling_notebook_get_their_hints(tmp_path):
    assert DEPTH_NOTEBOOK is not None, "notebook 04 with its exercises is missing"
    # Only the exercise section runs: the rest is covered by the solved edition.
    result, executed = solutions.build_edition(
        DEPTH_NOTEBOOK, tmp_path, _wrong_answer_code, timeout=CELL_TIMEOUT, exercises_only=True
    )
    assert executed is not None, result.problems
    texts = solutions.check_texts(executed)
    starters = [qid for _, qid in solutions.starter_cells(nbformat.read(DEPTH_NOTEBOOK, as_version=4))]
    assert "nb04.q1" in starters
    for qid in starters:
        question = solutions.find_question(qid)
        words = _expected_words(question)
        if words is None:
            continue
        assert result.checks[qid] in (["incorrect"], ["raised an error"]), f"{qid}: {result.checks[qid]}"
        assert words in texts[qid], f"{qid}: {texts[qid]}"


def test_find_question_explains_a_bad_id():
    with pytest.raises(ValueError, match="expects an id like 'nb02.q1'"):
        solutions.find_question("q1")
    with pytest.raises(ValueError, match="no exercise set gpool_helpers.exercises.nb99"):
        solutions.find_question("nb99.q1")
    if importlib.util.find_spec("gpool_helpers.exercises.nb04"):
        with pytest.raises(ValueError, match="has no question q99"):
            solutions.find_question("nb04.q99")


def test_a_broken_exercise_notebook_makes_the_tool_fail_with_a_report(tmp_path, capsys):
    # A tiny notebook: a starter pointing at a question that does not exist,
    # and a check that is answered wrong.
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("from gpool_helpers.exercises import nb04"),
        nbformat.v4.new_code_cell(
            "answer = ...", metadata={"tags": ["exercise-starter"], "gpool": {"question": "nb99.q1"}}
        ),
        nbformat.v4.new_code_cell('nb04.q3.check("A")'),
    ]
    broken = tmp_path / "in" / "99_broken.ipynb"
    broken.parent.mkdir()
    nbformat.write(notebook, broken)
    crashing = nbformat.v4.new_notebook()
    crashing.cells = [
        nbformat.v4.new_code_cell("from gpool_helpers.exercises import nb04"),
        nbformat.v4.new_code_cell('raise RuntimeError("planted failure")'),
        nbformat.v4.new_code_cell("nb04.q3.check(...)"),
    ]
    nbformat.write(crashing, tmp_path / "in" / "98_crashing.ipynb")
    code = solutions.main(
        [str(broken), str(tmp_path / "in" / "98_crashing.ipynb"), "--output", str(tmp_path / "out"), "--timeout", "120"]
    )
    printed = capsys.readouterr()
    assert code == 1
    assert "execution failed: RuntimeError: planted failure" in printed.out
    assert "\x1b[" not in printed.out
    assert "FAILED 99_broken.ipynb" in printed.out
    assert "no exercise set gpool_helpers.exercises.nb99" in printed.out
    assert "nb04.q3: the check says 'incorrect', not 'correct'" in printed.out
    assert "failed; see above" in printed.err


def test_the_english_solved_edition_holds_no_copy_of_the_chinese_notebooks(solved_edition):
    """notebooks/zh is an edition of its own (make solutions solves it into build/solutions/zh), not an asset."""
    _, output = solved_edition
    assert not (output / "zh").exists()
