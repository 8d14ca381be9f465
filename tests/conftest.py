"""Fixtures shared by the test files. Keep this small: helpers that only one
file needs live in that file."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture
def generator() -> torch.Generator:
    """A seeded generator: the same numbers every run, without touching torch's global seed."""
    return torch.Generator().manual_seed(0)


@pytest.fixture
def fresh_dynamo():
    """Forget every compiled graph before and after a test.

    Dynamo keeps a few compiled versions per function and quietly falls back to
    eager once that limit is hit, which would make later compile tests pass
    without compiling anything.
    """
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


#: The Chinese edition's notebooks, built from the English ones with the same code: their
#: strict nbval belongs to the full tier (make test-all), as the other slow checks do.
CHINESE_EDITION = "notebooks/zh/"


def pytest_collection_modifyitems(config, items):
    """Tiers are markers. A test file marks itself ``full``; nbval's items cannot, so they are marked here."""
    root = config.rootpath
    for item in items:
        if item.path.suffix == ".ipynb" and item.path.relative_to(root).as_posix().startswith(CHINESE_EDITION):
            item.add_marker(pytest.mark.full)


#: What the browser suite (tests/browser/conftest.py) reported: (what ran, which step, seconds), skip reasons.
_BROWSER_TIMINGS: list[tuple[str, str, float]] = []
_BROWSER_SKIPPED: list[str] = []


def pytest_runtest_logreport(report):
    for key, value in report.user_properties:
        if key == "gpool-browser-timing":
            _BROWSER_TIMINGS.append(tuple(value))
        elif key == "gpool-browser-skipped" and value not in _BROWSER_SKIPPED:
            _BROWSER_SKIPPED.append(value)


def pytest_terminal_summary(terminalreporter):
    if _BROWSER_SKIPPED:
        terminalreporter.write_sep("=", "gpool browser suite SKIPPED", yellow=True, bold=True)
        terminalreporter.write_line(f"reason: {_BROWSER_SKIPPED[0]}")
        terminalreporter.write_line("set GPOOL_REQUIRE_BROWSER=1 to make a missing browser a failure (CI does)")
    elif _BROWSER_TIMINGS:
        terminalreporter.write_sep("-", "gpool browser suite timings")
        for name, what, seconds in _BROWSER_TIMINGS:
            terminalreporter.write_line(f"{seconds:7.1f} s  {name}: {what}")
