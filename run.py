#!/usr/bin/env python3
"""gpool without make: the same set-up and commands as the Makefile, on Windows, macOS and Linux.

    python run.py lab        # creates .venv, installs the pinned set, opens JupyterLab on your own copy
    python run.py lab --lang zh          # the Simplified Chinese edition (make lab LANG=zh), 中文版
    python run.py test       # same set-up, then unit tests and strict nbval over every notebook
    python run.py setup      # only the set-up
    python run.py html | solutions | nbgrader | notebooks | translations | bench | test-portable | app
    python run.py test --dry-run         # print the steps, run nothing
    python run.py test -- -k workspace   # anything after -- goes to pytest

Uses only the standard library; start it with Python 3.11, 3.12 or 3.13 (on Windows: ``py -3.11 run.py lab``).
The venv and the marker of a finished install are the Makefile's own (.venv/.gpool-installed),
so make and this script can be used in turn on one clone.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(".venv")
CONSTRAINTS = Path("requirements") / "constraints.txt"
STAMP_NAME = ".gpool-installed"
#: Measured on a 2-core machine with a warm pip cache and torch's CPU wheel (README, "How long things take":
#: 1 min 14 s, 1.7 GB; PyPI's CUDA build of torch on Linux: about 3.5 min, 5.4 GB).
SETUP_ESTIMATE = ("about 1 min 15 s and 1.7 GB with pip's cache warm and torch's CPU wheel, longer on a slow "
                  "connection; on Linux, PyPI's torch is the CUDA build (5.4 GB): README says how to get the CPU wheel")
#: pip repeats this for every package when its configuration names a missing --find-links
#: folder; it is harmless and drowns what pip is doing.
PIP_NOISE = re.compile(r"^WARNING: Location '.*' is ignored")
COMMANDS = ("setup", "lab", "test", "test-portable", "html", "solutions", "nbgrader", "notebooks", "translations",
            "bench", "app")
#: The editions: language code -> folder under notebooks/ (and workspace/), as the Makefile's LANG.
EDITIONS = {"en": "", "zh": "zh/"}


class UsageError(Exception):
    """Bad input: said in one line, no traceback."""


def is_windows(platform: str = sys.platform) -> bool:
    return platform.startswith("win")


def venv_python(venv: Path, platform: str = sys.platform) -> Path:
    """The venv's interpreter: Scripts\\python.exe on Windows, bin/python elsewhere."""
    return venv / "Scripts" / "python.exe" if is_windows(platform) else venv / "bin" / "python"


def notebooks(root: Path = ROOT, edition: str = "en") -> list[str]:
    """notebooks/NN_*.ipynb (or notebooks/zh/...), sorted, as the Makefile's $(NOTEBOOKS) / $(NOTEBOOKS_ZH)."""
    folder = root / "notebooks" / EDITIONS[edition]
    return sorted(path.relative_to(root).as_posix() for path in folder.glob("[0-9][0-9]_*.ipynb"))


def running_as_root(platform: str = sys.platform) -> bool:
    return not is_windows(platform) and hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass
class Step:
    what: str
    argv: list[str] = field(default_factory=list)
    filter_pip_noise: bool = False

    def shown(self) -> str:
        return f"{self.what}: {shlex.join(self.argv)}" if self.argv else self.what


def needs_install(venv: Path, root: Path = ROOT) -> bool:
    """As make decides: no marker yet, or pyproject.toml / the constraints are newer than it."""
    stamp = root / venv / STAMP_NAME
    if not stamp.exists():
        return True
    return any((root / source).stat().st_mtime > stamp.stat().st_mtime for source in ("pyproject.toml", CONSTRAINTS))


def install_steps(venv: Path, platform: str = sys.platform, constraints: Path = CONSTRAINTS) -> list[Step]:
    """The pip install that ``make setup`` runs (the Makefile calls ``run.py install`` for it)."""
    python = str(venv_python(venv, platform))
    return [
        Step(
            f"Installing the pinned set into {venv} ({SETUP_ESTIMATE})",
            [python, "-m", "pip", "install", "--disable-pip-version-check",
             "-c", constraints.as_posix(), "-e", ".[dev]"],
            filter_pip_noise=True,
        )
    ]


def setup_steps(venv: Path, platform: str = sys.platform, base_python: str = sys.executable,
                root: Path = ROOT) -> list[Step]:
    steps = []
    if not (root / venv_python(venv, platform)).exists():
        steps.append(Step(f"Creating {venv}", [base_python, "-m", "venv", str(venv)]))
    if needs_install(venv, root):
        steps += install_steps(venv, platform)
        steps.append(Step(f"Marking the install as done ({venv / STAMP_NAME})"))
    return steps


def command_steps(command: str, venv: Path, platform: str = sys.platform, extra: list[str] | None = None,
                  root: Path = ROOT, lang: str = "en") -> list[Step]:
    """What the Makefile target of the same name runs after its set-up (``lang``: make's LANG=)."""
    python = str(venv_python(venv, platform))
    extra = list(extra or [])
    if lang not in EDITIONS:
        raise UsageError(f"--lang expects one of {', '.join(EDITIONS)}; got {lang!r}")
    if command == "setup":
        return []
    if command == "lab":
        return [
            Step("Syncing your workspace/ (never overwrites your work)",
                 [python, "-m", "gpool_helpers.workspace", "sync", "--language", lang]),
            Step("Starting JupyterLab on 127.0.0.1 (stop it with Ctrl+C)", [
                python, "-m", "jupyterlab", "--ip=127.0.0.1",
                *(["--allow-root"] if running_as_root(platform) else []),
                # Encrypted kernel channels (CurveZMQ) where the kernelspec supports them.
                "--KernelManager.transport_encryption=auto",
                # notebook_shim is only for classic-notebook server extensions; loading it reads the
                # deprecated ServerApp.token and prints a warning on every start.
                "--ServerApp.jpserver_extensions={'notebook_shim': False}",
                # The Chinese edition: JupyterLab's menus in Chinese too (tools/jupyterlab-zh/README.md).
                *(["--LabApp.app_settings_dir=tools/jupyterlab-zh/settings"] if lang == "zh" else []),
                "--ServerApp.root_dir=workspace", f"workspace/{EDITIONS[lang]}00_start_here.ipynb", *extra,
            ]),
        ]
    if command == "test":
        return [Step("Unit tests, then strict nbval over every notebook", [
            python, "-m", "pytest", "-p", "no:cacheprovider", "tests", *notebooks(root), *notebooks(root, "zh"), "--nbval",
            "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", *extra,
        ])]
    if command == "test-portable":
        return [Step("Strict nbval again under simulated CPU levels and thread counts",
                     [python, "tools/test_portable.py", *notebooks(root), *extra])]
    if command == "nbgrader":
        return [Step("The nbgrader course", [python, "tools/nbgrader_course.py", "--output", "build/nbgrader", *extra])]
    if command == "app":
        return [Step("The pooling explorer as a page (Voila, code hidden; stop it with Ctrl+C)",
                     [python, "-m", "voila", "app/explorer.ipynb", "--Voila.ip=127.0.0.1", "--no-browser", *extra])]
    if command == "notebooks":
        return [Step("Re-executing every notebook", [python, "tools/execute_notebooks.py", *notebooks(root), *extra]),
                Step("Rebuilding and re-executing the Chinese edition",
                     [python, "tools/translate.py", "build", "--language", "zh", "--execute", "all"])]
    if command == "translations":
        return [Step("Rebuilding the Chinese edition from the English and translations/zh",
                     [python, "tools/translate.py", "build", "--language", "zh", *extra])]
    if command == "bench":
        return [Step("Speed targets", [python, "benchmarks/run.py", *extra])]
    if command == "solutions":
        return [Step("The solved edition", [python, "tools/solutions.py", "--output", "build/solutions", *extra]),
                Step("The solved edition, in Chinese", [
                    python, "tools/solutions.py", "--output", "build/solutions/zh", *notebooks(root, "zh")])]
    if command == "html":
        return command_steps("solutions", venv, platform, root=root) + [
            Step("Static HTML, offline", [
                python, "tools/render_html.py", "--output", "build/html", "--solutions", "build/solutions",
                *notebooks(root), *extra,
            ]),
            Step("Static HTML of the Chinese edition", [
                python, "tools/render_html.py", "--output", "build/html/zh", "--solutions", "build/solutions/zh",
                *notebooks(root, "zh"),
            ]),
        ]
    raise UsageError(f"unknown command {command!r}; choose one of: {', '.join(COMMANDS)}")


def run_step(step: Step, root: Path = ROOT) -> int:
    print(f"==> {step.what}", flush=True)
    if not step.argv:
        return 0
    if not step.filter_pip_noise:
        return subprocess.call(step.argv, cwd=root)
    process = subprocess.Popen(step.argv, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, errors="replace", bufsize=1)
    assert process.stdout is not None
    for line in process.stdout:
        if not PIP_NOISE.match(line):
            sys.stdout.write(line)
            sys.stdout.flush()
    return process.wait()


def check_python(version: tuple[int, ...] = tuple(sys.version_info)) -> None:
    """The Makefile's check (tools/check_python.py), one list of supported versions for both."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from check_python import problem
    finally:
        sys.path.pop(0)
    message = problem(tuple(version[:2]))
    if message:
        raise UsageError(f"{message} (with run.py: start it with that Python; Windows: py -3.11 run.py ...)")


def execute(steps: list[Step], venv: Path, root: Path = ROOT) -> int:
    for step in steps:
        started = time.monotonic()
        code = run_step(step, root)
        if code != 0:
            print(f"run.py: '{step.what}' failed with exit code {code}", file=sys.stderr)
            return code
        if step.what.startswith("Marking the install"):
            (root / venv / STAMP_NAME).touch()
        if step.filter_pip_noise:
            print(f"==> installed in {time.monotonic() - started:.0f} s", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    parser = argparse.ArgumentParser(prog="run.py", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=[*COMMANDS, "install"],
                        help="what to do (install: only the pip step, as make setup runs it)")
    parser.add_argument("--dry-run", action="store_true", help="print the steps, run nothing")
    parser.add_argument("--venv", type=Path, default=VENV, help="the environment folder (default .venv)")
    parser.add_argument("--constraints", type=Path, default=CONSTRAINTS, help="pins for install (make's CONSTRAINTS)")
    parser.add_argument("--lang", default="en", help="lab: the edition to open, en or zh (make's LANG=zh)")
    args = parser.parse_args(argv)
    try:
        check_python()
        if args.command == "install":
            if not (ROOT / args.constraints).is_file():
                raise UsageError(f"no constraints file at {args.constraints}")
            steps = install_steps(args.venv, constraints=args.constraints)
        else:
            steps = setup_steps(args.venv) + command_steps(args.command, args.venv, extra=extra, lang=args.lang)
    except UsageError as error:
        print(f"run.py: {error}", file=sys.stderr)
        return 2
    if args.dry_run:
        for step in steps:
            print(step.shown())
        return 0
    try:
        return execute(steps, args.venv)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
