"""Drive a notebook in JupyterLab the way a learner does, and read back what the page shows.

JupyterLab is started with ``--LabApp.expose_app_in_browser=True``, so
``window.jupyterapp`` is the running application: the test runs commands
through it (the same ones the Run menu calls) and reads the notebook model
(every cell's execution count and outputs) from it, which is exact where
scraping the page would guess.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from itertools import count
from pathlib import Path

#: Markers under which a cell is expected to raise: nbval's comment, nbval's tag, JupyterLab's tag.
RAISES_COMMENT = "NBVAL_RAISES_EXCEPTION"
RAISES_TAGS = ("raises-exception", "nbval-raises-exception")
#: Only this tag makes JupyterLab's Run All carry on past an error (it sends stop_on_error=false).
LAB_CONTINUE_TAG = "raises-exception"

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_ERROR_TEXT = "Error displaying widget"

_FIND_PANEL = """
const findPanel = (path) => {
    const app = window.jupyterapp;
    if (!app) { return null; }
    for (const widget of Array.from(app.shell.widgets('main'))) {
        if (widget.context && widget.context.path === path && widget.sessionContext && widget.content) {
            return widget;
        }
    }
    return null;
};
"""

_KERNEL_IDLE = (
    "(path) => {"
    + _FIND_PANEL
    + """
    const panel = findPanel(path);
    if (!panel || !panel.context.isReady) { return false; }
    const session = panel.sessionContext.session;
    const kernel = session && session.kernel;
    return !!kernel && kernel.status === 'idle';
}"""
)

_START_RUN_ALL = (
    "(path) => {"
    + _FIND_PANEL
    + """
    const panel = findPanel(path);
    window.jupyterapp.shell.activateById(panel.id);
    window.__gpoolQuietSince = null;
    // Stored outputs and execution counts go first, so every count seen afterwards is from this run.
    return window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs').then(() => {
        // Not awaited: its promise settles early (see below); completion is read from the cells.
        window.jupyterapp.commands.execute('notebook:run-all-cells').catch(() => null);
        return true;
    });
}"""
)

#: Run All is over when every code cell has an execution count, nothing is running and the kernel is idle.
#: The command's own promise cannot say so: it settles as soon as one cell raises, even one tagged to
#: raise, while the cells after it are still queued. When Run All stops early (an unexpected error
#: aborts the queue) some cells never get a count; then "over" means quiet for QUIET_MS.
QUIET_MS = 3000
_RUN_ALL_FINISHED = (
    "([path, quietMs]) => {"
    + _FIND_PANEL
    + """
    const panel = findPanel(path);
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    const codeCells = panel.content.widgets.filter(
        (cell) => cell.model.type === 'code' && cell.model.sharedModel.getSource().trim() !== '');
    const busy = !kernel || kernel.status !== 'idle'
        || codeCells.some((cell) => cell.model.executionState === 'running');
    if (busy) { window.__gpoolQuietSince = null; return false; }
    if (codeCells.every((cell) => cell.model.executionCount !== null)) { return true; }
    if (!window.__gpoolQuietSince) { window.__gpoolQuietSince = Date.now(); }
    return Date.now() - window.__gpoolQuietSince > quietMs;
}"""
)

_CELL_REPORT = (
    "(path) => {"
    + _FIND_PANEL
    + """
    const panel = findPanel(path);
    return panel.content.widgets.map((cell, index) => {
        const model = cell.model;
        const report = {
            index: index,
            type: model.type,
            source: model.sharedModel.getSource(),
            tags: model.getMetadata('tags') || [],
            executionCount: null,
            outputs: [],
            widgetViews: cell.node.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets').length,
            widgetErrors: (cell.node.textContent.match(/Error displaying widget[^\\n]*/g) || []),
        };
        if (model.type === 'code') {
            report.executionCount = model.executionCount;
            for (let i = 0; i < model.outputs.length; i++) {
                const output = model.outputs.get(i).toJSON();
                const summary = {output_type: output.output_type};
                if (output.output_type === 'stream') {
                    summary.name = output.name;
                    summary.text = Array.isArray(output.text) ? output.text.join('') : output.text;
                } else if (output.output_type === 'error') {
                    summary.ename = output.ename;
                    summary.evalue = output.evalue;
                } else {
                    summary.mimes = Object.keys(output.data || {});
                    const plain = (output.data || {})['text/plain'];
                    summary.plain = Array.isArray(plain) ? plain.join('') : (plain || '');
                }
                report.outputs.push(summary);
            }
        }
        return report;
    });
}"""
)

_WIDGETS_SETTLED = (
    "(path) => {"
    + _FIND_PANEL
    + """
    const panel = findPanel(path);
    return panel.content.widgets.every((cell) => {
        if (cell.model.type !== 'code') { return true; }
        let expected = 0;
        for (let i = 0; i < cell.model.outputs.length; i++) {
            const data = cell.model.outputs.get(i).data || {};
            if (data['application/vnd.jupyter.widget-view+json']) { expected += 1; }
        }
        if (expected === 0) { return true; }
        const shown = cell.node.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets').length;
        return shown >= expected || cell.node.textContent.includes('Error displaying widget');
    });
}"""
)

_workspace_numbers = count(1)


@dataclass
class CellReport:
    index: int
    type: str
    source: str
    tags: list[str]
    execution_count: int | None
    outputs: list[dict]
    widget_views: int
    widget_errors: list[str]

    @property
    def marked_to_raise(self) -> bool:
        return RAISES_COMMENT in self.source or any(tag in self.tags for tag in RAISES_TAGS)

    @property
    def errors(self) -> list[dict]:
        return [output for output in self.outputs if output["output_type"] == "error"]

    @property
    def widget_outputs(self) -> int:
        return sum(WIDGET_MIME in output.get("mimes", ()) for output in self.outputs)

    @property
    def has_image(self) -> bool:
        return any("image/png" in output.get("mimes", ()) for output in self.outputs)

    def first_line(self) -> str:
        return self.source.strip().splitlines()[0][:80] if self.source.strip() else "(empty)"


@dataclass
class NotebookRun:
    """What a notebook looked like after Run All: its cells, and how long Run All took."""

    path: str
    cells: list[CellReport]
    seconds_to_run: float

    def code_cells(self) -> list[CellReport]:
        return [cell for cell in self.cells if cell.type == "code"]

    def check(self) -> list[str]:
        """Everything a learner would see go wrong, as readable sentences (empty when all is well)."""
        problems = []
        never_ran = [cell for cell in self.code_cells() if cell.execution_count is None and cell.source.strip()]
        if never_ran:
            stopped_at = [
                cell for cell in self.code_cells()
                if cell.errors and cell.index < never_ran[0].index
            ]
            reason = ""
            if stopped_at and stopped_at[-1].marked_to_raise and LAB_CONTINUE_TAG not in stopped_at[-1].tags:
                reason = (
                    f" Run All stopped at cell {stopped_at[-1].index}, which is marked to raise but lacks the "
                    f"{LAB_CONTINUE_TAG!r} cell tag: only that tag lets JupyterLab carry on past an expected error"
                    " (nbval honours the tag too)."
                )
            problems.append(
                f"{len(never_ran)} code cell(s) never ran, first cell {never_ran[0].index}: "
                f"{never_ran[0].first_line()!r}.{reason}"
            )
        for cell in self.code_cells():
            where = f"cell {cell.index} ({cell.first_line()!r})"
            if cell.errors and not cell.marked_to_raise:
                details = "; ".join(f"{error['ename']}: {error['evalue']}" for error in cell.errors)
                problems.append(f"{where} raised {details}")
            if cell.marked_to_raise and cell.execution_count is not None and not cell.errors:
                problems.append(f"{where} is marked to raise but raised nothing: the lesson it shows no longer happens")
            for output in cell.outputs:
                if output.get("name") == "stderr" and re.search(r"Warning|Traceback", output.get("text", "")):
                    problems.append(f"{where} wrote a warning to stderr: {output['text'].strip()[:300]!r}")
            if cell.widget_errors:
                problems.append(f"{where} shows {cell.widget_errors[0]!r}")
            elif cell.widget_outputs and cell.widget_views < cell.widget_outputs:
                problems.append(
                    f"{where} has {cell.widget_outputs} widget output(s) but {cell.widget_views} rendered widget view(s)"
                )
        return problems


def open_notebook(page, server, relative_path: str, timeout_seconds: float = 120.0) -> float:
    """Open ``relative_path`` in a fresh JupyterLab workspace; return seconds until its kernel was idle."""
    started = time.monotonic()
    # A workspace of its own, reset, so tabs from earlier notebooks are not restored beside it.
    workspace = f"gpool-test-{next(_workspace_numbers)}"
    page.goto(server.url(f"/lab/workspaces/{workspace}/tree/{relative_path}?reset"))
    page.wait_for_function(_KERNEL_IDLE, arg=relative_path, timeout=timeout_seconds * 1000)
    return time.monotonic() - started


def run_all_cells(page, relative_path: str, timeout_seconds: float = 240.0) -> NotebookRun:
    """Run All in the open notebook, wait for the kernel to be idle and widgets to render; report every cell."""
    page.evaluate(_START_RUN_ALL, relative_path)
    started = time.monotonic()
    page.wait_for_function(
        _RUN_ALL_FINISHED, arg=[relative_path, QUIET_MS], timeout=timeout_seconds * 1000, polling=250
    )
    seconds = time.monotonic() - started
    # Widget views render after the kernel is idle (the page fetches each model's state); give them a moment.
    try:
        page.wait_for_function(_WIDGETS_SETTLED, arg=relative_path, timeout=30_000, polling=250)
    except Exception:  # noqa: BLE001  (the cell report below names the cells whose widgets never appeared)
        pass
    cells = [
        CellReport(
            index=raw["index"],
            type=raw["type"],
            source=raw["source"],
            tags=list(raw["tags"]),
            execution_count=raw["executionCount"],
            outputs=raw["outputs"],
            widget_views=raw["widgetViews"],
            widget_errors=raw["widgetErrors"],
        )
        for raw in page.evaluate(_CELL_REPORT, relative_path)
    ]
    return NotebookRun(path=relative_path, cells=cells, seconds_to_run=seconds)


def cell_locator(page, relative_path: str, index: int):
    """The index-th cell of the notebook, marked from its model so DOM order never matters."""
    page.evaluate(
        "([path, index]) => {"
        + _FIND_PANEL
        + """
        findPanel(path).content.widgets[index].node.setAttribute('data-gpool-cell', String(index));
    }""",
        [relative_path, index],
    )
    return page.locator(f'[data-gpool-cell="{index}"]')


def screenshot_cell(page, relative_path: str, index: int, path: Path) -> Path:
    """Screenshot one cell: the notebook scrolls inside its own panel, so a page screenshot would miss it.

    A cell taller than the panel would be cut off (and framed by the menus),
    so the window is stretched to fit it for the shot, then put back.
    """
    cell = cell_locator(page, relative_path, index)
    viewport = page.viewport_size
    box = cell.bounding_box()
    # Menu, tab bar, toolbar and status bar take about 200 px of the window.
    needed = int(box["height"]) + 260 if box else 0
    stretched = needed > viewport["height"]
    if stretched:
        page.set_viewport_size({"width": viewport["width"], "height": min(needed, 6000)})
        page.wait_for_timeout(300)  # JupyterLab lays its panels out again after a resize
    try:
        cell.scroll_into_view_if_needed()
        path.parent.mkdir(parents=True, exist_ok=True)
        cell.screenshot(path=str(path), animations="disabled")
    finally:
        if stretched:
            page.set_viewport_size(viewport)
    return path


def key_cells(run: NotebookRun, limit: int = 4) -> list[int]:
    """Cells worth a screenshot: those with widgets first, then those with figures."""
    widgets = [cell.index for cell in run.code_cells() if cell.widget_outputs]
    figures = [cell.index for cell in run.code_cells() if cell.has_image and cell.index not in widgets]
    chosen = (widgets + figures)[:limit]
    return sorted(chosen) or [0]


def shut_down_kernel_of(page, relative_path: str) -> None:
    """Shut the notebook's kernel down from the page, so it stops using a CPU before the next notebook."""
    page.evaluate(
        "(path) => {"
        + _FIND_PANEL
        + """
        const panel = findPanel(path);
        if (panel && panel.sessionContext.session) { return panel.sessionContext.shutdown(); }
    }""",
        relative_path,
    )
