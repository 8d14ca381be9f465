"""make html: static pages whose previous / next links lead to the other pages."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("render_html", ROOT / "tools" / "render_html.py")
render_html = importlib.util.module_from_spec(spec)
spec.loader.exec_module(render_html)


def test_links_between_notebooks_point_at_the_html_pages():
    html = '<a href="02_global_average_pooling.ipynb">next</a> <a href="00_start_here.ipynb#Contents">c</a>'
    assert render_html.rewrite_links(html) == (
        '<a href="02_global_average_pooling.html">next</a> <a href="00_start_here.html#Contents">c</a>'
    )
    # Anything that is not a link to one of our numbered notebooks is left alone.
    other = '<a href="https://example.org/a.ipynb">x</a> <code>open("01_why_global_pooling.ipynb")</code>'
    assert render_html.rewrite_links(other) == other


def test_start_here_renders_with_its_outputs_and_working_navigation(tmp_path):
    target = render_html.render(ROOT / "notebooks" / "00_start_here.ipynb", tmp_path)
    html = target.read_text(encoding="utf-8")
    assert 'href="01_why_global_pooling.html"' in html
    assert ".ipynb\"" not in html
    assert "torch.Size([1, 8, 4, 4])" in html  # a stored output, shown without a kernel
