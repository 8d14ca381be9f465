"""Python versions: the supported ones are named, any other stops set-up at once."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tools import check_python

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("version", [(3, 11), (3, 12), (3, 13)])
def test_supported_versions_pass(version):
    assert check_python.problem(version) is None


@pytest.mark.parametrize("version", [(3, 10), (3, 14), (2, 7)])
def test_other_versions_get_a_message_naming_what_works_and_how_to_choose(version):
    message = check_python.problem(version)
    assert f"this is Python {version[0]}.{version[1]}" in message
    assert "3.11, 3.12, 3.13" in message and "PYTHON=" in message


def test_pyproject_and_readme_name_the_same_versions():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.11"
    classifiers = {c.rsplit(" :: ", 1)[1] for c in project.get("classifiers", []) if c.startswith("Programming Language :: Python :: 3.")}
    assert classifiers == {"3.11", "3.12", "3.13"}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Python 3.11, 3.12 or 3.13" in readme


def pyenv_python(version: str) -> str | None:
    root = Path.home() / ".pyenv" / "versions"
    matches = sorted(root.glob(f"{version}.*/bin/python{version}")) if root.is_dir() else []
    return str(matches[-1]) if matches else shutil.which(f"python{version}")


def test_make_setup_refuses_python_3_10_before_creating_anything(tmp_path):
    python = pyenv_python("3.10")
    if python is None or shutil.which("make") is None:
        pytest.skip("needs make and a Python 3.10 interpreter (pyenv or PATH) to try")
    venv = tmp_path / "venv"
    result = subprocess.run(
        ["make", "-s", "setup", f"PYTHON={python}", f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "gpool supports Python 3.11, 3.12, 3.13; this is Python 3.10" in result.stderr
    assert not venv.exists()


def test_the_chinese_message_names_the_same_versions_and_the_fix():
    message = check_python.problem((3, 14), language="zh")
    assert message == ("gpool 支持 Python 3.11、3.12、3.13；当前是 Python 3.14。"
                       "请用 PYTHON=... 换一个 Python，例如：make setup PYTHON=python3.11")
    assert check_python.problem((3, 12), language="zh") is None


def test_the_script_alone_speaks_the_language_it_is_given(monkeypatch, capsys):
    monkeypatch.setattr(check_python.sys, "version_info", (3, 10, 0, "final", 0))
    assert check_python.main(["--lang", "zh"]) == 1
    assert "当前是 Python 3.10" in capsys.readouterr().err
    assert check_python.main([]) == 1
    assert "this is Python 3.10" in capsys.readouterr().err
    assert check_python.main(["--lang", "fr"]) == 2
