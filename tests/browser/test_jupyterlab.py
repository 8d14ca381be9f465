"""Every notebook, run the way a learner runs it: JupyterLab in Chromium, Run All, look at the page.

nbval runs notebooks without a browser, so it cannot tell whether a widget
renders or answers a slider. Here each notebook in notebooks/ is opened in
JupyterLab (served from a throwaway copy), run in a fresh kernel, and its
cells are read back from the page: no unexpected error, no warning, and
every widget drawn. The pooling explorer is then driven with the keyboard
and its dropdown. A stored explorer shows its PNG before Run All (stored
outputs are untrusted, so JupyterLab skips the widget renderer) and the live
widget after it, not the PNG. Last, a lab started with run.py's own options for
``make lab`` shows none of nbgrader's teacher tools, which a plain lab has.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

import explorer_page
import run
from browser_pages import TIMINGS, new_context, new_page, open_page, running, save_page_if_failed
from browser_processes import JupyterServer
from jupyterlab_page import (
    WIDGET_MIME,
    cell_locator,
    key_cells,
    open_notebook,
    run_all_cells,
    screenshot_cell,
    shut_down_kernel_of,
)

# The full tier only (make test-all): this file drives Chromium.
pytestmark = pytest.mark.full

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
        save_page_if_failed(page, request, artifacts_dir)
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


STORED_VIEW_NOTEBOOK = "00_start_here.ipynb"
#: In a cell's output area: a stored picture drawn as an image, and a live widget view.
OUTPUT_PICTURE = ".jp-OutputArea-output.jp-RenderedImage img"
OUTPUT_WIDGET = ".jp-OutputArea-output > .jupyter-widgets"


def test_stored_explorer_shows_its_picture_before_run_all_and_the_live_widget_after(
    lab_server, lab_page, artifacts_dir
):
    """A FigureView's output holds the widget view and a PNG: the PNG until a kernel has run it, then the widget."""
    page, record = lab_page
    name = STORED_VIEW_NOTEBOOK
    (index,) = stored_widget_outputs(REPOSITORY / "notebooks" / name)
    open_notebook(page, lab_server, name)
    cell = cell_locator(page, name, index)
    cell.scroll_into_view_if_needed()
    page.wait_for_function(
        "(selector) => { const image = document.querySelector(selector); return !!image && image.naturalWidth > 0; }",
        arg=f'[data-gpool-cell="{index}"] {OUTPUT_PICTURE}',
        timeout=30_000,
    )
    screenshot_cell(page, name, index, artifacts_dir / "stored_explorer_before_run_all.png")
    text = cell.inner_text()
    assert cell.locator(OUTPUT_PICTURE).count() == 1, "before Run All the stored explorer shows no picture"
    assert cell.locator(OUTPUT_WIDGET).count() == 0, "before Run All a widget view was drawn, with no kernel behind it"
    for placeholder in ("Loading widget", "Error displaying widget", "PoolingExplorer("):
        assert placeholder not in text, f"before Run All the stored explorer shows {placeholder!r}"

    run = run_all_cells(page, name)
    assert not run.check(), f"{name} in JupyterLab: {run.check()}"
    explorer_page.wait_until_drawn(page)
    cell = cell_locator(page, name, index)
    screenshot_cell(page, name, index, artifacts_dir / "stored_explorer_after_run_all.png")
    # The live widget, not its picture: sliders a learner can move, and no PNG output beside them.
    assert cell.locator(OUTPUT_WIDGET).count() == 1, "after Run All the explorer is not drawn as a widget"
    assert cell.locator(OUTPUT_PICTURE).count() == 0, "after Run All JupyterLab drew the PNG instead of the widget"
    assert cell.get_by_role("slider").count() >= 5, "after Run All the explorer has no sliders to move"
    shut_down_kernel_of(page, name)
    assert not record.script_errors, f"uncaught script errors in the page: {record.script_errors[:3]}"


#: What nbgrader adds to JupyterLab, read from the running app: its plugins, its menu, the notebook
#: toolbar's Validate button, the Create Assignment sidebar and its commands (Formgrader, Assignments...).
_TEACHER_TOOLS = """() => {
    const app = window.jupyterapp;
    const sidebars = [...app.shell.widgets('left'), ...app.shell.widgets('right')];
    return {
        plugins: app.listPlugins().filter((id) => id.startsWith('@jupyter/nbgrader')),
        menus: [...document.querySelectorAll('.lm-MenuBar-itemLabel')].map((item) => item.textContent.trim())
            .filter((label) => label === 'Nbgrader'),
        validate_buttons: document.querySelectorAll('.validate-button').length,
        sidebars: sidebars.filter((widget) => /nbgrader/i.test(widget.id) || /Create Assignment|Formgrader/.test(
            widget.title.label + ' ' + widget.title.caption)).map((widget) => widget.title.caption || widget.id),
        commands: app.commands.listCommands().filter((id) => id.startsWith('nbgrader')),
    };
}"""


def teacher_tools(page, server, notebook: str) -> dict:
    """nbgrader's tools as a notebook shows them in ``server``'s lab, and whether its formgrader page is served."""
    open_notebook(page, server, notebook)
    # The Validate button joins the notebook's toolbar once the panel is drawn.
    page.locator(".jp-NotebookPanel-toolbar").first.wait_for()
    page.wait_for_timeout(500)
    shown = page.evaluate(_TEACHER_TOOLS)
    try:
        with urllib.request.urlopen(server.url("/formgrader"), timeout=30) as response:
            shown["formgrader_page"] = response.status == 200
    except urllib.error.HTTPError as error:
        shown["formgrader_page"] = error.code != 404
    return shown


NOTHING_OF_NBGRADER = {"plugins": [], "menus": [], "validate_buttons": 0, "sidebars": [], "commands": [],
                       "formgrader_page": False}


@pytest.mark.parametrize("lang", sorted(run.EDITIONS))
def test_the_learners_lab_shows_none_of_nbgraders_teacher_tools(lang, browser, served_notebooks, work_dir,
                                                                 artifacts_dir):
    """Started with run.py's own options for make lab: no Validate that passes an untested notebook, no Formgrader."""
    options, environment = run.learner_lab(lang)
    # From the repository, as run.py starts it: its options name folders relative to it.
    server = JupyterServer("lab", served_notebooks, work_dir / f"learner-lab-{lang}", extra_args=options,
                           extra_env=environment, cwd=REPOSITORY)
    notebook = f"{run.EDITIONS[lang]}{NOTEBOOKS[2].name}"
    with running(server, f"learner's lab ({lang})"):
        context, page, record = open_page(browser, server.base_url)
        try:
            shown = teacher_tools(page, server, notebook)
            page.screenshot(path=str(artifacts_dir / f"learner_lab_{lang}.png"))
            shut_down_kernel_of(page, notebook)
        finally:
            context.close()
    assert shown == NOTHING_OF_NBGRADER, f"the learner's lab ({lang}) shows nbgrader's tools: {shown}"
    assert not record.script_errors, f"uncaught script errors in the page: {record.script_errors[:3]}"


def test_a_lab_started_plainly_has_nbgraders_teacher_tools(lab_server, lab_page):
    """The teacher's way (jupyter lab in the course folder): the tools the learner's lab hides are there."""
    page, _ = lab_page
    shown = teacher_tools(page, lab_server, NOTEBOOKS[2].name)
    shut_down_kernel_of(page, NOTEBOOKS[2].name)
    missing = [name for name, nothing in NOTHING_OF_NBGRADER.items() if shown[name] == nothing]
    assert not missing, f"a plain lab lacks nbgrader's {missing}: {shown}"
