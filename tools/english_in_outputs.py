"""English prose in the stored outputs of a translated edition: ``python -m tools.english_in_outputs``.

A Chinese learner reads the outputs as well as the prose, so a ``print()``
label left in English is an English sentence in the lesson. This scans every
text output of ``notebooks/<language>/*.ipynb`` (streams and ``text/plain``
results; not tracebacks) and reports each line that still reads as English
prose, one ``notebook cell N (id): line`` per line; exit code 1 if any.

Allowed, since they are the same in every language:

- identifiers and code: names with ``_`` or ``.``, calls ``f(...)``,
  ``name=value``, CamelCase class names, ``dim=(2, 3)``;
- numbers, shapes, units and formulas (``(1, 8, 4, 4) -> (1, 8)``, ``1 / (H * W)``);
- torch's own messages and reprs: a line naming an exception
  (``RuntimeError: ...``), a warning, ``tensor(...)``, module reprs;
- the abbreviations and names the glossary keeps (GAP, GMP, CAM, VGG-16, GeM, ...).

Whatever remains is prose when it holds two or more English words.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

REPOSITORY = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPOSITORY / "notebooks"

#: A line that quotes torch or Python itself (an exception, a warning, a repr).
TORCH_OWN = re.compile(
    r"\b[A-Z]\w*(Error|Exception|Warning)\b|^\s*(Traceback|File \")|\btensor\(|\bdtype=|\bgrad_fn=|"
    r"^\s*\(\w+\): [A-Z]\w*\(|^[A-Z]\w*\($|^\s*\)$"
)
#: Code and identifiers, removed before words are counted.
CODE = [
    re.compile(r"`[^`]*`"),
    re.compile(r"\b[\w.]+\[[^\]]*\](\.\w+(\([^()]*\))?)*"),  # x[0, 0].sum(), padded[:1]
    re.compile(r"\b\w+(\.\w+)*\((?:[^()]|\([^()]*\))*\)(\.\w+(\([^()]*\))?)*"),  # f(x, dim=(2, 3)).values
    re.compile(r"\b\w+=\S+"),  # keepdim=True, mode='max'
    re.compile(r"\b\w*[_.]\w*\b"),  # global_avg_pool, nn.Linear, .squeeze
    re.compile(r"\b[a-z]+[A-Z]\w*|\b[A-Z][a-z]+[A-Z]\w*"),  # camelCase, AdaptiveAvgPool2d
    re.compile(r"'[^']*'"),  # a quoted name: 'max'
    re.compile(r"\((\w+, )+\w+\)"),  # a tuple of names: (top, left, bottom, right)
]
#: Words that are names or symbols in every language (the glossary keeps them).
KEPT = {
    "gap", "gmp", "cam", "vgg", "gem", "lse", "nin", "se", "cbam", "fc", "relu", "grad", "mlp", "spp",
    "avg", "max", "min", "amax", "amin", "mean", "sum", "std", "log", "exp", "inf", "nan", "cpu", "cuda",
    "true", "false", "none", "torch", "tensor", "dim", "dims", "keepdim", "flatten", "squeeze", "view",
    "reshape", "logit", "logits", "dropout", "epoch", "epochs", "maxout", "topk", "top", "softmax",
    "avgmax", "catavgmax", "gap's", "x", "y", "n", "c", "h", "w", "k", "p", "r", "m", "b", "q", "v",
    "nchw", "nhwc", "channels_last", "contiguous", "float32", "float64", "int64", "seed", "id",
    "sbert", "sentence", "transformers", "kb", "mb", "gb", "ms", "us", "rgb", "fp", "tp",
}
WORD = re.compile(r"(?<![\w'-])[A-Za-z][a-z]+(?:'[a-z]+)?(?![\w-])")


@dataclass(frozen=True)
class Line:
    notebook: str
    cell: int
    cell_id: str
    text: str

    def __str__(self) -> str:
        return f"{self.notebook} cell {self.cell} ({self.cell_id}): {self.text}"


def english_words(line: str) -> list[str]:
    """The English words of ``line`` once code, names and symbols are taken out."""
    if TORCH_OWN.search(line):
        return []
    for pattern in CODE:
        line = pattern.sub(" ", line)
    return [word for word in WORD.findall(line) if word.lower() not in KEPT]


CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
#: In a Chinese sentence, English names of things may stand ("GAP + linear", a paper's
#: title in quotes); a run of three English words outside quotes is a sentence left over.
ENGLISH_RUN = re.compile(r"(?<![\w'-])[A-Za-z][a-z]+(?:[ ,]+[A-Za-z][a-z]+){2,}")


def is_prose(line: str) -> bool:
    """Two English words in an English line, or three in a row in a Chinese one."""
    if not CJK.search(line):
        return len(english_words(line)) >= 2
    if TORCH_OWN.search(line):
        return False
    rest = re.sub(r"“[^”]*”|《[^》]*》|\"[^\"]*\"", " ", line)
    for pattern in CODE:
        rest = pattern.sub(" ", rest)
    return any(len(english_words(run.group())) >= 3 for run in ENGLISH_RUN.finditer(rest))


def output_lines(output: nbformat.NotebookNode) -> list[str]:
    if output.get("output_type") == "stream":
        text = output.get("text", "")
    elif output.get("output_type") in ("execute_result", "display_data"):
        text = output.get("data", {}).get("text/plain", "")
    else:  # an error: a traceback, torch's own words
        return []
    if isinstance(text, list):
        text = "".join(text)
    return text.splitlines()


def english_lines(path: Path) -> list[Line]:
    found = []
    notebook = nbformat.read(path, as_version=4)
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") in ("execute_result", "display_data") and (
                "text/html" in output.get("data", {}) or "image/png" in output.get("data", {})
            ):
                continue  # a widget, a figure or feedback card: its text/plain twin is a fallback
            for line in output_lines(output):
                if is_prose(line):
                    found.append(Line(path.name, number, cell.get("id", "?"), line.strip()))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--language", default="zh")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/<language>/*.ipynb")
    options = parser.parse_args(argv)
    paths = options.notebooks or sorted((NOTEBOOKS / options.language).glob("[0-9][0-9]_*.ipynb"))
    total = 0
    for path in paths:
        lines = english_lines(path)
        total += len(lines)
        for line in lines:
            print(line)
        print(f"{path.name}: {len(lines)} line(s) of English prose", file=sys.stderr)
    print(f"{total} line(s) of English prose in {len(paths)} notebook(s)", file=sys.stderr)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
