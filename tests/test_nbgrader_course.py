"""make nbgrader: the exercises as an nbgrader course, graded by our checkers.

nbgrader itself runs here end to end, in a temporary course: generate_assignment,
then autograde on submissions made for the test (all correct, all blank, partly
right, every recognised mistake, and hostile ones), export to CSV and
generate_feedback. Notebook 02 is graded with the full set of submissions in
the quick exercises-only form and once in full; every notebook's course is
checked structurally and by nbgrader's generate_assignment.

nbgrader's gradebook runs the ``alembic`` command by name, so nbgrader is
called with the venv's bin folder first on PATH.
"""

from __future__ import annotations

import csv
import hashlib
import html
import importlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tools import nbgrader_course, solutions

# The full tier only (make test-all): this file runs nbgrader over a whole course.
pytestmark = pytest.mark.full

ROOT = Path(__file__).resolve().parents[1]

BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "02_global_average_pooling.ipynb"
ASSIGNMENT = NOTEBOOK.stem
SET = "nb02"
TIMEOUT = 10  # seconds per cell while autograding here; the course default is longer
MAX_OUTPUT = 20_000


def nbgrader(course: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env, capture_output=True,
                          text=True, timeout=timeout)


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    first = result.stderr.find("Traceback")  # a student's error is logged long before the end
    cause = f"\nfirst traceback:\n{result.stderr[first:first + 3000]}" if first >= 0 else ""
    assert result.returncode == 0, \
        f"nbgrader {result.args[1:]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}{cause}"
    return result


def question_set():
    return importlib.import_module(f"gpool_helpers.exercises.{SET}")


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# ----------------------------------------------------------------------------
# Submissions: the released notebook with answer cells filled in
# ----------------------------------------------------------------------------

def correct(qid: str) -> str:
    return solutions.find_question(qid).solution_code


def mistake_code(qid: str, index: int) -> str:
    """Code that binds the answer to the exercise set's own example of mistake ``index``."""
    question = solutions.find_question(qid)
    module_name, _, attribute = qid.partition(".")
    return (f"import gpool_helpers.exercises.{module_name} as _set\n"
            f"{question.answer_name} = _set.{attribute}.mistakes[{index}].example")


def wrong_choice_code(qid: str, index: int) -> tuple[str, str]:
    """A wrong multiple-choice answer and the explanation the checker gives for it."""
    question = solutions.find_question(qid)
    wrong = [c for c in question.choices if c != question.correct_choice][index]
    return f"{question.answer_name} = {wrong!r}", question.explanations.get(wrong, "Not that one.")


def mistakes_of(qid: str) -> list[tuple[int, object]]:
    """(index, mistake) for each recognised mistake that comes with an example answer."""
    question = solutions.find_question(qid)
    return [(index, m) for index, m in enumerate(question.mistakes) if m.example is not None]


QIDS = [q.qid for q in question_set().QUESTIONS]

FAKE_CHECK = """
import sys, types
import gpool_helpers.exercises as ex
import gpool_helpers.exercises.core as core
always = lambda self, answer=None: core.Feedback(self.qid, "correct", (), core.Outcome.CORRECT)
for kind in (core.Question, core.FunctionQuestion, core.ValueQuestion, core.ThoughtQuestion):
    kind.check = always
    kind._check = always
core.outputs_equal = lambda *args, **kwargs: True
fake = types.ModuleType("gpool_helpers.exercises.nb02")
fake.q1 = fake.q2 = fake.q3 = types.SimpleNamespace(check=lambda answer=None: core.Feedback("x", "correct", (), core.Outcome.CORRECT))
sys.modules["gpool_helpers.exercises.nb02"] = fake
nb02 = fake
check = fake.q1.check
Outcome = types.SimpleNamespace(CORRECT=None)
_fresh_set = _fresh_exercises = _feedback = fake
# A fake package in this folder, first on the path.
import os, pathlib
for package in ("gpool_helpers", "gpool_helpers/exercises"):
    pathlib.Path(package).mkdir(parents=True, exist_ok=True)
    pathlib.Path(package, "__init__.py").write_text("")
pathlib.Path("gpool_helpers/exercises/nb02.py").write_text(
    "class Q:\\n    def check(self, a=None):\\n        raise SystemExit\\nq1 = q2 = q3 = Q()\\n")
sys.path.insert(0, "")
"""


def honest_submissions() -> dict[str, tuple[dict[str, str], dict[str, float], list[str]]]:
    """student -> (answer code per qid, expected points per qid, texts their feedback must show).

    Honest answers: the points written here are also compared with what our checker
    says in-process about the same answers (``checker_points``).
    """
    everything_right = {qid: correct(qid) for qid in QIDS}
    full = {qid: 1.0 for qid in QIDS}
    students = {
        "all_correct": (everything_right, full, ["nb02.q1: correct", "nb02.q2: correct", "nb02.q3: correct"]),
        "all_blank": ({}, {qid: 0.0 for qid in QIDS}, ["nb02.q1: not attempted yet", "nb02.q2: not attempted yet"]),
        "partly": ({**everything_right, "nb02.q2": "answer = 0.5"},
                   {**full, "nb02.q2": 0.0}, ["nb02.q2: incorrect", "nb02.q1: correct"]),
    }
    # One student per mistake number k: mistake k of every question that has one, the
    # rest right, so each mistake costs exactly its own question. As many students as
    # the question with the most recognised mistakes (or wrong choices) has: every
    # recognised mistake of the notebook is autograded by nbgrader once.
    choice_qids = [qid for qid in QIDS if getattr(solutions.find_question(qid), "choices", ())]
    most = max(max(len(mistakes_of(qid)), len(getattr(solutions.find_question(qid), "choices", ())) - 1)
               for qid in QIDS)
    for k in range(most):
        answers, points, texts = dict(everything_right), dict(full), []
        for qid in QIDS:
            found = mistakes_of(qid)
            if k < len(found):
                index, mistake = found[k]
                answers[qid] = mistake_code(qid, index)
                points[qid] = 0.0
                texts.append(mistake.message)
            elif qid in choice_qids and k < len(solutions.find_question(qid).choices) - 1:
                answers[qid], explanation = wrong_choice_code(qid, k)
                points[qid] = 0.0
                texts.append(explanation)
            else:
                continue
            # The test cell prints the verdict, then hint 1 (heading and text) for a wrong answer.
            texts.append(solutions.find_question(qid).hint().text)
        students[f"mistake_{k}"] = (answers, points, texts)
    return students


def hostile_submissions() -> dict[str, tuple[dict[str, str], dict[str, float], list[str]]]:
    """Like ``honest_submissions``; points by hand, as these are never run in-process."""
    everything_right = {qid: correct(qid) for qid in QIDS}
    full = {qid: 1.0 for qid in QIDS}
    return {
        # An endless loop inside the function (the check calls it) and at the top of a cell.
        "endless_loop": ({**everything_right,
                          "nb02.q1": "def my_global_avg_pool(x):\n    while True:\n        pass",
                          "nb02.q2": "while True:\n    pass"},
                         {**full, "nb02.q1": 0.0, "nb02.q2": 0.0}, ["CellTimeoutError"]),
        # sys.exit() inside the function and at the top of a cell.
        "sys_exit": ({**everything_right,
                      "nb02.q1": "import sys\ndef my_global_avg_pool(x):\n    sys.exit()",
                      "nb02.q2": "import sys\nsys.exit('leaving')"},
                     {**full, "nb02.q1": 0.0, "nb02.q2": 0.0}, ["nb02.q1: raised an error"]),
        # Deletes every file in its folder, then answers right.
        "deleter": ({**everything_right, "nb02.q1": "import pathlib, shutil\n"
                     "for p in pathlib.Path('.').iterdir():\n"
                     "    shutil.rmtree(p) if p.is_dir() else p.unlink()\n" + correct("nb02.q1")},
                    full, ["nb02.q1: correct"]),
        # 100 MB in one print and 100 MB in a thousand prints, then right answers.
        "flood": ({**everything_right,
                   "nb02.q1": "print('x' * 100_000_000)\n" + correct("nb02.q1"),
                   "nb02.q2": "for _ in range(1000):\n    print('y' * 100_000)\n" + correct("nb02.q2")},
                  full, ["output cut"]),
        # Wrong answers, with the checker, its module, its names and the import path all rebound.
        "rebinder": ({"nb02.q1": FAKE_CHECK + "\ndef my_global_avg_pool(x):\n    return x.sum(dim=(2, 3))",
                      "nb02.q2": "answer = 1",
                      "nb02.q3": "answer = ((1, 1), (1, 1))"},
                     {qid: 0.0 for qid in QIDS}, ["nb02.q1: incorrect", "nb02.q2: incorrect"]),
    }


def submissions() -> dict[str, tuple[dict[str, str], dict[str, float], list[str]]]:
    """student -> (answer code per qid, expected points per qid, texts their feedback must show)."""
    return {**honest_submissions(), **hostile_submissions()}


def checker_points(release: Path, answers: dict[str, str]) -> dict[str, float]:
    """qid -> points our checker gives this submission, run in-process, in the notebook's order.

    The filled notebook's code cells run in one namespace (IPython magics dropped), and at
    each test cell the exercise set's own check judges the answer then bound; the test
    cell's points count when it says correct. Only for honest submissions.
    """
    from gpool_helpers.exercises import Outcome

    namespace: dict[str, object] = {}
    found: dict[str, float] = {}
    for cell in fill(release, answers).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if meta.get("grade_id", "").endswith("-test"):
            qid = meta["grade_id"].removesuffix("-test").replace("-", ".")
            question = solutions.find_question(qid)
            feedback = question.check(namespace.get(question.answer_name, ...))
            found[qid] = float(meta["points"]) if feedback.outcome is Outcome.CORRECT else 0.0
        else:
            code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith("%"))
            exec(compile(code, f"<{meta.get('grade_id', 'cell')}>", "exec"), namespace)  # noqa: S102 - honest answers
    return found


def fill(release: Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    notebook = nbformat.read(release, as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        qid = grade_id.removesuffix("-answer").replace("-", ".")
        if grade_id.endswith("-answer") and qid in answers:
            cell.source = answers[qid]
    return notebook


def make_course(tmp: Path, *extra: str) -> Path:
    course = tmp / "course"
    assert nbgrader_course.main([str(NOTEBOOK), "--output", str(course), "--timeout", str(TIMEOUT),
                                 "--max-output-chars", str(MAX_OUTPUT), *extra]) == 0
    ok(nbgrader(course, "generate_assignment", ASSIGNMENT, "--force"))
    return course


def submit(course: Path, student: str, notebook: nbformat.NotebookNode) -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")
    (folder / "timestamp.txt").write_text("2026-01-15 10:00:00.000000 UTC")


def scores(course: Path) -> dict[str, dict[str, float]]:
    """student -> grade id -> score, from the gradebook."""
    from nbgrader.api import Gradebook

    found: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for submission in gradebook.assignment_submissions(ASSIGNMENT):
            notebook = submission.notebooks[0]
            found[submission.student.id] = {grade.name: grade.score for grade in notebook.grades}
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The exercises-only course of notebook 02, every submission autograded, CSV and feedback made."""
    started = time.perf_counter()
    course = make_course(tmp_path_factory.mktemp("nbgrader"), "--exercises-only")
    release = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    students = submissions()
    for student, (answers, _, _) in students.items():
        submit(course, student, fill(release, answers))
    before = {name: tree_digest(course / name) for name in ("source", "release", "submitted")}
    autograde = nbgrader(course, "autograde", ASSIGNMENT, "--create", "--force")
    export = nbgrader(course, "export", "--to", "grades.csv")
    feedback = nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")
    print(f"graded {len(students)} submissions in {time.perf_counter() - started:.0f} s")
    # What our checker says about each honest submission, run in-process (the hostile
    # ones loop, exit, delete or flood, so their points are written by hand).
    checked = {student: checker_points(release, students[student][0]) for student in honest_submissions()}
    return {"course": course, "students": students, "before": before, "autograde": autograde,
            "export": export, "feedback": feedback, "checked": checked}


def feedback_text(course: Path, student: str) -> str:
    page = course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
    assert page.exists(), f"no feedback page for {student}"
    # The page as a reader sees it: tags dropped, entities decoded.
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


# ----------------------------------------------------------------------------
# End to end
# ----------------------------------------------------------------------------

def test_nbgrader_runs_through_without_failing(graded):
    for step in ("autograde", "export", "feedback"):
        ok(graded[step])


def test_grading_logs_no_plain_tcp_kernel_warnings(graded):
    """Twelve students' kernels would print ipykernel's encryption warning twelve times."""
    log = graded["autograde"].stdout + graded["autograde"].stderr
    assert "without encryption" not in log


def test_every_question_scores_what_the_checker_says(graded):
    found = scores(graded["course"])
    problems = []
    for student, (_, expected, _) in graded["students"].items():
        for qid, points in expected.items():
            got = found.get(student, {}).get(qid.replace(".", "-") + "-test")
            if got != points:
                problems.append(f"{student} {qid}: {got} points, expected {points}")
    assert not problems, "\n".join(problems)


def test_every_honest_submission_scores_what_the_checker_says_in_process(graded):
    """nbgrader's score per question is the points our checker gives the same answer here."""
    found = scores(graded["course"])
    problems = []
    for student, checked in graded["checked"].items():
        assert sorted(checked) == sorted(QIDS), student
        for qid, points in checked.items():
            got = found.get(student, {}).get(qid.replace(".", "-") + "-test")
            if got != points:
                problems.append(f"{student} {qid}: nbgrader gave {got} points, our checker {points}")
            if graded["students"][student][1][qid] != points:
                problems.append(f"{student} {qid}: written as {graded['students'][student][1][qid]}, checker {points}")
    assert not problems, "\n".join(problems)


def test_every_recognised_mistake_is_autograded_by_some_student():
    students = honest_submissions()
    missing = [f"{qid} mistake {index}" for qid in QIDS for index, _ in mistakes_of(qid)
               if not any(answers.get(qid) == mistake_code(qid, index)
                          for student, (answers, _, _) in students.items() if student.startswith("mistake_"))]
    assert not missing, missing


def test_the_csv_export_has_each_students_total(graded):
    with (graded["course"] / "grades.csv").open(newline="") as file:
        rows = {row["student_id"]: row for row in csv.DictReader(file)}
    for student, (_, expected, _) in graded["students"].items():
        assert float(rows[student]["raw_score"]) == sum(expected.values()), student
        assert float(rows[student]["max_score"]) == len(QIDS), student


def test_feedback_shows_the_checkers_verdict_and_hint(graded):
    problems = []
    for student, (_, _, texts) in graded["students"].items():
        page = feedback_text(graded["course"], student)
        problems += [f"{student}: feedback lacks {text!r}" for text in texts if text not in page]
    assert not problems, "\n".join(problems)


def test_feedback_of_a_wrong_answer_also_gives_the_first_hint(graded):
    page = feedback_text(graded["course"], "partly")
    assert solutions.find_question("nb02.q2").hints[0] in page


def test_hostile_submissions_leave_the_course_as_it_was(graded):
    course = graded["course"]
    for name, digest in graded["before"].items():
        assert tree_digest(course / name) == digest, f"{name}/ changed during autograding"
    assert (course / "gradebook.db").exists() and (course / "nbgrader_config.py").exists()


def test_a_flood_of_output_is_cut_in_the_graded_notebook_and_its_feedback(graded):
    course = graded["course"]
    graded_notebook = course / "autograded" / "flood" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert graded_notebook.stat().st_size < 20 * MAX_OUTPUT + 500_000
    page = course / "feedback" / "flood" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    assert page.stat().st_size < 20 * MAX_OUTPUT + 1_000_000


def test_the_rebinding_submission_cannot_pass_a_wrong_answer(graded):
    page = feedback_text(graded["course"], "rebinder")
    question = solutions.find_question("nb02.q1")
    sums = next(m for m in question.mistakes if "sum" in m.name)
    assert sums.message in page


def test_the_full_notebook_grades_too(tmp_path):
    """The default course (the whole lesson, not just the exercises) runs and scores full marks."""
    course = make_course(tmp_path)
    release = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    submit(course, "whole", fill(release, {qid: correct(qid) for qid in QIDS}))
    ok(nbgrader(course, "autograde", ASSIGNMENT, "--create", "--force", f"--Execute.timeout={4 * TIMEOUT}"))
    found = scores(course)
    assert sum(found["whole"].values()) == len(QIDS), found["whole"]


# ----------------------------------------------------------------------------
# Every notebook: the generated course, checked in-process with nbgrader's own parts
# ----------------------------------------------------------------------------

EXERCISE_NOTEBOOKS = [p for p in solutions.default_notebooks() if solutions.has_exercises(p)]


@pytest.fixture(scope="module")
def planned():
    files, questions = nbgrader_course.plan_course(EXERCISE_NOTEBOOKS)
    notebooks = {path: nbformat.reads(files[f"source/{path.stem}/{path.stem}.ipynb"].decode(), as_version=4)
                 for path in EXERCISE_NOTEBOOKS}
    return files, questions, notebooks


def cells_by_grade_id(notebook) -> dict:
    return {cell.metadata["nbgrader"]["grade_id"]: cell for cell in notebook.cells}


def test_every_notebook_with_exercises_becomes_an_assignment(planned):
    files, questions, _ = planned
    assert len(EXERCISE_NOTEBOOKS) >= 7
    assert sorted(questions) == sorted(p.stem for p in EXERCISE_NOTEBOOKS)
    assert nbgrader_course.GPOOL_CONFIG in files


def test_cells_carry_valid_nbgrader_metadata(planned):
    from nbgrader.nbgraderformat import MetadataValidator

    for path, notebook in planned[2].items():
        MetadataValidator().validate_nb(notebook)  # raises on any schema problem
        for cell in notebook.cells:
            meta = cell.metadata["nbgrader"]
            assert meta["schema_version"] == 3
            assert meta["solution"] or meta["locked"], f"{path.name}: an editable cell that is no answer"


def test_each_starter_becomes_an_answer_cell_that_nbgrader_strips_to_the_starter(planned):
    from nbgrader.preprocessors import ClearSolutions

    for path, notebook in planned[2].items():
        original = nbformat.read(path, as_version=4)
        released, _ = ClearSolutions(code_stub={"python": ""}).preprocess(
            nbformat.from_dict(json.loads(json.dumps(notebook))), {})
        by_id = cells_by_grade_id(released)
        for index, qid in solutions.starter_cells(original):
            source_cell = cells_by_grade_id(notebook)[f"{qid.replace('.', '-')}-answer"]
            assert "### BEGIN SOLUTION" in source_cell.source
            assert solutions.find_question(qid).solution_code.strip() in source_cell.source
            released_cell = by_id[f"{qid.replace('.', '-')}-answer"]
            assert released_cell.source.rstrip() == original.cells[index].source.rstrip(), qid


def test_each_check_becomes_a_test_cell_with_points_and_no_check_call_is_left(planned):
    _, questions, notebooks = planned
    for path, notebook in notebooks.items():
        by_id = cells_by_grade_id(notebook)
        for entry in questions[path.stem]:
            test = by_id[f"{entry.qid.replace('.', '-')}-test"]
            meta = test.metadata["nbgrader"]
            assert meta["grade"] and meta["locked"] and meta["points"] == entry.points
            assert test.source.rstrip().splitlines()[-1].startswith("assert ")
        calls = [cell.source for cell in notebook.cells if cell.cell_type == "code"
                 and solutions.CHECK_CALL.search(cell.source) and not cell.metadata["nbgrader"]["grade"]]
        assert not calls, f"{path.name}: check calls left outside test cells: {calls}"


def run_test_cell(source: str, name: str, answer) -> tuple[bool, str]:
    """Run a generated test cell here, with the answer bound; (passed, what it printed)."""
    import contextlib
    import io

    namespace = {name: answer} if answer is not ... else {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        try:
            exec(source, namespace)  # noqa: S102 - our own generated cell
        except AssertionError:
            return False, printed.getvalue()
    return True, printed.getvalue()


def test_test_cells_pass_the_solution_and_fail_every_known_mistake_with_its_hint(planned):
    _, questions, notebooks = planned
    problems, tried = [], 0
    for path, notebook in notebooks.items():
        by_id = cells_by_grade_id(notebook)
        for entry in questions[path.stem]:
            question = solutions.find_question(entry.qid)
            source = by_id[f"{entry.qid.replace('.', '-')}-test"].source
            passed, printed = run_test_cell(source, entry.answer_name, question.solved_answer())
            if not passed or f"{entry.qid}: correct" not in printed:
                problems.append(f"{entry.qid}: the solution does not pass ({printed!r})")
            wrong = [(m.example, m.message) for m in question.mistakes if m.example is not None]
            for choice in getattr(question, "choices", ()):
                if choice != question.correct_choice:
                    wrong.append((choice, question.explanations.get(choice, "Not that one.")))
            wrong.append((..., "not attempted yet"))
            for answer, message in wrong:
                tried += 1
                passed, printed = run_test_cell(source, entry.answer_name, answer)
                if passed or message not in printed or question.hints[0] not in printed:
                    problems.append(f"{entry.qid}: {message[:50]!r} passed={passed}, printed {printed[:200]!r}")
    assert tried >= 40
    assert not problems, "\n".join(problems)


def test_a_short_answer_question_becomes_a_hand_graded_cell():
    from gpool_helpers.exercises import ThoughtQuestion

    thought = ThoughtQuestion(qid="nb99.q1", prompt="Why?", hints=["Think."],
                              solution_code="answer = 'because'", answer_name="answer")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("answer = ...", metadata={"tags": ["exercise-starter"],
                                                            "gpool": {"question": "nb99.q1", "points": 2}}),
        nbformat.v4.new_code_cell("q1.check(answer)"),
    ])
    source, entries = nbgrader_course.convert(notebook, lambda qid: thought)
    assert [(e.qid, e.kind, e.points) for e in entries] == [("nb99.q1", "manual", 2)]
    answer = source.cells[1].metadata["nbgrader"]
    assert answer["solution"] and answer["grade"] and answer["points"] == 2
    assert not any(c.metadata["nbgrader"]["grade"] and not c.metadata["nbgrader"]["solution"] for c in source.cells)


def test_generation_is_repeatable_byte_for_byte(planned):
    again, _ = nbgrader_course.plan_course(EXERCISE_NOTEBOOKS[:2])
    for relative, content in again.items():
        if relative.startswith("source/"):
            assert planned[0][relative] == content, relative


# ----------------------------------------------------------------------------
# Bad input and a teacher's folder
# ----------------------------------------------------------------------------

def test_a_teachers_folder_is_never_overwritten_silently(tmp_path, capsys):
    course = tmp_path / "course"
    course.mkdir()
    (course / "notes.txt").write_text("mine")
    args = [str(NOTEBOOK), "--output", str(course)]
    assert nbgrader_course.main(args) == 1
    assert "--force" in capsys.readouterr().err
    assert sorted(p.name for p in course.iterdir()) == ["notes.txt"]
    assert nbgrader_course.main([*args, "--force"]) == 0
    assert (course / "notes.txt").read_text() == "mine"
    # Regenerating over its own, unchanged output is fine; an edited generated file stops it.
    assert nbgrader_course.main(args) == 0
    generated = course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    generated.write_text(generated.read_text() + " ")
    capsys.readouterr()
    assert nbgrader_course.main(args) == 1
    assert "was edited" in capsys.readouterr().err
    # The teacher's own config is written once and kept.
    teacher_config = course / "nbgrader_config.py"
    teacher_config.write_text(teacher_config.read_text() + "c.Exchange.root = '/srv/x'\n")
    assert nbgrader_course.main([*args, "--force"]) == 0
    assert "c.Exchange.root = '/srv/x'" in teacher_config.read_text()


@pytest.mark.parametrize("args, message", [
    (["missing.ipynb"], "not a notebook file"),
    ([str(ROOT / "README.md")], "not a notebook file"),
    ([str(NOTEBOOK), "--timeout", "0"], "--timeout"),
    ([str(NOTEBOOK), "--course-id", "a b"], "--course-id"),
    ([str(ROOT / "notebooks" / "00_start_here.ipynb")], "no exercise starter cells"),
])
def test_bad_input_gets_a_clear_error(tmp_path, capsys, args, message):
    assert nbgrader_course.main([*args, "--output", str(tmp_path / "out")]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_starter_naming_an_unknown_question_is_refused(tmp_path, capsys):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "answer = ...", metadata={"tags": ["exercise-starter"], "gpool": {"question": "nb99.q1"}})])
    path = tmp_path / "99_unknown.ipynb"
    nbformat.write(notebook, path)
    assert nbgrader_course.main([str(path), "--output", str(tmp_path / "out")]) == 1
    assert "nb99" in capsys.readouterr().err
