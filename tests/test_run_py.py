"""run.py: the Makefile's set-up and commands for a machine without make (Windows, many Macs)."""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path, PureWindowsPath

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("gpool_run", ROOT / "run.py")
run = importlib.util.module_from_spec(spec)
sys.modules["gpool_run"] = run  # dataclasses look the module up while run.py is loading
spec.loader.exec_module(run)


@pytest.mark.parametrize(
    "platform, python",
    [("win32", r".venv\Scripts\python.exe"), ("linux", ".venv/bin/python"), ("darwin", ".venv/bin/python")],
)
def test_the_venv_interpreter_is_where_each_platform_puts_it(platform, python):
    found = run.venv_python(Path(".venv"), platform)
    shown = str(PureWindowsPath(*found.parts)) if platform == "win32" else found.as_posix()
    assert shown == python


def test_windows_plans_use_scripts_python_exe_and_no_allow_root(tmp_path):
    steps = run.command_steps("lab", Path(".venv"), "win32", root=ROOT)
    for step in steps:
        assert Path(step.argv[0]).parts[-2:] == ("Scripts", "python.exe")
    assert "--allow-root" not in steps[-1].argv
    install = run.install_steps(Path(".venv"), "win32")[0].argv
    assert Path(install[0]).parts[-2:] == ("Scripts", "python.exe")
    assert install[1:] == ["-m", "pip", "install", "--disable-pip-version-check", "-c",
                           "requirements/constraints.txt", "-e", ".[dev]"]


#: The Makefile's own settings. make exports a variable set on its command line to every
#: program it starts, so under `make test VENV=.venv-3.13` (CI's newest-Python step) the
#: suite's environment holds VENV, and a make -n started from here would read it.
MAKEFILE_SETTINGS = re.findall(r"^([A-Z_]+) \??=", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)


def outside_make() -> dict[str, str]:
    """The environment without what an enclosing make passes down: its flags and its settings."""
    dropped = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", *MAKEFILE_SETTINGS}
    return {key: value for key, value in os.environ.items() if key not in dropped}


def make_dry_run(*arguments: str) -> list[str]:
    """The command lines ``make -n <arguments>`` would run, as a learner's make prints them."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed here: the Makefile cannot be read by make")
    return subprocess.run(["make", "-n", "--no-print-directory", *arguments], cwd=ROOT, capture_output=True,
                          text=True, check=True, env=outside_make()).stdout.splitlines()


def test_every_make_target_is_one_run_py_command_and_no_flag_of_its_own():
    """Each flag lives in run.py: a Makefile recipe only names the command (and passes PYTEST_ARGS on)."""
    recipes = re.findall(r"^\t(.*)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    run_lines = [line for line in recipes if "$(RUN)" in line]
    assert len(run_lines) == len(run.COMMANDS)
    for line in run_lines:
        assert re.fullmatch(r"@\$\(RUN\) [a-z-]+( -- \$\(PYTEST_ARGS\))?", line), line
    assert not any("python" in line and "$(RUN)" not in line for line in recipes)


def test_make_passes_the_edition_the_venv_and_pytest_arguments_to_run_py():
    (line,) = make_dry_run("test", "LANG=zh", "VENV=.venv-x", "PYTEST_ARGS=-k workspace")
    words = line.split()
    assert words[1:] == ["run.py", "--venv", ".venv-x", "--constraints", "requirements/constraints.txt",
                         "--lang", "zh", "test", "--", "-k", "workspace"]
    refused = subprocess.run(["make", "-n", "lab", "LANG=fr"], cwd=ROOT, capture_output=True, text=True,
                             env=outside_make())
    assert refused.returncode != 0 and "LANG/EDITION must be en or zh; got 'fr'" in refused.stderr


def test_the_chinese_lab_opens_the_chinese_edition_with_chinese_menus():
    sync, lab = run.command_steps("lab", Path(".venv"), "linux", root=ROOT, lang="zh")
    assert sync.argv[-2:] == ["--language", "zh"]
    for flag in ("--LabApp.app_settings_dir=tools/jupyterlab-zh/settings", "workspace/zh/00_start_here.ipynb"):
        assert flag in lab.argv
    english = run.command_steps("lab", Path(".venv"), "linux", root=ROOT)[-1].argv
    assert "workspace/00_start_here.ipynb" in english and not any("jupyterlab-zh" in arg for arg in english)
    with pytest.raises(run.UsageError, match="--lang expects one of en, zh; got 'fr'"):
        run.command_steps("lab", Path(".venv"), "linux", root=ROOT, lang="fr")


def test_the_learners_lab_in_either_edition_turns_nbgrader_off(monkeypatch):
    """Every nbgrader extension the environment installs is off in make lab's own config folder, and only there."""
    import json

    monkeypatch.setenv("JUPYTER_CONFIG_PATH", "/srv/site-config")
    learner = ROOT / run.LEARNER_LAB_CONFIG
    for lang in run.EDITIONS:
        lab = run.command_steps("lab", Path(".venv"), "linux", root=ROOT, lang=lang)[-1]
        # First on Jupyter's config path, before any the learner's environment set.
        assert lab.env == {"JUPYTER_CONFIG_PATH": os.pathsep.join([str(learner), "/srv/site-config"])}
        assert lab.shown().count("JUPYTER_CONFIG_PATH=") == 1
    installed = json.loads((Path(sys.prefix) / "etc" / "jupyter" / "jupyter_server_config.d" / "nbgrader.json")
                           .read_text(encoding="utf-8"))["ServerApp"]["jpserver_extensions"]
    turned_off = json.loads((learner / "jupyter_server_config.d" / "nbgrader-off.json")
                            .read_text(encoding="utf-8"))["ServerApp"]["jpserver_extensions"]
    assert turned_off == {name: False for name in installed}
    lab_extension = json.loads((Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader"
                                / "package.json").read_text(encoding="utf-8"))["name"]
    disabled = json.loads((learner / "labconfig" / "page_config.json").read_text(encoding="utf-8"))
    assert disabled == {"disabledExtensions": {lab_extension: True}}
    # The other commands run as before, with this process's environment.
    assert all(not step.env for command in ("test", "nbgrader", "app")
               for step in run.command_steps(command, Path(".venv"), "linux", root=ROOT))


def test_the_tiers_differ_only_by_the_marker_and_portability_runs_the_same_nbval():
    fast = run.command_steps("test", Path(".venv"), "linux", root=ROOT)[0].argv
    full = run.command_steps("test-all", Path(".venv"), "linux", root=ROOT)[0].argv
    assert fast[-2:] == ["-m", "not full"] and fast[:-2] == full
    portable = run.command_steps("test-portable", Path(".venv"), "linux", root=ROOT)[0].argv
    after = portable[portable.index("--") + 1:]
    assert all(option in after for option in run.NBVAL_OPTIONS)
    assert [word for word in after if word.endswith(".ipynb")] == run.notebooks(ROOT)


def test_clean_keeps_an_nbgrader_course_and_removes_the_rest(tmp_path):
    (tmp_path / "build" / "html").mkdir(parents=True)
    (tmp_path / "build" / "html" / "index.html").write_text("x")
    (tmp_path / "build" / "nbgrader").mkdir()
    (tmp_path / "build" / "nbgrader" / "gradebook.db").write_text("grades")
    (tmp_path / "build" / "stray.txt").write_text("x")
    run.clean_build(tmp_path)
    assert sorted(path.name for path in (tmp_path / "build").iterdir()) == ["nbgrader"]
    assert (tmp_path / "build" / "nbgrader" / "gradebook.db").read_text() == "grades"
    run.clean_build(tmp_path / "nowhere")  # nothing to clean is not an error


def test_every_makefile_target_with_a_description_is_a_run_py_command():
    described = re.findall(r"^## .*\n([a-z][a-z-]*):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert set(described) - {"help"} == set(run.COMMANDS)


def test_dry_run_prints_the_plan_and_runs_nothing():
    result = subprocess.run([sys.executable, "run.py", "test", "--dry-run", "--", "-k", "x"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert "-m pytest -p no:cacheprovider tests notebooks --nbval" in last
    assert last.endswith("-m 'not full' -k x")


def test_bad_input_is_one_clear_line():
    result = subprocess.run([sys.executable, "run.py", "frobnicate"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and "invalid choice: 'frobnicate'" in result.stderr
    with pytest.raises(run.UsageError, match="supports Python 3.11, 3.12, 3.13; this is Python 3.9"):
        run.check_python((3, 9, 18))
    result = subprocess.run([sys.executable, "run.py", "setup", "--constraints", "nope.txt", "--dry-run"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and "no constraints file at nope.txt" in result.stderr


def test_pip_noise_is_dropped_and_everything_else_kept():
    assert run.PIP_NOISE.match("WARNING: Location '/opt/wheels' is ignored: it is either a non-existing path")
    assert not run.PIP_NOISE.match("Collecting torch==2.13.0")
    assert not run.PIP_NOISE.match("ERROR: Could not find a version that satisfies the requirement")


def test_setup_really_creates_a_venv_installs_and_marks_it_done(tmp_path):
    """A real run on a tiny project: venv created, pip install with the constraints, marker, then nothing to do."""
    project = tmp_path / "proj"
    (project / "requirements").mkdir(parents=True)
    (project / "notebooks").mkdir()
    shutil.copy2(ROOT / "run.py", project / "run.py")
    (project / "tools").mkdir()
    for name in ("__init__.py", "check_python.py"):
        shutil.copy2(ROOT / "tools" / name, project / "tools" / name)
    (project / "requirements" / "constraints.txt").write_text("", encoding="utf-8")
    (project / "pyproject.toml").write_text(textwrap.dedent("""\
        [build-system]
        requires = []
        build-backend = "backend"
        backend-path = ["."]
        [project]
        name = "tiny"
        version = "0"
        [project.optional-dependencies]
        dev = []
        """), encoding="utf-8")
    # A build backend without setuptools, so the install needs no download.
    (project / "backend.py").write_text(textwrap.dedent('''\
        import base64, hashlib, os, zipfile
        def _wheel(directory, editable):
            name = "tiny-0-py3-none-any.whl"
            files = {"tiny-0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: tiny\\nVersion: 0\\nProvides-Extra: dev\\n",
                     "tiny-0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: tiny\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
            record = []
            with zipfile.ZipFile(os.path.join(directory, name), "w") as archive:
                for path, text in files.items():
                    archive.writestr(path, text)
                    digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
                    record.append(f"{path},sha256={digest},{len(text.encode())}")
                record.append("tiny-0.dist-info/RECORD,,")
                archive.writestr("tiny-0.dist-info/RECORD", "\\n".join(record) + "\\n")
            return name
        def build_wheel(directory, config_settings=None, metadata_directory=None):
            return _wheel(directory, False)
        def build_editable(directory, config_settings=None, metadata_directory=None):
            return _wheel(directory, True)
        '''), encoding="utf-8")
    environment = {**os.environ, "PIP_NO_INDEX": "1"}
    first = subprocess.run([sys.executable, "run.py", "setup"], cwd=project, capture_output=True, text=True,
                           timeout=240, env=environment)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "==> Creating .venv" in first.stdout and "==> Installing the pinned set into .venv" in first.stdout
    assert "Successfully installed tiny-0" in first.stdout
    assert "is ignored" not in first.stdout
    assert (project / ".venv" / ".gpool-installed").exists()
    assert run.venv_python(project / ".venv").exists()
    again = subprocess.run([sys.executable, "run.py", "setup", "--dry-run"], cwd=project, capture_output=True,
                           text=True, timeout=60)
    assert again.returncode == 0 and again.stdout == "", again.stdout


HAN = re.compile(r"[\u4e00-\u9fff]")


def test_with_lang_zh_every_step_speaks_chinese():
    """make <target> LANG=zh (run.py --lang zh): each step run.py announces is Chinese, with the same command."""
    for command in run.COMMANDS:
        english = run.command_steps(command, Path(".venv"), "linux", root=ROOT)
        chinese = run.command_steps(command, Path(".venv"), "linux", root=ROOT, lang="zh")
        assert len(english) == len(chinese), command
        for step in chinese:
            assert HAN.search(step.what), f"{command}: {step.what!r} is not Chinese"
    setup = run.setup_steps(Path("no-such-venv"), "linux", root=ROOT, lang="zh")
    assert [step.what.split(" ")[0] for step in setup] == ["创建", "把固定版本的依赖安装到", "记下安装已完成（no-such-venv/.gpool-installed）"]
    assert "README.zh-CN" in setup[1].what


def test_run_pys_chinese_keeps_every_placeholder_of_its_english():
    for english, chinese in run.CHINESE.items():
        assert sorted(re.findall(r"\{[^{}]*\}", english)) == sorted(re.findall(r"\{[^{}]*\}", chinese)), english
        assert HAN.search(chinese), english


def test_make_nbgrader_and_make_app_with_lang_zh_use_the_chinese_edition():
    course = run.command_steps("nbgrader", Path(".venv"), "linux", root=ROOT, lang="zh")[0].argv
    assert course[-4:] == ["--language", "zh", "--output", "build/nbgrader-zh"]
    english_course = run.command_steps("nbgrader", Path(".venv"), "linux", root=ROOT)[0].argv
    assert english_course[-4:] == ["--language", "en", "--output", "build/nbgrader"]
    page = run.command_steps("app", Path(".venv"), "linux", root=ROOT, lang="zh")[0].argv
    assert page[3] == "app/explorer.zh.ipynb" and (ROOT / page[3]).is_file()
    assert "--HTMLExporter.language_code=zh" in page  # <html lang="zh">
    assert run.command_steps("app", Path(".venv"), "linux", root=ROOT)[0].argv[3] == "app/explorer.ipynb"
    assert make_dry_run("nbgrader", "LANG=zh")[-1].endswith("run.py --venv .venv --constraints "
                                                           "requirements/constraints.txt --lang zh nbgrader")


def test_clean_keeps_the_chinese_course_too(tmp_path, capsys):
    for folder in ("nbgrader", "nbgrader-zh", "html"):
        (tmp_path / "build" / folder).mkdir(parents=True)
        (tmp_path / "build" / folder / "gradebook.db").write_text("grades")
    run.clean_build(tmp_path, "zh")
    assert sorted(path.name for path in (tmp_path / "build").iterdir()) == ["nbgrader", "nbgrader-zh"]
    assert "保留了 build/nbgrader-zh（nbgrader 课程" in capsys.readouterr().out


def test_errors_and_the_python_check_in_chinese():
    with pytest.raises(run.UsageError, match="gpool 支持 Python 3.11、3.12、3.13；当前是 Python 3.10。") as error:
        run.check_python((3, 10, 4), lang="zh")
    assert "Windows 上：py -3.11 run.py" in str(error.value)
    result = subprocess.run([sys.executable, "run.py", "setup", "--lang", "zh", "--constraints", "nope.txt",
                             "--dry-run"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.strip() == "run.py：找不到版本约束文件 nope.txt"
    result = subprocess.run([sys.executable, "run.py", "nbgrader", "--lang", "zh", "--dry-run"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip().splitlines()[-1].startswith("nbgrader 课程（中文版）")
    # The English stays as it was.
    result = subprocess.run([sys.executable, "run.py", "setup", "--constraints", "nope.txt", "--dry-run"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.stderr.strip() == "run.py: no constraints file at nope.txt"
