"""The Chinese edition as a Chinese learner opens it: make lab LANG=zh.

JupyterLab is started with the same option make lab LANG=zh passes
(tools/jupyterlab-zh/settings, whose default language is zh_CN), on a throwaway
copy of notebooks/. Notebooks 00 and 02 of notebooks/zh run top to bottom
there: no error or warning, every widget drawn, JupyterLab's own menus in
Chinese, and the helpers' words (the explorer's readout, the checks' feedback)
in Chinese. Screenshots of key cells land in tests/browser/artifacts for a
look (the CI machine has Noto CJK fonts, so they show glyphs, not boxes).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import explorer_page
from browser_pages import TIMINGS, new_context, new_page, running
from browser_processes import JupyterServer
from jupyterlab_page import key_cells, open_notebook, run_all_cells, screenshot_cell, shut_down_kernel_of
from test_jupyterlab import stored_widget_outputs

# The full tier only (make test-all): this file drives Chromium.
pytestmark = pytest.mark.full

REPOSITORY = Path(__file__).resolve().parents[2]
CHINESE = REPOSITORY / "notebooks" / "zh"
CJK = re.compile(r"[\u4e00-\u9fff]")
#: make lab LANG=zh's option (Makefile LAB_LOCALE_FLAG, run.py lab --lang zh).
CHINESE_LAB_OPTION = f"--LabApp.app_settings_dir={REPOSITORY / 'tools' / 'jupyterlab-zh' / 'settings'}"


@pytest.fixture(scope="module")
def chinese_lab_server(served_notebooks, work_dir):
    server = JupyterServer("lab", served_notebooks, work_dir / "lab-zh", extra_args=[CHINESE_LAB_OPTION])
    with running(server, "jupyterlab (zh)") as started:
        yield started


@pytest.fixture
def chinese_page(chinese_lab_server, browser):
    context, record = new_context(browser, chinese_lab_server.base_url)
    chinese_lab_server.shut_down_all_kernels()
    page = new_page(context, record)
    try:
        yield page, record
    finally:
        context.close()


def output_text(cell) -> str:
    return " ".join(str(output.get("text") or output.get("plain") or "") for output in cell.outputs)


@pytest.mark.parametrize("name", ["00_start_here.ipynb", "02_global_average_pooling.ipynb"])
def test_chinese_notebook_runs_clean_in_a_chinese_jupyterlab(name, chinese_lab_server, chinese_page, artifacts_dir):
    page, record = chinese_page
    relative = f"zh/{name}"
    seconds_to_kernel = open_notebook(page, chinese_lab_server, relative)
    # JupyterLab's own menu bar, from the zh-CN language pack: 文件 (File), 编辑 (Edit).
    menu_bar = page.locator("#jp-menu-panel, .lm-MenuBar").first.inner_text()
    assert "文件" in menu_bar and "编辑" in menu_bar, f"JupyterLab's menus are not in Chinese: {menu_bar[:120]!r}"

    run = run_all_cells(page, relative)
    # Read the page's words while the kernel (and so every widget) is still alive. JupyterLab
    # renders only the cells near the viewport, so read every rendered one, not the first.
    prose = " ".join(page.locator(".jp-RenderedMarkdown").all_inner_texts())
    explorer_page.root(page).scroll_into_view_if_needed()
    explorer_page.wait_until_drawn(page)
    widget_text = explorer_page.state(page).readout_text + " " + " ".join(
        explorer_page.root(page).locator("label.widget-label").all_inner_texts())
    html_checks = page.locator(".jp-OutputArea-output strong").all_inner_texts()
    TIMINGS.append((f"zh/{Path(name).stem}", f"kernel idle after {seconds_to_kernel:.1f} s, Run All",
                    run.seconds_to_run))
    for index in key_cells(run):
        screenshot_cell(page, relative, index, artifacts_dir / f"zh_{Path(name).stem}__cell{index:02d}.png")
    shut_down_kernel_of(page, relative)

    problems = run.check()
    live_widgets = {cell.index: cell.widget_outputs for cell in run.code_cells() if cell.widget_outputs}
    if live_widgets != stored_widget_outputs(CHINESE / name):
        problems.append(f"widget outputs per cell differ from the stored notebook: in JupyterLab {live_widgets}")
    assert not record.script_errors, f"{relative}: uncaught script errors: {record.script_errors[:3]}"
    assert not problems, f"{relative} in JupyterLab:\n- " + "\n- ".join(problems)

    # The page's own words: the markdown is Chinese, and so is what the helpers print.
    assert len(CJK.findall(prose)) > 50, f"the rendered markdown is not in Chinese: {prose[:80]!r}"
    assert CJK.search(widget_text), f"the explorer's readout is not in Chinese: {widget_text[:160]!r}"
    if name.startswith("02"):
        checks = [output_text(cell) for cell in run.code_cells() if ".check(" in cell.source]
        assert any("尚未作答" in text for text in checks + html_checks), (
            "the unanswered checks of 02 do not say 尚未作答 (not attempted yet)"
        )
