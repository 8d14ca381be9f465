"""``make html``: the executed notebooks as a static site that works without a network.

The site in ``--output`` holds:

- one page per notebook, with links between notebooks (``02_global_average_pooling.ipynb``)
  rewritten to the pages beside them, so previous / next works in a browser opened on the folder;
- ``index.html``: the notebook map, and, under its own heading, the teachers' solved edition
  (``--solutions build/solutions``, written by ``make solutions``) in ``solutions/``;
- ``_static/``: MathJax and require.js, copied from installed packages (jupyter-server-mathjax
  ships MathJax 2.7; Voila ships require.js), so no page loads anything from a CDN.

Stored outputs are shown as they are; nothing is executed. A widget shows as the picture stored
beside its view (a FigureView's PNG); a widget output without one is refused. Every page is checked before it is
written: a script, stylesheet, font or image with a network address is an error.

Readable by everyone (WCAG 2.1 AA; the browser suite runs axe-core over every page):

- a picture's ``<img alt>`` is its text alternative from the output metadata (``describe_figure``
  writes it; 1.1.1), through the page template in ``tools/site_template/gpool``, which is nbconvert's
  lab template with that one change;
- the theme's colours are raised to 4.5:1 against their background where nbconvert's fall short
  (code highlighting, the dimmed ``In [n]:`` prompts, error output; 1.4.3), computed from the
  page's own colour settings so that a new nbconvert is checked, not assumed;
- links inside text are underlined, not told apart by colour alone (1.4.1), and keyboard focus is
  drawn with a visible outline (2.4.7);
- each page says its language, and an English page marks its Chinese passages ``lang="zh-CN"``
  (3.1.1, 3.1.2).
"""

from __future__ import annotations

import argparse
import colorsys
import html
import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

TEMPLATES = Path(__file__).resolve().parent / "site_template"
TEMPLATE_NAME = "gpool"
NOTEBOOK_LINK = re.compile(r'href="(\d\d_[A-Za-z0-9_]+)\.ipynb(#[^"]*)?"')
STATIC = "_static"
#: MathJax 2's own combined configuration, as shipped by jupyter-server-mathjax; "Safe" as nbconvert's default.
MATHJAX_ENTRY = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
#: No notebook here draws a mermaid diagram and no installed package ships mermaid: point the
#: (unused) module URL inside the site, and refuse a notebook that would need it.
MERMAID_PLACEHOLDER = "mermaid-not-bundled.mjs"
#: jupyter-server-mathjax ships the STIX-Web fonts only (not MathJax's TeX fonts), as Jupyter's
#: classic notebook configured it; read before MathJax starts, so no font is looked up elsewhere.
MATHJAX_FONTS = """<script type="text/x-mathjax-config">
MathJax.Hub.Config({
    "HTML-CSS": {availableFonts: [], preferredFont: null, imageFont: null, webFont: "STIX-Web"},
    SVG: {font: "STIX-Web"}
});
</script>
"""
MATHJAX_MARKER = "<!-- Load mathjax -->"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
NETWORK = re.compile(r"^\s*(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//", re.ASCII)
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")
#: A quoted absolute address of something a script would load (a .js, .css, font or picture).
SCRIPT_RESOURCE = re.compile(
    r"""["'`]((?:https?:)?//[^"'`\s]+?\.(?:m?js|css|woff2?|ttf|otf|eot|png|jpe?g|gif|svg|webp)(?:\?[^"'`\s]*)?)["'`]"""
)


class OfflineSiteError(RuntimeError):
    """The site cannot be made to work offline (a missing package, a network reference)."""


def rewrite_links(html_text: str, beside: set[str] | None = None, elsewhere: str = "") -> str:
    """Point links to numbered notebooks at their pages.

    A page for a notebook in ``beside`` (stems; all when None) is in the same folder; any other is
    reached through ``elsewhere`` (``"../"`` from the solved edition back to the learner pages).
    """

    def page(match: re.Match) -> str:
        stem = match.group(1)
        folder = "" if beside is None or stem in beside else elsewhere
        return f'href="{folder}{stem}.html{match.group(2) or ""}"'

    return NOTEBOOK_LINK.sub(page, html_text)


# --- what a page would fetch ---------------------------------------------------------------

class _ResourceFinder(HTMLParser):
    """Collects every address a page fetches by itself: scripts, stylesheets, fonts, pictures, frames."""

    FETCHING = {
        "script": ("src",), "img": ("src", "srcset"), "source": ("src", "srcset"), "iframe": ("src",),
        "video": ("src", "poster"), "audio": ("src",), "embed": ("src",), "object": ("data",),
        "input": ("src",), "image": ("href", "xlink:href"), "use": ("href", "xlink:href"),
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []  # (what, address)
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in self.FETCHING.get(tag, ()):
            value = attributes.get(name)
            if value:
                for address in (part.strip().split(" ")[0] for part in value.split(",")) if name == "srcset" else [value]:
                    self.found.append((f"<{tag} {name}>", address))
        if tag == "link" and attributes.get("href"):
            self.found.append((f"<link rel={attributes.get('rel')}>", attributes["href"]))
        if attributes.get("style"):
            self._css(attributes["style"], f"<{tag} style>")
        self._in = tag if tag in ("style", "script") else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "style":
            self._css(data, "<style>")
        elif self._in == "script":
            self.found.extend(("<script> text", match.group(1)) for match in SCRIPT_RESOURCE.finditer(data))

    def _css(self, text: str, what: str) -> None:
        # Comments in CSS mention web pages; only url(...) and @import fetch anything.
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        for match in CSS_URL.finditer(text):
            self.found.append((f"{what} css", match.group(1) or match.group(2)))


def network_references(page: str) -> list[tuple[str, str]]:
    """(what, address) for every resource the page would fetch from the network.

    Links a reader may click (``<a href>`` to a paper) are not resources and are not listed.
    """
    finder = _ResourceFinder()
    finder.feed(page)
    finder.close()
    return [(what, address) for what, address in finder.found if NETWORK.match(address)]


# --- the bundled scripts ---------------------------------------------------------------------

def mathjax_source() -> Path:
    try:
        import jupyter_server_mathjax
    except ImportError:
        raise OfflineSiteError(
            "make html needs MathJax from the jupyter-server-mathjax package; run make setup "
            "(it is in the dev extra of pyproject.toml)"
        ) from None
    folder = Path(jupyter_server_mathjax.__file__).resolve().parent / "static"
    if not (folder / "MathJax.js").is_file():
        raise OfflineSiteError(f"jupyter-server-mathjax is installed but {folder / 'MathJax.js'} is missing; reinstall it")
    return folder


def require_js_source() -> Path:
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("voila", "templates", "base", "static"):
        candidate = Path(folder) / "require.min.js"
        if candidate.is_file():
            return candidate
    raise OfflineSiteError("make html needs require.js, which Voila ships; run make setup (voila is in the dev extra)")


def copy_static(site: Path) -> None:
    """Copy MathJax and require.js into ``site/_static`` (again only when a file changed)."""
    static = site / STATIC
    mathjax = mathjax_source()
    shutil.copytree(
        mathjax, static / "mathjax", dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__", "*.py"),
        copy_function=_copy_if_changed,
    )
    _copy_if_changed(require_js_source(), static / "require.min.js")
    (static / MERMAID_PLACEHOLDER).write_text(
        "// gpool's pages draw no mermaid diagrams; tools/render_html.py refuses a notebook that has one.\n",
        encoding="utf-8",
    )


def _copy_if_changed(source, target) -> str:
    source, target = Path(source), Path(target)
    if not target.exists() or target.stat().st_size != source.stat().st_size or target.read_bytes() != source.read_bytes():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return str(target)


# --- pages -----------------------------------------------------------------------------------

def exporter_for(depth: int) -> HTMLExporter:
    """An HTMLExporter whose pages, ``depth`` folders below the site root, load scripts from ``_static``."""
    up = "../" * depth
    return HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES)],
        mathjax_url=f"{up}{STATIC}/{MATHJAX_ENTRY}",
        require_js_url=f"{up}{STATIC}/require.min.js",
        mermaid_js_url=f"{up}{STATIC}/{MERMAID_PLACEHOLDER}",
        mermaid_layout_elk_js_url=f"{up}{STATIC}/{MERMAID_PLACEHOLDER}",
        jquery_url=f"{up}{STATIC}/jquery-not-bundled.js",
        jupyter_widgets_base_url=f"{up}{STATIC}/",
    )


# --- readable by everyone (WCAG 2.1 AA) -----------------------------------------------------

#: AA's minimum for normal text (1.4.3), with a little room so rounding in a browser never drops below it.
TEXT_CONTRAST = 4.5
TARGET_CONTRAST = 4.6
NAMED_COLOURS = {"white": "#ffffff", "black": "#000000", "blue": "#0000ff", "red": "#ff0000", "green": "#008000"}
CSS_VARIABLE = re.compile(r"(--[a-z0-9-]+)\s*:\s*([^;}]+)")
#: Text colours of the theme, and the background each is read on: code on the code cell's background,
#: output text (ANSI colours in tracebacks, prompts) on the page's.
CODE_COLOURS = re.compile(r"--jp-mirror-editor-[a-z0-9-]+-color$")
PAGE_COLOURS = re.compile(r"--jp-(cell-(in|out)prompt-font|cell-prompt-not-active-font|content-link)-color$")
#: A traceback's ANSI colours are fixed rules (".jp-RenderedText pre .ansi-red-fg { color: #e75c58; }"),
#: read on the page and on an error output's pink background.
ANSI_RULE = re.compile(r"(\.jp-RenderedText pre \.ansi-[a-z-]+-fg)\s*\{\s*color:\s*(#[0-9a-fA-F]{3,6})\s*;")
#: What the theme cannot express in colour variables: the dimmed prompt of a cell that is not selected
#: (a static page has no selected cell; dimming made #616161 read as #b0b0b0, 2.16:1), underlined links
#: inside text (1.4.1), and a visible focus outline on what nbconvert makes focusable (2.4.7).
FIXED_RULES = """
:root { --jp-cell-prompt-not-active-opacity: 1; }
.jp-RenderedHTMLCommon a, .jp-RenderedHTMLCommon a:link, .jp-RenderedHTMLCommon a:visited { text-decoration: underline; }
:focus-visible { outline: 2px solid #1a56a8; outline-offset: 2px; }
"""


def _hex(colour: str) -> str | None:
    colour = NAMED_COLOURS.get(colour.strip().lower(), colour.strip())
    match = re.fullmatch(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", colour)
    if match:
        digits = match.group(1)
        return "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits).lower()
    match = re.fullmatch(r"rgb\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)", colour)
    return "#" + "".join(f"{int(v):02x}" for v in match.groups()) if match else None


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.x contrast ratio of two #rrggbb colours (1 to 21)."""
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_colour(colour: str, background: str, target: float = TARGET_CONTRAST) -> str:
    """``colour`` itself when it reads at ``target`` on ``background``; else the same hue, darker, until it does."""
    if contrast_ratio(colour, background) >= target:
        return colour
    hue, lightness, saturation = colorsys.rgb_to_hls(*(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)))
    while lightness > 0:
        lightness = max(0.0, lightness - 0.01)
        candidate = "#" + "".join(f"{round(v * 255):02x}" for v in colorsys.hls_to_rgb(hue, lightness, saturation))
        if contrast_ratio(candidate, background) >= target:
            return candidate
    return "#000000"


def _variables(page: str) -> dict[str, str]:
    """The page's CSS custom properties, light theme (the first definition of each), var() references resolved."""
    found: dict[str, str] = {}
    for name, value in CSS_VARIABLE.findall(page):
        found.setdefault(name, value.strip())
    resolved: dict[str, str] = {}
    for name, value in found.items():
        for _ in range(5):
            reference = re.fullmatch(r"var\((--[a-z0-9-]+)\)", value)
            if not reference or reference.group(1) not in found:
                break
            value = found[reference.group(1)]
        resolved[name] = value
    return resolved


def theme_overrides(page: str) -> str:
    """A <style> that lifts every theme text colour below 4.5:1 on its background, plus FIXED_RULES."""
    variables = _variables(page)
    code_background = _hex(variables.get("--jp-cell-editor-background", "#f5f5f5")) or "#f5f5f5"
    page_background = _hex(variables.get("--jp-layout-color0", "#ffffff")) or "#ffffff"
    lines = []
    for name, value in sorted(variables.items()):
        background = code_background if CODE_COLOURS.match(name) else page_background if PAGE_COLOURS.match(name) else None
        colour = _hex(value) if background else None
        if colour is None:
            continue
        # Code is read on its cell's background and, in a Markdown code span or an output, on the page's.
        for ground in dict.fromkeys((background, page_background)):
            colour = readable_colour(colour, ground)
        if colour != _hex(value):
            lines.append(f"  {name}: {colour}; /* was {value}, {contrast_ratio(_hex(value), background):.2f}:1 */")
    error_background = _hex(variables.get("--jp-rendermime-error-background", "#ffdddd")) or "#ffdddd"
    rules = []
    for selector, value in dict(ANSI_RULE.findall(page)).items():
        colour = _hex(value)
        for ground in (page_background, error_background):
            colour = readable_colour(colour, ground)
        if colour != _hex(value):
            rules.append(f"{selector} {{ color: {colour}; }} /* was {value} */")
    return ("<style id=\"gpool-readable\">\n:root {\n" + "\n".join(lines) + "\n}\n" + "\n".join(rules)
            + FIXED_RULES + "</style>\n")


#: A run of Chinese text (Han characters, CJK and full-width punctuation between them).
CHINESE_RUN = re.compile(r"[\u4e00-\u9fff][\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\s–—-]*[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]|[\u4e00-\u9fff]")


def mark_chinese_passages(page: str) -> str:
    """Wrap each Chinese passage in an English page's prose in <span lang="zh-CN"> (WCAG 3.1.2).

    Only text between tags outside <script>, <style> and <title> is touched; an element that
    already says its language keeps it.
    """
    from bs4 import BeautifulSoup, NavigableString

    soup = BeautifulSoup(page, "html.parser")
    for text in list(soup.find_all(string=CHINESE_RUN)):
        if not isinstance(text, NavigableString) or text.find_parent(["script", "style", "title", "head"]):
            continue
        if any(parent.get("lang", "").startswith("zh") for parent in text.parents if getattr(parent, "get", None)):
            continue
        pieces, last = [], 0
        for match in CHINESE_RUN.finditer(str(text)):
            pieces.append(NavigableString(str(text)[last:match.start()]))
            span = soup.new_tag("span", lang="zh-CN")
            span.string = match.group(0)
            pieces.append(span)
            last = match.end()
        pieces.append(NavigableString(str(text)[last:]))
        for piece in pieces:
            if str(piece):
                text.insert_before(piece)
        text.extract()
    return str(soup)


def _check_notebook(notebook: nbformat.NotebookNode, name: str) -> None:
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown" and re.search(r"^\s*```\s*mermaid", cell.source, re.M):
            raise OfflineSiteError(f"{name}: a mermaid diagram needs mermaid.js, which no installed package ships")
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and "image/png" not in data:
                # The page could only show the widget's text form ("VBox(...)"): a FigureView stores a PNG.
                raise OfflineSiteError(
                    f"{name}: cell {index} stores a widget with no picture, which a page cannot draw; "
                    "re-execute the notebook with tools/execute_notebooks.py"
                )


def render(notebook_path: Path, output_dir: Path, depth: int = 0, beside: set[str] | None = None) -> Path:
    """Write ``output_dir/<stem>.html`` for one notebook; OfflineSiteError if it would use the network."""
    notebook = nbformat.read(notebook_path, as_version=4)
    _check_notebook(notebook, notebook_path.name)
    # Without the saved widget state, nbconvert skips each widget view and draws the PNG stored
    # beside it (a FigureView's picture of its initial state); with the state it would need the
    # widget manager from a CDN.
    notebook.metadata.pop("widgets", None)
    # The page's <title> is the notebook's own title (nbconvert would write "Notebook"),
    # and a translated edition says its language, so a browser picks fitting fonts.
    resources = {"metadata": {"name": notebook_title(notebook_path)}}
    body, _ = exporter_for(depth).from_notebook_node(notebook, resources=resources)
    language = notebook.metadata.get("gpool", {}).get("language") or "en"
    body = re.sub(r"<html(\s[^>]*)?>", f'<html lang="{INDEX_TEXTS[language]["html_lang"]}">', body, count=1)
    if language == "en":
        body = mark_chinese_passages(body)
    body = body.replace("</head>", theme_overrides(body) + "</head>", 1)
    body = rewrite_links(body, beside, "../" * depth)
    if MATHJAX_MARKER not in body:
        raise OfflineSiteError(f"{notebook_path.name}: nbconvert's template no longer marks where MathJax loads")
    body = body.replace(MATHJAX_MARKER, MATHJAX_MARKER + "\n" + MATHJAX_FONTS, 1)
    remote = network_references(body)
    if remote:
        listed = "; ".join(f"{what} {address}" for what, address in remote[:5])
        raise OfflineSiteError(f"{notebook_path.name}: the page would load from the network: {listed}")
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / f"{notebook_path.stem}.html"
    target.write_text(body, encoding="utf-8")
    return target


def notebook_title(path: Path) -> str:
    """The notebook's first ``# heading``, or its file name."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            found = re.search(r"^#\s+(.+)$", cell.source, re.M)
            if found:
                return found.group(1).strip()
    return path.stem


#: The index page's words per edition (the notebooks carry their own language).
INDEX_TEXTS = {
    "en": {
        "html_lang": "en",
        "title": "gpool: global pooling in PyTorch",
        "intro": "The notebooks with their stored outputs, readable without a kernel or a network. "
                 "To run and edit them, use <code>make lab</code> (or <code>python run.py lab</code>).",
        "notebooks": "The notebooks",
        "solutions": "For teachers: the solved edition",
        "solutions_intro": "Every exercise filled in with its reference solution and checked.",
        "not_built": "Not built: run make solutions, then make html.",
        "other": '<p lang="zh-CN"><a href="zh/index.html">简体中文版</a></p>',
    },
    "zh": {
        "html_lang": "zh-CN",
        "title": "gpool：PyTorch 中的全局池化",
        "intro": "笔记本及其保存的输出，无需内核、无需联网即可阅读。要运行和修改它们，请用 "
                 "<code>make lab LANG=zh</code>（或 <code>python run.py lab --lang zh</code>）。",
        "notebooks": "笔记本",
        "solutions": "教师用：答案版",
        "solutions_intro": "每道练习都已填入参考答案并通过检查。",
        "not_built": "尚未生成：先运行 make solutions，再运行 make html。",
        "other": '<p lang="en"><a href="../index.html">English edition</a></p>',
    },
}


def edition_language(notebooks: list[Path]) -> str:
    """The notebooks' language, from the metadata tools/translate.py writes ("en" without it)."""
    for path in notebooks:
        return nbformat.read(path, as_version=4).metadata.get("gpool", {}).get("language", "en")
    return "en"


def index_page(learner: list[Path], solved: list[Path], solutions_note: str | None = None,
               language: str = "en", link_other_edition: bool = False) -> str:
    words = INDEX_TEXTS[language]
    def label(path: Path) -> str:
        # Titles such as "02 Global average pooling" carry their number already.
        title, number = notebook_title(path), path.stem[:2]
        return title if title.startswith(number) else f"{number} {title}"

    def rows(paths: list[Path], folder: str) -> str:
        return "\n".join(
            f'<li><a href="{folder}{html.escape(path.stem)}.html">{html.escape(label(path))}</a></li>'
            for path in paths
        )

    teachers = (
        f"<ul>\n{rows(solved, 'solutions/')}\n</ul>" if solved
        else f"<p>{html.escape(solutions_note or words['not_built'])}</p>"
    )
    return f"""<!DOCTYPE html>
<html lang="{words['html_lang']}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{words['title']}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5;
        color: #212121; background: #ffffff; }}
a {{ color: #0d47a1; text-decoration: underline; }}
a:focus-visible {{ outline: 2px solid #1a56a8; outline-offset: 2px; }}
ul {{ list-style: none; padding-left: 0; }}
li {{ margin: 0.3rem 0; }}
</style>
</head>
<body>
<main>
<h1>{words['title']}</h1>
<p>{words['intro']}</p>
{words['other'] if link_other_edition else ''}
<h2 id="notebooks">{words['notebooks']}</h2>
<ul>
{rows(learner, '')}
</ul>
<h2 id="solutions">{words['solutions']}</h2>
<p>{words['solutions_intro']}</p>
{teachers}
</main>
</body>
</html>
"""


def build_site(notebooks: list[Path], output: Path, solutions: Path | None = None) -> list[Path]:
    """The whole site in ``output``; returns the pages written."""
    output.mkdir(parents=True, exist_ok=True)
    copy_static(output)
    written = [render(path, output) for path in notebooks]
    solved: list[Path] = []
    language = edition_language(notebooks)
    if solutions is not None and solutions.is_dir():
        solved = sorted(solutions.glob("[0-9][0-9]_*.ipynb"))
        stems = {path.stem for path in solved}
        written += [render(path, output / "solutions", depth=1, beside=stems) for path in solved]
    index = output / "index.html"
    # make html builds the English site, then the Chinese one in its zh/ folder: each links the other.
    other = language != "en" or any(notebooks and (notebooks[0].parent / "zh").glob("[0-9][0-9]_*.ipynb"))
    index.write_text(index_page(notebooks, solved, language=language, link_other_edition=other), encoding="utf-8")
    remove_stale_pages(output, [index, *written])
    return [index, *written]


def remove_stale_pages(output: Path, written: list[Path]) -> None:
    """Delete pages an earlier build left in ``output`` or its solutions/ folder and this one did not write.

    A notebook renamed, or no longer in the solved edition, would otherwise keep
    its old page, reachable by an old link. Only this site's own folders are
    swept: the Chinese edition is another site, built into ``output/zh``.
    """
    keep = {page.resolve() for page in written}
    for folder in (output, output / "solutions"):
        for page in folder.glob("*.html"):
            if page.resolve() not in keep:
                page.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--output", type=Path, default=Path("build/html"))
    parser.add_argument("--solutions", type=Path, default=None, help="folder of the solved edition (make solutions)")
    args = parser.parse_args(argv)
    missing = [str(path) for path in args.notebooks if not path.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    if args.solutions is not None and not args.solutions.is_dir():
        parser.error(f"--solutions {args.solutions}: no such folder (run make solutions first)")
    try:
        pages = build_site(args.notebooks, args.output, args.solutions)
    except OfflineSiteError as error:
        print(f"make html: {error}", file=sys.stderr)
        return 1
    print(f"wrote {len(pages)} pages to {args.output} (open {args.output / 'index.html'}; works offline)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
