#!/usr/bin/env python3
"""gpool without make: the same set-up and commands as the Makefile, on Windows, macOS and Linux.

    python run.py lab        # creates .venv, installs the pinned set, opens JupyterLab on your own copy
    python run.py lab --lang zh          # the Simplified Chinese edition (make lab LANG=zh), 中文版
    python run.py test       # same set-up, then the fast tier: unit tests and strict nbval of the English notebooks
    python run.py test-all   # every test: both editions, solved editions, browser, nbgrader, hub recipe (CI's)
    python run.py setup      # only the set-up
    python run.py html | solutions | nbgrader | notebooks | translations | bench | test-portable | app | clean
    python run.py test --dry-run         # print the steps, run nothing
    python run.py test -- -k workspace   # anything after -- goes to pytest
    python run.py nbgrader --lang zh     # the Chinese course (build/nbgrader-zh); app --lang zh: the Chinese page

With --lang zh (make's LANG=zh) this script also speaks Chinese: its steps, its errors and the Python check.

Uses only the standard library; start it with Python 3.11, 3.12 or 3.13 (on Windows: ``py -3.11 run.py lab``).
This file is the one home of every command's steps and flags: each Makefile target only calls it.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tools.check_python import problem

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
COMMANDS = ("setup", "lab", "test", "test-all", "test-portable", "html", "solutions", "nbgrader", "notebooks",
            "translations", "bench", "app", "clean")
#: The editions: language code -> folder under notebooks/ (and workspace/), as the Makefile's LANG.
EDITIONS = {"en": "", "zh": "zh/"}
#: pytest's options in every test command; no cache folder in a learner's clone.
PYTEST_OPTIONS = ("-p", "no:cacheprovider")
#: Strict nbval: every stored output compared, in this environment's kernel, with the sanitizer's masks.
NBVAL_OPTIONS = ("--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg")
#: One worker per core, at most 4 (past that the longest file sets the time, and each worker holds torch).
#: loadfile keeps a file's tests on one worker: a notebook's cells share one kernel and run in order.
PARALLEL_OPTIONS = ("-n", "auto", "--maxprocesses", "4", "--dist", "loadfile")
#: The tiers are pytest markers (pyproject.toml; conftest.py marks the Chinese edition's nbval items).
FAST_TIER = ("-m", "not full")
#: The classroom app's Voila options: one kernel kept pre-heated, the notebook already run in it, so a
#: requested page shows at once (the first picture took 6 s while the page ran its cells; issue 24). The
#: browser suite starts its Voila with these too.
APP_OPTIONS = ("--preheat_kernel=True", "--pool_size=1")
#: Jupyter settings of the learner's lab: nbgrader's teacher tools hidden (its README says what and why).
LEARNER_LAB_CONFIG = Path("tools") / "jupyterlab-learner"
#: Per edition: the nbgrader course folder (make clean keeps both) and the app page Voila serves.
NBGRADER_COURSES = {"en": "build/nbgrader", "zh": "build/nbgrader-zh"}
APP_PAGES = {"en": "app/explorer.ipynb", "zh": "app/explorer.zh.ipynb"}
#: The page's own language, <html lang>, so a screen reader reads the Chinese page in Chinese (WCAG 3.1.1);
#: nbconvert's default, which Voila's template uses, is "en".
APP_LANGUAGE_OPTIONS = {"en": (), "zh": ("--HTMLExporter.language_code=zh",)}

#: What run.py says, in Chinese (--lang zh): English template -> Chinese template, same {placeholders}.
#: Only the standard library runs here, before the venv exists, so the table lives in this file.
CHINESE = {
    SETUP_ESTIMATE: "pip 缓存已热、使用 torch 的 CPU 版 wheel 时约 1 分 15 秒、1.7 GB，网速慢时更久；在 Linux 上，"
                    "PyPI 的 torch 是 CUDA 版（5.4 GB），README.zh-CN 说明了怎样改装 CPU 版",
    "Installing the pinned set into {venv} ({estimate})": "把固定版本的依赖安装到 {venv}（{estimate}）",
    "Creating {venv}": "创建 {venv}",
    "Marking the install as done ({stamp})": "记下安装已完成（{stamp}）",
    "Syncing your workspace/ (never overwrites your work)": "同步你的 workspace/（永远不会覆盖你的作业）",
    "Starting JupyterLab on 127.0.0.1 (stop it with Ctrl+C)": "在 127.0.0.1 上启动 JupyterLab（按 Ctrl+C 停止）",
    "The fast tier: unit tests and strict nbval of the English notebooks":
        "快速测试：单元测试，并对英文版笔记本做严格的 nbval 检查",
    "Every test: both editions, solved editions, browser suite, nbgrader course, hub recipe":
        "全部测试：两版笔记本、答案版、浏览器测试、nbgrader 课程、JupyterHub 配置",
    "Strict nbval again under simulated CPU levels and thread counts": "在模拟的 CPU 级别和线程数下再做一次严格 nbval",
    "Removing build/ (the site, the solved editions), keeping build/nbgrader and build/nbgrader-zh (the courses' gradebooks)":
        "删除 build/（静态网站、答案版），保留 build/nbgrader 和 build/nbgrader-zh（课程的成绩库）",
    "The nbgrader course": "nbgrader 课程",
    "The nbgrader course, in Chinese": "nbgrader 课程（中文版）",
    "The pooling explorer as a page (Voila, code hidden; stop it with Ctrl+C)":
        "把池化探索器做成网页（Voila，不显示代码；按 Ctrl+C 停止）",
    "Re-executing every notebook": "重新执行所有笔记本",
    "Rebuilding and re-executing the Chinese edition": "重新生成并执行中文版",
    "Rebuilding the Chinese edition from the English and translations/zh":
        "由英文版和 translations/zh 重新生成中文版",
    "Speed targets": "速度目标",
    "The solved edition": "答案版",
    "The solved edition, in Chinese": "答案版（中文版）",
    "Static HTML, offline": "离线静态 HTML",
    "Static HTML of the Chinese edition": "中文版的静态 HTML",
    "Kept {folder} (an nbgrader course: gradebook, submissions, grades); to remove it too, delete that folder yourself":
        "保留了 {folder}（nbgrader 课程：成绩库、提交的作业、成绩）；如果也要删除，请自己删掉这个文件夹",
    "unknown command {command!r}; choose one of: {choices}": "未知命令 {command!r}；可选：{choices}",
    "{message} (with run.py: start it with that Python; Windows: py -3.11 run.py ...)":
        "{message}（使用 run.py 时：用那个 Python 启动它；Windows 上：py -3.11 run.py ...）",
    "no constraints file at {path}": "找不到版本约束文件 {path}",
    "run.py: '{what}' failed with exit code {code}": "run.py：“{what}”失败，退出码 {code}",
    "==> installed in {seconds:.0f} s": "==> 安装用时 {seconds:.0f} 秒",
}


def say(text: str, lang: str = "en", **values) -> str:
    """``text`` in the language of ``--lang`` (English, or the Chinese of :data:`CHINESE`), filled in."""
    template = CHINESE.get(text, text) if lang == "zh" else text
    return template.format(**values) if values else template


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
    #: Work done in this process instead of a command (make clean's removal, the install marker).
    action: Callable[[Path], None] | None = None
    #: Environment variables the command gets on top of this process's own.
    env: dict[str, str] = field(default_factory=dict)

    def shown(self) -> str:
        settings = "".join(f"{name}={shlex.quote(value)} " for name, value in self.env.items())
        return f"{self.what}: {settings}{shlex.join(self.argv)}" if self.argv else self.what


def needs_install(venv: Path, root: Path = ROOT, constraints: Path = CONSTRAINTS) -> bool:
    """No marker of a finished install yet, or pyproject.toml / the constraints are newer than it."""
    stamp = root / venv / STAMP_NAME
    if not stamp.exists():
        return True
    return any((root / source).stat().st_mtime > stamp.stat().st_mtime for source in ("pyproject.toml", constraints))


def install_steps(venv: Path, platform: str = sys.platform, constraints: Path = CONSTRAINTS,
                  lang: str = "en") -> list[Step]:
    """The pip install of the pinned set: the package, editable, with its dev extra."""
    python = str(venv_python(venv, platform))
    return [
        Step(
            say("Installing the pinned set into {venv} ({estimate})", lang, venv=venv,
                estimate=say(SETUP_ESTIMATE, lang)),
            [python, "-m", "pip", "install", "--disable-pip-version-check",
             "-c", constraints.as_posix(), "-e", ".[dev]"],
            filter_pip_noise=True,
        )
    ]


def setup_steps(venv: Path, platform: str = sys.platform, base_python: str = sys.executable,
                root: Path = ROOT, constraints: Path = CONSTRAINTS, lang: str = "en") -> list[Step]:
    steps = []
    if not (root / venv_python(venv, platform)).exists():
        steps.append(Step(say("Creating {venv}", lang, venv=venv), [base_python, "-m", "venv", str(venv)]))
    if needs_install(venv, root, constraints):
        steps += install_steps(venv, platform, constraints, lang)
        steps.append(Step(say("Marking the install as done ({stamp})", lang, stamp=venv / STAMP_NAME),
                          action=lambda root: (root / venv / STAMP_NAME).touch()))
    return steps


def learner_lab(lang: str = "en", root: Path = ROOT) -> tuple[list[str], dict[str, str]]:
    """The options and environment of the learner's JupyterLab, as ``make lab`` starts it in ``root``.

    The browser suite starts its lab of the learner's with these, so what it checks is what learners get.
    """
    options = [
        # Encrypted kernel channels (CurveZMQ) where the kernelspec supports them.
        "--KernelManager.transport_encryption=auto",
        # notebook_shim is only for classic-notebook server extensions; loading it reads the
        # deprecated ServerApp.token and prints a warning on every start.
        "--ServerApp.jpserver_extensions={'notebook_shim': False}",
        # The Chinese edition: JupyterLab's menus in Chinese too (tools/jupyterlab-zh/README.md).
        *(["--LabApp.app_settings_dir=tools/jupyterlab-zh/settings"] if lang == "zh" else []),
    ]
    # nbgrader is installed for the teacher (make nbgrader), and its lab extension and server
    # extensions would show on every learner's notebook: a Validate button that passes a notebook
    # with no tests in it, the Formgrader, Create Assignment. A config folder first on Jupyter's
    # path turns them off for this lab only; jupyter lab started any other way still has them.
    config_path = [str(root / LEARNER_LAB_CONFIG), *filter(None, [os.environ.get("JUPYTER_CONFIG_PATH")])]
    return options, {"JUPYTER_CONFIG_PATH": os.pathsep.join(config_path)}


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
        options, environment = learner_lab(lang, root)
        return [
            Step(say("Syncing your workspace/ (never overwrites your work)", lang),
                 [python, "-m", "gpool_helpers.workspace", "sync", "--language", lang]),
            Step(say("Starting JupyterLab on 127.0.0.1 (stop it with Ctrl+C)", lang), [
                python, "-m", "jupyterlab", "--ip=127.0.0.1",
                *(["--allow-root"] if running_as_root(platform) else []),
                *options,
                "--ServerApp.root_dir=workspace", f"workspace/{EDITIONS[lang]}00_start_here.ipynb", *extra,
            ], env=environment),
        ]
    if command in ("test", "test-all"):
        tier = FAST_TIER if command == "test" else []
        what = say("The fast tier: unit tests and strict nbval of the English notebooks" if command == "test" else
                   "Every test: both editions, solved editions, browser suite, nbgrader course, hub recipe", lang)
        return [Step(what, [python, "-m", "pytest", *PYTEST_OPTIONS, "tests", "notebooks", *NBVAL_OPTIONS,
                            *PARALLEL_OPTIONS, *tier, *extra])]
    if command == "test-portable":
        return [Step(say("Strict nbval again under simulated CPU levels and thread counts", lang),
                     [python, "-m", "tools.portability", *extra, "--", *PYTEST_OPTIONS, *notebooks(root),
                      *NBVAL_OPTIONS, *PARALLEL_OPTIONS])]
    if command == "clean":
        return [Step(say("Removing build/ (the site, the solved editions), keeping build/nbgrader and build/nbgrader-zh (the courses' gradebooks)",
                         lang), action=lambda root: clean_build(root, lang))]
    if command == "nbgrader":
        # LANG=zh: the Chinese edition's course, in a folder of its own (each course keeps its own gradebook).
        what = say("The nbgrader course, in Chinese" if lang == "zh" else "The nbgrader course", lang)
        return [Step(what, [python, "-m", "tools.nbgrader_course", "--language", lang,
                            "--output", NBGRADER_COURSES[lang], *extra])]
    if command == "app":
        return [Step(say("The pooling explorer as a page (Voila, code hidden; stop it with Ctrl+C)", lang),
                     [python, "-m", "voila", APP_PAGES[lang], "--Voila.ip=127.0.0.1", "--no-browser",
                      *APP_OPTIONS, *APP_LANGUAGE_OPTIONS[lang], *extra])]
    if command == "notebooks":
        return [Step(say("Re-executing every notebook", lang),
                     [python, "-m", "tools.execute_notebooks", *notebooks(root), *extra]),
                Step(say("Rebuilding and re-executing the Chinese edition", lang),
                     [python, "-m", "tools.translate", "build", "--language", "zh", "--execute", "all"])]
    if command == "translations":
        return [Step(say("Rebuilding the Chinese edition from the English and translations/zh", lang),
                     [python, "-m", "tools.translate", "build", "--language", "zh", *extra])]
    if command == "bench":
        return [Step(say("Speed targets", lang), [python, "-m", "benchmarks.run", *extra])]
    if command == "solutions":
        return [Step(say("The solved edition", lang),
                     [python, "-m", "tools.solutions", "--output", "build/solutions", *extra]),
                Step(say("The solved edition, in Chinese", lang), [
                    python, "-m", "tools.solutions", "--output", "build/solutions/zh", *notebooks(root, "zh")])]
    if command == "html":
        return command_steps("solutions", venv, platform, root=root, lang=lang) + [
            Step(say("Static HTML, offline", lang), [
                python, "-m", "tools.render_html", "--output", "build/html", "--solutions", "build/solutions",
                *notebooks(root), *extra,
            ]),
            Step(say("Static HTML of the Chinese edition", lang), [
                python, "-m", "tools.render_html", "--output", "build/html/zh", "--solutions", "build/solutions/zh",
                *notebooks(root, "zh"),
            ]),
        ]
    raise UsageError(say("unknown command {command!r}; choose one of: {choices}", lang, command=command,
                         choices=", ".join(COMMANDS)))


def clean_build(root: Path = ROOT, lang: str = "en") -> None:
    """Remove build/ but the nbgrader courses (build/nbgrader, build/nbgrader-zh): a gradebook.db, submissions, grades."""
    build = root / "build"
    kept = {Path(folder).name for folder in NBGRADER_COURSES.values()}
    for entry in sorted(build.iterdir()) if build.is_dir() else []:
        if entry.name in kept:
            print(say("Kept {folder} (an nbgrader course: gradebook, submissions, grades); to remove it too, delete "
                      "that folder yourself", lang, folder=f"build/{entry.name}"))
        elif entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    shutil.rmtree(root / ".pytest_cache", ignore_errors=True)


def run_step(step: Step, root: Path = ROOT) -> int:
    print(f"==> {step.what}", flush=True)
    if step.action is not None:
        step.action(root)
        return 0
    if not step.argv:
        return 0
    if not step.filter_pip_noise:
        return subprocess.call(step.argv, cwd=root, env={**os.environ, **step.env} if step.env else None)
    process = subprocess.Popen(step.argv, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, errors="replace", bufsize=1)
    assert process.stdout is not None
    for line in process.stdout:
        if not PIP_NOISE.match(line):
            sys.stdout.write(line)
            sys.stdout.flush()
    return process.wait()


def check_python(version: tuple[int, ...] = tuple(sys.version_info), lang: str = "en") -> None:
    """Refuse an unsupported Python before anything is installed (the list lives in tools/check_python.py)."""
    message = problem(tuple(version[:2]), language=lang)
    if message:
        raise UsageError(say("{message} (with run.py: start it with that Python; Windows: py -3.11 run.py ...)",
                             lang, message=message))


def execute(steps: list[Step], venv: Path, root: Path = ROOT, lang: str = "en") -> int:
    for step in steps:
        started = time.monotonic()
        code = run_step(step, root)
        if code != 0:
            print(say("run.py: '{what}' failed with exit code {code}", lang, what=step.what, code=code),
                  file=sys.stderr)
            return code
        if step.filter_pip_noise:
            print(say("==> installed in {seconds:.0f} s", lang, seconds=time.monotonic() - started), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    parser = argparse.ArgumentParser(prog="run.py", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=COMMANDS, help="what to do (make's target of the same name)")
    parser.add_argument("--dry-run", action="store_true", help="print the steps, run nothing")
    parser.add_argument("--venv", type=Path, default=VENV, help="the environment folder (default .venv)")
    parser.add_argument("--constraints", type=Path, default=CONSTRAINTS, help="pins for install (make's CONSTRAINTS)")
    parser.add_argument("--lang", default="en", help="the edition, en or zh (make's LANG=zh); lab opens it")
    args = parser.parse_args(argv)
    # An unknown --lang is refused in English by command_steps; everything else speaks the edition's language.
    lang = args.lang if args.lang in EDITIONS else "en"
    try:
        check_python(lang=lang)
        if not (ROOT / args.constraints).is_file():
            raise UsageError(say("no constraints file at {path}", lang, path=args.constraints))
        setup = [] if args.command == "clean" else setup_steps(args.venv, constraints=args.constraints, lang=lang)
        steps = setup + command_steps(args.command, args.venv, extra=extra, lang=args.lang)
    except UsageError as error:
        print(f"run.py{'：' if lang == 'zh' else ': '}{error}", file=sys.stderr)
        return 2
    if args.dry_run:
        for step in steps:
            print(step.shown())
        return 0
    try:
        return execute(steps, args.venv, lang=lang)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
