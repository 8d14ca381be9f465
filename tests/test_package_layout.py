"""The package's layout: rooms import downwards only, nothing hides a cycle, and the root's lazy names are real.

CONTRIBUTING.md's rule: ``checks`` <- ``pooling`` <- ``cnn`` <- ``viz`` <- ``widgets``,
and ``exercises`` reads ``pooling`` and ``cnn``. An import written inside a
function runs late enough to get round a cycle, so it is refused as well:
a cycle must be broken by moving code, not hidden.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import gpool_helpers

PACKAGE = Path(__file__).resolve().parents[1] / "gpool_helpers"

#: Each room may import the rooms listed for it (and the base modules, which import no room).
MAY_IMPORT = {
    "pooling": set(),
    "cnn": {"pooling"},
    "sets": {"pooling"},
    "viz": {"pooling", "cnn", "sets"},
    "widgets": {"pooling", "cnn", "viz", "sets"},
    "exercises": {"pooling", "cnn"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> list[tuple[str, bool]]:
    """(imported gpool_helpers module, whether the import sits inside a function) for module ``name``."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    source = ".".join(base + ([child.module] if child.module else []))
                else:
                    source = child.module or ""
                for alias in child.names:
                    submodule = f"{source}.{alias.name}"
                    target = submodule if submodule in MODULES else source
                    if target in MODULES:
                        found.append((target, in_function))
            elif isinstance(child, ast.Import):
                found.extend((alias.name, in_function) for alias in child.names if alias.name in MODULES)
            visit(child, nested)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def room(name: str) -> str | None:
    """'gpool_helpers.cnn.heads' -> 'cnn'; None for a base module such as checks or i18n."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in MAY_IMPORT else None


def test_the_graph_sees_the_known_edges():
    # A guard on the reader itself: a parser that found nothing would pass every test below.
    assert ("gpool_helpers.cnn.counting", False) in imports_of("gpool_helpers.cnn.heads")
    assert ("gpool_helpers.checks", False) in imports_of("gpool_helpers.pooling.kinds.basic")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_imports_the_package_inside_a_function(name):
    late = sorted(target for target, in_function in imports_of(name) if in_function)
    assert not late, f"{name} imports {late} inside a function; move the code that needs it instead"


@pytest.mark.parametrize("name", sorted(name for name in MODULES if name != "gpool_helpers"))
def test_rooms_import_only_lower_rooms(name):
    allowed = MAY_IMPORT.get(room(name), set()) | {room(name)}
    upward = sorted(target for target, _ in imports_of(name) if room(target) not in allowed | {None})
    assert not upward, f"{name} ({room(name) or 'base module'}) imports {upward}"


def test_the_import_graph_has_no_cycle():
    graph = {name: {target for target, _ in imports_of(name)} for name in MODULES}
    done: set[str] = set()

    def walk(name: str, path: list[str]) -> None:
        if name in path:
            pytest.fail("import cycle: " + " -> ".join(path[path.index(name):] + [name]))
        if name in done:
            return
        for target in sorted(graph[name]):
            walk(target, path + [name])
        done.add(name)

    for name in sorted(graph):
        walk(name, [])


# -- the names that load on first use ------------------------------------------------------


@pytest.mark.parametrize("room", gpool_helpers._LAZY_ROOMS)
def test_each_lazy_room_is_read_as_it_declares_itself_and_every_name_loads(room):
    module = importlib.import_module(f"gpool_helpers.{room}")
    declared = module.NOTEBOOK_SETS if room == "exercises" else module.__all__
    assert gpool_helpers._names_in(room) == tuple(declared)
    for name in declared:
        if room == "exercises":
            assert getattr(gpool_helpers, name) is importlib.import_module(f"gpool_helpers.exercises.{name}")
        else:
            assert getattr(gpool_helpers, name) is getattr(module, name), f"{room} lists {name} but has no such name"


def test_no_name_is_given_twice():
    listed = [name for room in gpool_helpers._LAZY_ROOMS for name in gpool_helpers._names_in(room)]
    listed += gpool_helpers.pooling.__all__
    assert sorted(name for name in set(listed) if listed.count(name) > 1) == []


def test_importing_the_package_loads_no_plotting_or_widgets():
    # The point of loading rooms on first use: a benchmark or a test that needs the pooling pays for nothing else.
    code = "import sys, gpool_helpers; print(sorted({'matplotlib', 'ipywidgets', 'gpool_helpers.cnn'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("room", ["cnn", "pooling", "viz", "widgets", "workspace"])
def test_each_room_docstring_names_exactly_its_modules(room):
    folder = PACKAGE / room
    modules = {path.stem for path in folder.glob("*.py") if path.stem not in ("__init__", "__main__")}
    modules |= {path.parent.name for path in folder.glob("*/__init__.py")}
    docstring = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
    named = set(re.findall(r":mod:`\.(\w+)`", docstring))
    assert named == modules, f"gpool_helpers.{room}'s docstring: missing {modules - named}, stale {named - modules}"
