"""The environment check notebook 00 runs."""

from importlib import metadata
from pathlib import Path

from gpool_helpers.workspace import environment


def test_this_environment_is_ready():
    report = environment.check_environment()
    assert report.ok, repr(report)
    names = [check.name for check in report.checks]
    assert names[0] == "python"
    assert {"torch", "ipywidgets", "matplotlib"} <= set(names)


def test_a_missing_package_is_reported_with_the_fix(monkeypatch):
    real_version = metadata.version

    def fake_version(name):
        if name == "ipywidgets":
            raise metadata.PackageNotFoundError(name)
        return real_version(name)

    monkeypatch.setattr(environment.metadata, "version", fake_version)
    report = environment.check_environment()
    assert not report.ok
    assert "ipywidgets" in report.summary and "make lab" in report.summary
    assert "missing" in repr(report)
    assert "&#10007;" in report._repr_html_()


def test_an_old_package_fails_and_a_different_torch_is_flagged(monkeypatch):
    real_version = metadata.version
    versions = {"matplotlib": "3.5.0", "torch": "2.5.1+cpu"}
    monkeypatch.setattr(environment.metadata, "version", lambda name: versions.get(name) or real_version(name))
    report = environment.check_environment()
    by_name = {check.name: check for check in report.checks}
    assert not by_name["matplotlib"].ok
    assert by_name["torch"].ok and "2.13.0" in by_name["torch"].why


def test_version_parsing_ignores_local_labels_and_suffixes():
    assert environment._version_tuple("2.13.0+cpu") == (2, 13, 0)
    assert environment._version_tuple("8.1.0rc1") == (8, 1, 0)


def test_python_is_checked_against_the_versions_readme_names():
    """3.11, 3.12 or 3.13, as README, set-up (tools/check_python.py) and pyproject's classifiers say; not ">= 3.10"."""
    from tools import check_python

    assert environment.SUPPORTED_PYTHONS == check_python.SUPPORTED
    assert [environment.python_check(version).ok for version in ((3, 10, 14), (3, 11, 7), (3, 13, 1), (3, 14, 0))] == [
        False, True, True, False]
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"Python {environment.SUPPORTED_PYTHONS_TEXT}" in readme
    assert "(needs 3.11, 3.12 or 3.13: the language)" in repr(environment.check_environment())
    assert ">= 3." not in repr(environment.check_environment()).splitlines()[1]


def test_the_chinese_check_says_the_chinese_command_and_the_versions_in_chinese(monkeypatch):
    from gpool_helpers import set_language

    monkeypatch.setattr(environment.metadata, "version", _without("ipywidgets"))
    set_language("zh")
    try:
        report = environment.check_environment()
        summary, shown, page = report.summary, repr(report), report._repr_html_()
    finally:
        set_language("en")
    assert summary.startswith("未就绪：ipywidgets。") and "`make lab LANG=zh`" in summary
    assert "python run.py lab --lang zh" in summary
    assert "（要求 3.11、3.12 或 3.13：编程语言本身）" in shown
    assert "<td>3.11、3.12 或 3.13</td>" in page and "未安装" in shown


def test_the_english_check_says_make_lab_without_a_language():
    report = environment.EnvironmentReport((environment.python_check((3, 10, 0)),))
    assert report.summary == "Not ready: python. Run `make lab` from the repository folder to set up."


def _without(missing: str):
    real_version = metadata.version

    def fake_version(name):
        if name == missing:
            raise metadata.PackageNotFoundError(name)
        return real_version(name)

    return fake_version
