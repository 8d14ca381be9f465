"""The solved edition for teachers: ``make solutions``.

Copies every notebook to ``--output``, replaces each exercise starter cell
(tagged ``exercise-starter``, with ``metadata.gpool.question = "nbNN.qK"``)
by that question's ``solution_code``, executes the copy the way
``tools/execute_notebooks.py`` does, and reads every check cell's output. It
exits non-zero, with a report naming each notebook and question, unless
every check says "correct" (a short-answer thought question, which cannot
be checked, may say "cannot be checked").

The same functions build editions with other answers filled in; the tests use
them to run known-wrong answers through the real notebooks.
"""

from __future__ import annotations

import argparse
import importlib
import re
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat
from nbclient.exceptions import CellExecutionError

from tools import execute_notebooks

TOOLS = Path(__file__).resolve().parent
REPOSITORY = TOOLS.parent

STARTER_TAG = "exercise-starter"
SOLUTION_TAG = "exercise-solution"
#: A call such as ``nb02.q1.check(`` or, through an alias, ``q1.check(``.
CHECK_CALL = re.compile(r"\b(?:nb\d\d\.)?q\w+\.check\(")
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
#: The headings a check may show in the solved edition.
SOLVED_HEADINGS = {"correct"}
UNCHECKABLE_HEADING = "cannot be checked"


@dataclass
class NotebookResult:
    notebook: str
    checks: dict[str, list[str]] = field(default_factory=dict)  # qid -> headings of its check cells
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def find_question(qid: str):
    """The question object for ``"nbNN.qK"``; ValueError if there is none."""
    module_name, _, attribute = qid.partition(".")
    if not re.fullmatch(r"nb\d\d", module_name) or not attribute:
        raise ValueError(f"find_question expects an id like 'nb02.q1'; got {qid!r}")
    try:
        module = importlib.import_module(f"gpool_helpers.exercises.{module_name}")
    except ModuleNotFoundError:
        raise ValueError(f"no exercise set gpool_helpers.exercises.{module_name} for question {qid}") from None
    question = getattr(module, attribute, None)
    if question is None:
        raise ValueError(f"gpool_helpers.exercises.{module_name} has no question {attribute} (asked for {qid})")
    return question


def starter_cells(notebook: nbformat.NotebookNode) -> list[tuple[int, str | None]]:
    """(cell index, question id or None) for every starter cell."""
    found = []
    for index, cell in enumerate(notebook.cells):
        if STARTER_TAG in cell.get("metadata", {}).get("tags", []):
            found.append((index, cell.metadata.get("gpool", {}).get("question")))
    return found


def fill_answers(notebook: nbformat.NotebookNode, answer_code: Callable[[object], str]) -> list[str]:
    """Replace each starter cell's source by ``answer_code(question)``; return problems found.

    In a translated edition (``metadata.gpool.language``, written by
    tools/translate.py) a reference solution comes with its comments in that
    language: the same code, as ``question.solution()`` shows it there.
    """
    from gpool_helpers.i18n import catalog

    language = notebook.metadata.get("gpool", {}).get("language", "en")
    translations = catalog(language) if language != "en" else {}
    problems = []
    for index, qid in starter_cells(notebook):
        if not isinstance(qid, str):
            problems.append(f"cell {index} is tagged {STARTER_TAG} but has no metadata gpool.question")
            continue
        try:
            question = find_question(qid)
        except ValueError as error:
            problems.append(f"cell {index}: {error}")
            continue
        cell = notebook.cells[index]
        code = answer_code(question)
        cell.source = translations.get(code, code)
        cell.outputs = []
        cell.execution_count = None
        tags = [t for t in cell.metadata.get("tags", []) if t != STARTER_TAG]
        cell.metadata["tags"] = [*tags, SOLUTION_TAG]
    return problems


def _headings_in_every_language() -> dict[str, str]:
    """Heading as shown ("correct", "正确", ...) -> the outcome's English name."""
    from gpool_helpers.exercises.core import Outcome
    from gpool_helpers.i18n import LANGUAGES, catalog

    shown = {outcome.value: outcome.value for outcome in Outcome}
    for language in LANGUAGES:
        if language != "en":
            shown.update({catalog(language).get(outcome.value, outcome.value): outcome.value for outcome in Outcome})
    return shown


#: Every outcome's heading, in each language, as the checks print it.
HEADINGS = _headings_in_every_language()
#: The first line of a check's feedback: "nb02.q1: correct" (or "nb02.q1: 正确"). Read
#: from the output rather than the cell source, so a check called through an alias
#: (``q1 = nb02.q1``) is found too. Longest first, so "incorrect" is not read as "correct".
FEEDBACK_HEADING = re.compile(
    r"^(nb\d\d\.q\w+): (" + "|".join(map(re.escape, sorted(HEADINGS, key=len, reverse=True))) + r")$", re.M
)


def _plain_text(cell: nbformat.NotebookNode) -> str:
    return "".join(
        output.get("data", {}).get("text/plain", "")
        for output in cell.get("outputs", [])
        if output.get("output_type") in ("execute_result", "display_data")
    )


def check_headings(notebook: nbformat.NotebookNode) -> dict[str, list[str]]:
    """qid -> the heading each check output shows ("correct", "incorrect", ...)."""
    headings: dict[str, list[str]] = {}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            for qid, heading in FEEDBACK_HEADING.findall(_plain_text(cell)):
                headings.setdefault(qid, []).append(HEADINGS[heading])
    return headings


def check_texts(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """qid -> the full plain text of its (last) check feedback."""
    texts: dict[str, str] = {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        text = _plain_text(cell)
        for qid in FEEDBACK_HEADING.findall(text):
            texts[qid[0]] = text
    return texts


def exercise_section(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The setup cell plus everything from the exercise-set import on.

    Enough to run the exercises (the notebook shape puts them last, after
    their own import) in a few seconds instead of the whole notebook.
    """
    code_cells = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    # The exercises start at their own import of the set (``from gpool_helpers import nb03``,
    # or the older ``from gpool_helpers.exercises import nb03``) when it is not in the setup
    # cell, else at the first starter cell.
    set_import = re.compile(r"^from gpool_helpers(\.exercises)? import .*\bnb\d\d\b", re.M)
    start = next(
        (i for i in code_cells[1:]
         if set_import.search(notebook.cells[i].source)
         or "exercise-starter" in notebook.cells[i].get("metadata", {}).get("tags", [])),
        None,
    )
    if start is None:
        return notebook
    keep = sorted({code_cells[0], *range(start, len(notebook.cells))})
    trimmed = nbformat.from_dict(dict(notebook))
    trimmed.cells = [notebook.cells[i] for i in keep]
    return trimmed


def _copy_assets(source_dir: Path, output_dir: Path) -> None:
    """Files beside the notebooks (images, small data) that a notebook may open.

    Not another edition's folder (notebooks/zh): that edition is solved on its own, into its own folder.
    """
    from gpool_helpers.i18n import LANGUAGES

    for path in source_dir.iterdir():
        if path.name.startswith(".") or path.suffix == ".ipynb" or path.name == "__pycache__":
            continue
        if path.is_dir() and path.name in LANGUAGES:
            continue
        target = output_dir / path.name
        if path.is_dir():
            shutil.copytree(path, target, dirs_exist_ok=True)
        else:
            shutil.copy2(path, target)


def build_edition(
    path: Path,
    output_dir: Path,
    answer_code: Callable[[object], str],
    timeout: int = 300,
    exercises_only: bool = False,
) -> tuple[NotebookResult, nbformat.NotebookNode | None]:
    """Write ``path`` with its answers filled in to ``output_dir``, execute it, read its checks.

    ``exercises_only`` runs just :func:`exercise_section` of the notebook.
    """
    result = NotebookResult(path.name)
    notebook = nbformat.read(path, as_version=4)
    if exercises_only:
        notebook = exercise_section(notebook)
    result.problems.extend(fill_answers(notebook, answer_code))
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / path.name
    nbformat.write(notebook, target)
    started = time.perf_counter()
    try:
        execute_notebooks.execute(target, timeout)
    except CellExecutionError as error:
        # The kernel colours its traceback; a report read in a log wants plain text.
        plain = ANSI_COLOUR.sub("", str(error)).strip()
        last_line = plain.splitlines()[-1] if plain else type(error).__name__
        result.problems.append(f"execution failed: {last_line}")
        return result, None
    except Exception as error:  # noqa: BLE001 - a dead kernel or timeout is reported, not raised
        result.problems.append(f"execution failed: {type(error).__name__}: {error}")
        return result, None
    result.seconds = time.perf_counter() - started
    executed = nbformat.read(target, as_version=4)
    result.checks = check_headings(executed)
    return result, executed


def solution_code(question) -> str:
    return question.solution_code


def build_solutions(paths: list[Path], output_dir: Path, timeout: int = 300, jobs: int = 2) -> list[NotebookResult]:
    """The solved edition of ``paths`` in ``output_dir``; each result lists its problems."""
    output_dir.mkdir(parents=True, exist_ok=True)
    for folder in sorted({p.parent for p in paths}):
        _copy_assets(folder, output_dir)

    def one(path: Path) -> NotebookResult:
        result, executed = build_edition(path, output_dir, solution_code, timeout)
        if executed is None:
            return result
        starters = {qid for _, qid in starter_cells(nbformat.read(path, as_version=4)) if isinstance(qid, str)}
        for qid in set_question_ids(path) - starters:
            result.problems.append(f"{qid}: the notebook has no starter cell for it (tag {STARTER_TAG!r})")
        for qid in sorted(starters | set_question_ids(path)):
            if qid not in result.checks:
                result.problems.append(f"{qid}: no cell shows its check feedback (call {qid}.check(...))")
        for qid, headings in result.checks.items():
            allowed = set(SOLVED_HEADINGS)
            try:
                question = find_question(qid)
            except ValueError as error:
                result.problems.append(str(error))
                continue
            if type(question).__name__ == "ThoughtQuestion" and not question.choices:
                allowed.add(UNCHECKABLE_HEADING)
            for heading in headings:
                if heading not in allowed:
                    result.problems.append(f"{qid}: the check says {heading!r}, not 'correct'")
        return result

    # Kernels are separate processes, so notebooks can run side by side. The
    # biggest (usually the slowest, 07 with its training) starts first, so it
    # does not run alone at the end.
    biggest_first = sorted(paths, key=lambda p: p.stat().st_size, reverse=True)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        finished = dict(zip(biggest_first, pool.map(one, biggest_first)))
    return [finished[path] for path in paths]


def set_question_ids(path: Path) -> set[str]:
    """The ids in the exercise set named after the notebook (nb02 for 02_...), if it exists."""
    module_name = f"nb{path.name[:2]}"
    try:
        module = importlib.import_module(f"gpool_helpers.exercises.{module_name}")
    except ModuleNotFoundError:
        return set()
    return {question.qid for question in getattr(module, "QUESTIONS", ())}


def has_exercises(path: Path) -> bool:
    """True if the notebook has starter or check cells, or an exercise set is named after it."""
    notebook = nbformat.read(path, as_version=4)
    return bool(
        starter_cells(notebook)
        or any(cell.cell_type == "code" and CHECK_CALL.search(cell.source) for cell in notebook.cells)
        or set_question_ids(path)
    )


def default_notebooks() -> list[Path]:
    return sorted((REPOSITORY / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.ipynb")
    parser.add_argument("--output", type=Path, default=REPOSITORY / "build" / "solutions")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed side by side")
    args = parser.parse_args(argv)
    paths = args.notebooks or default_notebooks()
    if not paths:
        print("solutions: no notebooks found in notebooks/", file=sys.stderr)
        return 1
    # Only notebooks with exercises belong to the solved edition.
    with_exercises = [p for p in paths if has_exercises(p)]
    results = build_solutions(with_exercises, args.output, args.timeout, args.jobs)
    failed = [r for r in results if not r.ok]
    for result in results:
        status = "ok" if result.ok else "FAILED"
        checked = ", ".join(f"{qid} {'/'.join(h)}" for qid, h in sorted(result.checks.items()))
        print(f"{status:6} {result.notebook} ({result.seconds:.1f} s): {checked or 'no checks read'}")
        for problem in result.problems:
            print(f"       - {problem}")
    skipped = sorted(set(p.name for p in paths) - set(p.name for p in with_exercises))
    if skipped:
        print(f"no exercises in: {', '.join(skipped)}")
    if failed:
        print(f"solutions: {len(failed)} of {len(results)} notebooks failed; see above.", file=sys.stderr)
        return 1
    print(f"solved edition of {len(results)} notebooks written to {args.output}; every check says correct.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
