"""The repository basics: the GitHub workflow, CITATION.cff and LICENSE, checked against published schemas.

check-jsonschema bundles GitHub's workflow schema and the Citation File Format schema
(``--builtin-schema vendor.github-workflows`` / ``vendor.citation-file-format``), so this runs offline.
"""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def check(schema: str, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True, text=True, timeout=120,
    )


def test_the_workflow_matches_githubs_schema_and_a_broken_one_does_not(tmp_path):
    result = check("vendor.github-workflows", WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text(encoding="utf-8").replace("runs-on:", "runs_on:"), encoding="utf-8")
    result = check("vendor.github-workflows", broken)
    assert result.returncode != 0 and "runs_on" in result.stdout + result.stderr


def test_the_workflow_runs_the_ci_targets_on_every_supported_python_and_system():
    from ruamel.yaml import YAML

    workflow = YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))
    job = workflow["jobs"]["test"]
    matrix = job["strategy"]["matrix"]
    assert set(matrix["os"]) == {"ubuntu-latest", "macos-latest", "windows-latest"}
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    lowest = re.fullmatch(r">=3\.(\d+)", requires).group(1)
    assert matrix["python"][0] == f"3.{lowest}" and "3.11" in matrix["python"]  # 3.11: the pins' own version
    runs = {step.get("name"): step for step in job["steps"] if "run" in step}
    # The full tier everywhere, as .ci/run runs it: nothing is left to a tier no CI runs.
    linux = next(step for name, step in runs.items() if name and name.startswith("make test-all"))
    assert linux["run"] == "make test-all PYTHON=python" and linux["env"]["GPOOL_REQUIRE_BROWSER"] == "1"
    ci_commands = re.findall(r"^make [a-z-]+", (ROOT / ".ci" / "run").read_text(encoding="utf-8"), re.M)
    assert "make test-all" in ci_commands and "make test-portable" in ci_commands
    other = next(step for name, step in runs.items() if name and "run.py test-all" in name)
    assert other["run"] == "python run.py test-all" and other["if"] == "runner.os != 'Linux'"


def test_the_citation_file_is_valid_cff_and_cites_the_blog_post_and_every_paper(tmp_path):
    citation = ROOT / "CITATION.cff"
    result = check("vendor.citation-file-format", citation)
    assert result.returncode == 0, result.stdout + result.stderr
    text = citation.read_text(encoding="utf-8")
    assert "轻松学Pytorch – 全局池化层详解" in text and "小白学视觉" in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    credits = readme.split("## Credits and sources", 1)[1]
    papers = set(re.findall(r"arXiv:\d{4}\.\d{4,5}", credits))
    assert papers and papers <= set(re.findall(r"arXiv:\d{4}\.\d{4,5}", text))
    broken = tmp_path / "CITATION.cff"
    broken.write_text(text.replace("cff-version: 1.2.0", "cff-version: one"), encoding="utf-8")
    assert check("vendor.citation-file-format", broken).returncode != 0


def test_the_license_is_the_mit_license_pyproject_declares():
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License\n\nCopyright (c) 2026 the gpool authors\n")
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["license"]
    assert declared == {"text": "MIT"}


@pytest.mark.parametrize("document", ["README.md", "CONTRIBUTING.md"])
def test_readme_and_contributing_say_how_to_report_a_problem(document):
    text = (ROOT / document).read_text(encoding="utf-8")
    assert "## Reporting problems" in text
    section = text.split("## Reporting problems", 1)[1].split("\n## ", 1)[0]
    assert "python run.py test" in section or "make test" in section
