"""The classroom app (make app, Voila) for keyboard and screen-reader users, and quick on a projector.

WCAG 2.1 AA as axe-core judges the drawn page (accessibility.py), and what axe cannot judge, walked
as a keyboard user walks it: Tab reaches every control of both views (2.1.1), the focused one shows
it (2.4.7), arrow keys move each slider and menu and the picture and readout follow; every picture
says what it shows (1.1.1) and each readout is a live region, so a screen reader announces the new
text after a change (4.1.3).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import psutil
import pytest

import explorer_page
from accessibility import axe_violations, describe_violations, images_without_description
from browser_pages import TIMINGS, open_page, running, save_page_if_failed
from browser_processes import JupyterServer

# The full tier only (make test-all): this file drives Chromium.
pytestmark = pytest.mark.full

REPOSITORY = Path(__file__).resolve().parents[2]
APP_NOTEBOOK = REPOSITORY / "app" / "explorer.ipynb"
#: The first picture appeared 6.0 s after the page was requested while the page ran its cells, training
#: a CNN among them. make app now keeps one kernel pre-heated with the notebook already run (run.py's
#: APP_OPTIONS) and the app loads the stored model (app/cam_model.py): 2.7 s from the request on an idle
#: machine, 5.2 s on a busy CI runner, against a goal of 3 s. Wall-clock time on a shared machine is noise,
#: so the test asserts the cause instead: the kernel that serves the page has already done the work. The
#: CPU it spends between the request and the first picture (answering the page's widget requests) must stay
#: under this share of what pre-heating cost it (importing torch, running every cell); a page that ran its
#: cells on request would spend more after the request than before. The seconds are still measured and
#: printed among the suite's timings.
SERVING_SHARE_OF_PREHEAT_LIMIT = 0.25
#: Voila logs nothing when its pre-heated kernel has run the notebook; the kernel's CPU time says it:
#: busy importing torch and drawing, then still for this long.
KERNEL_SETTLED_SECONDS = 2.0
#: The app's controls: the explorer's five sliders and kind menu, the CAM picker's image slider and class menu.
CONTROLS = 8

#: What has keyboard focus now, described well enough to tell the controls apart.
FOCUSED = """() => {
    const element = document.activeElement;
    if (!element || element === document.body) return null;
    const widget = element.closest('.widget-slider, .widget-dropdown, .jupyter-widgets');
    const label = widget ? (widget.querySelector('label.widget-label') || {}).textContent : '';
    const view = element.closest('.gpool-figure-view');
    const style = getComputedStyle(element);
    return {
        role: element.getAttribute('role') || element.tagName.toLowerCase(),
        label: (label || '').trim(),
        view: view ? [...document.querySelectorAll('.gpool-figure-view')].indexOf(view) : -1,
        focusVisible: element.matches(':focus-visible'),
        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
        shadow: style.boxShadow !== 'none',
        name: element.getAttribute('aria-label') || (element.getAttribute('aria-labelledby') || '')
            .split(' ').map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim()
            || (element.labels && element.labels[0] ? element.labels[0].textContent.trim() : ''),
        value: element.getAttribute('aria-valuenow') ?? element.value,
    };
}"""


sys.path.insert(0, str(REPOSITORY))
import run  # noqa: E402  (make app's own Voila options)


@pytest.fixture(scope="module")
def voila_server(work_dir):
    server = JupyterServer("voila", APP_NOTEBOOK, work_dir / "voila", extra_args=list(run.APP_OPTIONS))
    with running(server, "voila") as started:
        # As in a classroom, where make app runs before anyone asks for the page: let the kernel run the app.
        began = time.monotonic()
        wait_until_the_kernel_has_run(started)
        TIMINGS.append(("voila app (accessibility)", "kernel pre-heated (notebook run)", time.monotonic() - began))
        yield started


def kernel_processes(server) -> list[psutil.Process]:
    return [process for process in psutil.Process(server.process.pid).children(recursive=True)
            if "ipykernel" in " ".join(process.cmdline())]


def cpu_seconds(processes) -> dict[int, float]:
    """User + system CPU seconds of each process still alive, by process id."""
    used = {}
    for process in processes:
        try:
            used[process.pid] = sum(process.cpu_times()[:2])
        except psutil.NoSuchProcess:
            pass
    return used


def wait_until_the_kernel_has_run(server, timeout: float = 180.0) -> None:
    """Until Voila's pre-heated kernel has used over a second of CPU and then none for a while."""
    deadline = time.monotonic() + timeout
    last, still_since = -1.0, time.monotonic()
    while time.monotonic() < deadline:
        used = sum(cpu_seconds(kernel_processes(server)).values())
        if used - last > 0.05:
            last, still_since = used, time.monotonic()
        elif used > 1.0 and time.monotonic() - still_since > KERNEL_SETTLED_SECONDS:
            return
        time.sleep(0.25)
    raise AssertionError("Voila's pre-heated kernel did not finish running the app")


class FirstPicture:
    """How the page's first picture came: the seconds it took, and the CPU the pre-heated kernel spent."""

    def __init__(self, seconds: float, preheat_cpu: dict[int, float], serving_cpu: dict[int, float]):
        self.seconds = seconds
        self.preheat_cpu = preheat_cpu
        self.serving_cpu = serving_cpu


@pytest.fixture(scope="module")
def app(voila_server, browser, artifacts_dir):
    """The app page, loaded once and timed; both views drawn."""
    context, page, record = open_page(browser, voila_server.base_url, viewport={"width": 1280, "height": 1400})
    try:
        # The kernels alive now are the pre-heated pool; one of them will serve the page. Voila starts a
        # fresh kernel to refill the pool after the request: a new process, left out of the sums below.
        pool = kernel_processes(voila_server)
        before = cpu_seconds(pool)
        started = time.monotonic()
        page.goto(voila_server.url("/"), timeout=240_000)
        explorer_page.wait_until_drawn(page, timeout_ms=120_000)
        seconds = time.monotonic() - started
        after = cpu_seconds(pool)
        serving = {pid: after[pid] - before[pid] for pid in after if pid in before}
        TIMINGS.append(("voila app (accessibility)", "page request to first picture (the kernel's CPU: "
                        f"{sum(serving.values()):.2f} s on the request, {sum(before.values()):.1f} s to pre-heat)",
                        seconds))
        page.locator(".gpool-figure-view .gpool-figure-image").nth(1).wait_for(state="visible", timeout=120_000)
        yield page, record, FirstPicture(seconds, before, serving)
    finally:
        page.screenshot(path=str(artifacts_dir / "app_accessibility.png"), full_page=True)
        context.close()


def test_the_first_picture_comes_without_waiting_for_training(app):
    """The served kernel ran the notebook before the request; answering the page costs it little more."""
    _, _, first = app
    assert first.preheat_cpu, "no pre-heated kernel was waiting when the page was requested"
    preheat = sum(first.preheat_cpu.values())
    serving = sum(first.serving_cpu.values())
    assert serving < SERVING_SHARE_OF_PREHEAT_LIMIT * preheat, (
        f"after the page request the app's kernel used {serving:.2f} s of CPU, against {preheat:.2f} s to "
        f"pre-heat it (limit {SERVING_SHARE_OF_PREHEAT_LIMIT:.0%}): the page is running cells on request "
        f"(the first picture took {first.seconds:.1f} s; goal 3 s)"
    )


def test_axe_finds_no_wcag_21_aa_violation_on_the_app(app):
    page, _, _ = app
    violations = axe_violations(page)
    assert not violations, describe_violations("the Voila app", violations)


def test_every_picture_of_the_app_says_what_it_shows(app):
    page, _, _ = app
    assert page.locator(".gpool-figure-image").count() == 2
    assert images_without_description(page) == []


def test_each_readout_is_announced_when_it_changes(app):
    page, _, _ = app
    readouts = page.locator(".gpool-figure-readout")
    assert readouts.count() == 2
    for index in range(2):
        live = readouts.nth(index).evaluate(
            "(element) => [element.getAttribute('aria-live'), element.getAttribute('role')]"
        )
        assert live[0] == "polite" or live[1] == "status", f"readout {index} is not a live region: {live}"


def test_a_keyboard_alone_reaches_labels_and_changes_every_control(app, request, artifacts_dir):
    page, record, _ = app
    try:
        page.locator("body").click(position={"x": 2, "y": 2})  # start from the page, as after loading it
        page.evaluate("document.activeElement && document.activeElement.blur()")
        reached: dict[tuple[int, str], dict] = {}
        for _ in range(60):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            if focused and focused["role"] in ("slider", "select") and focused["view"] >= 0:
                key = (focused["view"], focused["label"])
                if key in reached:
                    break  # round the page once
                reached[key] = focused
                # Visible focus (2.4.7): an outline or a ring, and the browser's own :focus-visible.
                assert focused["focusVisible"] and (focused["outline"] or focused["shadow"]), (
                    f"control {focused['label']!r} has focus but shows none: {focused}"
                )
                # Labelled (4.1.2): the accessible name is the label a sighted user reads.
                assert focused["name"] and focused["label"] and focused["label"] in focused["name"], (
                    f"control {focused['label']!r} is named {focused['name']!r} for a screen reader"
                )
                view = page.locator(".gpool-figure-view").nth(focused["view"])
                before = (view.locator(".gpool-figure-image").get_attribute("src"),
                          view.locator(".gpool-figure-readout").inner_text())
                key_pressed = "ArrowRight" if focused["role"] == "slider" else "ArrowDown"
                page.keyboard.press(key_pressed)
                page.wait_for_function(
                    """([index, source, text]) => {
                        const view = document.querySelectorAll('.gpool-figure-view')[index];
                        const image = view.querySelector('.gpool-figure-image');
                        const readout = view.querySelector('.gpool-figure-readout');
                        return image.getAttribute('src') !== source && readout.innerText !== text;
                    }""",
                    arg=[focused["view"], *before],
                    timeout=30_000,
                )
                after = page.evaluate(FOCUSED)
                assert after and after["label"] == focused["label"], f"{key_pressed} moved focus away from {focused}"
                assert after["value"] != focused["value"], f"{key_pressed} did not change {focused['label']!r}"
        labels = sorted(f"{view}:{label}" for view, label in reached)
        assert len(reached) == CONTROLS, f"Tab reached {len(reached)} of {CONTROLS} controls: {labels}"
        assert not record.script_errors, record.script_errors[:3]
    finally:
        save_page_if_failed(page, request, artifacts_dir, full_page=True)
