"""Browser tabs for the suite, and the timings it reports at the end of a run."""

from __future__ import annotations

import contextlib
import importlib.util
import time
from pathlib import Path

#: (what ran, which step, seconds), printed by conftest's terminal summary.
TIMINGS: list[tuple[str, str, float]] = []


@contextlib.contextmanager
def running(server, label: str):
    """Start ``server`` (a browser_processes.JupyterServer), note how long it took, stop it on the way out."""
    started = time.monotonic()
    try:
        server.start()
        TIMINGS.append((label, "server ready", time.monotonic() - started))
        yield server
    finally:
        server.stop()


class PageRecord:
    """What a page did besides rendering: requests that were blocked, uncaught script errors."""

    def __init__(self) -> None:
        self.blocked_urls: list[str] = []
        self.script_errors: list[str] = []


def new_context(browser, allowed_prefix: str, viewport: dict | None = None):
    """A browser context whose pages may only talk to ``allowed_prefix``: any other request (a CDN font) is aborted.

    Pages opened in one context share its HTTP cache, so JupyterLab's
    scripts are fetched once per module, not once per notebook.
    """
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, device_scale_factor=1)
    context.set_default_timeout(60_000)
    record = PageRecord()

    def route(route_request):
        url = route_request.request.url
        if url.startswith(allowed_prefix) or url.startswith(("data:", "blob:", "about:")):
            route_request.continue_()
        else:
            record.blocked_urls.append(url)
            route_request.abort()

    context.route("**/*", route)
    return context, record


def new_page(context, record):
    """A tab in ``context`` whose uncaught script errors land in ``record``."""
    page = context.new_page()
    page.on("pageerror", lambda error: record.script_errors.append(str(error)))
    return page


def open_page(browser, allowed_prefix: str, viewport: dict | None = None):
    """A context of its own with one tab: (context, page, record)."""
    context, record = new_context(browser, allowed_prefix, viewport)
    return context, new_page(context, record), record


def save_page_if_failed(page, request, artifacts_dir, full_page: bool = False) -> None:
    """After a failed test, a screenshot of its page in artifacts/ (FAILED_<test>.png) to look at."""
    report = getattr(request.node, "rep_call", None)
    if report is None or not report.failed:
        return
    try:
        page.screenshot(path=str(artifacts_dir / f"FAILED_{request.node.name}.png"), full_page=full_page)
    except Exception:  # noqa: BLE001  (a dead page must not hide the test's own failure)
        pass


#: MathJax 2 has finished when its queue is empty and the site's typeset signal has fired.
TYPESET_DONE = """() => window.MathJax && MathJax.Hub && MathJax.Hub.queue
    && MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0 && window.__gpoolTypeset === true"""


def load_render_html(module_name: str = "render_html_browser"):
    """tools/render_html.py as a module (tools is not on the browser suite's import path)."""
    path = Path(__file__).resolve().parents[2] / "tools" / "render_html.py"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
