"""make html: a site that needs no network (tools/render_html.py). The browser check is tests/browser/test_offline_site.py."""

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


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("site")
    solved = base / "solved"
    solved.mkdir()
    # Stand-ins for make solutions' output: the real one takes a minute, and any notebook renders the same way.
    for name in ("02_global_average_pooling.ipynb", "04_global_depth_pooling.ipynb"):
        shutil.copy2(ROOT / "notebooks" / name, solved / name)
    output = base / "html"
    pages = render_html.build_site(NOTEBOOKS, output, solved)
    return output, pages


def test_the_site_has_an_index_every_notebook_and_the_solved_edition(site):
    output, pages = site
    assert {page.relative_to(output).as_posix() for page in pages} == {
        "index.html",
        *(f"{path.stem}.html" for path in NOTEBOOKS),
        "solutions/02_global_average_pooling.html",
        "solutions/04_global_depth_pooling.html",
    }
    index = (output / "index.html").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f'href="{path.stem}.html"' in index
    assert ">02 Global average pooling<" in index
    assert "02: 02" not in index, "a title that carries its number gets no second one"
    teachers = index.split('id="solutions"', 1)[1]
    assert 'href="solutions/04_global_depth_pooling.html"' in teachers


def test_no_page_fetches_anything_from_the_network_and_every_local_script_exists(site):
    output, pages = site
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert render_html.network_references(text) == [], page.name
        assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", text.replace('<a href="', "<a x=\"")), page.name
        for address in re.findall(r'<script src="([^"]+)"', text):
            target = (page.parent / address.split("?")[0]).resolve()
            assert target.is_file(), f"{page.name} loads {address}, which is not in the site"
    mathjax_pages = [page for page in pages if "MathJax.js" in page.read_text(encoding="utf-8")]
    assert len(mathjax_pages) == len(pages) - 1  # every notebook page; the index has no formulas
    assert (output / "_static" / "mathjax" / "fonts" / "HTML-CSS" / "STIX-Web" / "woff").is_dir()


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
