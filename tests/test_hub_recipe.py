"""docs/teachers.md's JupyterHub recipe, followed step by step in a second environment.

The notebooks ask for the kernel named ``python3``; the recipe registers the environment's
kernel under that name, with a normal (not editable) install, so learners do not depend on the
checkout the environment was built from. This builds a fresh venv by exactly those steps (pip
reuses its cache; 1.7 GB in a temporary folder with torch's CPU wheel), deletes the checkout copy
it was built from, and runs notebook 02 from a learner's folder with nbclient, asking for the
kernel by the name in the notebook. The kernel it gets must be the one the recipe's install line
wrote: ipykernel also offers a built-in python3 kernel that would run the same interpreter.

The recipe is written for Linux (/opt/gpool/bin/python); the test maps it to each system's venv
layout, so it runs on Windows (Scripts\\python.exe) too.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# The full tier only (make test-all): this file builds a second environment with pip.
pytestmark = pytest.mark.full

ROOT = Path(__file__).resolve().parents[1]
TEACHERS = ROOT / "docs" / "teachers.md"


def recipe_commands() -> list[str]:
    """The shell lines of the first code block under '### On JupyterHub'."""
    section = TEACHERS.read_text(encoding="utf-8").split("### On JupyterHub", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]


def venv_python(prefix: Path) -> Path:
    """A venv's interpreter: Scripts\\python.exe on Windows, bin/python elsewhere."""
    return prefix / "Scripts" / "python.exe" if os.name == "nt" else prefix / "bin" / "python"


def recipe_argv(line: str, prefix: Path) -> list[str]:
    """One recipe line as an argv, its /opt/gpool paths mapped to ``prefix`` on this system."""
    argv = [part.strip('"') for part in re.findall(r'"[^"]*"|\S+', line)]
    if argv[0] == "python3":  # the admin's Python; the kernel name python3 further on stays
        argv[0] = sys.executable
    mapped = {"/opt/gpool": str(prefix), "/opt/gpool/bin/python": str(venv_python(prefix))}
    return [mapped.get(part, part) for part in argv]


def test_every_notebook_asks_for_the_kernel_the_recipe_installs():
    install = [line for line in recipe_commands() if "ipykernel install" in line]
    assert len(install) == 1
    name = re.search(r"--name (\S+)", install[0]).group(1)
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        assert json.loads(path.read_text(encoding="utf-8"))["metadata"]["kernelspec"]["name"] == name, path.name
    assert not any(re.search(r"\s-e\s", line) for line in recipe_commands()), "an editable install ties learners to one checkout"


#: Made by using the clone, not part of it. build/ and workspace/ only at the top: the package
#: has a gpool_helpers/workspace/ of its own, which a pattern matched at every level dropped
#: from the install without a word until the package read that folder at import.
TOP_LEVEL_ONLY = {".git", ".venv", "build", "workspace"}
ANYWHERE = shutil.ignore_patterns("*.egg-info", "__pycache__", "artifacts", ".ipynb_checkpoints", ".venv-*")


def not_in_a_fresh_checkout(folder: str, names: list[str]) -> set[str]:
    ignored = set(ANYWHERE(folder, names))
    if Path(folder).resolve() == ROOT.resolve():
        ignored |= TOP_LEVEL_ONLY & set(names)
    return ignored


def test_the_copy_keeps_the_packages_own_workspace_folder():
    assert "workspace" not in not_in_a_fresh_checkout(str(ROOT / "gpool_helpers"), ["workspace", "cnn"])
    assert {"workspace", "build"} <= not_in_a_fresh_checkout(str(ROOT), ["workspace", "build", "tests"])


def test_the_recipe_builds_an_environment_that_runs_a_learners_notebook(tmp_path):
    commands = recipe_commands()
    assert commands[:3] == [
        "python3 -m venv /opt/gpool",
        '/opt/gpool/bin/python -m pip install -c requirements/constraints.txt ".[dev]"',
        '/opt/gpool/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (gpool)"',
    ], commands
    # The checkout the admin builds from: a copy, removed after the install to prove nothing points into it.
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT, checkout, ignore=not_in_a_fresh_checkout)
    prefix = tmp_path / "gpool-env"
    python = venv_python(prefix)
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    environment["JUPYTER_PLATFORM_DIRS"] = "1"
    for key, folder in (("JUPYTER_DATA_DIR", "data"), ("JUPYTER_CONFIG_DIR", "config"),
                        ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "mpl")):
        environment[key] = str(tmp_path / folder)
    for line in commands[:3]:
        argv = recipe_argv(line, prefix)
        assert not any(part.startswith("/opt/gpool") for part in argv), argv  # every path mapped
        done = subprocess.run(argv, cwd=checkout, env=environment, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"{line}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    shutil.rmtree(checkout)

    learner = tmp_path / "home" / "learner"
    learner.mkdir(parents=True)
    notebook = learner / "02_global_average_pooling.ipynb"
    shutil.copy2(ROOT / "notebooks" / "02_global_average_pooling.ipynb", notebook)
    before = notebook.read_bytes()
    runner = textwrap.dedent("""\
        import json, sys
        import nbformat
        from nbclient import NotebookClient
        from jupyter_client.kernelspec import KernelSpecManager
        path = sys.argv[1]
        notebook = nbformat.read(path, as_version=4)
        name = notebook.metadata.kernelspec.name
        spec = KernelSpecManager().get_kernel_spec(name)
        notebook.cells.append(nbformat.v4.new_code_cell(
            "import sys, gpool_helpers; print(sys.executable); print(gpool_helpers.__file__)"))
        NotebookClient(notebook, kernel_name=name, timeout=300, resources={"metadata": {"path": "."}}).execute()
        errors = [o.get("ename") for c in notebook.cells if c.cell_type == "code" for o in c.outputs
                  if o.output_type == "error" and "raises-exception" not in c.metadata.get("tags", [])]
        print(json.dumps({"kernel": name, "argv0": spec.argv[0], "errors": errors,
                          "resource_dir": spec.resource_dir, "display_name": spec.display_name,
                          "last": notebook.cells[-1].outputs[0]["text"].splitlines()}))
        """)
    done = subprocess.run([str(python), "-c", runner, notebook.name], cwd=learner, env=environment,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["kernel"] == "python3" and report["errors"] == []
    # The kernel is the one the recipe's install line registered (--sys-prefix --name, --display-name),
    # not ipykernel's built-in python3, which would run the same interpreter without that line.
    install = recipe_argv(commands[2], prefix)
    name, display_name = install[install.index("--name") + 1], install[install.index("--display-name") + 1]
    kernelspec = prefix / "share" / "jupyter" / "kernels" / name
    written = json.loads((kernelspec / "kernel.json").read_text(encoding="utf-8"))
    assert Path(written["argv"][0]).resolve() == python.resolve() and written["display_name"] == display_name
    assert Path(report["resource_dir"]).resolve() == kernelspec.resolve(), report["resource_dir"]
    assert report["display_name"] == display_name
    kernel_python, package = report["last"]
    assert Path(report["argv0"]).resolve() == python.resolve() == Path(kernel_python).resolve()
    assert Path(package).resolve().is_relative_to(prefix.resolve()), package  # installed, not a link to a checkout
    assert notebook.read_bytes() == before  # the learner's file is never rewritten
