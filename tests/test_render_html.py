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


# -- readable by everyone (WCAG 2.1 AA); the browser suite runs axe-core over the whole site ----------


def test_contrast_ratio_follows_wcag():
    assert round(render_html.contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    # The measurements (axe-core truncates to 2 decimals): the dimmed prompt, the comment colour.
    assert int(render_html.contrast_ratio("#b0b0b0", "#ffffff") * 100) / 100 == 2.16
    assert int(render_html.contrast_ratio("#408080", "#f5f5f5") * 100) / 100 == 4.17


def test_a_colour_below_aa_is_darkened_in_its_own_hue_and_a_good_one_kept():
    fixed = render_html.readable_colour("#408080", "#f5f5f5")
    assert render_html.contrast_ratio(fixed, "#f5f5f5") >= 4.5 and fixed != "#408080"
    red, green, blue = (int(fixed[i:i + 2], 16) for i in (1, 3, 5))
    assert red < green == blue  # still a teal
    assert render_html.readable_colour("#ba2121", "#f5f5f5") == "#ba2121"


def test_a_page_gets_its_colours_lifted_to_aa_and_a_visible_focus():
    page = """<style>:root { --jp-cell-editor-background: var(--md-grey-100); --md-grey-100: #f5f5f5;
        --jp-mirror-editor-comment-color: #408080; --jp-mirror-editor-string-color: #ba2121; }
        .jp-RenderedText pre .ansi-red-fg { color: #e75c58; }</style>"""
    style = render_html.theme_overrides(page)
    assert "--jp-mirror-editor-comment-color" in style and "--jp-mirror-editor-string-color" not in style
    assert ".ansi-red-fg" in style and "--jp-cell-prompt-not-active-opacity: 1" in style
    assert "text-decoration: underline" in style and ":focus-visible" in style


def test_chinese_passages_of_an_english_page_say_their_language():
    page = '<html lang="en"><head><title>全局</title></head><body><p>The post, "轻松学 – 全局池化层详解", says so.</p>' \
           '<p lang="zh-CN">已标注</p><script>var s = "中文";</script></body></html>'
    marked = render_html.mark_chinese_passages(page)
    assert '<span lang="zh-CN">轻松学 – 全局池化层详解</span>' in marked
    assert "<title>全局</title>" in marked and 'var s = "中文";' in marked
    assert marked.count('lang="zh-CN"') == 2  # the marked one and the paragraph that already said it


def test_a_described_figure_keeps_its_text_as_the_img_alt(tmp_path):
    html = render_html.render(ROOT / "notebooks" / "02_global_average_pooling.ipynb", tmp_path).read_text(encoding="utf-8")
    assert "No description has been provided" not in html
    assert 'alt="avg pooling: (1, 8, 4, 4) -&gt; (1, 8).' in html
