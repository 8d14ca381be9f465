"""Every notebook, run the way a learner runs it: JupyterLab in Chromium, Run All, look at the page.

nbval runs notebooks without a browser, so it cannot tell whether a widget
renders or answers a slider. Here each notebook in notebooks/ is opened in
JupyterLab (served from a throwaway copy), run in a fresh kernel, and its
cells are read back from the page: no unexpected error, no warning, and
every widget drawn. The pooling explorer is then driven with the keyboard
and its dropdown.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pytest

import explorer_page
from browser_pages import TIMINGS, new_context, new_page
from jupyterlab_page import WIDGET_MIME, key_cells, open_notebook, run_all_cells, screenshot_cell, shut_down_kernel_of

REPOSITORY = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPOSITORY / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXPLORER_NOTEBOOK = "explorer.ipynb"


def stored_widget_outputs(path: Path) -> dict[int, int]:
    """Cell index -> number of widget outputs in the notebook as committed."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    counts = {}
    for index, cell in enumerate(notebook["cells"]):
        found = sum(WIDGET_MIME in output.get("data", {}) for output in cell.get("outputs", []))
        if found:
            counts[index] = found
    return counts


@pytest.fixture(scope="module")
def lab_context(lab_server, browser):
    context, record = new_context(browser, lab_server.base_url)
    try:
        yield context, record
    finally:
        context.close()


@pytest.fixture
def lab_page(lab_server, lab_context, artifacts_dir, request):
    """A fresh tab on a server with no kernel running; on failure the whole page is saved for a look."""
    context, record = lab_context
    lab_server.shut_down_all_kernels()
    record.script_errors.clear()
    page = new_page(context, record)
    try:
        yield page, record
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            try:
                page.screenshot(path=str(artifacts_dir / f"FAILED_{request.node.name}.png"))
            except Exception:  # noqa: BLE001  (a dead page must not hide the test's own failure)
                pass
        page.close()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_clean_in_jupyterlab(notebook, lab_server, lab_page, artifacts_dir):
    page, record = lab_page
    name = notebook.name
    seconds_to_kernel = open_notebook(page, lab_server, name)
    run = run_all_cells(page, name)
    TIMINGS.append((notebook.stem, f"kernel idle after {seconds_to_kernel:.1f} s, Run All", run.seconds_to_run))
    for index in key_cells(run):
        screenshot_cell(page, name, index, artifacts_dir / f"{notebook.stem}__cell{index:02d}.png")
    shut_down_kernel_of(page, name)

    assert run.code_cells(), f"{name}: the page showed no code cells"
    problems = run.check()
    live_widgets = {cell.index: cell.widget_outputs for cell in run.code_cells() if cell.widget_outputs}
    stored_widgets = stored_widget_outputs(notebook)
    if live_widgets != stored_widgets:
        problems.append(
            f"widget outputs per cell differ from the stored notebook: stored {stored_widgets}, in JupyterLab {live_widgets}"
        )
    assert not record.script_errors, f"{name}: uncaught script errors in the page: {record.script_errors[:3]}"
    assert not problems, f"{name} in JupyterLab:\n- " + "\n- ".join(problems)


def write_explorer_notebook(folder: Path) -> str:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    notebook.cells = [
        nbformat.v4.new_markdown_cell("## Pooling explorer"),
        nbformat.v4.new_code_cell("from gpool_helpers.widgets import pooling_explorer\n\npooling_explorer()"),
    ]
    nbformat.write(notebook, folder / EXPLORER_NOTEBOOK)
    return EXPLORER_NOTEBOOK


def assert_redrawn(before, after, what: str, page) -> None:
    message = explorer_page.failure_message(page)
    assert message is None, f"after {what}, the explorer showed a message instead of a picture: {message!r}"
    assert after.image_src != before.image_src, f"after {what}, the image was not replaced (src unchanged)"
    assert after.image_digest != before.image_digest, f"after {what}, the image shows the same PNG as before"
    assert after.readout_text != before.readout_text, (
        f"after {what}, the readout did not change: {after.readout_text!r}"
    )
    problem = explorer_page.readout_problem(after)
    assert problem is None, f"after {what}, {problem}"


def kind_of_option(option: str):
    """The registry kind a dropdown option stands for: its exact name, else the longest name in its label."""
    from gpool_helpers.pooling.registry import all_kinds

    kinds = all_kinds()
    if option in kinds:
        return kinds[option]
    named = [name for name in kinds if name in option]
    return kinds[max(named, key=len)] if named else None


def other_kind_option(options: list[str], current: str) -> str:
    """An option whose kind gives a differently shaped output (over channels vs over space) when there is one.

    Then even a readout that only states shapes must change, so the test
    does not depend on whether the readout names the kind.
    """
    now = kind_of_option(current)
    others = [option for option in options if option != current]
    assert others, f"the kind dropdown offers only {options}"
    for option in others:
        kind = kind_of_option(option)
        if now is not None and kind is not None and (kind.pools_over, kind.feature_multiplier) != (
            now.pools_over,
            now.feature_multiplier,
        ):
            return option
    return others[0]


def step_key(page, description: str) -> tuple[str, int]:
    """ArrowRight unless the slider is at its maximum already; returns the key and the expected change."""
    handle = explorer_page.slider_handle(page, description)
    now = float(handle.get_attribute("aria-valuenow"))
    if now < float(handle.get_attribute("aria-valuemax")):
        return "ArrowRight", 1
    return "ArrowLeft", -1


def test_pooling_explorer_answers_keyboard_and_dropdown(lab_server, lab_page, served_notebooks, artifacts_dir):
    page, record = lab_page
    name = write_explorer_notebook(served_notebooks)
    open_notebook(page, lab_server, name)
    run = run_all_cells(page, name)
    assert not run.check(), f"the explorer cell failed in JupyterLab: {run.check()}"
    explorer_page.wait_until_drawn(page)

    first = explorer_page.state(page)
    assert explorer_page.failure_message(page) is None, explorer_page.failure_message(page)
    missing = {"N", "C", "H", "W", "seed"} - set(first.slider_values)
    assert not missing, f"the explorer has no slider described {sorted(missing)}; it has {sorted(first.slider_values)}"
    assert explorer_page.readout_problem(first) is None, explorer_page.readout_problem(first)

    timings = []
    # Two different sliders, moved with the keyboard as a learner without a mouse would.
    state = first
    for description in ("C", "H"):
        key, change = step_key(page, description)
        started = time.monotonic()
        before = explorer_page.press_on_slider(page, description, key)
        after = explorer_page.wait_for_change(page, before)
        timings.append(time.monotonic() - started)
        assert after.slider_values[description] == before.slider_values[description] + change, (
            f"{key} on slider {description} moved it from {before.slider_values[description]} "
            f"to {after.slider_values[description]}"
        )
        assert_redrawn(before, after, f"{key} on slider {description}", page)
        state = after

    # Then the pooling kind, from the dropdown.
    select = explorer_page.kind_select(page)
    options = select.evaluate("(element) => Array.from(element.options).map((option) => option.text)")
    other = other_kind_option(options, state.kind)
    started = time.monotonic()
    select.select_option(label=other)
    after = explorer_page.wait_for_change(page, state)
    timings.append(time.monotonic() - started)
    assert after.kind == other, f"the dropdown shows {after.kind!r} after choosing {other!r}"
    assert_redrawn(state, after, f"choosing kind {other!r}", page)

    TIMINGS.append(("explorer in JupyterLab", "slider C, slider H, kind: seconds to redraw each", max(timings)))
    # The README's picture: JupyterLab around the explorer, file browser folded away for room.
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    explorer_page.root(page).evaluate("(element) => element.closest('.jp-Cell').scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)  # let the panel finish its relayout after the sidebar folds
    page.screenshot(path=str(artifacts_dir / "explorer_in_jupyterlab.png"))
    shut_down_kernel_of(page, name)
    assert not record.script_errors, f"uncaught script errors in the page: {record.script_errors[:3]}"
