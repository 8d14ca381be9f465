"""make nbgrader: the exercises as an nbgrader course, graded by our checkers.

nbgrader itself runs here end to end on one course, generated from every notebook with
exercises (01 to 07, in the quick exercises-only form) and shared by this file's tests:
generate_assignment, then one autograde of every submission, export to CSV and
generate_feedback. Each assignment is graded for a student with every answer right, one
with every answer blank and one with a recognised mistake in every question. Notebook 02
is graded for more: one student per recognised mistake, one partly right, and hostile
submissions (endless loops, sys.exit, a kernel that dies, deleting files, 100 MB of
output, reading the reference answer, a helper file handed in with it, patching the
checker or torch); and once more in full, the lesson too. The generated test cells, with
their audit, also run in-process in an IPython shell on every question's solution,
mistakes and starter, and on each way of reading the reference that the audit refuses.

nbgrader's gradebook runs the ``alembic`` command by name, so nbgrader is
called with the venv's bin folder first on PATH.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import hashlib
import html
import io
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from tools import nbgrader_audit, nbgrader_course, solutions

# The full tier only (make test-all): this file runs nbgrader over a whole course.
pytestmark = pytest.mark.full

ROOT = Path(__file__).resolve().parents[1]

BIN = Path(sys.executable).parent
EXERCISE_NOTEBOOKS = [p for p in solutions.default_notebooks() if solutions.has_exercises(p)]
ASSIGNMENTS = [path.stem for path in EXERCISE_NOTEBOOKS]
#: The assignment graded with every recognised mistake, the hostile submissions, and once in full.
HOSTILE = "02_global_average_pooling"
NOTEBOOK = ROOT / "notebooks" / f"{HOSTILE}.ipynb"
TIMEOUT = 10  # seconds per cell while autograding here; the course default is longer
MAX_OUTPUT = 20_000


def nbgrader(course: Path, *args: str, timeout: float = 1200) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env, capture_output=True,
                          text=True, timeout=timeout)


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    first = result.stderr.find("Traceback")  # a student's error is logged long before the end
    cause = f"\nfirst traceback:\n{result.stderr[first:first + 3000]}" if first >= 0 else ""
    assert result.returncode == 0, \
        f"nbgrader {result.args[1:]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}{cause}"
    return result


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def questions_of(assignment: str) -> list[str]:
    """The assignment's question ids, in the notebook's order."""
    notebook = nbformat.read(ROOT / "notebooks" / f"{assignment}.ipynb", as_version=4)
    return [qid for _, qid in solutions.starter_cells(notebook)]


def heading(qid: str, outcome: str) -> str:
    """The first line a test cell prints for a verdict: ``nb02.q1: correct``."""
    from gpool_helpers.exercises import Outcome

    return f"{qid}: {Outcome[outcome].value}"


# ----------------------------------------------------------------------------
# Submissions: the released notebook with answer cells filled in
# ----------------------------------------------------------------------------

@dataclass
class Submission:
    """One student's notebook for one assignment, and what grading it must give."""

    answers: dict[str, str]  # qid -> the answer cell's code; a qid left out keeps the starter
    points: dict[str, float]  # qid -> points expected
    texts: list[str]  # what the feedback page must show
    files: dict[str, str] = field(default_factory=dict)  # handed in beside the notebook
    honest: bool = True  # honest ones are also run through our checker in-process


def correct(qid: str) -> str:
    return solutions.find_question(qid).solution_code


def mistake_code(qid: str, index: int) -> str:
    """Code that binds the answer to the exercise set's own example of mistake ``index``.

    A number, shape or string is typed in, as a student would; a function comes from the
    set's public question object (a student would write it out, but its source may call the
    set's private helpers).
    """
    question = solutions.find_question(qid)
    example = question.mistakes[index].example
    if type(example) in (int, float, str, tuple, list) and ast.literal_eval(repr(example)) == example:
        return f"{question.answer_name} = {example!r}"
    module_name, _, attribute = qid.partition(".")
    return (f"from gpool_helpers.exercises import {module_name}\n"
            f"{question.answer_name} = {module_name}.{attribute}.mistakes[{index}].example")


def wrong_choice_code(qid: str, index: int) -> tuple[str, str]:
    """A wrong multiple-choice answer and the explanation the checker gives for it."""
    question = solutions.find_question(qid)
    wrong = [c for c in question.choices if c != question.correct_choice][index]
    return f"{question.answer_name} = {wrong!r}", question.explanations.get(wrong, "Not that one.")


def mistakes_of(qid: str) -> list[tuple[int, object]]:
    """(index, mistake) for each recognised mistake that comes with an example answer."""
    question = solutions.find_question(qid)
    return [(index, m) for index, m in enumerate(question.mistakes) if m.example is not None]


def wrong_choices(qid: str) -> int:
    return max(0, len(getattr(solutions.find_question(qid), "choices", ())) - 1)


def honest_submissions(assignment: str) -> dict[str, Submission]:
    """student -> submission: all right, all blank, and mistakes; on HOSTILE also partly right.

    Mistake student k answers every question with its k-th recognised mistake (or wrong
    choice) where it has one, and right elsewhere, so each mistake costs exactly its own
    question. Every assignment gets mistake_0; HOSTILE gets as many as its question with
    the most mistakes has, so nbgrader grades each of its recognised mistakes once.
    """
    qids = questions_of(assignment)
    everything_right = {qid: correct(qid) for qid in qids}
    full = {qid: 1.0 for qid in qids}
    students = {
        "all_correct": Submission(everything_right, full, [heading(qid, "CORRECT") for qid in qids]),
        "all_blank": Submission({}, {qid: 0.0 for qid in qids}, [heading(qid, "NOT_ATTEMPTED") for qid in qids]),
    }
    if assignment == HOSTILE:
        value = next(qid for qid in qids if type(solutions.find_question(qid)).__name__ == "ValueQuestion")
        name = solutions.find_question(value).answer_name
        students["partly"] = Submission({**everything_right, value: f"{name} = 0.5"}, {**full, value: 0.0},
                                        [heading(value, "INCORRECT"), heading(qids[0], "CORRECT")])
    rounds = max(max(len(mistakes_of(qid)), wrong_choices(qid)) for qid in qids) if assignment == HOSTILE else 1
    for k in range(rounds):
        answers, points, texts = dict(everything_right), dict(full), []
        for qid in qids:
            found = mistakes_of(qid)
            if k < len(found):
                index, mistake = found[k]
                answers[qid] = mistake_code(qid, index)
                texts.append(mistake.message)
            elif k < wrong_choices(qid):
                answers[qid], explanation = wrong_choice_code(qid, k)
                texts.append(explanation)
            else:
                continue
            points[qid] = 0.0
            # The test cell prints the verdict, then hint 1 (heading and text) for a wrong answer.
            texts.append(solutions.find_question(qid).hint().text)
        students[f"mistake_{k}"] = Submission(answers, points, texts)
    return students


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

#: Texts the test cell prints when it refuses an answer, and when a kernel died.
REFUSED = "not accepted"
DIED = "the kernel died"


def hostile_submissions() -> dict[str, Submission]:
    """HOSTILE's hostile students; their points are written by hand, as these are never run in-process.

    Reading the reference costs the question whose cell reads it and every later one: the
    grader cannot tell what a later answer took from it.
    """
    q1, q2, q3 = questions_of(HOSTILE)
    right = {qid: correct(qid) for qid in (q1, q2, q3)}
    full = {qid: 1.0 for qid in (q1, q2, q3)}
    none = {qid: 0.0 for qid in (q1, q2, q3)}
    name1, name2 = (solutions.find_question(qid).answer_name for qid in (q1, q2))
    set_name, _, attribute2 = q2.partition(".")
    attribute3 = q3.partition(".")[2]
    reads_reference = f"from gpool_helpers.exercises import {set_name}\n{name2} = {set_name}.{attribute2}.solved_answer()"
    return {
        # An endless loop inside the function (the check calls it) and at the top of a cell.
        "endless_loop": Submission({**right, q1: f"def {name1}(x):\n    while True:\n        pass",
                                    q2: "while True:\n    pass"},
                                   {**full, q1: 0.0, q2: 0.0}, ["CellTimeoutError"], honest=False),
        # sys.exit() inside the function and at the top of a cell.
        "sys_exit": Submission({**right, q1: f"import sys\ndef {name1}(x):\n    sys.exit()",
                                q2: "import sys\nsys.exit('leaving')"},
                               {**full, q1: 0.0, q2: 0.0}, [heading(q1, "ERROR")], honest=False),
        # os._exit ends the kernel: what ran before counts, the rest scores 0.
        "kernel_dies": Submission({**right, q2: "import os\nos._exit(1)"}, {**full, q2: 0.0, q3: 0.0},
                                  [heading(q1, "CORRECT"), DIED], honest=False),
        # Deletes every file in its folder, then answers right.
        "deleter": Submission({**right, q1: "import pathlib, shutil\n"
                               "for p in pathlib.Path('.').iterdir():\n"
                               "    shutil.rmtree(p) if p.is_dir() else p.unlink()\n" + right[q1]},
                              full, [heading(q1, "CORRECT")], honest=False),
        # 100 MB in one print and 100 MB in a thousand prints, then right answers.
        "flood": Submission({**right, q1: "print('x' * 100_000_000)\n" + right[q1],
                             q2: "for _ in range(1000):\n    print('y' * 100_000)\n" + right[q2]},
                            full, ["output cut"], honest=False),
        # Wrong answers, with the checker, its module, its names and the import path all rebound.
        "rebinder": Submission({q1: FAKE_CHECK + f"\ndef {name1}(x):\n    return x.sum(dim=(2, 3))",
                                q2: f"{name2} = 1", q3: f"{solutions.find_question(q3).answer_name} = ((1, 1), (1, 1))"},
                               none, [f"{q1}: {REFUSED}", "gpool_helpers.exercises.core"], honest=False),
        # The reference answer, run from the question object.
        "solved_answer": Submission({**right, q2: reads_reference}, {**full, q2: 0.0, q3: 0.0},
                                    [heading(q1, "CORRECT"), f"{q2}: {REFUSED}", "solved_answer"], honest=False),
        # The reference solution's code, run in the last answer.
        "runs_solution": Submission({**right, q3: f"from gpool_helpers.exercises import {set_name}\n"
                                                  f"exec({set_name}.{attribute3}.solution_code)"},
                                    {**full, q3: 0.0}, [heading(q2, "CORRECT"), f"{q3}: {REFUSED}", "exec"],
                                    honest=False),
        # The same, from a file handed in beside the notebook, which the history never shows.
        "helper_file": Submission({**right, q2: f"from helper import ANSWER as {name2}"}, {**full, q2: 0.0, q3: 0.0},
                                  [f"{q2}: {REFUSED}", "helper.py"], files={"helper.py": reads_reference.replace(
                                      f"{name2} = ", "ANSWER = ")}, honest=False),
        # torch patched so that every comparison agrees, and a wrong function.
        "patches_torch": Submission({**right, q1: "import torch\ntorch.allclose = lambda *args, **kwargs: True\n"
                                                  f"def {name1}(x):\n    return x.sum(dim=(2, 3))"},
                                    none, [f"{q1}: {REFUSED}", "torch.allclose"], honest=False),
    }


def all_submissions() -> dict[tuple[str, str], Submission]:
    """(assignment, student) -> submission, for the shared course."""
    found = {(assignment, student): submission for assignment in ASSIGNMENTS
             for student, submission in honest_submissions(assignment).items()}
    found.update({(HOSTILE, student): submission for student, submission in hostile_submissions().items()})
    return found


def release_of(course: Path, assignment: str) -> Path:
    return course / "release" / assignment / f"{assignment}.ipynb"


def fill(release: Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    notebook = nbformat.read(release, as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        qid = grade_id.removesuffix("-answer").replace("-", ".")
        if grade_id.endswith("-answer") and qid in answers:
            cell.source = answers[qid]
    return notebook


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


def make_course(folder: Path, notebooks: list[Path], *extra: str) -> Path:
    course = folder / "course"
    assert nbgrader_course.main([*map(str, notebooks), "--output", str(course), "--timeout", str(TIMEOUT),
                                 "--max-output-chars", str(MAX_OUTPUT), *extra]) == 0
    ok(nbgrader(course, "generate_assignment", "*", "--force"))
    return course


def submit(course: Path, assignment: str, student: str, notebook: nbformat.NotebookNode,
           files: dict[str, str] | None = None) -> None:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / f"{assignment}.ipynb")
    (folder / "timestamp.txt").write_text("2026-01-15 10:00:00.000000 UTC")
    for name, text in (files or {}).items():
        (folder / name).write_text(text)


def scores(course: Path) -> dict[tuple[str, str], dict[str, float]]:
    """(assignment, student) -> grade id -> score, from the gradebook."""
    from nbgrader.api import Gradebook

    found: dict[tuple[str, str], dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for assignment in gradebook.assignments:
            for submission in gradebook.assignment_submissions(assignment.name):
                notebook = submission.notebooks[0]
                found[assignment.name, submission.student.id] = {grade.name: grade.score for grade in notebook.grades}
    return found


def question_points(found: dict[str, float], qid: str) -> float | None:
    return found.get(qid.replace(".", "-") + "-test")


#: The courses graded side by side, one nbgrader process each, so that both cores work:
#: HOSTILE's exercises with its many students, the other assignments' exercises, and HOSTILE
#: in full (the lesson too, whose cells get longer to run), for one student.
WHOLE = "whole_lesson"


def course_name(assignment: str, student: str) -> str:
    return "full" if student == WHOLE else "hostile" if assignment == HOSTILE else "others"


def grade_course(folder: Path, notebooks: list[Path], options: list[str],
                 submissions: dict[tuple[str, str], Submission]) -> dict:
    """Generate one course, hand in its submissions, autograde them all in one call, export and make feedback."""
    course = make_course(folder, notebooks, *options)
    for (assignment, student), submission in submissions.items():
        submit(course, assignment, student, fill(release_of(course, assignment), submission.answers),
               submission.files)
    before = {name: tree_digest(course / name) for name in ("source", "release", "submitted")}
    return {"course": course, "before": before,
            "autograde": nbgrader(course, "autograde", "*", "--create", "--force"),
            "export": nbgrader(course, "export", "--to", "grades.csv"),
            "feedback": nbgrader(course, "generate_feedback", "*", "--force")}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every assignment's exercises and HOSTILE in full, every submission autograded, CSV and feedback made."""
    from concurrent.futures import ThreadPoolExecutor

    started = time.perf_counter()
    folder = tmp_path_factory.mktemp("nbgrader")
    submissions = all_submissions()
    submissions[HOSTILE, WHOLE] = Submission({qid: correct(qid) for qid in questions_of(HOSTILE)},
                                             {qid: 1.0 for qid in questions_of(HOSTILE)}, [], honest=False)
    plans = {
        "hostile": ([NOTEBOOK], ["--exercises-only"]),
        "others": ([path for path in EXERCISE_NOTEBOOKS if path != NOTEBOOK], ["--exercises-only"]),
        "full": ([NOTEBOOK], ["--timeout", str(4 * TIMEOUT)]),
    }
    with ThreadPoolExecutor(len(plans)) as pool:
        running = {name: pool.submit(grade_course, folder / name, notebooks, options,
                                     {key: submission for key, submission in submissions.items()
                                      if course_name(*key) == name})
                   for name, (notebooks, options) in plans.items()}
        courses = {name: future.result() for name, future in running.items()}
    seconds = time.perf_counter() - started
    found = {key: points for course in courses.values() for key, points in scores(course["course"]).items()}
    # The score of every submission, for the reader of a -s run and of a failure.
    print(f"\nnbgrader graded {len(submissions)} submissions in {seconds:.0f} s; points per question:")
    for assignment, student in submissions:
        points = [question_points(found.get((assignment, student), {}), qid) for qid in questions_of(assignment)]
        print(f"  {assignment} {student}: {points}")
    # What our checker says about each honest submission, run in-process (the hostile
    # ones loop, exit, delete or flood, so their points are written by hand).
    with contextlib.redirect_stdout(io.StringIO()):  # what the setup cells print
        checked = {key: checker_points(release_of(courses["others" if key[0] != HOSTILE else "hostile"]["course"],
                                                  key[0]), submission.answers)
                   for key, submission in submissions.items() if submission.honest}
    return {"courses": courses, "submissions": submissions, "checked": checked, "scores": found}


def course_of(graded, assignment: str, student: str) -> Path:
    return graded["courses"][course_name(assignment, student)]["course"]


def feedback_text(graded, assignment: str, student: str) -> str:
    page = course_of(graded, assignment, student) / "feedback" / student / assignment / f"{assignment}.html"
    assert page.exists(), f"no feedback page for {student} on {assignment}"
    # The page as a reader sees it: tags dropped, entities decoded.
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


# ----------------------------------------------------------------------------
# End to end
# ----------------------------------------------------------------------------

def test_nbgrader_runs_through_without_failing(graded):
    for course in graded["courses"].values():
        for step in ("autograde", "export", "feedback"):
            ok(course[step])


def test_grading_logs_no_plain_tcp_kernel_warnings(graded):
    """Forty students' kernels would print ipykernel's encryption warning forty times."""
    for course in graded["courses"].values():
        assert "without encryption" not in course["autograde"].stdout + course["autograde"].stderr


def test_every_assignment_is_graded_for_a_right_a_blank_and_a_mistaken_student(graded):
    found = graded["scores"]
    for assignment in ASSIGNMENTS:
        total = len(questions_of(assignment))
        got = {student: sum(found.get((assignment, student), {}).values())
               for student in ("all_correct", "all_blank", "mistake_0")}
        assert got == {"all_correct": total, "all_blank": 0, "mistake_0": got["mistake_0"]}, (assignment, got)
        assert got["mistake_0"] < total, (assignment, got)


def test_every_question_scores_what_was_expected(graded):
    found = graded["scores"]
    problems = []
    for (assignment, student), submission in graded["submissions"].items():
        for qid, points in submission.points.items():
            got = question_points(found.get((assignment, student), {}), qid)
            if got != points:
                problems.append(f"{assignment} {student} {qid}: {got} points, expected {points}")
    assert not problems, "\n".join(problems)


def test_every_honest_submission_scores_what_the_checker_says_in_process(graded):
    """nbgrader's score per question is the points our checker gives the same answer here."""
    found = graded["scores"]
    problems = []
    for (assignment, student), checked in graded["checked"].items():
        assert sorted(checked) == sorted(questions_of(assignment)), (assignment, student)
        written = graded["submissions"][assignment, student].points
        for qid, points in checked.items():
            got = question_points(found.get((assignment, student), {}), qid)
            if got != points:
                problems.append(f"{assignment} {student} {qid}: nbgrader gave {got} points, our checker {points}")
            if written[qid] != points:
                problems.append(f"{assignment} {student} {qid}: written as {written[qid]}, checker {points}")
    assert not problems, "\n".join(problems)


def test_every_recognised_mistake_of_the_hostile_assignment_is_autograded_by_some_student():
    students = honest_submissions(HOSTILE)
    missing = [f"{qid} mistake {index}" for qid in questions_of(HOSTILE) for index, _ in mistakes_of(qid)
               if not any(submission.answers.get(qid) == mistake_code(qid, index)
                          for student, submission in students.items() if student.startswith("mistake_"))]
    assert not missing, missing


def test_the_csv_export_has_each_students_total(graded):
    rows = {}
    for course in graded["courses"].values():
        with (course["course"] / "grades.csv").open(newline="") as file:
            rows.update({(row["assignment"], row["student_id"]): row for row in csv.DictReader(file)})
    for (assignment, student), submission in graded["submissions"].items():
        row = rows[assignment, student]
        assert float(row["raw_score"]) == sum(submission.points.values()), (assignment, student)
        assert float(row["max_score"]) == len(questions_of(assignment)), (assignment, student)


def test_feedback_shows_the_checkers_verdict_and_hint(graded):
    problems = []
    for (assignment, student), submission in graded["submissions"].items():
        page = feedback_text(graded, assignment, student)
        problems += [f"{assignment} {student}: feedback lacks {text!r}" for text in submission.texts
                     if text not in page]
    assert not problems, "\n".join(problems)


def test_feedback_of_a_wrong_answer_also_gives_the_first_hint(graded):
    page = feedback_text(graded, HOSTILE, "partly")
    wrong = next(qid for qid, points in graded["submissions"][HOSTILE, "partly"].points.items() if not points)
    assert solutions.find_question(wrong).hints[0] in page


def test_hostile_submissions_leave_the_course_as_it_was(graded):
    for course in graded["courses"].values():
        for name, digest in course["before"].items():
            assert tree_digest(course["course"] / name) == digest, f"{name}/ changed during autograding"
        assert (course["course"] / "gradebook.db").exists() and (course["course"] / "nbgrader_config.py").exists()


def test_a_flood_of_output_is_cut_in_the_graded_notebook_and_its_feedback(graded):
    course = course_of(graded, HOSTILE, "flood")
    graded_notebook = course / "autograded" / "flood" / HOSTILE / f"{HOSTILE}.ipynb"
    assert graded_notebook.stat().st_size < 20 * MAX_OUTPUT + 500_000
    page = course / "feedback" / "flood" / HOSTILE / f"{HOSTILE}.html"
    assert page.stat().st_size < 20 * MAX_OUTPUT + 1_000_000


def test_a_kernel_that_dies_costs_the_rest_of_that_notebook_and_nothing_else(graded):
    """nbgrader alone would drop the whole submission (the right answer before the crash too) and fail the run."""
    found = graded["scores"]
    q1, *later = questions_of(HOSTILE)
    assert question_points(found[HOSTILE, "kernel_dies"], q1) == 1.0
    assert all(question_points(found[HOSTILE, "kernel_dies"], qid) == 0.0 for qid in later)
    graded_notebook = nbformat.read(course_of(graded, HOSTILE, "kernel_dies") / "autograded" / "kernel_dies" / HOSTILE / f"{HOSTILE}.ipynb",
                                    as_version=4)
    errors = [output for cell in graded_notebook.cells if cell.cell_type == "code" for output in cell.outputs
              if output.output_type == "error" and output.ename == "DeadKernelError"]
    assert errors and all(DIED in error.evalue for error in errors)


def test_a_submission_that_reads_the_reference_gets_no_points_for_it_and_says_why(graded):
    found = graded["scores"]
    for student in ("solved_answer", "runs_solution", "helper_file", "patches_torch", "rebinder"):
        submission = graded["submissions"][HOSTILE, student]
        page = feedback_text(graded, HOSTILE, student)
        assert REFUSED in page, student
        for qid, points in submission.points.items():
            assert question_points(found[HOSTILE, student], qid) == points, (student, qid)


def test_the_full_notebook_grades_too(graded):
    """The default course (the whole lesson, not just the exercises) runs and scores full marks."""
    found = graded["scores"][HOSTILE, WHOLE]
    assert sum(found.values()) == len(questions_of(HOSTILE)), found


# ----------------------------------------------------------------------------
# The audit in each test cell, run in-process in an IPython shell
# ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shell(tmp_path_factory):
    """An IPython shell like a kernel's (history in memory), working in an empty folder.

    The folder is the notebook's for the audit, so it must not hold this repository's modules.
    """
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    kept = sys.modules.get("__main__"), sys.displayhook, sys.excepthook, os.getcwd()
    os.chdir(tmp_path_factory.mktemp("notebook-folder"))
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    try:
        shell = InteractiveShell.instance(config=config)
        shell.InteractiveTB.set_mode("Minimal")  # a failed assert is expected; colouring its traceback took 0.3 s
        yield shell
    finally:
        InteractiveShell.clear_instance()
        main, sys.displayhook, sys.excepthook, folder = kept
        if main is not None:
            sys.modules["__main__"] = main
        os.chdir(folder)


def run_test_cell(shell, source: str, cells: tuple[str, ...] = (), bound: dict | None = None) -> tuple[bool, str]:
    """Run ``cells`` (a student's), then a generated test cell, in a fresh session; (passed, what it printed).

    ``bound``: names set in the kernel without running code (an answer object), so the
    audit sees no code of the student's.
    """
    # shell.reset() would also collect garbage, 0.2 s a time: a new history session and namespace are enough.
    shell.history_manager.reset(new_session=True)
    shell.execution_count = 1
    for name in [name for name in shell.user_ns if not name.startswith("__")]:
        del shell.user_ns[name]
    shell.init_user_ns()
    shell.user_ns.update(bound or {})
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        for code in cells:
            shell.run_cell(code, store_history=True)
        result = shell.run_cell(source, store_history=True)
    passed = result.success
    if not passed and not isinstance(result.error_in_exec, AssertionError):
        raise AssertionError(f"the test cell itself raised {result.error_in_exec!r}:\n{printed.getvalue()}")
    return passed, printed.getvalue()


# ----------------------------------------------------------------------------
# Every notebook: the generated course, checked in-process with nbgrader's own parts
# ----------------------------------------------------------------------------

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


def test_test_cells_pass_the_solution_and_fail_every_known_mistake_with_its_hint(planned, shell):
    """The solution runs as the student's own cell (so the audit reads it); wrong answers are bound as objects.

    (Each starter is graded end to end, by the all_blank students.)
    """
    _, questions, notebooks = planned
    problems, tried = [], 0
    for path, notebook in notebooks.items():
        by_id = cells_by_grade_id(notebook)
        for entry in questions[path.stem]:
            question = solutions.find_question(entry.qid)
            source = by_id[f"{entry.qid.replace('.', '-')}-test"].source
            passed, printed = run_test_cell(shell, source, (question.solution_code,))
            if not passed or heading(entry.qid, "CORRECT") not in printed:
                problems.append(f"{entry.qid}: the solution does not pass ({printed!r})")
            wrong = [(m.example, m.message) for m in question.mistakes if m.example is not None]
            for choice in getattr(question, "choices", ()):
                if choice != question.correct_choice:
                    wrong.append((choice, question.explanations.get(choice, "Not that one.")))
            for answer, message in wrong:
                tried += 1
                passed, printed = run_test_cell(shell, source, bound={entry.answer_name: answer})
                if passed or message not in printed or question.hints[0] not in printed:
                    problems.append(f"{entry.qid}: {message[:50]!r} passed={passed}, printed {printed[:300]!r}")
    assert tried >= 40
    assert not problems, "\n".join(problems)


def hostile_test_cell(planned, qid: str) -> str:
    notebook = planned[2][NOTEBOOK]
    return cells_by_grade_id(notebook)[f"{qid.replace('.', '-')}-test"].source


def reference_routes() -> list[tuple[str, int, str, str]]:
    """(name, question number in HOSTILE, the student's cell, a word the refusal must say): each way in the audit stops."""
    qids = questions_of(HOSTILE)
    set_name = qids[0].partition(".")[0]
    q1, q2 = (solutions.find_question(qid) for qid in qids[:2])
    two = f"{set_name}.{qids[1].partition('.')[2]}"
    take = f"from gpool_helpers import {set_name}\n"
    routes = [
        ("solved_answer", 1, f"{take}{q2.answer_name} = {two}.solved_answer()", "solved_answer"),
        ("exec of solution_code", 1, f"{take}exec({two}.solution_code)", "exec"),
        ("expected value", 1, f"{take}{q2.answer_name} = {two}.expected", "expected"),
        ("getattr", 1, f"{take}{q2.answer_name} = getattr({two}, 'solved_' + 'answer')()", "getattr"),
        ("the set's insides", 1, f"from gpool_helpers.exercises.{set_name} import {qids[1].partition('.')[2]} as q\n"
                                 f"{q2.answer_name} = q.solved_answer()", "gpool_helpers.exercises"),
        ("through the package", 1, f"import gpool_helpers\n{q2.answer_name} = "
                                   f"gpool_helpers.exercises.{two}.solved_answer()", "exercises"),
        ("in a magic", 1, f"{take}%time {q2.answer_name} = {two}.solved_answer()", "%time"),
        ("a shell command", 1, "!cat /dev/null", "get_ipython"),
        ("the set's source", 1, f"import inspect\n{take}source = inspect.getsource({set_name})", "inspect"),
        ("a file of the package", 1, f"{take}source = open({set_name}.__file__).read()", "open"),
        ("the input history", 1, "earlier = In[-1]", "In"),
        ("hidden from the history", 1, f"{take}_h = get_ipython().history_manager\n"
                                       "_h.input_hist_raw[-1] = _h.input_hist_parsed[-1] = 'x = 1'\n"
                                       f"{q2.answer_name} = {two}.solved_answer()", "history was changed"),
        ("torch patched", 0, f"import torch\ntorch.allclose = lambda *args, **kwargs: True\n"
                             f"def {q1.answer_name}(x):\n    return x.sum(dim=(2, 3))", "torch.allclose"),
    ]
    return routes


@pytest.mark.parametrize("route", reference_routes(), ids=[route[0] for route in reference_routes()])
def test_the_audit_refuses_each_way_of_reading_the_reference(planned, shell, route, monkeypatch):
    import torch

    monkeypatch.setattr(torch, "allclose", torch.allclose)  # put back after the route that patches it
    _, number, code, word = route
    qid = questions_of(HOSTILE)[number]
    passed, printed = run_test_cell(shell, hostile_test_cell(planned, qid), (code,))
    assert not passed and f"{qid}: {REFUSED}" in printed and word in printed, printed[-1500:]


def test_the_packages_own_function_as_the_answer_gets_no_point(planned, shell):
    """The checker itself calls it not the learner's code (the audit, which reads correct answers, would too)."""
    import gpool_helpers

    qid = questions_of(HOSTILE)[0]
    question = solutions.find_question(qid)
    own = [name for name in dir(gpool_helpers) if not name.startswith("_")
           and getattr(gpool_helpers, name, None) is getattr(question, "reference", object())]
    assert own, f"{qid}'s reference is no function of gpool_helpers: this test needs another question"
    passed, printed = run_test_cell(shell, hostile_test_cell(planned, qid),
                                    (f"from gpool_helpers import {own[0]} as {question.answer_name}",))
    assert not passed and "gpool_helpers' own" in printed, printed[-1500:]


def test_the_audit_refuses_a_module_handed_in_beside_the_notebook(planned, shell):
    qid = questions_of(HOSTILE)[1]
    question = solutions.find_question(qid)
    set_name, _, attribute = qid.partition(".")
    folder = Path.cwd()
    (folder / "helper.py").write_text(f"from gpool_helpers import {set_name}\n"
                                      f"ANSWER = {set_name}.{attribute}.solved_answer()\n")
    sys.path.insert(0, str(folder))
    try:
        passed, printed = run_test_cell(shell, hostile_test_cell(planned, qid),
                                        (f"from helper import ANSWER as {question.answer_name}",))
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("helper", None)
        (folder / "helper.py").unlink()
    assert not passed and "helper.py" in printed, printed[-1500:]


def test_the_audit_accepts_honest_answers_that_come_close(planned, shell):
    """Comments and names that sound like the reference, the check and a hint called, a timing magic."""
    problems = []
    for qid in questions_of(HOSTILE):
        question = solutions.find_question(qid)
        set_name, _, attribute = qid.partition(".")
        for cells in [
            (f"expected = None  # my own solution, not the reference\n{question.solution_code}",),
            (f"%%time\n{question.solution_code}",),
            (question.solution_code, f"from gpool_helpers import {set_name}\nprint({set_name}.{attribute})\n"
                                     f"{set_name}.{attribute}.check({question.answer_name})\n"
                                     f"{set_name}.{attribute}.hint()"),
        ]:
            passed, printed = run_test_cell(shell, hostile_test_cell(planned, qid), cells)
            if not passed or REFUSED in printed:
                problems.append(f"{qid} {cells[-1][:40]!r}: {printed[-600:]!r}")
    assert not problems, "\n".join(problems)


def test_every_test_cell_lists_exactly_the_teachers_cells(planned):
    """Locked and test cells are the teacher's; answer cells, the only ones a student edits, are not."""
    for path, notebook in planned[2].items():
        teachers = {nbgrader_audit.cell_digest(cell.source) for cell in notebook.cells
                    if cell.cell_type == "code" and not cell.metadata["nbgrader"]["solution"]}
        for cell in notebook.cells:
            if cell.metadata.get("gpool", {}).get("test_for"):
                line = nbgrader_audit.KNOWN_LINE.search(cell.source).group(0).strip()
                assert line == nbgrader_audit.known_line(teachers), path.name


def test_the_kernel_audit_leaves_out_the_line_the_generator_writes():
    """audit_kernel runs in the kernel, so it carries its own copy of KNOWN_LINE: the two must agree."""
    import inspect

    assert nbgrader_audit.KNOWN_LINE.pattern in inspect.getsource(nbgrader_audit.audit_kernel)
    line = nbgrader_audit.known_line({"0123456789abcdef"})
    assert nbgrader_audit.KNOWN_LINE.fullmatch(line)
    # Nothing but digests fits the line: code after them would be left out of the digest.
    assert not nbgrader_audit.KNOWN_LINE.fullmatch(line + "; answer = 1")


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

def test_the_course_says_how_the_teacher_gets_nbgraders_tools(tmp_path, capsys):
    """make lab hides them from learners, so make nbgrader names the lab that has them."""
    assert nbgrader_course.main([str(NOTEBOOK), "--output", str(tmp_path / "course")]) == 0
    told = capsys.readouterr().out
    assert f"cd {tmp_path / 'course'} && " in told and "-m jupyterlab" in told and "Formgrader" in told


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
    generated = course / "source" / HOSTILE / f"{HOSTILE}.ipynb"
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
