"""The classroom app: ``make app`` serves app/explorer.ipynb with Voila; open it in Chromium and drive it.

Voila runs the notebook in a kernel and shows only its outputs, so the page
must show the explorer and no code. Voila asks a CDN for fontawesome CSS;
the page may only talk to the local server, so that request is aborted
(offline it would fail anyway, without visible harm).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import explorer_page
from browser_pages import TIMINGS, open_page, running, save_page_if_failed
from browser_processes import JupyterServer

# The full tier only (make test-all): this file drives Chromium.
pytestmark = pytest.mark.full

REPOSITORY = Path(__file__).resolve().parents[2]
APP_NOTEBOOK = REPOSITORY / "app" / "explorer.ipynb"


@pytest.fixture(scope="module")
def voila_server(work_dir):
    # Voila only reads the notebook (outputs go to the page, never back to the file), so it is served in place.
    with running(JupyterServer("voila", APP_NOTEBOOK, work_dir / "voila"), "voila") as server:
        yield server


@pytest.fixture
def app_page(voila_server, browser, artifacts_dir, request):
    # Tall enough for the controls, the readout and the whole 1x8x4x4 figure in one screenshot.
    context, page, record = open_page(browser, voila_server.base_url, viewport={"width": 1280, "height": 1400})
    try:
        yield page, record
    finally:
        save_page_if_failed(page, request, artifacts_dir, full_page=True)
        context.close()


def test_app_shows_the_explorer_without_code_and_answers_a_slider(voila_server, app_page, artifacts_dir):
    page, record = app_page
    started = time.monotonic()
    # Voila shows the page once every cell has run, the CNN's few seconds of training included.
    page.goto(voila_server.url("/"), timeout=240_000)
    explorer_page.wait_until_drawn(page, timeout_ms=120_000)
    TIMINGS.append(("voila app", "page load to first picture", time.monotonic() - started))

    page_text = page.locator("body").inner_text()
    assert "pooling_explorer()" not in page_text, "the app page shows the notebook's code; Voila should hide it"
    assert page.locator(".jp-CodeCell .jp-InputArea, .jp-InputArea-editor").count() == 0, (
        "the app page shows code cells' input"
    )
    # With tracebacks hidden (Voila's default), a failing cell shows this sentence instead.
    assert "There was an error when executing" not in page_text, f"the app page shows an error: {page_text[:500]}"
    assert page.locator('[data-mime-type="application/vnd.jupyter.stderr"]').count() == 0, (
        "the app page shows output written to stderr (an error or a warning)"
    )
    assert explorer_page.failure_message(page) is None, explorer_page.failure_message(page)

    # The README's picture of the app, at the article's (1, 8, 4, 4) example.
    page.screenshot(path=str(artifacts_dir / "explorer_app.png"))

    before = explorer_page.press_on_slider(page, "C", "ArrowRight")
    after = explorer_page.wait_for_change(page, before)
    assert after.slider_values["C"] == before.slider_values["C"] + 1, (
        f"ArrowRight on slider C moved it from {before.slider_values['C']} to {after.slider_values['C']}"
    )
    assert explorer_page.failure_message(page) is None, explorer_page.failure_message(page)
    assert after.image_digest != before.image_digest, "after ArrowRight on slider C, the app's picture did not change"
    assert after.readout_text != before.readout_text, "after ArrowRight on slider C, the app's readout did not change"
    problem = explorer_page.readout_problem(after)
    assert problem is None, f"after ArrowRight on slider C, {problem}"

    if "cam_explorer(" in APP_NOTEBOOK.read_text(encoding="utf-8"):
        # The class activation map picker: a second FigureView; the CNN behind it trains while the page loads.
        picker = page.locator(".gpool-figure-view:not(.gpool-explorer)").first
        picker.locator(".gpool-figure-image").wait_for(state="visible", timeout=180_000)
        assert picker.locator(".gpool-figure-message").count() == 0, picker.locator(".gpool-figure-readout").inner_text()
        assert picker.locator(".gpool-figure-image").evaluate("(image) => image.naturalWidth") > 0, (
            "the class activation map picker shows no picture"
        )
        assert "logit" in picker.locator(".gpool-figure-readout").inner_text(), (
            "the class activation map picker's readout does not state the logit identity"
        )
        picker.scroll_into_view_if_needed()
        picker.screenshot(path=str(artifacts_dir / "cam_picker_app.png"))
    assert not record.script_errors, f"uncaught script errors in the app page: {record.script_errors[:3]}"
