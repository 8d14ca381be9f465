"""make html: a site that needs no network (tools/render_html.py), both editions and their solved pages.

The browser check is tests/browser/test_offline_site.py.
"""

import importlib.util
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("render_html_offline", ROOT / "tools" / "render_html.py")
render_html = importlib.util.module_from_spec(spec)
spec.loader.exec_module(render_html)

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
NOTEBOOKS_ZH = sorted((ROOT / "notebooks" / "zh").glob("[0-9][0-9]_*.ipynb"))


def test_every_kind_of_fetched_network_address_is_found_and_plain_links_are_not():
    page = """
    <script src="https://cdn.example/x.js"></script>
    <link rel="stylesheet" href="//fonts.example/css">
    <img src="http://img.example/a.png"> <img srcset="local.png 1x, https://img.example/b.png 2x">
    <style>/* see https://example.org/docs */ @font-face { src: url('https://f.example/a.woff2'); }
    @import "https://css.example/more.css";</style>
    <div style="background: url(//bg.example/p.jpg)"></div>
    <script>var s = document.createElement('script'); s.src = 'https://unpkg.example/embed-amd.js';</script>
    <a href="https://arxiv.org/abs/1312.4400">a paper to read</a>
    <script src="_static/require.min.js"></script> <img src="data:image/png;base64,AAAA">
    <script>const DOCTYPE = "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd";</script>
    """
    found = [address for _, address in render_html.network_references(page)]
    assert found == [
        "https://cdn.example/x.js",
        "//fonts.example/css",
        "http://img.example/a.png",
        "https://img.example/b.png",
        "https://f.example/a.woff2",
        "https://css.example/more.css",
        "//bg.example/p.jpg",
        "https://unpkg.example/embed-amd.js",
    ]


def test_solved_pages_link_back_to_learner_pages_they_do_not_have():
    page = '<a href="00_start_here.ipynb">c</a> <a href="03_global_max_pooling.ipynb#q">n</a>'
    assert render_html.rewrite_links(page, {"03_global_max_pooling"}, "../") == (
        '<a href="../00_start_here.html">c</a> <a href="03_global_max_pooling.html#q">n</a>'
    )


#: make html's two commands: the English site, then the Chinese one in its zh/ folder, each with its solved edition.
EDITIONS = {
    "": (NOTEBOOKS, ("02_global_average_pooling.ipynb", "04_global_depth_pooling.ipynb")),
    "zh/": (NOTEBOOKS_ZH, ("02_global_average_pooling.ipynb",)),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("site")
    output = base / "html"
    pages = []
    for folder, (notebooks, solved_names) in EDITIONS.items():
        assert notebooks, f"no notebooks for the edition in {folder or 'the site root'}"
        solved = base / "solved" / folder
        solved.mkdir(parents=True)
        # Stand-ins for make solutions' output: the real one takes minutes, and any notebook renders the same way.
        for name in solved_names:
            shutil.copy2(notebooks[0].parent / name, solved / name)
        pages += render_html.build_site(notebooks, output / folder, solved)
    return output, pages


def test_the_site_has_an_index_every_notebook_and_the_solved_edition(site):
    output, pages = site
    assert {page.relative_to(output).as_posix() for page in pages} == {
        f"{folder}{page}"
        for folder, (notebooks, solved_names) in EDITIONS.items()
        for page in (
            "index.html",
            *(f"{path.stem}.html" for path in notebooks),
            *(f"solutions/{Path(name).stem}.html" for name in solved_names),
        )
    }
    index = (output / "index.html").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f'href="{path.stem}.html"' in index
    assert ">02 Global average pooling<" in index
    assert "02: 02" not in index, "a title that carries its number gets no second one"
    teachers = index.split('id="solutions"', 1)[1]
    assert 'href="solutions/04_global_depth_pooling.html"' in teachers
    assert 'href="zh/index.html"' in index

    chinese = (output / "zh" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in chinese and 'href="../index.html"' in chinese
    for path in NOTEBOOKS_ZH:
        assert f'href="{path.stem}.html"' in chinese
    teachers = chinese.split('id="solutions"', 1)[1]
    assert 'href="solutions/02_global_average_pooling.html"' in teachers
    for page in pages:
        if page.name != "index.html":
            language = "zh-CN" if page.relative_to(output).parts[0] == "zh" else "en"
            assert f'<html lang="{language}">' in page.read_text(encoding="utf-8"), page


def _site_pages(output: Path) -> list[Path]:
    """Every page on disk in the site, whatever wrote it (the bundled MathJax in _static/ is not a page)."""
    return sorted(page for page in output.rglob("*.html") if render_html.STATIC not in page.relative_to(output).parts)


def test_no_page_fetches_anything_from_the_network_and_every_local_script_exists(site):
    output, pages = site
    on_disk = _site_pages(output)
    assert on_disk == sorted(pages), "a page in the site that build_site did not report"
    for page in on_disk:
        name = page.relative_to(output).as_posix()
        text = page.read_text(encoding="utf-8")
        assert render_html.network_references(text) == [], name
        assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", text.replace('<a href="', "<a x=\"")), name
        for address in re.findall(r'<script src="([^"]+)"', text):
            target = (page.parent / address.split("?")[0]).resolve()
            assert target.is_file(), f"{name} loads {address}, which is not in the site"
        # Links between pages and editions (index -> notebook, solved -> learner page, en <-> zh) stay in the site.
        for address in re.findall(r'<a\s[^>]*?href="(?!//)([^"#:]+)', text):
            assert (page.parent / address).resolve().is_file(), f"{name} links to {address}, which is not in the site"
    indexes = {"index.html", "zh/index.html"}
    assert indexes <= {page.relative_to(output).as_posix() for page in on_disk}
    for page in on_disk:
        with_mathjax = "MathJax.js" in page.read_text(encoding="utf-8")
        # Every notebook page of both editions loads MathJax; the indexes have no formulas.
        assert with_mathjax == (page.relative_to(output).as_posix() not in indexes), page
    for folder in EDITIONS:
        assert (output / folder / "_static" / "mathjax" / "fonts" / "HTML-CSS" / "STIX-Web" / "woff").is_dir()
        assert (output / folder / "_static" / "require.min.js").is_file()


def test_a_page_that_would_load_from_the_network_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(render_html, "MATHJAX_ENTRY", "x.js")
    original = render_html.exporter_for
    monkeypatch.setattr(render_html, "exporter_for", lambda depth: _with_cdn(original(depth)))
    with pytest.raises(render_html.OfflineSiteError, match="would load from the network: <script src> https://cdn"):
        render_html.render(NOTEBOOKS[0], tmp_path)
    assert not (tmp_path / f"{NOTEBOOKS[0].stem}.html").exists()


def _with_cdn(exporter):
    exporter.require_js_url = "https://cdn.example/require.js"
    return exporter


def test_bad_input_gets_a_clear_error(tmp_path, capsys):
    with pytest.raises(SystemExit):
        render_html.main(["--output", str(tmp_path), str(tmp_path / "nope.ipynb")])
    assert "no such notebook" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        render_html.main(["--output", str(tmp_path), "--solutions", str(tmp_path / "absent"), str(NOTEBOOKS[0])])
    assert "run make solutions first" in capsys.readouterr().err


def test_a_rebuild_removes_pages_an_earlier_build_left_but_not_the_other_edition(tmp_path):
    output = tmp_path / "html"
    (output / "solutions").mkdir(parents=True)
    (output / "zh").mkdir()
    stale = [output / "99_renamed_since.html", output / "solutions" / "00_start_here.html"]
    for page in stale:
        page.write_text("<html>an earlier build's page</html>", encoding="utf-8")
    other_edition = output / "zh" / "index.html"
    other_edition.write_text("<html>the Chinese site</html>", encoding="utf-8")
    pages = render_html.build_site(NOTEBOOKS[:1], output)
    assert [page for page in stale if page.exists()] == []
    assert other_edition.exists()
    assert all(page.exists() for page in pages)
