"""Copy the README's screenshots from the browser suite's artifacts to docs/images, made small.

Run the browser suite first (it writes tests/browser/artifacts/), then::

    .venv/bin/python tests/browser/save_readme_images.py

Screenshots are mostly flat colour, so a 256-colour palette keeps them sharp
at a fraction of the size; each file must stay under 200 KB.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
DOCS_IMAGES = HERE.parents[1] / "docs" / "images"
LIMIT_BYTES = 200_000

#: artifact -> README image
IMAGES = {
    "explorer_in_jupyterlab.png": "explorer-in-jupyterlab.png",
    "explorer_app.png": "explorer-app.png",
}


def shrink(source: Path, target: Path) -> int:
    with Image.open(source) as image:
        palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    target.parent.mkdir(parents=True, exist_ok=True)
    palette.save(target, optimize=True)
    return target.stat().st_size


def main() -> int:
    missing = [name for name in IMAGES if not (ARTIFACTS / name).exists()]
    if missing:
        print(f"run the browser suite first: {', '.join(missing)} not in {ARTIFACTS}", file=sys.stderr)
        return 1
    too_big = []
    for artifact, readme_name in IMAGES.items():
        size = shrink(ARTIFACTS / artifact, DOCS_IMAGES / readme_name)
        print(f"{DOCS_IMAGES / readme_name}: {size / 1000:.0f} KB")
        if size > LIMIT_BYTES:
            too_big.append(readme_name)
    if too_big:
        print(f"over {LIMIT_BYTES // 1000} KB: {', '.join(too_big)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
