"""make nbgrader LANG=zh: the Chinese course, graded by nbgrader as the English one is.

The Chinese edition's notebooks (notebooks/zh/), in the quick exercises-only form, become
the course; nbgrader generates every assignment, autogrades a student with every answer
right, one with every answer blank and one with a recognised mistake in every question,
exports the grades and writes the feedback. The feedback must give the checker's verdicts
and hints in Chinese, and the course's prose, starters and reference solutions must be
the Chinese edition's. The hostile submissions and the audit's refusals are tested once,
on the English course (tests/test_nbgrader_course.py): the test cells differ only by the
language switch and their comment.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import nbformat
import pytest

# The helpers of the English course's tests, reused as they are (this file sits beside it).
sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_nbgrader_course as english  # noqa: E402
from test_nbgrader_course import shell  # noqa: E402,F401 - a fixture, used below

from tools import nbgrader_course, solutions  # noqa: E402

# The full tier only (make test-all): this file runs nbgrader over a whole course.
pytestmark = pytest.mark.full

ROOT = Path(__file__).resolve().parents[1]
ZH = ROOT / "notebooks" / "zh"
ZH_NOTEBOOKS = [p for p in sorted(ZH.glob("[0-9][0-9]_*.ipynb")) if solutions.has_exercises(p)]


def chinese(text: str) -> str:
    """``text`` as a Chinese learner sees it from the helpers; a text without a translation fails the test."""
    from gpool_helpers.i18n import catalog

    assert text in catalog("zh"), f"no Chinese for {text!r} in gpool_helpers/locale/zh"
    return catalog("zh")[text]


def zh_heading(qid: str, outcome: str) -> str:
    from gpool_helpers.exercises import Outcome

    return f"{qid}: {chinese(Outcome[outcome].value)}"


def zh_submissions(assignment: str) -> dict[str, english.Submission]:
    """all_correct, all_blank and mistake_0, as the English course's, with the texts the Chinese feedback must show."""
    qids = english.questions_of(assignment)
    right = {qid: english.correct(qid) for qid in qids}
    full = {qid: 1.0 for qid in qids}
    students = {
        "all_correct": english.Submission(right, full, [zh_heading(qid, "CORRECT") for qid in qids]),
        "all_blank": english.Submission({}, {qid: 0.0 for qid in qids},
                                        [zh_heading(qid, "NOT_ATTEMPTED") for qid in qids]),
    }
    answers, points, texts = dict(right), dict(full), []
    for qid in qids:
        question = solutions.find_question(qid)
        found = english.mistakes_of(qid)
        if found:
            index, mistake = found[0]
            answers[qid] = english.mistake_code(qid, index)
            texts.append(chinese(mistake.message))
        elif english.wrong_choices(qid):
            answers[qid], explanation = english.wrong_choice_code(qid, 0)
            texts.append(chinese(explanation))
        else:
            continue
        points[qid] = 0.0
        texts.append(chinese(question.english_hints[0]))
    students["mistake_0"] = english.Submission(answers, points, texts)
    return students


#: Seconds per cell while grading here. No submission of this file loops, so this only needs to cover the
#: setup cell's import of torch on two busy cores (10 s, the English file's, was not always enough).
TIMEOUT = 60


def grade_half(folder: Path, notebooks: list[Path]) -> dict:
    """One Chinese course of ``notebooks``: generated, every submission handed in and autograded, exported, fed back."""
    course = folder / "course"
    assert nbgrader_course.main([*map(str, notebooks), "--language", "zh", "--output", str(course),
                                 "--timeout", str(TIMEOUT), "--max-output-chars", str(english.MAX_OUTPUT),
                                 "--exercises-only"]) == 0
    english.ok(english.nbgrader(course, "generate_assignment", "*", "--force"))
    submissions = {(path.stem, student): submission for path in notebooks
                   for student, submission in zh_submissions(path.stem).items()}
    for (assignment, student), submission in submissions.items():
        english.submit(course, assignment, student,
                       english.fill(english.release_of(course, assignment), submission.answers))
    steps = {"autograde": english.nbgrader(course, "autograde", "*", "--create", "--force"),
             "export": english.nbgrader(course, "export", "--to", "grades.csv"),
             "feedback": english.nbgrader(course, "generate_feedback", "*", "--force")}
    return {"course": course, "steps": steps, "submissions": submissions}


@pytest.fixture(scope="module")
def graded_zh(tmp_path_factory):
    """Every assignment of the Chinese course, in two courses graded side by side (one nbgrader each: two cores)."""
    from concurrent.futures import ThreadPoolExecutor

    folder = tmp_path_factory.mktemp("nbgrader-zh")
    halves = [ZH_NOTEBOOKS[0::2], ZH_NOTEBOOKS[1::2]]
    with ThreadPoolExecutor(len(halves)) as pool:
        courses = list(pool.map(lambda item: grade_half(folder / f"half{item[0]}", item[1]), enumerate(halves)))
    return {"courses": courses,
            "submissions": {key: value for course in courses for key, value in course["submissions"].items()},
            "scores": {key: value for course in courses for key, value in english.scores(course["course"]).items()}}


def course_of(graded_zh, assignment: str) -> Path:
    return next(course["course"] for course in graded_zh["courses"]
                if any(key[0] == assignment for key in course["submissions"]))


def test_the_chinese_course_has_every_assignment_of_the_english_one():
    assert [p.name for p in ZH_NOTEBOOKS] == [p.name for p in english.EXERCISE_NOTEBOOKS]


def test_nbgrader_grades_the_chinese_course_through(graded_zh):
    for course in graded_zh["courses"]:
        for step in course["steps"].values():
            english.ok(step)


def test_every_question_of_the_chinese_course_scores_what_was_expected(graded_zh):
    problems = []
    for (assignment, student), submission in graded_zh["submissions"].items():
        found = graded_zh["scores"].get((assignment, student), {})
        for qid, points in submission.points.items():
            got = english.question_points(found, qid)
            if got != points:
                problems.append(f"{assignment} {student} {qid}: {got} points, expected {points}")
    assert not problems, "\n".join(problems)
    rows = {}
    for course in graded_zh["courses"]:
        with (course["course"] / "grades.csv").open(newline="") as file:
            rows.update({(row["assignment"], row["student_id"]): row for row in csv.DictReader(file)})
    for key, submission in graded_zh["submissions"].items():
        assert float(rows[key]["raw_score"]) == sum(submission.points.values()), key


def test_the_chinese_feedback_gives_the_verdicts_and_hints_in_chinese(graded_zh):
    problems = []
    for (assignment, student), submission in graded_zh["submissions"].items():
        page = course_of(graded_zh, assignment) / "feedback" / student / assignment / f"{assignment}.html"
        assert page.exists(), f"no feedback page for {student} on {assignment}"
        text = english.html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
        for wanted in submission.texts:
            if wanted not in text:
                problems.append(f"{assignment} {student}: feedback lacks {wanted!r}")
        # The English verdicts must not appear instead.
        for qid in submission.points:
            for outcome in ("CORRECT", "INCORRECT", "NOT_ATTEMPTED"):
                if english.heading(qid, outcome) + "\n" in text:
                    problems.append(f"{assignment} {student}: English verdict {english.heading(qid, outcome)!r}")
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def planned_zh():
    # The editions as read when the course is planned (a rebuild of notebooks/zh later must not count).
    editions = {path: nbformat.read(path, as_version=4) for path in ZH_NOTEBOOKS}
    files, questions = nbgrader_course.plan_course(ZH_NOTEBOOKS)
    notebooks = {path: nbformat.reads(files[f"source/{path.stem}/{path.stem}.ipynb"].decode(), as_version=4)
                 for path in ZH_NOTEBOOKS}
    return files, questions, notebooks, editions


def test_the_chinese_course_is_the_chinese_edition_with_chinese_solutions(planned_zh):
    from nbgrader.nbgraderformat import MetadataValidator
    from nbgrader.preprocessors import ClearSolutions

    _, questions, notebooks, editions = planned_zh
    for path, notebook in notebooks.items():
        MetadataValidator().validate_nb(notebook)
        edition = editions[path]
        prose = [cell.source for cell in edition.cells if cell.cell_type == "markdown"]
        assert prose == [cell.source for cell in notebook.cells if cell.cell_type == "markdown"], path.name
        assert any('set_language("zh")' in cell.source for cell in notebook.cells), path.name
        by_id = english.cells_by_grade_id(notebook)
        released = english.cells_by_grade_id(ClearSolutions(code_stub={"python": ""}).preprocess(
            nbformat.from_dict(english.json.loads(english.json.dumps(notebook))), {})[0])
        for index, qid in solutions.starter_cells(edition):
            grade_id = f"{qid.replace('.', '-')}-answer"
            assert released[grade_id].source.rstrip() == edition.cells[index].source.rstrip(), qid
            solution = chinese(solutions.find_question(qid).solution_code)
            assert solution.strip() in by_id[grade_id].source, f"{qid}: the answer cell lacks the Chinese solution"
        for entry in questions[path.stem]:
            test = by_id[f"{entry.qid.replace('.', '-')}-test"].source
            assert "_fresh_i18n.set_language('zh')" in test and "自动评分测试" in test, entry.qid


def test_a_chinese_test_cell_passes_the_solution_and_explains_a_mistake_in_chinese(planned_zh, shell):  # noqa: F811
    """In-process, on every question with a recognised mistake: Chinese verdict, message and hint."""
    from gpool_helpers.i18n import get_language

    _, questions, notebooks, _ = planned_zh
    problems, tried = [], 0
    for path, notebook in notebooks.items():
        by_id = english.cells_by_grade_id(notebook)
        for entry in questions[path.stem]:
            question = solutions.find_question(entry.qid)
            source = by_id[f"{entry.qid.replace('.', '-')}-test"].source
            passed, printed = english.run_test_cell(shell, source, (question.solution_code,))
            if not passed or zh_heading(entry.qid, "CORRECT") not in printed:
                problems.append(f"{entry.qid}: the solution does not pass in Chinese ({printed[-300:]!r})")
            for mistake in [m for m in question.mistakes if m.example is not None][:1]:
                tried += 1
                passed, printed = english.run_test_cell(shell, source, bound={entry.answer_name: mistake.example})
                if passed or chinese(mistake.message) not in printed or chinese(question.english_hints[0]) not in printed:
                    problems.append(f"{entry.qid}: {mistake.message[:50]!r} passed={passed}, printed {printed[:300]!r}")
    # The test cell switches only its own fresh copy of the helpers: this process still speaks English.
    assert get_language() == "en"
    assert tried >= 10
    assert not problems, "\n".join(problems)


def test_the_chinese_course_tells_the_teacher_in_chinese(tmp_path, capsys):
    output = tmp_path / "course"
    assert nbgrader_course.main([str(ZH / f"{english.HOSTILE}.ipynb"), "--language", "zh",
                                 "--output", str(output)]) == 0
    told = capsys.readouterr().out
    assert "nbgrader 课程已写入" in told and "docs/teachers.zh-CN.md" in told and f"cd {output} && " in told
    assert "gpool-zh" in (output / nbgrader_course.GPOOL_CONFIG).read_text(encoding="utf-8")
