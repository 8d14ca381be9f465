"""Fixtures for the browser suite: JupyterLab or Voila, Debian's Chromium, Playwright.

Each test module gets its own server and browser (started in a few seconds)
and stops them when its last test is done, so they are gone before nbval's
notebook runs in the same ``make test`` session. Servers and the browser are
stopped by PID in fixture teardown, which pytest runs even when a test fails.

No tool, no test: without Playwright or /usr/bin/chromium every browser test
is skipped with the reason printed, unless GPOOL_REQUIRE_BROWSER=1 (set by
.ci/run), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

# The helper modules sit beside this file; pytest's default import mode puts this folder on sys.path,
# --import-mode=importlib does not, so make sure of it.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_pages import TIMINGS, running  # noqa: E402
from browser_processes import ChromiumProcess, JupyterServer, browser_tools_missing  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
REQUIRE_VARIABLE = "GPOOL_REQUIRE_BROWSER"

_SKIP_REASON: list[str] = []


def browser_required() -> bool:
    return os.environ.get(REQUIRE_VARIABLE, "").strip() == "1"


@pytest.fixture(scope="session")
def browser_tools() -> None:
    reason = browser_tools_missing()
    if reason is None:
        return
    if browser_required():
        pytest.fail(f"{REQUIRE_VARIABLE}=1 but the browser suite cannot run: {reason}", pytrace=False)
    _SKIP_REASON.append(reason)
    pytest.skip(f"browser suite skipped: {reason} (set {REQUIRE_VARIABLE}=1 to make this a failure)")


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def work_dir(tmp_path_factory, browser_tools) -> Path:
    return tmp_path_factory.mktemp("gpool-browser")


@pytest.fixture(scope="module")
def served_notebooks(work_dir) -> Path:
    """A throwaway copy of notebooks/: running cells in the browser must never touch tracked files."""
    served = work_dir / "served"
    shutil.copytree(
        REPOSITORY / "notebooks",
        served,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    return served


@pytest.fixture(scope="module")
def lab_server(served_notebooks, work_dir):
    with running(JupyterServer("lab", served_notebooks, work_dir / "lab"), "jupyterlab") as server:
        yield server


@pytest.fixture(scope="module")
def chromium(work_dir):
    process = ChromiumProcess(work_dir / "chromium")
    try:
        process.start()
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        connected = playwright.chromium.connect_over_cdp(chromium.endpoint)
        try:
            yield connected
        finally:
            connected.close()
    finally:
        playwright.stop()


_TIMINGS_REPORTED = [0]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item, so a fixture's teardown can tell that the test failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    # Timings and a skip's reason travel on the report: under pytest-xdist this file runs in a
    # worker, and tests/conftest.py prints them in the process that writes the summary.
    if report.when == "teardown":
        report.user_properties.extend(("gpool-browser-timing", row) for row in TIMINGS[_TIMINGS_REPORTED[0]:])
        _TIMINGS_REPORTED[0] = len(TIMINGS)
    if report.skipped and _SKIP_REASON:
        report.user_properties.append(("gpool-browser-skipped", _SKIP_REASON[0]))
    return report
