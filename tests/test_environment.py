"""The three descriptions of the environment agree.

- requirements/constraints.txt pins the exact set (torch 2.13.0, CPU) that CI
  and the stored notebook outputs were made with;
- pyproject.toml declares compatible ranges, which must admit every pin;
- environment.yml (conda, repo2docker, Binder) must install those same pins.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from gpool_helpers.workspace.environment import MINIMUM_PYTHON

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
PYPROJECT = ROOT / "pyproject.toml"
ENVIRONMENT = ROOT / "environment.yml"

PINNED_TORCH = Version("2.13.0")


def read_pins(path: Path) -> dict[str, Version]:
    """{canonical name: version} from a file of ``name==version`` lines."""
    pins: dict[str, Version] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", (
            f"{path.name}:{number}: every line must pin one exact version (name==version); got {raw!r}"
        )
        name = canonicalize_name(requirement.name)
        assert name not in pins, f"{path.name}:{number}: {requirement.name} is pinned twice"
        pins[name] = Version(specifiers[0].version)
    return pins


@pytest.fixture(scope="module")
def pins() -> dict[str, Version]:
    return read_pins(CONSTRAINTS)


@pytest.fixture(scope="module")
def pyproject() -> dict:
    with PYPROJECT.open("rb") as file:
        return tomllib.load(file)


@pytest.fixture(scope="module")
def environment() -> dict:
    return yaml.safe_load(ENVIRONMENT.read_text(encoding="utf-8"))


def declared_requirements(pyproject: dict) -> list[Requirement]:
    project = pyproject["project"]
    lines = list(project["dependencies"])
    for group in project.get("optional-dependencies", {}).values():
        lines.extend(group)
    return [Requirement(line) for line in lines]


def pip_lines(environment: dict) -> list[str]:
    sections = [entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict) and "pip" in entry]
    assert len(sections) == 1, "environment.yml needs exactly one pip: section"
    return [str(line).strip() for line in sections[0]]


def conda_specs(environment: dict) -> list[str]:
    return [entry for entry in environment["dependencies"] if isinstance(entry, str)]


# ---------------------------------------------------------------------------
# constraints.txt
# ---------------------------------------------------------------------------


def test_torch_is_pinned_to_2_13_0(pins):
    """A floating torch makes pip fetch the multi-GB CUDA build."""
    assert pins["torch"] == PINNED_TORCH


def test_every_declared_dependency_is_pinned(pyproject, pins):
    unpinned = [str(requirement) for requirement in declared_requirements(pyproject)
                if canonicalize_name(requirement.name) not in pins]
    assert unpinned == []


# ---------------------------------------------------------------------------
# pyproject.toml ranges admit the pins
# ---------------------------------------------------------------------------


def test_pyproject_ranges_admit_every_pinned_version(pyproject, pins):
    rejected = []
    for requirement in declared_requirements(pyproject):
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        pinned = pins[canonicalize_name(requirement.name)]
        if not requirement.specifier.contains(pinned, prereleases=True):
            rejected.append(f"{requirement} rejects the pinned {pinned}")
    assert rejected == []


def test_pyproject_declares_ranges_not_exact_pins(pyproject):
    """Ranges, not pins: exact pins in pyproject stop installing on a newer Python."""
    for requirement in declared_requirements(pyproject):
        for specifier in requirement.specifier:
            assert specifier.operator in (">=", "<", "!=", "~="), f"{requirement}: use a range, not {specifier}"


def test_requires_python_admits_the_environment_python(pyproject, environment):
    (python_spec,) = [spec for spec in conda_specs(environment) if re.match(r"python\b", spec)]
    python_version = python_spec.split("=", 1)[1]
    assert SpecifierSet(pyproject["project"]["requires-python"]).contains(python_version)


def test_the_environment_check_asks_for_the_python_pyproject_requires(pyproject):
    lowest = ".".join(map(str, MINIMUM_PYTHON))
    assert SpecifierSet(pyproject["project"]["requires-python"]) == SpecifierSet(f">={lowest}")


# ---------------------------------------------------------------------------
# environment.yml installs the pins
# ---------------------------------------------------------------------------


def test_environment_is_named_gpool_on_conda_forge_with_python_3_11(environment):
    assert environment["name"] == "gpool"
    assert environment["channels"] == ["conda-forge"]
    specs = conda_specs(environment)
    assert "python=3.11" in specs
    assert "pip" in specs


def test_environment_installs_the_constraints_file_and_the_package(environment, pyproject):
    lines = pip_lines(environment)
    requirement_files = [line.split(None, 1)[1] for line in lines if line.startswith("-r ")]
    # conda runs pip from the directory holding environment.yml.
    assert [(ROOT / path).resolve() for path in requirement_files] == [CONSTRAINTS]
    editable = [line for line in lines if line.startswith("-e ")]
    assert len(editable) == 1
    target = editable[0].split(None, 1)[1]
    path, _, extras = target.partition("[")
    assert (ROOT / path).resolve() == ROOT
    for extra in filter(None, extras.rstrip("]").split(",")):
        assert extra.strip() in pyproject["project"]["optional-dependencies"]


def test_every_version_the_environment_names_matches_the_pins(environment, pins):
    named: dict[str, str] = {}
    for line in pip_lines(environment):
        if line.startswith("-"):
            continue
        requirement = Requirement(line)
        named[canonicalize_name(requirement.name)] = str(requirement.specifier)
    for spec in conda_specs(environment):
        name, _, version = spec.partition("=")
        # conda supplies the interpreter and its installer; pip installs the rest.
        if name not in ("python", "pip"):
            named[canonicalize_name(name)] = f"=={version.lstrip('=')}" if version else ""
    for name, specifier in named.items():
        assert name in pins, f"environment.yml installs {name}, which constraints.txt does not pin"
        if specifier:
            assert specifier == f"=={pins[name]}", f"environment.yml has {name}{specifier}; pinned {pins[name]}"


def test_pip_reads_only_the_default_index(environment, pins):
    """No extra package index: the environment installs from PyPI alone, and
    the torch pin ==2.13.0 also accepts the CPU build 2.13.0+cpu where a
    teacher points pip at one (docs/teachers.md)."""
    indexes = [line for line in pip_lines(environment) if line.startswith(("--extra-index-url", "--index-url", "-i "))]
    assert indexes == []
    assert SpecifierSet(f"=={pins['torch']}").contains(Version(f"{pins['torch']}+cpu"))


# ---------------------------------------------------------------------------
# The running environment is the pinned one
# ---------------------------------------------------------------------------


def test_installed_direct_dependencies_match_the_pins(pyproject, pins):
    """The stored notebook outputs were made with these versions."""
    mismatched = []
    for requirement in declared_requirements(pyproject):
        name = canonicalize_name(requirement.name)
        installed = Version(importlib.metadata.version(requirement.name))
        # torch's CPU wheel carries a local label (2.13.0+cpu).
        if Version(installed.public) != pins[name]:
            mismatched.append(f"{name}: installed {installed}, pinned {pins[name]}")
    assert mismatched == []

