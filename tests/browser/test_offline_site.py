"""make html in a real browser with the network off: formulas typeset by the bundled MathJax, pictures shown.

The site is built by tools/render_html.py into a temporary folder, laid out as make html lays it out
(the English site, the Chinese one in zh/, each with its solved edition in solutions/), and opened
from file:// addresses in headless Chromium: every English page, and of the Chinese site its index,
a notebook with formulas and a solved page (its other pages are made the same way; every page of
both editions is scanned for network addresses by tests/test_offline_html.py). The browser context
is offline, and every request that is not for a file of the site is aborted and recorded: a page
that asks the network for anything fails.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from browser_pages import TYPESET_DONE, load_render_html, new_context, new_page

# The full tier only (make test-all): this file drives Chromium.
pytestmark = pytest.mark.full

REPOSITORY = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPOSITORY / "notebooks").glob("[0-9][0-9]_*.ipynb"))
FORMULAS = "02_global_average_pooling.ipynb"
#: (folder in the site, its learner notebooks, the notebook standing in for its solved edition).
EDITIONS = (
    ("", NOTEBOOKS, FORMULAS),
    ("zh", [REPOSITORY / "notebooks" / "zh" / FORMULAS], FORMULAS),
)


@pytest.fixture(scope="module")
def site(work_dir) -> list[Path]:
    pages: list[Path] = []
    for folder, notebooks, solved_name in EDITIONS:
        solved = work_dir / "solved" / folder
        solved.mkdir(parents=True)
        # A stand-in for make solutions' output (minutes to make): it renders the same way.
        shutil.copy2(notebooks[0].parent / solved_name, solved)
        pages += load_render_html("render_html_browser").build_site(notebooks, work_dir / "html" / folder, solved)
    return pages


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
    formulas_on: dict[str, int] = {}
    try:
        for page_path in site:
            page = new_page(context, record)
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.goto(page_path.as_uri())
            name = page_path.relative_to(site[0].parent).as_posix()
            language = page.evaluate("document.documentElement.lang")
            assert language == ("zh-CN" if name.startswith("zh/") else "en"), f"{name}: <html lang={language!r}>"
            if page_path.name != "index.html":
                page.wait_for_function(TYPESET_DONE, timeout=60_000)
                sources = page.evaluate("document.querySelectorAll('script[type^=\"math/tex\"]').length")
                typeset = page.evaluate("document.querySelectorAll('.MathJax, .MathJax_Display').length")
                errors = page.evaluate("document.querySelectorAll('.MathJax_Error, merror').length")
                assert typeset >= sources and errors == 0, f"{name}: {sources} formulas, {typeset} typeset, {errors} errors"
                text = page.evaluate("document.body.innerText")
                assert "$$" not in text and "\\frac" not in text, f"{name} shows raw TeX"
                formulas_seen += sources
                formulas_on[name] = sources
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
    # Both indexes, and a page with formulas of each edition's learner and solved pages, were checked.
    opened = {page.relative_to(site[0].parent).as_posix() for page in site}
    assert {"index.html", "zh/index.html"} <= opened
    for page in ("02_global_average_pooling", "solutions/02_global_average_pooling",
                 "zh/02_global_average_pooling", "zh/solutions/02_global_average_pooling"):
        assert formulas_on.get(f"{page}.html", 0) > 0, f"{page}.html: no formulas typeset ({formulas_on})"
    assert record.blocked_urls == [], f"pages asked the network for: {record.blocked_urls[:5]}"
    # MathJax probes web-font support with about:blank; a file of the site that failed to load is a bug.
    assert [url for url in failed if url.startswith("file:")] == []
    assert record.script_errors == []
