"""The environment check notebook 00 runs."""

from importlib import metadata

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
