"""Write a notebook's stored PNG outputs to files, to look at them.

Usage: python -m tools.extract_figures notebooks/02_global_average_pooling.ipynb build/figures
Files are named <notebook>-cell<index>-<n>.png.
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import nbformat


def main(notebook_path: str, out_dir: str) -> int:
    notebook = nbformat.read(notebook_path, as_version=4)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(notebook_path).stem
    written = 0
    for index, cell in enumerate(notebook.cells):
        for number, output in enumerate(cell.get("outputs", [])):
            png = output.get("data", {}).get("image/png")
            if png:
                target = out / f"{stem}-cell{index:02d}-{number}.png"
                target.write_bytes(base64.b64decode(png))
                written += 1
                print(target)
    print(f"{written} figure(s) written to {out}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
