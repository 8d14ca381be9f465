"""Execute notebooks in place, deterministically: ``make notebooks``.

Each notebook runs top to bottom in a fresh kernel of the current
environment. What would change between two runs is normalised before saving,
so re-running on an unchanged collection leaves every file byte-identical:

- widget view outputs get model ids numbered by order of appearance (the
  kernel's ids are random UUIDs); the widget state itself is not stored;
- no timing metadata is recorded;
- an expected error keeps only its last traceback line, without paths.

Every stored widget view must carry a picture (``image/png``) in the same
output, as the package's FigureView does: GitHub, nbviewer, ``make html`` and
JupyterLab before Run All cannot draw a widget and show that picture instead.
A widget output without one (a bare ipywidgets control, a tqdm bar) fails the
notebook, naming the cell.

A notebook is written only when its content changed. A failing notebook is
reported and left untouched; the exit code is non-zero.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from traitlets.config import Config

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

#: Set for every kernel we start, so printed numbers do not depend on the
#: machine's thread count or hash seed.
KERNEL_ENV = {"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}


def normalise(notebook: nbformat.NotebookNode, stem: str) -> nbformat.NotebookNode:
    counter = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("traceback"):
                # Keep the last line ("ValueError: ...") only: the frames above it
                # hold this machine's paths and line numbers, which change with
                # every edit and differ on a learner's machine.
                output["traceback"] = output["traceback"][-1:]
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is not None:
                counter += 1
                view["model_id"] = f"{stem}-widget-{counter:03d}"
    notebook.metadata.pop("widgets", None)
    return notebook


class WidgetWithoutPicture(RuntimeError):
    """A stored widget view that a reader without a kernel would see as a line of text."""


def widgets_without_picture(notebook: nbformat.NotebookNode) -> list[str]:
    """One line per widget view output that has no ``image/png`` beside it: cell number, id, text form."""
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and "image/png" not in data:
                text = "".join(data.get("text/plain", ""))
                found.append(f"cell {index} (id {cell.get('id', '?')}) stores a widget with no picture: {text[:80]!r}")
    return found


def kernel_config() -> Config:
    """Encrypt the kernel's channels (CurveZMQ keys from the kernel manager) where pyzmq can.

    ipykernel warns "Kernel is running over TCP without encryption" for every kernel started
    without them; the kernelspec of ipykernel 7 declares ``supported_encryption: ["curve"]``.
    """
    import zmq

    config = Config()
    if zmq.has("curve"):
        config.KernelManager.transport_encryption = "auto"
    return config


def execute(path: Path, timeout: int) -> float:
    before = path.read_text(encoding="utf-8")
    notebook = nbformat.reads(before, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=False,
        # Under load the kernel may split one print into two stream messages;
        # merging them keeps re-runs byte-identical.
        coalesce_streams=True,
        config=kernel_config(),
    )
    started = time.perf_counter()
    env = {**os.environ, **KERNEL_ENV}
    client.execute(env=env)
    elapsed = time.perf_counter() - started
    missing = widgets_without_picture(notebook)
    if missing:
        raise WidgetWithoutPicture(
            f"{path}: " + "; ".join(missing) + ". Without a kernel a reader sees only that text: display a "
            "FigureView (its output carries a PNG), store the final state as text, or display nothing."
        )
    normalise(notebook, path.stem)
    after = nbformat.writes(notebook) + "\n"
    if after != before:
        path.write_text(after, encoding="utf-8")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    args = parser.parse_args(argv)
    failed = 0
    for path in args.notebooks:
        try:
            elapsed = execute(path, args.timeout)
        except CellExecutionError as error:
            failed += 1
            print(f"FAILED {path}:\n{error}", file=sys.stderr)
            continue
        except WidgetWithoutPicture as error:
            failed += 1
            print(f"FAILED {error}", file=sys.stderr)
            continue
        print(f"ran {path} in {elapsed:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
