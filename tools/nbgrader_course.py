"""The exercises as an nbgrader course: ``make nbgrader``.

(About 600 lines, on purpose: it is the one script behind ``make nbgrader``, and
its two halves, turning notebooks into nbgrader cells and writing the course
folder, pass each other the same question entries and errors and are tested
together in ``tests/test_nbgrader_course.py``; about 100 of the lines are the
nbgrader config text it writes out.)

Writes an nbgrader course folder (default ``build/nbgrader/``) generated from
the notebooks and their exercise sets, never edited by hand:

- ``source/<assignment>/<assignment>.ipynb``, one assignment per notebook with
  exercises (``02_global_average_pooling`` and so on);
- ``gpool_nbgrader_config.py``, our settings (timeouts, output limits, the
  solution stub), regenerated every time;
- ``nbgrader_config.py``, the teacher's own file: written once, it loads ours
  and is never touched again.

Each notebook becomes an nbgrader assignment with nbgrader's own cell metadata
(schema 3):

- an exercise starter cell (tag ``exercise-starter``, ``metadata.gpool.question
  = "nbNN.qK"``) becomes an answer cell ("solution" cell): the starter as the
  student gets it, then the reference solution between ``### BEGIN SOLUTION``
  and ``### END SOLUTION``. ``nbgrader generate_assignment`` strips the region
  (the stub is empty), so the released cell is exactly the starter.
- the question's check cell (``nbNN.qK.check(...)``) becomes an autograder test
  cell ("grade" cell with points): it imports the exercise set afresh, runs our
  checker on the answer, audits the kernel (``tools/nbgrader_audit.py``: no
  code run before it may read the reference answer or tamper with grading),
  prints the verdict (and a hint when it is not correct) or why the answer is
  not accepted, and ends in a plain ``assert`` that passes exactly when the
  checker says correct and the audit found nothing. A cell that ends the kernel
  costs the questions from there on, not the whole submission (``CappedExecute``
  in the config). A question whose check cannot judge an answer (a short-answer
  thought question: the check of its own solution says "cannot be checked")
  becomes a manually graded answer cell instead, with no test cell.
- every other cell, prose and code, is locked (read-only; nbgrader restores it
  before grading).

The Chinese edition makes a Chinese course (``make nbgrader LANG=zh``, written to
``build/nbgrader-zh/``, course id ``gpool-zh``): a notebook whose metadata says
``gpool.language = "zh"`` (tools/translate.py writes it) gets its own prose and
comments, the reference solution with its comments translated, and test cells that
switch the freshly imported checker to Chinese, so verdicts, hints and feedback are
Chinese. The audit's reasons for refusing an answer, and nbgrader's own pages and
messages, stay English.

Questions are found generically: the starter cells' metadata names them, and
each is read through the public API of ``gpool_helpers.exercises.nbNN``
(``solution_code``, ``answer_name``, ``check``, ``hint``), so a new question of
any kind needs no change here.

The folder is never overwritten silently. Files this tool wrote are recorded,
with their hashes, in ``.gpool-nbgrader.json``; they are regenerated only if
unchanged since. A generated file that was edited, or a folder with content
this tool did not write, stops the run with a message unless ``--force``
(which overwrites only the files this tool generates, and deletes nothing).
The gradebook, release, submitted, autograded and feedback folders are never
touched.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import re
import shlex
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

from tools import solutions
from tools.nbgrader_audit import KNOWN_LINE, audit_code, audit_kernel, cell_digest, known_line

TOOLS = Path(__file__).resolve().parent
REPOSITORY = TOOLS.parent

MANIFEST = ".gpool-nbgrader.json"
TEACHER_CONFIG = "nbgrader_config.py"
GPOOL_CONFIG = "gpool_nbgrader_config.py"
SCHEMA_VERSION = 3
#: Seconds a cell may run during autograding before nbgrader interrupts it. Notebook 07's
#: digits experiment (40 runs to convergence) takes about a minute alone on a 2-core machine
#: and more while a grader runs other submissions beside it; 600 s leaves room for that.
DEFAULT_TIMEOUT = 600
#: Characters of output one cell may keep during autograding.
DEFAULT_MAX_OUTPUT_CHARS = 100_000
#: nbgrader accepts letters, digits, "_" and "-" in a grade id.
GRADE_ID = re.compile(r"^[A-Za-z0-9_-]+$")
#: Language code -> (notebooks folder, default course folder, default course id), as run.py's --lang.
EDITIONS = {
    "en": (REPOSITORY / "notebooks", REPOSITORY / "build" / "nbgrader", "gpool"),
    "zh": (REPOSITORY / "notebooks" / "zh", REPOSITORY / "build" / "nbgrader-zh", "gpool-zh"),
}
#: What this tool says to the teacher and writes into test cells, in Chinese (English is the key).
CHINESE = {
    "not accepted": "不予接受",
    "nbgrader course in {output}: {count} assignments, {written} file(s) written, the rest unchanged.":
        "nbgrader 课程已写入 {output}：{count} 个作业，写入 {written} 个文件，其余未变。",
    "next: cd {output} && nbgrader generate_assignment <assignment> (see docs/teachers.md)":
        "下一步：cd {output} && nbgrader generate_assignment <作业名>（见 docs/teachers.zh-CN.md）",
    "nbgrader in a browser (Formgrader, Create Assignment, Validate), which make lab hides from learners: {command}":
        "在浏览器中使用 nbgrader（Formgrader、Create Assignment、Validate；make lab 对学习者隐藏了它们）：{command}",
    "nbgrader course: {error}": "nbgrader 课程：{error}",
}


def notebook_language(notebook: nbformat.NotebookNode) -> str:
    """The edition a notebook belongs to: metadata gpool.language (tools/translate.py writes it), else English."""
    language = notebook.metadata.get("gpool", {}).get("language", "en")
    if language not in EDITIONS:
        raise CourseError(f"its metadata gpool.language is {language!r}; this tool knows {', '.join(EDITIONS)}")
    return language


def say(text: str, language: str) -> str:
    """``text`` (a template) in ``language``: English, or this tool's Chinese for it."""
    return CHINESE.get(text, text) if language == "zh" else text


class CourseError(Exception):
    """Bad input or a folder this tool will not overwrite; the message says which."""


@dataclass
class QuestionEntry:
    qid: str
    kind: str  # "autograded" or "manual"
    points: float
    answer_name: str
    question_kind: str  # the exercise set's class name, for the report


# ----------------------------------------------------------------------------
# Cells
# ----------------------------------------------------------------------------


def nbgrader_metadata(grade_id: str, *, grade: bool = False, solution: bool = False,
                      locked: bool = False, points: float | None = None) -> dict:
    if not GRADE_ID.match(grade_id):
        raise CourseError(f"grade id {grade_id!r} has characters nbgrader does not accept")
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
    }
    if grade:
        meta["points"] = points
    return meta


def answer_source(starter: str, solution_code: str) -> str:
    """The starter, then the solution region nbgrader strips (to an empty stub)."""
    return f"{starter.rstrip()}\n### BEGIN SOLUTION\n{solution_code.strip(chr(10))}\n### END SOLUTION"


def _cell_function(function: Callable) -> str:
    """``function``'s source for a test cell, renamed ``_gpool_<name>`` to keep out of the student's names."""
    name = function.__name__
    return inspect.getsource(function).replace(f"def {name}(", f"def _gpool_{name}(", 1).rstrip("\n")


def test_source(qid: str, answer_name: str, points: float, known=frozenset(), language: str = "en") -> str:
    """An autograder test cell: our checker, imported afresh; the audit of the kernel; then a plain assert.

    ``known``: cell_digest of every locked and test cell of the assignment (convert fills it in).
    ``language``: the checker's language ("zh": the fresh checker is switched to Chinese, and the
    cell's comment and refusal line are Chinese).
    """
    module_name, _, attribute = qid.partition(".")
    point_word = "point" if points == 1 else "points"
    if language == "zh":
        comment = f'''\
            # {qid} 的自动评分测试（{points:g} 分）。当 gpool 的检查器判定“正确”，并且此前运行的代码既没有
            # 读取参考答案，也没有篡改评分（见下面的审查；它能拦住什么、拦不住什么，见 docs/teachers.zh-CN.md）时，
            # 本单元格才通过。检查器在本单元格内从已安装的包重新导入，笔记本重新绑定或修改的任何东西
            # （{module_name}、check、Outcome、sys.modules、本文件夹中的文件）都不参与评分；只按起始单元格
            # 绑定的名字读取答案。'''
    else:
        comment = f'''\
            # Autograder test for {qid} ({points:g} {point_word}). It passes exactly when the gpool checker says
            # "correct" and nothing run before it reads the reference answer or tampers with grading (the
            # audit below; docs/teachers.md says what it can and cannot stop). The checker is imported afresh
            # from the installed package inside this cell, so nothing the notebook rebinds or patches
            # ({module_name}, check, Outcome, sys.modules, files in this folder) takes part; only the answer
            # is read, by the name the starter binds.'''
    # The fresh package speaks English until told otherwise; its checker then answers in the notebook's language.
    indent = " " * 12  # the try block's, in the template below before dedent
    switch = (f"\n{indent}import gpool_helpers.i18n as _fresh_i18n\n{indent}_fresh_i18n.set_language({language!r})"
              if language != "en" else "")
    refused = (f"{qid}：{say('not accepted', language)}：{{_refused}}" if language == "zh"
               else f"{qid}: not accepted: {{_refused}}.")
    head = textwrap.dedent(comment) + "\n" + textwrap.dedent(f'''\
        {known_line(known)}
        import sys as _sys
        _kept_modules = {{_name: _sys.modules.pop(_name) for _name in list(_sys.modules) if _name.split(".")[0] == "gpool_helpers"}}
        _kept_path = list(_sys.path)
        _sys.path[:] = [_entry for _entry in _sys.path if _entry not in ("", ".")]  # not this folder
        try:
            import gpool_helpers.exercises as _fresh_exercises
            import gpool_helpers.exercises.{module_name} as _fresh_set{switch}
        finally:
            _sys.path[:] = _kept_path
            for _name in [_name for _name in _sys.modules if _name.split(".")[0] == "gpool_helpers"]:
                del _sys.modules[_name]
            _sys.modules.update(_kept_modules)
        try:
            _answer = {answer_name}
        except NameError:
            _answer = ...  # never defined: the checker says "not attempted yet"
        _feedback = _fresh_set.{attribute}.check(_answer)
        _correct = _feedback.outcome is _fresh_exercises.Outcome.CORRECT
        ''')
    tail = textwrap.dedent(f'''\
        try:
            _refused = _gpool_audit_kernel(_gpool_known, _gpool_audit_code, _answer, _correct)
        except Exception as _error:  # a check that breaks refuses rather than passes
            _refused = f"the audit of the kernel failed ({{type(_error).__name__}}: {{_error}})"
        if _refused:
            print(f"{refused}")
        else:
            print(_feedback.text)
            if not _correct:
                print(_fresh_set.{attribute}.hint().text)

        assert _correct and not _refused, "{qid}: " + (_refused or _feedback.heading)
        ''').rstrip("\n")
    return "\n\n\n".join([head.rstrip("\n"), _cell_function(audit_code), _cell_function(audit_kernel), tail])


def translated_solution(code: str, language: str) -> str:
    """The reference solution as ``q.solution()`` shows it in ``language``: the same code, its comments translated."""
    if language == "en":
        return code
    from gpool_helpers.i18n import catalog

    return catalog(language).get(code, code)


def check_call(qid: str) -> re.Pattern:
    """A call of this question's check, as ``nb02.q1.check(`` or, through an alias, ``q1.check(``."""
    module_name, _, attribute = qid.partition(".")
    return re.compile(rf"(?<![\w.])(?:{module_name}\.)?{re.escape(attribute)}\.check\(")


def question_entry(qid: str, question, points: float) -> QuestionEntry:
    """Autograded if our check says "correct" on the reference solution; manual if it cannot judge."""
    from gpool_helpers.exercises import Outcome  # public API; imported late so --help works without torch

    for attribute in ("solution_code", "answer_name", "check", "hint"):
        if not hasattr(question, attribute):
            raise CourseError(f"{qid}: the exercise set's question has no {attribute!r}")
    namespace: dict = {}
    try:
        exec(question.solution_code, namespace)  # noqa: S102 - our own reference code
        solved = namespace[question.answer_name]
    except Exception as error:  # noqa: BLE001 - reported with the question id
        raise CourseError(f"{qid}: its solution_code does not run or bind {question.answer_name!r} ({error!r})") from None
    feedback = question.check(solved)
    if feedback.outcome is Outcome.CORRECT:
        kind = "autograded"
    elif feedback.outcome is Outcome.UNCHECKABLE:
        kind = "manual"
    else:
        raise CourseError(f"{qid}: the check says {feedback.heading!r} on the reference solution, not 'correct'")
    return QuestionEntry(qid, kind, points, question.answer_name, type(question).__name__)


def _points(cell, qid: str) -> float:
    points = cell.metadata.get("gpool", {}).get("points", 1)
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not points > 0:
        raise CourseError(f"{qid}: metadata gpool.points must be a positive number; got {points!r}")
    return points


def exercises_only(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The first code cell (the setup), then everything from the heading above the first exercise.

    For grading quickly: the lesson's plots, widgets and training are left out.
    The exercises must then need nothing but the setup cell.
    """
    starters = [index for index, _ in solutions.starter_cells(notebook)]
    code_cells = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    if not starters or not code_cells:
        return notebook
    headings = [i for i in range(starters[0]) if notebook.cells[i].cell_type == "markdown"
                and re.search(r"(?m)^#{1,3} ", notebook.cells[i].source)]
    start = headings[-1] if headings else starters[0]
    keep = sorted({*range(min(code_cells[0] + 1, start)), *range(start, len(notebook.cells))})
    trimmed = nbformat.from_dict(dict(notebook))
    trimmed.cells = [notebook.cells[i] for i in keep]
    return trimmed


def convert(notebook: nbformat.NotebookNode, find_question: Callable[[str], object] = solutions.find_question
            ) -> tuple[nbformat.NotebookNode, list[QuestionEntry]]:
    """The nbgrader source version of ``notebook`` and its questions."""
    source = nbformat.from_dict(json.loads(json.dumps(notebook)))
    language = notebook_language(source)
    entries: list[QuestionEntry] = []
    starters = solutions.starter_cells(source)
    if not starters:
        raise CourseError("it has no exercise starter cells (tag 'exercise-starter')")
    replaced: set[int] = set()
    for index, qid in starters:
        if not isinstance(qid, str) or not re.fullmatch(r"nb\d\d\.q\w+", qid):
            raise CourseError(f"cell {index} is tagged exercise-starter but metadata gpool.question is {qid!r}, "
                              "not an id like 'nb02.q1'")
        if any(entry.qid == qid for entry in entries):
            raise CourseError(f"two starter cells name question {qid}")
        try:
            question = find_question(qid)
        except ValueError as error:
            raise CourseError(f"cell {index}: {error}") from None
        cell = source.cells[index]
        if cell.cell_type != "code":
            raise CourseError(f"cell {index} ({qid}) is tagged exercise-starter but is a {cell.cell_type} cell")
        entry = question_entry(qid, question, _points(cell, qid))
        entries.append(entry)
        grade_id = qid.replace(".", "-")
        cell.source = answer_source(cell.source, translated_solution(question.solution_code, language))
        cell.outputs, cell.execution_count = [], None
        manual = entry.kind == "manual"
        cell.metadata["nbgrader"] = nbgrader_metadata(
            f"{grade_id}-answer", solution=True, grade=manual, points=entry.points if manual else None
        )
        if manual:
            continue
        # The check cell: the first code cell after the starter that calls this question's check.
        call = check_call(qid)
        later = [i for i in range(index + 1, len(source.cells))
                 if source.cells[i].cell_type == "code" and call.search(source.cells[i].source)]
        test_cell = nbformat.v4.new_code_cell(test_source(qid, entry.answer_name, entry.points, language=language))
        test_cell.metadata["nbgrader"] = nbgrader_metadata(
            f"{grade_id}-test", grade=True, locked=True, points=entry.points
        )
        test_cell.metadata["gpool"] = {"test_for": qid}
        if later:
            test_cell.id = source.cells[later[0]].get("id", test_cell.id)
            source.cells[later[0]] = test_cell
            replaced.add(later[0])
        else:
            source.cells.insert(index + 1, test_cell)
    # Everything else is read-only. Positions are stable within one generation, and a
    # regenerated assignment is released afresh, so numbering them is enough.
    for position, cell in enumerate(source.cells):
        if "nbgrader" in cell.metadata:
            continue
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.metadata["nbgrader"] = nbgrader_metadata(f"locked-{position:03d}", locked=True)
    # Every code cell but the answers is the teacher's: its digest tells the audit in each
    # test cell not to read it as the student's code (nbgrader restores these cells before grading).
    known = {cell_digest(cell.source) for cell in source.cells
             if cell.cell_type == "code" and not cell.metadata["nbgrader"]["solution"]}
    for cell in source.cells:
        if "test_for" in cell.metadata.get("gpool", {}):
            cell.source = KNOWN_LINE.sub(known_line(known) + "\n", cell.source, count=1)
    return source, entries


# ----------------------------------------------------------------------------
# The course folder
# ----------------------------------------------------------------------------

TEACHER_CONFIG_TEXT = '''\
# nbgrader configuration of this course. Written once by tools/nbgrader_course.py
# (make nbgrader) and then yours: add your own settings below, for example the
# exchange folder of a JupyterHub course:
#     c.Exchange.root = "/srv/nbgrader/exchange"
# gpool's own settings (timeouts, output limits, the solution stub) are in
# gpool_nbgrader_config.py, which make nbgrader regenerates; a setting made
# here, after the line below, wins over it.
c = get_config()  # noqa: F821 - provided by nbgrader when it reads this file
import os  # noqa: E402

# gpool's settings must be there: nbgrader would skip a missing file without a word.
_gpool = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gpool_nbgrader_config.py")
if not os.path.exists(_gpool):
    raise FileNotFoundError(f"{_gpool} is missing: run make nbgrader in the gpool repository to write it")
load_subconfig("gpool_nbgrader_config.py")  # noqa: F821
'''


def gpool_config_text(course_id: str, timeout: int, max_output_chars: int) -> str:
    return f'''\
# gpool's nbgrader settings. GENERATED by tools/nbgrader_course.py (make nbgrader):
# do not edit, it is rewritten; put your own settings in nbgrader_config.py.
from nbgrader.preprocessors import (
    AssignLatePenalties, CheckCellMetadata, Execute, IgnorePattern, LimitOutput, SaveAutoGrades,
)
from nbclient.exceptions import DeadKernelError
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbformat.v4 import new_output
from traitlets import Integer

c = get_config()  # noqa: F821 - provided by nbgrader when it reads this file
c.CourseDirectory.course_id = {course_id!r}

# The answer cells hold the starter, then the solution region: the stub that replaces
# the region is empty, so a student gets exactly the starter.
c.ClearSolutions.code_stub = {{"python": ""}}

# A cell that runs longer than this (an endless loop) is interrupted; the student loses
# that cell's points, and grading goes on with the next cell and the next student.
c.Execute.timeout = {timeout}
c.Execute.interrupt_on_timeout = True
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# Encrypted kernel channels (CurveZMQ): without this, every student's kernel prints
# ipykernel's "running over TCP without encryption" warning into the grader's log.
c.KernelManager.transport_encryption = "auto"


class CappedExecute(Execute):
    """nbgrader's Execute, keeping at most max_output_chars characters of output per cell, and
    grading what ran before a cell that ends the kernel.

    nbclient keeps every output a cell prints, and nbgrader's LimitOutput counts lines,
    not characters, only after the run: one print of 100 MB would otherwise sit in the
    grader's memory and in the autograded notebook and feedback. This cuts it as it arrives.

    A cell that ends the kernel (os._exit, a crash) makes nbclient raise DeadKernelError, and
    nbgrader then drops the whole submission, the answers before that cell included, and
    exits with an error. Here that cell and every code cell after it get an error output
    instead (so their tests score 0, not the full points of a cell with no output), and the
    tests that ran before it keep their points.
    """

    max_output_chars = Integer({max_output_chars}, help="characters of output kept per cell").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._gpool_dead = False  # one instance grades every student's notebook in turn
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if getattr(self, "_gpool_dead", False):
            if cell.cell_type == "code":
                cell.outputs = [_died("the kernel died in an earlier cell, so this cell did not run")]
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._gpool_dead = True
            cell.outputs.append(_died("the kernel died while this cell ran (os._exit, or a crash)"))
            return cell, resources

    def output(self, outs, msg, display_id, cell_index):
        out = super().output(outs, msg, display_id, cell_index)
        limit = self.max_output_chars
        # [the cell's outputs, how many were counted, characters so far, cut already]
        state = getattr(self, "_gpool_state", None)
        if state is None or state[0] is not outs or len(outs) < state[1]:
            state = [outs, 0, 0, False]  # a new cell, or its output was cleared
        _, counted, used, cut = state
        if cut:
            del outs[counted:]
        else:
            for index in range(counted, len(outs)):
                item = outs[index]
                size = _size(item)
                if used + size <= limit:
                    used += size
                    continue
                if item.get("output_type") == "stream":
                    item["text"] = item["text"][: max(0, limit - used)]
                else:
                    outs[index] = new_output("stream", name="stdout", text="")
                del outs[index + 1:]
                outs.append(new_output("stream", name="stderr",
                                       text=f"\\n[output cut: more than {{limit:,}} characters]\\n"))
                cut = True
                break
            counted = len(outs)
        self._gpool_state = [outs, counted, used, cut]
        return out


def _died(why):
    return new_output("error", ename="DeadKernelError", evalue=why, traceback=[f"DeadKernelError: {{why}}"])


def _size(item):
    if item.get("output_type") == "stream":
        return len(item.get("text", ""))
    return sum(len(str(value)) for value in item.get("data", {{}}).values()) + sum(
        len(line) for line in item.get("traceback", [])
    )


c.Autograde.autograde_preprocessors = [
    CappedExecute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
'''


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _notebook_bytes(notebook: nbformat.NotebookNode) -> bytes:
    return (nbformat.writes(notebook) + "\n").encode("utf-8")


def assignment_name(path: Path) -> str:
    return path.stem


def plan_course(paths: list[Path], course_id: str = "gpool", timeout: int = DEFAULT_TIMEOUT,
                max_output_chars: int = DEFAULT_MAX_OUTPUT_CHARS, only_exercises: bool = False,
                find_question: Callable[[str], object] = solutions.find_question,
                ) -> tuple[dict[str, bytes], dict[str, list[QuestionEntry]]]:
    """relative path -> content of every generated file, and each assignment's questions."""
    if not isinstance(timeout, int) or timeout < 1:
        raise CourseError(f"--timeout must be a whole number of seconds, at least 1; got {timeout!r}")
    if not isinstance(max_output_chars, int) or max_output_chars < 1000:
        raise CourseError(f"--max-output-chars must be at least 1000; got {max_output_chars!r}")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", course_id):
        raise CourseError(f"--course-id may hold letters, digits, '_' and '-'; got {course_id!r}")
    files: dict[str, bytes] = {}
    questions: dict[str, list[QuestionEntry]] = {}
    names: dict[str, Path] = {}
    for path in paths:
        if path.suffix != ".ipynb" or not path.is_file():
            raise CourseError(f"{path}: not a notebook file (.ipynb)")
        name = assignment_name(path)
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise CourseError(f"{path}: nbgrader assignment names hold letters, digits, '_' and '-'; rename it")
        if name in names:
            raise CourseError(f"{path} and {names[name]} would both be assignment {name}")
        names[name] = path
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception as error:  # noqa: BLE001 - any unreadable notebook is bad input
            raise CourseError(f"{path}: not a readable notebook ({type(error).__name__}: {error})") from None
        if only_exercises:
            notebook = exercises_only(notebook)
        try:
            source, entries = convert(notebook, find_question)
        except CourseError as error:
            raise CourseError(f"{path.name}: {error}") from None
        files[f"source/{name}/{name}.ipynb"] = _notebook_bytes(source)
        questions[name] = entries
    files[GPOOL_CONFIG] = gpool_config_text(course_id, timeout, max_output_chars).encode("utf-8")
    return files, questions


def write_course(output: Path, files: dict[str, bytes], force: bool = False) -> list[str]:
    """Write ``files`` under ``output`` by the overwrite rules above; return what was written."""
    output = Path(output)
    if output.exists() and not output.is_dir():
        raise CourseError(f"{output} exists and is not a folder")
    manifest_path = output / MANIFEST
    recorded: dict[str, str] = {}
    if manifest_path.exists():
        try:
            recorded = json.loads(manifest_path.read_text(encoding="utf-8"))["files"]
            assert isinstance(recorded, dict)
        except Exception:  # noqa: BLE001 - any damage means we no longer know what is ours
            if not force:
                raise CourseError(f"{manifest_path} is unreadable, so which files are generated is unknown; "
                                  "rerun with --force to overwrite the generated files anyway") from None
            recorded = {}
    elif output.exists() and any(output.iterdir()) and not force:
        raise CourseError(f"{output} already has content that make nbgrader did not write (no {MANIFEST}); "
                          "choose an empty or new folder with --output, or rerun with --force to write the "
                          "generated files into it (other files are left as they are)")
    problems = []
    for relative in files:
        target = output / relative
        if not target.exists():
            continue
        current = _digest(target.read_bytes())
        if relative not in recorded:
            problems.append(f"{relative} exists but was not written by make nbgrader")
        elif recorded[relative] != current:
            problems.append(f"{relative} was edited since make nbgrader wrote it")
    if problems and not force:
        raise CourseError("refusing to overwrite:\n  - " + "\n  - ".join(problems)
                          + "\nThe course is generated from the notebooks and exercise sets: change those and run "
                            "make nbgrader again, or rerun with --force to overwrite these files.")
    written = []
    for relative, content in files.items():
        target = output / relative
        if target.exists() and target.read_bytes() == content:
            recorded[relative] = _digest(content)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        recorded[relative] = _digest(content)
        written.append(relative)
    teacher = output / TEACHER_CONFIG
    if not teacher.exists():
        teacher.write_text(TEACHER_CONFIG_TEXT, encoding="utf-8")
        written.append(TEACHER_CONFIG)
    manifest_path.write_text(json.dumps({"generated_by": "tools/nbgrader_course.py", "files": recorded},
                                        indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="default: every notebooks/NN_*.ipynb with exercises (notebooks/zh/ with --language zh)")
    parser.add_argument("--language", choices=list(EDITIONS), default="en",
                        help="the edition: zh builds the Chinese course from notebooks/zh/ (default output "
                             "build/nbgrader-zh, course id gpool-zh) and speaks Chinese")
    parser.add_argument("--output", type=Path, default=None, help="default build/nbgrader (zh: build/nbgrader-zh)")
    parser.add_argument("--course-id", default=None, help="default gpool (zh: gpool-zh)")
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT,
                        help=f"seconds a cell may run when autograding (default {DEFAULT_TIMEOUT})")
    parser.add_argument("--max-output-chars", type=int, default=DEFAULT_MAX_OUTPUT_CHARS,
                        help=f"output kept per cell when autograding (default {DEFAULT_MAX_OUTPUT_CHARS:,})")
    parser.add_argument("--exercises-only", action="store_true",
                        help="assignments hold the setup cell and the exercises only (quicker to grade)")
    parser.add_argument("--force", action="store_true",
                        help="overwrite generated files that were edited or that this tool did not write")
    args = parser.parse_args(argv)
    language = args.language
    folder, default_output, default_course_id = EDITIONS[language]
    args.output = args.output or default_output
    args.course_id = args.course_id or default_course_id
    try:
        if args.notebooks:
            paths = args.notebooks
        else:
            paths = [p for p in sorted(folder.glob("[0-9][0-9]_*.ipynb")) if solutions.has_exercises(p)]
            if not paths:
                raise CourseError(f"no notebooks with exercises in {folder.relative_to(REPOSITORY)}/")
        files, questions = plan_course(paths, args.course_id, args.timeout, args.max_output_chars,
                                       args.exercises_only)
        written = write_course(args.output, files, args.force)
    except CourseError as error:
        print(say("nbgrader course: {error}", language).format(error=error), file=sys.stderr)
        return 1
    for name, entries in questions.items():
        if language == "zh":
            parts = [f"{e.qid} {e.points:g} 分" + ("" if e.kind == "autograded" else "（人工评分）") for e in entries]
            print(f"{name}：{'，'.join(parts)}")
        else:
            parts = [f"{e.qid} {e.points:g} pt{'s' if e.points != 1 else ''}"
                     + ("" if e.kind == "autograded" else " (graded by hand)") for e in entries]
            print(f"{name}: {', '.join(parts)}")
    print(say("nbgrader course in {output}: {count} assignments, {written} file(s) written, the rest unchanged.",
              language).format(output=args.output, count=len(questions), written=len(written)))
    print(say("next: cd {output} && nbgrader generate_assignment <assignment> (see docs/teachers.md)",
              language).format(output=args.output))
    # make lab hides nbgrader's tools (tools/jupyterlab-learner): the teacher's lab is a plain one.
    print(say("nbgrader in a browser (Formgrader, Create Assignment, Validate), which make lab hides from learners: "
              "{command}", language).format(command=f"cd {args.output} && {shlex.quote(sys.executable)} -m jupyterlab"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
