"""make html in a real browser with the network off: formulas typeset by the bundled MathJax, pictures shown.

The site is built by tools/render_html.py into a temporary folder and opened from file://
addresses in headless Chromium. The browser context is offline, and every request that is not
for a file of the site is aborted and recorded: a page that asks the network for anything fails.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from browser_pages import new_context, new_page

REPOSITORY = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPOSITORY / "notebooks").glob("[0-9][0-9]_*.ipynb"))

#: MathJax 2 has finished when its queue is empty and the typeset signal has fired.
TYPESET_DONE = """() => window.MathJax && MathJax.Hub && MathJax.Hub.queue
    && MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0 && window.__gpoolTypeset === true"""


def _render_html():
    spec = importlib.util.spec_from_file_location("render_html_browser", REPOSITORY / "tools" / "render_html.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(work_dir) -> list[Path]:
    solved = work_dir / "solved"
    solved.mkdir()
    shutil.copy2(REPOSITORY / "notebooks" / "02_global_average_pooling.ipynb", solved)
    return _render_html().build_site(NOTEBOOKS, work_dir / "html", solved)


def test_every_page_renders_formulas_and_pictures_offline(browser, site):
    context, record = new_context(browser, allowed_prefix="file://")
    context.set_offline(True)
    # Set before any page script runs: MathJax's "End" signal marks the first typeset as done.
    context.add_init_script(
        "window.MathJax = {AuthorInit: function () { MathJax.Hub.Register.StartupHook('End', "
        "function () { window.__gpoolTypeset = true; }); }};"
    )
    failed: list[str] = []
    formulas_seen = images_seen = 0
    try:
        for page_path in site:
            page = new_page(context, record)
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.goto(page_path.as_uri())
            name = page_path.relative_to(site[0].parent).as_posix()
            if page_path.name != "index.html":
                page.wait_for_function(TYPESET_DONE, timeout=60_000)
                sources = page.evaluate("document.querySelectorAll('script[type^=\"math/tex\"]').length")
                typeset = page.evaluate("document.querySelectorAll('.MathJax, .MathJax_Display').length")
                errors = page.evaluate("document.querySelectorAll('.MathJax_Error, merror').length")
                assert typeset >= sources and errors == 0, f"{name}: {sources} formulas, {typeset} typeset, {errors} errors"
                text = page.evaluate("document.body.innerText")
                assert "$$" not in text and "\\frac" not in text, f"{name} shows raw TeX"
                formulas_seen += sources
                if sources:
                    fonts = page.evaluate(
                        "document.fonts.ready.then(() => [...document.fonts]"
                        ".filter(f => f.family.includes('STIX') && f.status === 'loaded').length)"
                    )
                    assert fonts > 0, f"{name}: MathJax's STIX-Web fonts did not load from the site"
            broken = page.evaluate(
                "[...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))"
            )
            assert broken == [], f"{name}: pictures not shown: {broken}"
            images_seen += page.evaluate("document.images.length")
            page.close()
    finally:
        context.close()
    assert formulas_seen >= 5 and images_seen >= 10, (formulas_seen, images_seen)
    assert record.blocked_urls == [], f"pages asked the network for: {record.blocked_urls[:5]}"
    # MathJax probes web-font support with about:blank; a file of the site that failed to load is a bug.
    assert [url for url in failed if url.startswith("file:")] == []
    assert record.script_errors == []
