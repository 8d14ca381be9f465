"""docs/teachers.md's JupyterHub recipe, followed step by step in a second environment.

The notebooks ask for the kernel named ``python3``; the recipe registers the environment's
kernel under that name, with a normal (not editable) install, so learners do not depend on the
checkout the environment was built from. This builds a fresh venv by exactly those steps (pip
reuses its cache: about a minute and 1.7 GB in a temporary folder), deletes the checkout copy it
was built from, and runs notebook 02 from a learner's folder with nbclient, asking for the kernel
by the name in the notebook.
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

ROOT = Path(__file__).resolve().parents[1]
TEACHERS = ROOT / "docs" / "teachers.md"


def recipe_commands() -> list[str]:
    """The shell lines of the first code block under '### On JupyterHub'."""
    section = TEACHERS.read_text(encoding="utf-8").split("### On JupyterHub", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_every_notebook_asks_for_the_kernel_the_recipe_installs():
    install = [line for line in recipe_commands() if "ipykernel install" in line]
    assert len(install) == 1
    name = re.search(r"--name (\S+)", install[0]).group(1)
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        assert json.loads(path.read_text(encoding="utf-8"))["metadata"]["kernelspec"]["name"] == name, path.name
    assert not any(re.search(r"\s-e\s", line) for line in recipe_commands()), "an editable install ties learners to one checkout"


@pytest.mark.slow
def test_the_recipe_builds_an_environment_that_runs_a_learners_notebook(tmp_path):
    commands = recipe_commands()
    assert commands[:3] == [
        "python3 -m venv /opt/gpool",
        '/opt/gpool/bin/python -m pip install -c requirements/constraints.txt ".[dev]"',
        '/opt/gpool/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (gpool)"',
    ], commands
    # The checkout the admin builds from: a copy, removed after the install to prove nothing points into it.
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT, checkout, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "workspace", "*.egg-info", "__pycache__", "artifacts", ".ipynb_checkpoints"))
    prefix = tmp_path / "gpool-env"
    python = prefix / "bin" / "python"
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    environment["JUPYTER_PLATFORM_DIRS"] = "1"
    for key, folder in (("JUPYTER_DATA_DIR", "data"), ("JUPYTER_CONFIG_DIR", "config"),
                        ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "mpl")):
        environment[key] = str(tmp_path / folder)
    for line in commands[:3]:
        argv = [part.strip('"') for part in re.findall(r'"[^"]*"|\S+', line.replace("/opt/gpool", str(prefix)))]
        if argv[0] == "python3":
            argv[0] = sys.executable
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
                          "last": notebook.cells[-1].outputs[0]["text"].splitlines()}))
        """)
    done = subprocess.run([str(python), "-c", runner, notebook.name], cwd=learner, env=environment,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["kernel"] == "python3" and report["errors"] == []
    kernel_python, package = report["last"]
    assert Path(report["argv0"]).resolve() == python.resolve() == Path(kernel_python).resolve()
    assert Path(package).resolve().is_relative_to(prefix.resolve()), package  # installed, not a link to a checkout
    assert notebook.read_bytes() == before  # the learner's file is never rewritten
