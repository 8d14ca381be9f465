"""make html's site meets WCAG 2.1 AA: axe-core finds nothing on any page, and every picture says what it shows.

The site is built by tools/render_html.py as make html builds it (the English site, the Chinese one
in zh/, each with an index and a solved edition in solutions/), from every notebook of both
editions. The solved editions stand in with the learner notebooks (make solutions takes minutes,
and renders through the same template and theme; only the exercise outputs differ). Each page is
opened offline in headless Chromium, MathJax is let finish (axe then judges its typeset output),
and axe-core runs the WCAG 2.0/2.1 A and AA rules (accessibility.py).

To audit a site already built instead (make html's build/html, with the real solved editions), name
its folder: ``GPOOL_SITE=build/html python -m pytest tests/browser/test_accessible_site.py`` (docs/teachers.md).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from accessibility import axe_violations, describe_violations, images_without_description
from browser_pages import TYPESET_DONE, load_render_html, new_context, new_page

# The full tier only (make test-all): this file drives Chromium.
pytestmark = pytest.mark.full

REPOSITORY = Path(__file__).resolve().parents[2]
EDITIONS = {
    "": sorted((REPOSITORY / "notebooks").glob("[0-9][0-9]_*.ipynb")),
    "zh": sorted((REPOSITORY / "notebooks" / "zh").glob("[0-9][0-9]_*.ipynb")),
}


#: A site already built to audit instead of building one (see the module's docstring).
BUILT_SITE = os.environ.get("GPOOL_SITE", "").strip()


@pytest.fixture(scope="module")
def site(work_dir) -> list[Path]:
    if BUILT_SITE:
        root = Path(BUILT_SITE).resolve()
        assert (root / "index.html").is_file(), f"GPOOL_SITE={BUILT_SITE}: no index.html there (run make html)"
        # index.html first: the audit names pages relative to the first page's folder.
        pages = [path for path in root.rglob("*.html") if "_static" not in path.relative_to(root).parts]
        return sorted(pages, key=lambda path: (path != root / "index.html", str(path)))
    render_html = load_render_html("render_html_a11y")
    pages: list[Path] = []
    for folder, notebooks in EDITIONS.items():
        solved = work_dir / "solved" / folder
        solved.mkdir(parents=True)
        for notebook in notebooks:
            shutil.copy2(notebook, solved)
        pages += render_html.build_site(notebooks, work_dir / "html" / folder, solved)
    return pages


@pytest.fixture(scope="module")
def audited(browser, site, artifacts_dir) -> dict[str, dict]:
    """Every page opened once: {name: {"violations": [...], "images": n, "undescribed": [...]}}.

    Also written to artifacts/accessibility-site.json, the whole audit to read after a failure.
    """
    context, record = new_context(browser, allowed_prefix="file://")
    context.set_offline(True)
    context.add_init_script(
        "window.MathJax = {AuthorInit: function () { MathJax.Hub.Register.StartupHook('End', "
        "function () { window.__gpoolTypeset = true; }); }};"
    )
    root = site[0].parent
    results: dict[str, dict] = {}
    try:
        for path in site:
            page = new_page(context, record)
            page.goto(path.as_uri())
            if path.name != "index.html":
                page.wait_for_function(TYPESET_DONE, timeout=60_000)
            results[path.relative_to(root).as_posix()] = {
                # MathJax 2's AssistiveMML: each typeset formula carries hidden MathML a screen reader reads.
                "formulas": page.evaluate("document.querySelectorAll('script[type^=\"math/tex\"]').length"),
                "spoken_formulas": page.evaluate("document.querySelectorAll('.MJX_Assistive_MathML').length"),
                "violations": axe_violations(page),
                "images": page.evaluate("document.images.length"),
                "undescribed": images_without_description(page),
            }
            page.close()
    finally:
        context.close()
    (artifacts_dir / "accessibility-site.json").write_text(json.dumps(results, indent=1, ensure_ascii=False),
                                                          encoding="utf-8")
    assert record.blocked_urls == [], f"pages asked the network for: {record.blocked_urls[:5]}"
    return results


def test_every_page_of_both_editions_was_audited(audited):
    names = set(audited)
    if BUILT_SITE:
        assert {"index.html", "zh/index.html"} <= names, sorted(names)[:5]
        return
    for folder, notebooks in EDITIONS.items():
        prefix = f"{folder}/" if folder else ""
        assert f"{prefix}index.html" in names
        for notebook in notebooks:
            assert f"{prefix}{notebook.stem}.html" in names and f"{prefix}solutions/{notebook.stem}.html" in names
    assert len(names) == sum(2 * len(notebooks) + 1 for notebooks in EDITIONS.values())


def test_axe_finds_no_wcag_21_aa_violation_on_any_page(audited):
    failing = {name: result["violations"] for name, result in audited.items() if result["violations"]}
    report = "\n".join(describe_violations(name, violations) for name, violations in sorted(failing.items()))
    assert not failing, f"axe-core (WCAG 2.1 A/AA) fails on {len(failing)} of {len(audited)} pages:\n{report}"


def test_every_picture_has_a_real_text_alternative(audited):
    images = sum(result["images"] for result in audited.values())
    # The notebooks draw dozens of figures; a site with none would pass this test by being empty.
    assert images >= 60, f"only {images} pictures on the whole site"
    missing = {name: result["undescribed"] for name, result in audited.items() if result["undescribed"]}
    listed = "\n".join(f"  {name}: {len(found)}, e.g. alt={found[0]['alt']!r}" for name, found in sorted(missing.items()))
    assert not missing, f"{sum(map(len, missing.values()))} of {images} pictures say nothing of what they show:\n{listed}"


def test_every_formula_reaches_a_screen_reader_as_mathml(audited):
    formulas = sum(result["formulas"] for result in audited.values())
    assert formulas >= 5, f"only {formulas} formulas on the whole site"
    silent = {name: (result["formulas"], result["spoken_formulas"]) for name, result in audited.items()
              if result["spoken_formulas"] < result["formulas"]}
    assert not silent, f"formulas without MathJax's assistive MathML (formulas, with MathML): {silent}"
