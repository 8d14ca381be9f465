"""What an nbgrader test cell of the course refuses: answers that read the reference, or grading tampered with.

A student's cells run in the kernel the test cell runs in, so the test cell
looks at them before it gives points. :func:`audit_code` reads one cell's code
(IPython's transformed input); :func:`audit_kernel` reads the kernel: its input
history (every cell run so far but the teacher's own, which the test cell knows
by digest, :func:`cell_digest`), modules imported from files handed in beside
the notebook, library functions replaced by code from a cell, and a correct
answer that is gpool_helpers' own function. ``tools/nbgrader_course.py`` copies
both functions into every test cell, renamed ``_gpool_...``: an import from the
kernel could be rebound by the student's cells, so each is self-contained.

What this can and cannot stop is in docs/teachers.md ("What the autograder
refuses"): the obvious routes, read from the code the notebook ran; a student
who reads the package's source elsewhere and types the answer in is not seen.
"""

from __future__ import annotations

import hashlib
import re

#: The line of a test cell that lists the digests of the teacher's cells. It is left out of a cell's
#: digest (cell_digest), so every test cell can carry the digests of all of them, its own included.
KNOWN_LINE = re.compile(r'(?m)^_gpool_known = frozenset\(\{[0-9a-f", ]*\}\)$\n?')


def known_line(known) -> str:
    return "_gpool_known = frozenset({" + ", ".join(f'"{digest}"' for digest in sorted(known)) + "})"


def cell_digest(source: str) -> str:
    """What audit_kernel compares a cell run in the kernel with: sha256 of its code, stripped, without its known line."""
    return hashlib.sha256(KNOWN_LINE.sub("", source).strip().encode("utf-8")).hexdigest()[:16]


def audit_code(code: str) -> str | None:
    """Why this code (one cell, as IPython ran it) could read the reference answer or tamper with grading.

    None when it does neither. Read as Python, so comments, strings and a student's own names
    (``expected = x.mean()``) count for nothing; a magic arrives as the get_ipython() call IPython
    turned it into, and the code given to %time, %timeit or %%capture is read in turn.
    """
    import ast
    import re

    # Attributes of a question (or of any object) that hold or produce the answer.
    reading = {
        "solved_answer": "runs the reference solution",
        "solution_code": "reads the reference solution",
        "solution": "shows the reference solution",
        "expected": "reads the expected answer",
        "reference": "reads the reference function",
        "exercises": "reaches into gpool_helpers.exercises",
        "open": "opens a file",
        "read_text": "reads a file",
        "read_bytes": "reads a file",
        "load": "loads a saved object",
        "loads": "loads a saved object",
        "system": "runs a shell command",
        "popen": "runs a shell command",
    }
    # Names that reach code, files or the kernel's history around the question's public API.
    names = {
        "getattr": "looks attributes up by name",
        "setattr": "sets attributes by name",
        "delattr": "deletes attributes by name",
        "vars": "reads an object's attributes wholesale",
        "globals": "reads the namespace wholesale",
        "locals": "reads the namespace wholesale",
        "eval": "runs code from a string",
        "exec": "runs code from a string",
        "compile": "compiles code from a string",
        "open": "opens a file",
        "breakpoint": "starts a debugger",
        "__import__": "imports by name",
        "__builtins__": "reaches Python's builtins",
        "get_ipython": "reaches the kernel itself",
        "In": "reads or changes the kernel's input history",
        "Out": "reads the kernel's output history",
        "_ih": "reads or changes the kernel's input history",
        "_oh": "reads the kernel's output history",
        "_dh": "reads the kernel's folder history",
    }
    modules = {
        "inspect": "reads source code", "linecache": "reads source code", "dis": "reads compiled code",
        "importlib": "imports by name", "pkgutil": "reads package files", "runpy": "runs modules",
        "pickle": "loads saved objects", "marshal": "loads compiled code", "shelve": "loads saved objects",
        "dill": "loads saved objects", "cloudpickle": "loads saved objects", "sqlite3": "opens a database",
        "ctypes": "reaches into the interpreter", "gc": "reaches every live object",
        "builtins": "reaches Python's builtins", "subprocess": "runs commands",
        "threading": "runs code beside the grader", "_thread": "runs code beside the grader",
        "IPython": "reaches the kernel itself", "ipykernel": "reaches the kernel itself",
    }
    sys_attributes = {"modules", "path", "meta_path", "path_hooks", "path_importer_cache", "settrace",
                      "setprofile", "_getframe", "addaudithook", "displayhook", "excepthook"}
    dunders = {"__init__", "__call__", "__name__", "__class__", "__len__", "__getitem__", "__iter__",
               "__next__", "__repr__", "__str__", "__doc__", "__enter__", "__exit__"}
    magics = {"time", "timeit", "matplotlib", "capture"}

    def scan(code):
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError):
            return None  # it never ran, so it bound nothing
        lines = code.splitlines()

        def where(node, reason):
            line = lines[node.lineno - 1].strip() if 0 < getattr(node, "lineno", 0) <= len(lines) else ""
            return f"{reason} (line {getattr(node, 'lineno', '?')}: {line[:100]})"

        allowed = set()  # get_ipython() of an allowed magic
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("run_line_magic", "run_cell_magic")
                    and isinstance(node.func.value, ast.Call) and isinstance(node.func.value.func, ast.Name)
                    and node.func.value.func.id == "get_ipython" and node.args
                    and isinstance(node.args[0], ast.Constant) and node.args[0].value in magics):
                allowed.add(id(node.func.value.func))
                for argument in node.args[1:]:
                    inner = scan(argument.value) if isinstance(argument, ast.Constant) and isinstance(
                        argument.value, str) else "runs magic code the grader cannot read"
                    if inner:
                        return f"in %{node.args[0].value}, {inner}"
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    root = alias.name.split(".")[0]
                    if root in modules:
                        return where(node, f"imports {alias.name}, which {modules[root]}")
                    if alias.name.startswith("gpool_helpers.exercises"):
                        return where(node, f"imports {alias.name}: take the set as the notebook does "
                                           "(from gpool_helpers import nbNN)")
                    if root == "sys" and alias.asname:
                        return where(node, "imports sys under another name")
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                root = module.split(".")[0]
                imported = [alias.name for alias in node.names]
                if node.level:
                    return where(node, "imports from a file next to the notebook")
                if root in modules:
                    return where(node, f"imports from {module}, which {modules[root]}")
                if root == "sys" and set(imported) & sys_attributes:
                    return where(node, f"imports {', '.join(sorted(set(imported) & sys_attributes))} from sys")
                if module.startswith("gpool_helpers.exercises."):
                    return where(node, f"imports from {module}, the inside of the checker")
                if module == "gpool_helpers.exercises":
                    odd = [name for name in imported if not re.fullmatch(r"nb\d\d", name)]
                elif root == "gpool_helpers":
                    odd = [name for name in imported if name.startswith("_") or name == "exercises"]
                else:
                    odd = []
                if odd:
                    return where(node, f"imports {', '.join(odd)} from {module}: an answer may take its exercise "
                                       "set (from gpool_helpers import nbNN) and gpool_helpers' public names")
            elif isinstance(node, ast.Attribute):
                attribute = node.attr
                if attribute in reading:
                    return where(node, f"uses .{attribute}, which {reading[attribute]}")
                if attribute.startswith("__") and attribute.endswith("__") and attribute not in dunders:
                    return where(node, f"uses .{attribute}, which reaches behind an object's public API")
                if attribute.startswith("_") and not attribute.startswith("__"):
                    return where(node, f"uses .{attribute}, a private attribute")
                if isinstance(node.value, ast.Name) and node.value.id == "sys" and attribute in sys_attributes:
                    return where(node, f"uses sys.{attribute}, which changes how Python imports or runs code")
            elif isinstance(node, ast.Name):
                name = node.id
                if id(node) in allowed:
                    continue
                if name in names:
                    return where(node, f"uses {name}, which {names[name]}")
                if re.fullmatch(r"_i{1,3}\d*|_\d+", name):
                    return where(node, f"uses {name}, which reads the kernel's history")
        return None

    return scan(code)


def audit_kernel(known, audit_code, answer, correct) -> str | None:
    """Why this test cell must not give its points, read from the kernel it runs in; None when nothing is wrong.

    ``known`` holds the digests of the teacher's own cells (locked and test cells, see
    ``cell_digest``), which are not the student's code; every other cell run so far goes
    through ``audit_code``. Then: a module imported from a file in the notebook's folder,
    a function or class from a cell put into a library module, and a correct answer that
    is gpool_helpers' own function or object.
    """
    import hashlib
    import os
    import re
    import sys
    import types
    import warnings

    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = type(None)
    shell = get_ipython()

    def history_problem():
        history = getattr(shell, "history_manager", None)
        if history is None:
            return "it was not run in an IPython kernel, so the code that made the answer cannot be read"
        raw, parsed = list(history.input_hist_raw), list(history.input_hist_parsed)
        stored = None
        if history.enabled:
            # IPython also writes every input to its history database, out of the notebook's reach:
            # a cell that edits In (or the lists behind it) leaves the two disagreeing.
            history.writeout_cache()
            stored = [row[0] for row in history.db.execute(
                "SELECT source_raw FROM history WHERE session = ? ORDER BY line", (history.session_number,))]
        if len(raw) != len(parsed) or (stored is not None and stored != raw[1:]):
            return "the kernel's input history was changed, so the code that made the answer cannot be read"
        for number, (source, code) in enumerate(zip(raw, parsed)):
            # cell_digest: a test cell's digest leaves out its line of digests, which only that exact line matches.
            teachers = re.sub(r'(?m)^_gpool_known = frozenset\(\{[0-9a-f", ]*\}\)$\n?', "", source)
            if not source.strip() or hashlib.sha256(teachers.strip().encode("utf-8")).hexdigest()[:16] in known:
                continue
            reason = audit_code(code)
            if reason:
                return f"the code run as In [{number}] {reason}"
        return None

    def module_problem():
        folders = {os.getcwd() + os.sep, os.path.realpath(os.getcwd()) + os.sep}
        modules = [(name, module) for name, module in list(sys.modules.items()) if isinstance(module, types.ModuleType)]
        for name, module in modules:
            path = vars(module).get("__file__")
            if isinstance(path, str) and any(path.startswith(folder) for folder in folders):
                return f"it imports {name} from {os.path.basename(path)}, a file handed in beside the notebook"
        # A function written in a cell has the notebook's namespace as its globals (whatever __name__
        # says); put into a library the checker runs on (torch.allclose = lambda *a, **k: True), it
        # would decide the verdict.
        cells = shell.user_ns
        roots = {"torch", "numpy", "builtins", "math", "numbers", "operator", "functools", "itertools", "warnings",
                 "re", "html", "enum", "dataclasses", "IPython", "ipykernel", "hashlib", "ast", "os", "sys", "types"}
        # Every function of those libraries is looked at; the methods of the classes the checker
        # meets (torch.Tensor, torch.Size, nn.Module: those of the top-level namespaces) as well,
        # all classes' methods would take three times as long.
        public = {"torch", "torch.nn", "torch.nn.functional", *roots}
        for owner, module in modules:
            if owner.split(".")[0] not in roots:
                continue
            for attribute, value in list(vars(module).items()):
                # isinstance only: some library classes warn when their attributes are looked up.
                if isinstance(value, types.FunctionType):
                    functions = [value]
                elif isinstance(value, type):
                    if vars(value).get("__module__") == cells.get("__name__"):
                        return f"it replaces {owner}.{attribute} with a class from a cell"
                    functions = [member for member in vars(value).values()
                                 if owner in public and isinstance(member, types.FunctionType)]
                else:
                    continue
                if any(function.__globals__ is cells for function in functions):
                    return f"it replaces {owner}.{attribute} with code from a cell"
        return None

    def answer_problem():
        if not correct:
            return None  # a wrong answer gets its feedback, whatever it is
        for home in (getattr(answer, "__module__", None), type(answer).__module__):
            if isinstance(home, str) and home.split(".")[0] == "gpool_helpers":
                what = getattr(answer, "__qualname__", type(answer).__qualname__)
                return f"the answer is gpool_helpers' own {what}, not code written for this question"
        return None

    # A warning printed here would go to stderr, and nbgrader gives no points to a test that writes there.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return history_problem() or module_problem() or answer_problem()
