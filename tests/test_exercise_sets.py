"""Every question of every notebook's exercise set, held to the same rules.

Every set in ``NOTEBOOK_SETS`` must import, and every notebook with starter
cells must have its set and the other way round: the collection is complete,
so a missing set is a failure, always.

For each question: the reference solution checks as correct; the untouched
starter says "not attempted yet"; every recognised mistake's example gets its
message; a raising answer is explained; odd answers never escape as an
exception; the feedback is the same on two calls (nbval compares it).
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from gpool_helpers.exercises import NOTEBOOK_SETS
from gpool_helpers.exercises.core import FunctionQuestion, Outcome, Question, ThoughtQuestion, ValueQuestion

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
CHECKER_FAILED = "The checker itself failed"


SETS = list(NOTEBOOK_SETS)
MODULES = {name: importlib.import_module(f"gpool_helpers.exercises.{name}") for name in SETS}
QUESTIONS = [question for name in SETS for question in MODULES[name].QUESTIONS]
QUESTION_IDS = [question.qid for question in QUESTIONS]
FUNCTION_QUESTIONS = [q for q in QUESTIONS if isinstance(q, FunctionQuestion)]
MISTAKES = [(question, mistake) for question in QUESTIONS for mistake in question.mistakes]


def _not_implemented(*args):
    raise NotImplementedError


def _raises(*args):
    raise ValueError("deliberately broken answer")


@pytest.mark.parametrize("name", SETS)
def test_set_lists_its_questions_in_order(name):
    module = MODULES[name]
    questions = module.QUESTIONS
    assert len(questions) >= 2, f"{name} needs at least two exercises"
    for number, question in enumerate(questions, start=1):
        assert isinstance(question, Question)
        assert question.qid == f"{name}.q{number}"
        assert getattr(module, f"q{number}") is question
    assert not hasattr(module, f"q{len(questions) + 1}"), f"{name} defines a question missing from QUESTIONS"


@pytest.mark.parametrize("name", SETS)
def test_each_question_of_a_set_reads_its_own_answer_name(name):
    # Two questions reading one name ("answer") collide: after the second starter runs,
    # the first check reads the second answer and calls it wrong.
    names = [question.answer_name for question in MODULES[name].QUESTIONS]
    assert len(names) == len(set(names)), f"{name} shares answer names: {names}"


@pytest.mark.parametrize("question", QUESTIONS, ids=QUESTION_IDS)
def test_question_is_complete(question):
    assert question.prompt.strip()
    assert question.hints and all(isinstance(h, str) and h.strip() for h in question.hints)
    assert question.hint(len(question.hints)).lines, "the last hint must render"
    assert question.answer_name.isidentifier()
    # make solutions pastes solution_code over the starter: it must bind the name the check cell reads.
    assert re.search(rf"^(def |class )?{re.escape(question.answer_name)}\b", question.solution().code, re.M)
    if isinstance(question, (FunctionQuestion, ValueQuestion)):
        assert len(question.mistakes) >= 2, f"{question.qid} names fewer than two recognised mistakes"


@pytest.mark.parametrize("question", QUESTIONS, ids=QUESTION_IDS)
def test_reference_solution_checks_as_correct(question):
    answer = question.solved_answer()
    feedback = question.check(answer)
    if isinstance(question, ThoughtQuestion) and not question.choices:
        assert feedback.outcome is Outcome.UNCHECKABLE
    else:
        assert feedback.outcome is Outcome.CORRECT, feedback.text


@pytest.mark.parametrize("question", QUESTIONS, ids=QUESTION_IDS)
def test_starter_says_not_attempted(question):
    starters = [...]
    if isinstance(question, FunctionQuestion):
        starters.append(_not_implemented)
    for starter in starters:
        feedback = question.check(starter)
        assert feedback.outcome is Outcome.NOT_ATTEMPTED, feedback.text
        assert feedback.text.splitlines()[0] == f"{question.qid}: not attempted yet"


@pytest.mark.parametrize(
    "question, mistake",
    MISTAKES,
    ids=[f"{question.qid}-{mistake.name}" for question, mistake in MISTAKES],
)
def test_each_mistake_example_gets_its_own_message(question, mistake):
    assert mistake.example is not None, f"{question.qid}: mistake {mistake.name!r} has no example"
    feedback = question.check(mistake.example)
    assert feedback.outcome in (Outcome.INCORRECT, Outcome.ERROR), feedback.text
    assert mistake.message in feedback.lines, feedback.text
    others = [m.message for m in question.mistakes if m is not mistake and m.message != mistake.message]
    assert not any(message in feedback.lines for message in others), feedback.text


@pytest.mark.parametrize("question", FUNCTION_QUESTIONS, ids=[q.qid for q in FUNCTION_QUESTIONS])
def test_raising_answer_is_explained(question):
    feedback = question.check(_raises)
    assert feedback.outcome is Outcome.ERROR
    assert "ValueError: deliberately broken answer" in feedback.text
    assert question.cases[0].name in feedback.text


#: Values a learner might leave in an answer by accident. A function question reads a
#: value as "not a function" before anything else; a value question compares it.
ODD_VALUES = {
    "an unlikely number": -987.654,
    "text": "no idea",
    "a tensor": torch.zeros(3),
    "a numpy array": np.zeros(3),
    "a generator": (i for i in range(3)),
    "a list": [1, 2],
    "an object": object(),
}
#: Functions returning what no reference returns: only a function question calls them,
#: on its own cases, and then compares and diagnoses the result by its own rules.
ODD_FUNCTIONS = {
    "a function returning a generator": lambda *args: (i for i in range(3)),
    "a function returning a huge tensor": lambda *args: torch.zeros(1000, 1000),
    "a function returning a tensor needing grad": lambda *args: torch.zeros(2, 2, requires_grad=True),
    "a function returning None": lambda *args: None,
    "a function with no arguments": lambda: 1,
}


@pytest.mark.parametrize("question", QUESTIONS, ids=QUESTION_IDS)
def test_odd_answers_never_escape(question):
    # Each question's own path: its cases, its reference's kind of output, its mistake matchers.
    if isinstance(question, FunctionQuestion):
        odd = {**ODD_FUNCTIONS, "an object": object()}
    else:
        odd = {**ODD_VALUES, "a function": ODD_FUNCTIONS["a function returning None"]}
    for name, answer in odd.items():
        feedback = question.check(answer)
        assert feedback.outcome is not Outcome.CORRECT, f"{name}: {feedback.text}"
        assert CHECKER_FAILED not in feedback.text, f"{name}: {feedback.text}"


@pytest.mark.parametrize("question", QUESTIONS, ids=QUESTION_IDS)
def test_feedback_is_the_same_on_two_calls(question):
    answers = [..., question.solved_answer(), *(m.example for m in question.mistakes)]
    if isinstance(question, FunctionQuestion):
        answers.append(_raises)
    for answer in answers:
        first, second = question.check(answer), question.check(answer)
        assert first.text == second.text
        assert first._repr_html_() == second._repr_html_()
        assert " at 0x" not in first.text
    assert question.hint().text == question.hint().text


# ----------------------------------------------------------------------------
# Notebooks refer to questions that exist
# ----------------------------------------------------------------------------


def _notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _starter_cells(path: Path) -> list[dict]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [c for c in cells if "exercise-starter" in c.get("metadata", {}).get("tags", [])]


def _question_by_id(qid: str) -> Question | None:
    module_name, _, attribute = qid.partition(".")
    if module_name not in MODULES:
        return None
    return getattr(MODULES[module_name], attribute, None)


NOTEBOOKS_WITH_EXERCISES = [p for p in _notebooks() if _starter_cells(p)]


def test_notebooks_and_sets_pair_up():
    numbers = {path.name[:2] for path in NOTEBOOKS_WITH_EXERCISES}
    for number in numbers:
        assert f"nb{number}" in SETS, f"notebook {number} has starter cells but gpool_helpers.exercises.nb{number} is missing"
    for name in SETS:
        assert name[2:] in numbers, f"no notebook holds the starter cells of {name}"


def test_every_notebook_with_a_check_cell_has_starter_cells():
    for path in _notebooks():
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        # Code cells only: a markdown cell may show a check call as an example.
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        if re.search(r"\bq\d+\.check\(", code):
            assert path in NOTEBOOKS_WITH_EXERCISES, f"{path.name} checks answers but tags no exercise-starter cell"


def test_starter_cells_refer_to_existing_questions():
    # One test over whatever notebooks exist yet (a parametrised test over an
    # empty list would be reported as skipped).
    for path in NOTEBOOKS_WITH_EXERCISES:
        _check_starter_cells(path)


def _check_starter_cells(path: Path) -> None:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]
    seen = []
    for index, cell in enumerate(cells):
        if "exercise-starter" not in cell.get("metadata", {}).get("tags", []):
            continue
        qid = cell.get("metadata", {}).get("gpool", {}).get("question")
        assert isinstance(qid, str), f"{path.name} cell {index}: starter without metadata gpool.question"
        assert qid.startswith(f"nb{path.name[:2]}."), f"{path.name} cell {index}: {qid} belongs to another notebook"
        question = _question_by_id(qid)
        assert question is not None, f"{path.name} cell {index}: no question {qid}"
        name = re.escape(question.answer_name)
        assert re.search(rf"^(def {name}\(|class {name}\b|{name}\s*=)", sources[index], re.M), (
            f"{path.name} cell {index}: the starter does not bind {question.answer_name}"
        )
        later = "\n".join(sources[index + 1 :])
        module_name, _, attribute = qid.partition(".")
        # The check may go through the set (nb02.q1.check) or an alias (q1 = nb02.q1).
        check_call = rf"(\b{module_name}\.|(?<![\w.])){attribute}\.check\(\s*{name}\s*\)"
        assert re.search(check_call, later), f"{path.name}: no check cell for {qid}"
        seen.append(qid)
    assert len(seen) == len(set(seen)), f"{path.name}: a question has two starter cells"
    module = MODULES.get(f"nb{path.name[:2]}")
    if module is not None:
        assert sorted(seen) == sorted(q.qid for q in module.QUESTIONS), f"{path.name}: starters and QUESTIONS differ"
