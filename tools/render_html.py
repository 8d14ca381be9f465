"""``make html``: the executed notebooks as static HTML, for reading without a kernel.

Links between notebooks (``02_global_average_pooling.ipynb``) are rewritten
to the HTML pages beside them, so the previous / next navigation works in a
browser opened on the folder. Stored outputs are shown as they are; nothing
is executed.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

NOTEBOOK_LINK = re.compile(r'href="(\d\d_[A-Za-z0-9_]+)\.ipynb(#[^"]*)?"')


def rewrite_links(html: str) -> str:
    return NOTEBOOK_LINK.sub(lambda match: f'href="{match.group(1)}.html{match.group(2) or ""}"', html)


def render(notebook_path: Path, output_dir: Path) -> Path:
    exporter = HTMLExporter()
    body, _ = exporter.from_notebook_node(nbformat.read(notebook_path, as_version=4))
    target = output_dir / f"{notebook_path.stem}.html"
    target.write_text(rewrite_links(body), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--output", type=Path, default=Path("build/html"))
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    for path in args.notebooks:
        print(f"wrote {render(path, args.output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
