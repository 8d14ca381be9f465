"""Other-language editions of the notebooks, built from the English ones: ``make translations``.

One mechanism for every language (``zh`` today) and for both halves of the
collection, gettext PO files in which the English text is the ``msgid``, so a
translation always records the English it translates:

- ``translations/<language>/<notebook stem>.po``: one entry per markdown cell
  (``msgctxt`` ``"<cell id> markdown"``) and one per code cell that holds a
  comment or prints words (``"<cell id> code"``; the ``msgstr`` is the whole
  cell with its comments and the texts it prints translated: the string
  literals passed to ``print()``, f-strings included, whose ``{...}`` fields
  must stay the same expressions with the same conversions and format specs,
  in any order, and labels bound to names that only ``print()`` reads (see
  :func:`_print_texts`). The code itself may not change: ``build`` refuses a
  translation that differs from the English in anything else).
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


# A code cell's translation may change its comments and the texts it prints: the
# string literals passed to print() (f-strings too), and nothing else.

#: What stands in for a print() text when two cells' code is compared.
PRINT_TEXT = "<print text>"


def _runnable(source: str) -> str:
    """``source`` with its IPython magic lines blanked, so ast and tokenize read it (same line numbers)."""
    return "".join(("\n" if line.lstrip().startswith(("%", "!")) else line) for line in source.splitlines(keepends=True))


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _print_texts(tree: ast.AST) -> list[ast.expr]:
    """The string literals (str constants and f-strings) a print() call shows, outermost only.

    A positional argument of ``print`` that is a literal, or is built from
    literals with ``+`` or ``a if c else b``; inside an f-string, a replacement
    field whose value is itself a literal (``f"{'label':<34}"``) is part of it.

    Also a label that reaches nothing but print(): a literal bound to a name
    that is read only inside print()'s arguments, as ``label = "..."`` /
    ``label = f"..."``, ``lines.append(f"...")`` (``lines`` read only in print()
    and by its ``append``), a for loop over a literal tuple of tuples
    (``for label, head in (("its flatten head", a), ...)``, each ``label``), or
    over ``table.items()`` of a dict literal read nowhere else (its keys).
    A literal used any other way (a dict key read by ``d["key"]``, an argument
    of another call) is code.
    """
    found: list[ast.expr] = []
    inside_print: set[int] = set()

    def visit(node: ast.expr) -> None:
        if _is_text(node):
            found.append(node)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            visit(node.left)
            visit(node.right)
        elif isinstance(node, ast.IfExp):
            visit(node.body)
            visit(node.orelse)

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
            for argument in node.args:
                visit(argument)
                inside_print.update(id(inner) for inner in ast.walk(argument))

    appended: set[int] = set()  # the Name nodes that are the receiver of a .append(...)
    items_of: set[int] = set()  # the Name nodes read as d.items() in a for loop's iterable
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append"
                and isinstance(node.func.value, ast.Name) and len(node.args) == 1 and not node.keywords):
            appended.add(id(node.func.value))
        if (isinstance(node, ast.For) and isinstance(node.iter, ast.Call) and not node.iter.args
                and isinstance(node.iter.func, ast.Attribute) and node.iter.func.attr == "items"
                and isinstance(node.iter.func.value, ast.Name)):
            items_of.add(id(node.iter.func.value))
    loads: dict[str, list[ast.Name]] = {}
    stores: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                loads.setdefault(node.id, []).append(node)
            else:
                stores[node.id] = stores.get(node.id, 0) + 1
    # A function, lambda or comprehension could read a name in ways this does not follow.
    if any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Global,
                             ast.Nonlocal)) for node in ast.walk(tree)):
        return found

    def print_only(name: str, also: set[int] = frozenset()) -> bool:
        reads = loads.get(name, [])
        return bool(reads) and all(id(read) in inside_print or id(read) in also for read in reads)

    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and _is_text(node.value) and stores[node.targets[0].id] == 1 and print_only(node.targets[0].id)):
            found.append(node.value)
        elif isinstance(node, ast.Call) and id(getattr(node.func, "value", None)) in appended:
            name = node.func.value.id
            if _is_text(node.args[0]) and print_only(name, appended):
                found.append(node.args[0])
        elif isinstance(node, ast.For):
            names = node.target.elts if isinstance(node.target, ast.Tuple) else [node.target]
            if not all(isinstance(name, ast.Name) for name in names):
                continue
            labels = [position for position, name in enumerate(names) if print_only(name.id)]
            if isinstance(node.iter, (ast.Tuple, ast.List)):
                for element in node.iter.elts:
                    parts = element.elts if isinstance(node.target, ast.Tuple) and isinstance(element, ast.Tuple) else [element]
                    if len(parts) == len(names):
                        found += [parts[position] for position in labels if _is_text(parts[position])]
            elif id(getattr(node.iter.func, "value", None) if isinstance(node.iter, ast.Call) else None) in items_of:
                table = node.iter.func.value.id
                if 0 not in labels or len(names) != 2 or stores.get(table) != 1 or len(loads.get(table, [])) != 1:
                    continue
                definition = next((assign.value for assign in ast.walk(tree) if isinstance(assign, ast.Assign)
                                   and len(assign.targets) == 1 and isinstance(assign.targets[0], ast.Name)
                                   and assign.targets[0].id == table), None)
                if isinstance(definition, ast.Dict):
                    found += [key for key in definition.keys if key is not None and _is_text(key)]
    return found


def _fields(node: ast.expr) -> list[str]:
    """The replacement fields of an f-string print text, as written: ``{n:,}``, ``{share!r:>6}``.

    A field whose value is a literal label (``{'label':<34}``, ``{f'seed {seed}':<34}``)
    keeps its conversion and spec but not its words (shown as ``{…:<34}``), and
    brings its own fields.
    """
    fields: list[str] = []
    for value in getattr(node, "values", []):
        if not isinstance(value, ast.FormattedValue):
            continue
        inner = value.value
        shown = value
        if isinstance(inner, ast.Constant) and isinstance(inner.value, str) or isinstance(inner, ast.JoinedStr):
            shown = ast.FormattedValue(ast.Name(id="…"), value.conversion, value.format_spec)
            fields += _fields(inner)
        fields.append(ast.unparse(ast.JoinedStr(values=[shown]))[2:-1])
    return fields


def _char_offset(lines: list[str], line: int, byte_offset: int) -> int:
    """ast's column (UTF-8 bytes) as tokenize's (characters)."""
    return len(lines[line - 1].encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


@dataclass(frozen=True)
class CodeShape:
    """What a translation of a code cell must keep: its tokens (comments, layout and
    print() texts left out, each text a placeholder), and each print() text's fields."""

    tokens: tuple[str, ...]
    texts: tuple[tuple[bool, tuple[str, ...]], ...]  # (is an f-string, its sorted fields) per print() text
    literals: tuple[str, ...]  # each print() text's source, to name it in an error


def code_shape(source: str) -> CodeShape:
    runnable = _runnable(source)
    magics = tuple(line.strip() for line in source.splitlines() if line.lstrip().startswith(("%", "!")))
    try:
        texts = _print_texts(ast.parse(runnable))
    except SyntaxError:
        texts = []
    lines = runnable.splitlines(keepends=True)
    spans = sorted(
        ((node.lineno, _char_offset(lines, node.lineno, node.col_offset)),
         (node.end_lineno, _char_offset(lines, node.end_lineno, node.end_col_offset)), node)
        for node in texts
    ) if texts else []
    # Nested texts (a label inside an f-string) are inside an outer one's span: keep the outermost.
    outer: list[tuple[tuple[int, int], tuple[int, int], ast.expr]] = []
    for start, end, node in spans:
        if outer and start >= outer[-1][0] and end <= outer[-1][1]:
            continue
        outer.append((start, end, node))
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    tokens: list[str] = list(magics)
    try:
        all_tokens = list(tokenize.generate_tokens(io.StringIO(runnable).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        all_tokens = []
    for token in all_tokens:
        if token.type in skip:
            continue
        inside = next((span for span in outer if span[0] <= token.start and token.end <= span[1]), None)
        if inside is None:
            tokens.append(token.string)
        elif token.start == inside[0]:
            tokens.append(PRINT_TEXT)
    return CodeShape(
        tuple(tokens),
        tuple((isinstance(node, ast.JoinedStr), tuple(sorted(_fields(node)))) for _, _, node in outer),
        tuple(ast.get_source_segment(runnable, node) or "" for _, _, node in outer),
    )


def code_translation_problems(english: str, translation: str) -> list[str]:
    """Why ``translation`` is not ``english`` with only its comments and print() texts translated ([] if it is)."""
    mine, theirs = code_shape(english), code_shape(translation)
    if mine.tokens != theirs.tokens:
        return ["the translation changes the code, not only its comments and print() texts"]
    problems = []
    for number, (expected, given) in enumerate(zip(mine.texts, theirs.texts), 1):
        if expected != given:
            problems.append(
                f"print() text {number} must keep the replacement fields of the English "
                f"{mine.literals[number - 1]} exactly (expression, !conversion, :format spec; in any order): "
                f"expected {' '.join(expected[1]) or 'none'}, given {' '.join(given[1]) or 'none'} "
                f"in {theirs.literals[number - 1]}"
            )
    return problems


def has_print_text(source: str) -> bool:
    """Whether a print() call in ``source`` shows words (a literal with letters outside its fields)."""
    try:
        texts = _print_texts(ast.parse(_runnable(source)))
    except SyntaxError:
        return False
    for node in texts:
        parts = [node] if isinstance(node, ast.Constant) else [
            part for value in ast.walk(node) for part in [value]
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        ]
        if any(re.search(r"[A-Za-z]{2,}", part.value) for part in parts):
            return True
    return False


def translatable_code(source: str) -> bool:
    """A code cell gets a translation entry when it holds a comment or a print() text with words."""
    return has_comment(source) or has_print_text(source)


def notebook_texts(path: Path) -> dict[str, str]:
    """msgctxt -> English text for one notebook, in cell order."""
    texts: dict[str, str] = {}
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            texts[f"{cell.id} markdown"] = cell.source
        elif cell.cell_type == "code" and translatable_code(cell.source):
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
        elif cell_type == "code":
            problems += [Problem(where, what) for what in code_translation_problems(english, entry.msgstr)]
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
            if translatable_code(cell.source):
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
