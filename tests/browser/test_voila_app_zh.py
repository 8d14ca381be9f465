"""The Chinese classroom page: ``make app LANG=zh`` serves app/explorer.zh.ipynb with Voila; drive it in Chromium.

Tested as the English page is (test_voila_app.py, test_accessible_app.py): the explorer drawn with no
code and no error, a slider moved from the keyboard changes the picture and the readout, the class
activation map picker draws, axe-core finds no WCAG 2.1 A/AA violation, and every picture says what it
shows. And in Chinese: the page's prose, the controls' labels, the readouts and the pictures' text
alternatives are Chinese, not the English page's.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

import explorer_page
from accessibility import axe_violations, describe_violations, images_without_description
from browser_pages import TIMINGS, open_page, running, save_page_if_failed
from browser_processes import JupyterServer

# The full tier only (make test-all): this file drives Chromium.
pytestmark = pytest.mark.full

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY))
import run  # noqa: E402  (make app's own Voila options and page)

APP_NOTEBOOK = REPOSITORY / run.APP_PAGES["zh"]
HAN = re.compile(r"[\u4e00-\u9fff]")
#: Sentences of the English page and of the helpers' English readouts; none may show on the Chinese page.
ENGLISH_SENTENCES = ("Global pooling explorer", "Pick a pooling kind", "Where does a CNN look", "In torch:",
                     "With the helpers:", "Drawn:")


@pytest.fixture(scope="module")
def voila_server(work_dir):
    server = JupyterServer("voila", APP_NOTEBOOK, work_dir / "voila-zh", extra_args=[*run.APP_OPTIONS, *run.APP_LANGUAGE_OPTIONS["zh"]])
    with running(server, "voila") as started:
        yield started


@pytest.fixture(scope="module")
def app_page(voila_server, browser, artifacts_dir):
    context, page, record = open_page(browser, voila_server.base_url, viewport={"width": 1280, "height": 1400})
    try:
        started = time.monotonic()
        page.goto(voila_server.url("/"), timeout=240_000)
        explorer_page.wait_until_drawn(page, timeout_ms=120_000)
        TIMINGS.append(("voila app (zh)", "page load to first picture", time.monotonic() - started))
        page.locator(".gpool-figure-view .gpool-figure-image").nth(1).wait_for(state="visible", timeout=180_000)
        yield page, record
    finally:
        context.close()


@pytest.fixture
def saved_if_failed(app_page, artifacts_dir, request):
    yield app_page
    save_page_if_failed(app_page[0], request, artifacts_dir, full_page=True)


def test_the_chinese_page_shows_the_explorer_in_chinese_without_code(saved_if_failed, artifacts_dir):
    page, record = saved_if_failed
    text = page.locator("body").inner_text()
    assert "pooling_explorer()" not in text and "set_language" not in text, "the page shows the notebook's code"
    assert page.locator(".jp-CodeCell .jp-InputArea, .jp-InputArea-editor").count() == 0
    assert "There was an error when executing" not in text, f"the page shows an error: {text[:500]}"
    assert page.locator('[data-mime-type="application/vnd.jupyter.stderr"]').count() == 0
    assert "全局池化探索器" in text and "CNN 在看哪里？类激活映射" in text
    english = [sentence for sentence in ENGLISH_SENTENCES if sentence in text]
    assert not english, f"the Chinese page shows English sentences: {english}"
    readout = explorer_page.root(page).locator(explorer_page.READOUT).inner_text()
    assert HAN.search(readout), f"the explorer's readout is not Chinese: {readout!r}"
    assert explorer_page.kind_select(page).count() == 1, "no menu labelled 池化方式"
    page.screenshot(path=str(artifacts_dir / "explorer_app_zh.png"))
    assert not record.script_errors, f"uncaught script errors in the page: {record.script_errors[:3]}"


def test_a_slider_moved_from_the_keyboard_redraws_the_chinese_explorer(saved_if_failed):
    page, _ = saved_if_failed
    before = explorer_page.press_on_slider(page, "C", "ArrowRight")
    after = explorer_page.wait_for_change(page, before)
    assert after.slider_values["C"] == before.slider_values["C"] + 1
    assert explorer_page.failure_message(page) is None, explorer_page.failure_message(page)
    assert after.image_digest != before.image_digest, "after ArrowRight on slider C, the picture did not change"
    assert after.readout_text != before.readout_text, "after ArrowRight on slider C, the readout did not change"
    assert explorer_page.readout_problem(after) is None, explorer_page.readout_problem(after)
    assert HAN.search(after.readout_text)


def test_the_class_activation_map_picker_speaks_chinese(saved_if_failed):
    page, _ = saved_if_failed
    picker = page.locator(".gpool-figure-view:not(.gpool-explorer)").first
    assert picker.locator(".gpool-figure-message").count() == 0, picker.locator(".gpool-figure-readout").inner_text()
    assert picker.locator(".gpool-figure-image").evaluate("(image) => image.naturalWidth") > 0
    readout = picker.locator(".gpool-figure-readout").inner_text()
    assert "logit" in readout and HAN.search(readout), f"the picker's readout: {readout!r}"


def test_every_picture_of_the_chinese_page_says_in_chinese_what_it_shows(saved_if_failed):
    page, _ = saved_if_failed
    assert page.locator(".gpool-figure-image").count() == 2
    assert images_without_description(page) == []
    alts = page.locator(".gpool-figure-image").evaluate_all("(images) => images.map((image) => image.alt)")
    assert all(HAN.search(alt or "") for alt in alts), f"pictures described in English: {alts}"


def test_the_chinese_page_declares_its_language_and_axe_finds_no_violation(saved_if_failed):
    page, _ = saved_if_failed
    assert page.evaluate("() => document.documentElement.lang").lower().startswith("zh"), (
        "the Chinese page says it is in another language, so a screen reader reads it with the wrong voice")
    violations = axe_violations(page)
    assert not violations, describe_violations("the Chinese Voila app", violations)
