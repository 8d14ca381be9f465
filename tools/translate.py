"""Other-language editions of the notebooks, built from the English ones: ``make translations``.

One mechanism for every language (``zh`` today) and for both halves of the
collection, gettext PO files in which the English text is the ``msgid``, so a
translation always records the English it translates:

- ``translations/<language>/<notebook stem>.po``: one entry per markdown cell
  (``msgctxt`` ``"<cell id> markdown"``) and one per code cell that holds a
  comment (``"<cell id> code"``; the ``msgstr`` is the whole cell with its
  comments translated: the code itself may not change, and ``build`` refuses a
  translation whose code differs from the English by more than its comments).
- ``translations/<language>/app_explorer.po``: the classroom page ``app/explorer.ipynb``
  the same way; ``build`` writes ``app/explorer.<language>.ipynb`` beside it (so it
  imports the app's modules as the English does), with a first code cell that calls
  ``set_language("<language>")``, since the English page has no switch to turn.
- ``gpool_helpers/locale/<language>/*.po``: the helpers' learner-facing texts
  (checker feedback, hints, solutions, widget readouts, kind descriptions,
  errors), read at run time by :mod:`gpool_helpers.i18n`.

Commands:

``extract``  brings the PO files up to date with the English: a new cell or
             text gets an empty entry, a changed one keeps its old translation
             marked fuzzy with the English it was made from (``#| msgid``), a
             removed one is dropped.
``check``    lists every missing or stale (fuzzy) translation, naming the
             notebook and cell or the package text; exit code 1 if any.
``build``    writes ``notebooks/<language>/`` from the English notebooks and
             the translations, switching ``set_language("en")`` in the setup
             cell to the language. A notebook whose built source equals the one
             on disk keeps its stored outputs; otherwise its outputs are
             cleared and ``make translations`` executes it. Refuses (exit 1,
             naming the cells) while any translation is missing or stale.
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import nbformat
import polib

from tools import execute_notebooks

TOOLS = Path(__file__).resolve().parent

REPOSITORY = TOOLS.parent
NOTEBOOKS = REPOSITORY / "notebooks"
TRANSLATIONS = REPOSITORY / "translations"
PACKAGE = REPOSITORY / "gpool_helpers"
LOCALE = PACKAGE / "locale"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
#: The setup cell's switch, the one code difference between the editions.
LANGUAGE_SWITCH = re.compile(r"""set_language\(\s*(["'])en\1\s*\)""")
#: The classroom page (make app): English notebook -> the stem of its PO file.
APP_PAGES = {REPOSITORY / "app" / "explorer.ipynb": "app_explorer"}
#: The first code cell of a translated page: the English page speaks English without a switch.
PAGE_SWITCH = """from gpool_helpers import set_language

_language = set_language("{language}")  # {comment}"""
PAGE_SWITCH_COMMENTS = {"zh": "交互控件的标签、读数和图片说明都用简体中文"}
#: Translatable calls in the package: _("...") shows a text, N_("...") marks one shown later.
MARKERS = {"_", "N_", "gettext"}


@dataclass(frozen=True)
class Problem:
    where: str  # "04_global_depth_pooling.ipynb cell nb04-07 (markdown)" or "package: <text>"
    what: str  # "missing", "stale", "code differs", ...

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


# ---------------------------------------------------------------------------
# What needs translating
# ---------------------------------------------------------------------------


def english_notebooks(notebooks: Path = NOTEBOOKS) -> list[Path]:
    return sorted(notebooks.glob(NOTEBOOK_GLOB))


def has_comment(source: str) -> bool:
    return any(token.type == tokenize.COMMENT for token in _tokens(source))


def _tokens(source: str) -> list[tokenize.TokenInfo]:
    # IPython magics (%matplotlib inline) are not Python; blank them for the tokenizer.
    lines = [("" if line.lstrip().startswith(("%", "!")) else line) for line in source.splitlines(keepends=True)]
    try:
        return list(tokenize.generate_tokens(io.StringIO("".join(lines)).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return []


def code_without_comments(source: str) -> list[str]:
    """The code's tokens (magic lines verbatim), comments and layout left out: what must match."""
    magics = [line.strip() for line in source.splitlines() if line.lstrip().startswith(("%", "!"))]
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    return magics + [token.string for token in _tokens(source) if token.type not in skip]


def notebook_texts(path: Path) -> dict[str, str]:
    """msgctxt -> English text for one notebook, in cell order."""
    texts: dict[str, str] = {}
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            texts[f"{cell.id} markdown"] = cell.source
        elif cell.cell_type == "code" and has_comment(cell.source):
            texts[f"{cell.id} code"] = cell.source
    return texts


def package_texts(package: Path = PACKAGE) -> dict[str, list[str]]:
    """English text -> where it occurs, for every learner-facing text of the package.

    Two sources: the literal argument of every ``_()`` / ``N_()`` call in the
    code, and the texts the exercise sets and the registry build at import time
    (prompts, hints, solutions, mistakes, kind descriptions), which are shown
    through ``_()`` but may be formatted first.
    """
    texts: dict[str, list[str]] = {}

    def add(text: str, where: str) -> None:
        if text.strip():
            texts.setdefault(text, []).append(where)

    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in MARKERS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                add(node.args[0].value, f"{path.relative_to(package.parent)}:{node.lineno}")
    for text, where in runtime_texts():
        add(text, where)
    for text, where in notebook_claims():
        add(text, where)
    return texts


def notebook_claims(notebooks: Path = NOTEBOOKS) -> list[tuple[str, str]]:
    """(statement, where) for every ``Claim("literal", ...)`` in the English notebooks' code.

    check_claims prints a claim's statement through ``_()``, so these sentences
    of the notebooks' code reach a Chinese reader in Chinese while the code
    itself stays the same in both editions.
    """
    found = []
    for notebook in english_notebooks(notebooks):
        for cell in nbformat.read(notebook, as_version=4).cells:
            if cell.cell_type != "code" or "Claim(" not in cell.source:
                continue
            source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in cell.source.splitlines())
            for node in ast.walk(ast.parse(source)):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Claim"
                        and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                    found.append((node.args[0].value, f"notebooks/{notebook.name} cell {cell.id}: claim"))
    return found


def runtime_texts() -> list[tuple[str, str]]:
    """(text, where) for the exercise sets' and the registry's learner-facing texts."""
    import importlib

    from gpool_helpers.pooling.registry import all_kinds

    found: list[tuple[str, str]] = []
    for kind in all_kinds(takes=None).values():  # the token kinds of notebook 08 too
        found.append((kind.description, f"kind {kind.name}: description"))
    for number in range(1, 9):
        module = importlib.import_module(f"gpool_helpers.exercises.nb0{number}")
        for question in module.QUESTIONS:
            for field_name, text in question.learner_texts():
                found.append((text, f"{question.qid}: {field_name}"))
    return found


# ---------------------------------------------------------------------------
# PO files
# ---------------------------------------------------------------------------


def _new_po(language: str, about: str) -> polib.POFile:
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": "gpool",
        "Language": language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    po.header = about
    return po


def _load(path: Path, language: str, about: str) -> polib.POFile:
    if path.exists():
        po = polib.pofile(str(path), wrapwidth=0)
        po.header = about
        return po
    return _new_po(language, about)


def merge(po: polib.POFile, wanted: list[tuple[str | None, str, list[str]]]) -> polib.POFile:
    """Entries for ``wanted`` (msgctxt, English, occurrences), keeping what ``po`` translated.

    Same context and English: kept. Same context, new English: the old
    translation stays, fuzzy, with the old English as ``previous_msgid``.
    Without a context (package texts) an English text that changed is new.
    """
    by_key = {(entry.msgctxt, entry.msgid): entry for entry in po if not entry.obsolete}
    by_context = {entry.msgctxt: entry for entry in po if entry.msgctxt and not entry.obsolete}
    merged = polib.POFile(wrapwidth=0)
    merged.metadata = po.metadata
    merged.header = po.header
    for context, english, occurrences in wanted:
        old = by_key.get((context, english))
        if old is not None:
            entry = polib.POEntry(
                msgctxt=context, msgid=english, msgstr=old.msgstr, flags=list(old.flags),
                previous_msgid=old.previous_msgid if old.fuzzy else None,
            )
        elif context and context in by_context and by_context[context].msgstr:
            previous = by_context[context]
            entry = polib.POEntry(
                msgctxt=context, msgid=english, msgstr=previous.msgstr, flags=["fuzzy"],
                previous_msgid=previous.previous_msgid or previous.msgid,
            )
        else:
            entry = polib.POEntry(msgctxt=context, msgid=english, msgstr="")
        entry.comment = "\n".join(occurrences) if occurrences else None
        merged.append(entry)
    return merged


def notebook_po_path(language: str, notebook: Path) -> Path:
    if notebook in APP_PAGES:
        return TRANSLATIONS / language / f"{APP_PAGES[notebook]}.po"
    return TRANSLATIONS / language / f"{notebook.stem}.po"


def translated_page_path(language: str, page: Path) -> Path:
    """app/explorer.ipynb -> app/explorer.<language>.ipynb, beside it."""
    return page.with_name(f"{page.stem}.{language}{page.suffix}")


#: Package texts are split by room, so two people can translate at once:
#: the exercise sets' texts and everything else the helpers say.
PACKAGE_DOMAINS = ("exercises", "helpers", "claims")


def package_domain(occurrences: list[str]) -> str:
    """exercises: the exercise sets' texts; claims: the statements of the notebooks' Claim(...)
    calls, which check_claims prints; helpers: everything else the package says."""
    first = occurrences[0]
    if first.startswith("gpool_helpers/exercises/") or re.match(r"nb\d\d\.q", first):
        return "exercises"
    return "claims" if first.startswith("notebooks/") else "helpers"


def package_po_path(language: str, domain: str) -> Path:
    return LOCALE / language / f"{domain}.po"


def extract(language: str, only: str = "all") -> list[Path]:
    """Bring the PO files up to date; ``only`` limits it to "notebooks" or one package domain."""
    written = []
    for notebook in [*english_notebooks(), *APP_PAGES] if only in ("all", "notebooks") else []:
        path = notebook_po_path(language, notebook)
        about = f"{notebook.name} in language '{language}'; built by tools/translate.py (make translations)."
        po = _load(path, language, about)
        wanted = [(context, text, []) for context, text in notebook_texts(notebook).items()]
        written.append(_save(merge(po, wanted), path))
    texts = package_texts() if only != "notebooks" else {}
    for domain in PACKAGE_DOMAINS if only == "all" else [d for d in PACKAGE_DOMAINS if d == only]:
        path = package_po_path(language, domain)
        about = (f"gpool_helpers' learner-facing texts ({domain}) in language '{language}'; "
                 "extracted by tools/translate.py (make translations).")
        po = _load(path, language, about)
        # An English text already translated in this domain's file keeps its translation.
        wanted = [(None, text, where) for text, where in texts.items() if package_domain(where) == domain]
        written.append(_save(merge(po, wanted), path))
    return written


def _save(po: polib.POFile, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = str(po)  # as polib's own save() writes it, so either way gives the same file
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# Checking and building
# ---------------------------------------------------------------------------


def notebook_problems(language: str, notebook: Path, po_path: Path | None = None) -> list[Problem]:
    po_path = po_path or notebook_po_path(language, notebook)
    entries = {}
    if po_path.exists():
        entries = {entry.msgctxt: entry for entry in polib.pofile(str(po_path)) if not entry.obsolete}
    problems = []
    for context, english in notebook_texts(notebook).items():
        cell_id, cell_type = context.rsplit(" ", 1)
        where = f"{notebook.name} cell {cell_id} ({cell_type})"
        entry = entries.get(context)
        if entry is None or not entry.msgstr:
            problems.append(Problem(where, "no translation"))
        elif entry.msgid != english or entry.fuzzy:
            problems.append(Problem(where, "stale: the English changed since it was translated"))
        elif cell_type == "code" and code_without_comments(entry.msgstr) != code_without_comments(english):
            problems.append(Problem(where, "the translation changes the code, not only its comments"))
    return problems


def package_problems(language: str) -> list[Problem]:
    from gpool_helpers.i18n import catalog

    catalog.cache_clear()
    translated = catalog(language)
    problems = []
    for text, where in package_texts().items():
        if text not in translated:
            problems.append(Problem(f"package text at {where[0]}", f"no translation for {text[:70]!r}"))
        elif _placeholders(translated[text]) != _placeholders(text):
            problems.append(Problem(f"package text at {where[0]}", "its {placeholders} differ from the English"))
    return problems


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"\{[^{}]*\}", text))


def build_notebook(language: str, notebook: Path, po_path: Path | None = None) -> nbformat.NotebookNode:
    """The translated notebook (sources only; outputs as stored in the English)."""
    po_path = po_path or notebook_po_path(language, notebook)
    problems = notebook_problems(language, notebook, po_path)
    if problems:
        raise ValueError("cannot build, translations are missing or stale:\n  " + "\n  ".join(map(str, problems)))
    entries = {entry.msgctxt: entry.msgstr for entry in polib.pofile(str(po_path)) if not entry.obsolete}
    translated = nbformat.read(notebook, as_version=4)
    switches = 0
    for cell in translated.cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            cell.source = entries[f"{cell.id} markdown"]
        elif cell.cell_type == "code":
            if has_comment(cell.source):
                cell.source = entries[f"{cell.id} code"]
            cell.source, count = LANGUAGE_SWITCH.subn(f'set_language("{language}")', cell.source)
            switches += count
    if notebook in APP_PAGES and switches == 0:
        # The page has no setup cell to switch: its first code cell is the switch, ahead of every widget.
        first = next(index for index, cell in enumerate(translated.cells) if cell.cell_type == "code")
        switch = PAGE_SWITCH.format(language=language, comment=PAGE_SWITCH_COMMENTS.get(language, language))
        translated.cells.insert(first, nbformat.v4.new_code_cell(switch, id="language-switch"))
        switches = 1
    if switches != 1:
        raise ValueError(f"{notebook.name}: expected one set_language(\"en\") in its setup cell; found {switches}")
    translated.metadata.setdefault("gpool", {})["language"] = language
    translated.metadata["gpool"]["source"] = notebook.name if notebook in APP_PAGES else f"../{notebook.name}"
    return translated


def sources(notebook: nbformat.NotebookNode) -> list[tuple[str, str, str]]:
    return [(cell.id, cell.cell_type, cell.source) for cell in notebook.cells]


def build(language: str) -> tuple[list[Path], list[Path]]:
    """Write notebooks/<language>/; returns (changed ones, needing execution), (unchanged ones)."""
    target = NOTEBOOKS / language
    target.mkdir(exist_ok=True)
    changed, unchanged = [], []
    for notebook in english_notebooks():
        translated = build_notebook(language, notebook)
        path = target / notebook.name
        if path.exists() and sources(nbformat.read(path, as_version=4)) == sources(translated):
            unchanged.append(path)
            continue
        for cell in translated.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nbformat.write(translated, path)
        changed.append(path)
    return changed, unchanged


def build_pages(language: str) -> list[Path]:
    """Write each classroom page's translation beside it, without outputs (Voila runs it); returns those changed."""
    changed = []
    for page in APP_PAGES:
        translated = build_notebook(language, page)
        for cell in translated.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        path = translated_page_path(language, page)
        if not path.exists() or nbformat.read(path, as_version=4) != translated:
            nbformat.write(translated, path)
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["extract", "check", "build"])
    parser.add_argument("--language", default="zh")
    parser.add_argument("--only", choices=["all", "notebooks", *PACKAGE_DOMAINS], default="all",
                        help="extract: update only these PO files (the notebooks', or one package domain's)")
    parser.add_argument("--execute", choices=["changed", "all", "none"], default="changed",
                        help="build: then execute the notebooks whose source changed (default), all, or none")
    options = parser.parse_args(argv)
    if options.command == "extract":
        for path in extract(options.language, options.only):
            print(f"up to date: {path.relative_to(REPOSITORY)}")
        options.command = "check"
    problems = [p for nb in [*english_notebooks(), *APP_PAGES] for p in notebook_problems(options.language, nb)]
    problems += package_problems(options.language)
    if problems:
        print(f"{len(problems)} translation(s) to write or update for '{options.language}':", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    if options.command == "build":
        changed, unchanged = build(options.language)
        for path in build_pages(options.language):
            print(f"built: {path.relative_to(REPOSITORY)} (the classroom page; make app LANG={options.language})")
        for path in changed:
            print(f"built: {path.relative_to(REPOSITORY)}")
        print(f"{len(unchanged)} of {len(changed) + len(unchanged)} unchanged")
        to_run = {"changed": changed, "all": changed + unchanged, "none": []}[options.execute]
        if to_run:
            return execute_notebooks.main([str(path) for path in sorted(to_run)])
        return 0
    print(f"every translation for '{options.language}' is present and up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
