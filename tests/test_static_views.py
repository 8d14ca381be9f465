"""Widgets readable without a kernel: every stored widget output carries a picture.

A FigureView's display bundle holds the widget view and a PNG of its current
figure (tests/test_widgets.py checks the bundle). Here:

- ``tools/execute_notebooks.py`` refuses to store a widget output that has no
  picture, naming the notebook and the cell;
- the pages ``make html`` writes (tools/render_html.py) show an ``<img>`` for
  every widget output of every notebook and no widget placeholder text.

The browser check that a live JupyterLab still draws the interactive widget,
not the PNG, is in tests/browser/test_jupyterlab.py.
"""

from __future__ import annotations

import base64
import html
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

#: What a page shows where it could not draw a widget: a widget's repr, nbconvert's and
#: JupyterLab's placeholders, or a bare container's text form.
PLACEHOLDERS = ("PoolingExplorer(", "FigureView(", "VBox(", "HBox(", "Loading widget", "Error displaying widget")


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"{name}_static_views", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


execute_notebooks = _load("execute_notebooks")
render_html = _load("render_html")


def _notebook(*sources: str) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def _widget_output(with_picture: bool, text: str = "IntSlider(value=0)") -> nbformat.NotebookNode:
    data = {WIDGET_VIEW: {"model_id": "x", "version_major": 2, "version_minor": 0}, "text/plain": text}
    if with_picture:
        data["image/png"] = base64.b64encode(b"\x89PNG fake").decode("ascii")
    return nbformat.v4.new_output("display_data", data=data)


# -- tools/execute_notebooks.py ---------------------------------------------------------


def test_a_widget_output_without_a_picture_is_named_by_cell():
    notebook = _notebook("print(1)", "slider", "view")
    notebook.cells[1].outputs = [_widget_output(False)]
    notebook.cells[2].outputs = [_widget_output(True)]
    found = execute_notebooks.widgets_without_picture(notebook)
    assert len(found) == 1
    assert found[0].startswith(f"cell 1 (id {notebook.cells[1].id}) stores a widget with no picture: 'IntSlider(value=0)'")
    notebook.cells[1].outputs = [_widget_output(True)]
    assert execute_notebooks.widgets_without_picture(notebook) == []


def test_executing_refuses_to_store_a_bare_widget_and_stores_a_figure_view_with_its_picture(tmp_path, capsys):
    bare = tmp_path / "bare.ipynb"
    nbformat.write(_notebook("import ipywidgets\nipywidgets.IntSlider(value=3)"), bare)
    before = bare.read_text(encoding="utf-8")
    good = tmp_path / "good.ipynb"
    nbformat.write(_notebook("from gpool_helpers import pooling_explorer\npooling_explorer()"), good)

    assert execute_notebooks.main([str(bare), str(good)]) == 1
    error = capsys.readouterr().err
    assert f"FAILED {bare}: cell 0 (id " in error
    assert "stores a widget with no picture: 'IntSlider(value=3" in error
    assert bare.read_text(encoding="utf-8") == before  # a failing notebook is left untouched

    (output,) = nbformat.read(good, as_version=4).cells[0].outputs
    assert set(output.data) == {WIDGET_VIEW, "image/png", "text/plain"}
    assert base64.b64decode(output.data["image/png"]).startswith(b"\x89PNG")
    assert output.data["text/plain"].startswith("PoolingExplorer, an interactive figure at N=1, C=8, H=4, W=4")


# -- make html ---------------------------------------------------------------------------


def widget_outputs(notebook_path: Path) -> int:
    notebook = nbformat.read(notebook_path, as_version=4)
    return sum(
        WIDGET_VIEW in output.get("data", {})
        for cell in notebook.cells if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )


IMAGE = re.compile(r'<img [^>]*src="data:image/png;base64,')


def static_view_problems(page: str, notebook: nbformat.NotebookNode) -> list[str]:
    """What is wrong with how a rendered page shows the notebook's widget outputs; [] when all is well."""
    problems = []
    page_cells = re.split(r'<div class="jp-Cell ', page)[1:]
    # Outputs only: the prose may name a placeholder ("if a widget shows up as VBox(...)").
    shown_outputs = "".join(cell.partition("jp-Cell-outputWrapper")[2] for cell in page_cells)
    text = html.unescape(re.sub(r"<[^>]+>", " ", shown_outputs))
    for placeholder in PLACEHOLDERS:
        if placeholder in text:
            problems.append(f"shows {placeholder!r}")
    if 'type="application/vnd.jupyter.widget-view+json"' in page:
        problems.append("holds a widget view script, which draws nothing offline")
    if len(page_cells) != len(notebook.cells):
        return [*problems, f"has {len(page_cells)} cells for the notebook's {len(notebook.cells)}"]
    for index, (cell, page_cell) in enumerate(zip(notebook.cells, page_cells)):
        outputs = cell.get("outputs", []) if cell.cell_type == "code" else []
        widgets = sum(WIDGET_VIEW in output.get("data", {}) for output in outputs)
        if not widgets:
            continue
        # Each widget output must become a picture, beside the cell's other pictures.
        expected = sum(WIDGET_VIEW in output.get("data", {}) or "image/png" in output.get("data", {}) for output in outputs)
        shown = len(IMAGE.findall(page_cell))
        if shown < expected:
            problems.append(f"cell {index}: {shown} pictures for {widgets} widget output(s) and "
                            f"{expected - widgets} other picture(s)")
    return problems


def _stored(*outputs: nbformat.NotebookNode) -> nbformat.NotebookNode:
    notebook = _notebook("view")
    notebook.cells[0].outputs = list(outputs)
    return notebook


def _page(output_html: str, source: str = "view") -> str:
    return (f'<html><div class="jp-Cell jp-CodeCell jp-Notebook-cell"><pre>{source}</pre>'
            f'<div class="jp-Cell-outputWrapper">{output_html}</div></div></html>')


def test_the_check_of_a_page_can_fail():
    picture = '<img alt="x" class="" src="data:image/png;base64,iVBO">'
    assert static_view_problems(_page(picture), _stored(_widget_output(True))) == []
    # Code and prose may name a placeholder; only what an output shows counts.
    assert static_view_problems(_page(picture, source="VBox(...)"), _stored(_widget_output(True))) == []
    assert static_view_problems(_page("<pre>PoolingExplorer(N=1, C=8)</pre>"), _stored(_widget_output(True))) == [
        "shows 'PoolingExplorer('", "cell 0: 0 pictures for 1 widget output(s) and 0 other picture(s)"
    ]
    # A cell with a plot and a widget needs two pictures, not one.
    plot = nbformat.v4.new_output("display_data", data={"image/png": "iVBO", "text/plain": "<Figure size 640x480>"})
    assert static_view_problems(_page(picture), _stored(plot, _widget_output(True))) == [
        "cell 0: 1 pictures for 1 widget output(s) and 1 other picture(s)"
    ]
    script = '<script type="application/vnd.jupyter.widget-view+json">{}</script>' + picture
    assert static_view_problems(_page(script), _stored(_widget_output(True))) == [
        "holds a widget view script, which draws nothing offline"
    ]
    assert "shows 'Loading widget'" in static_view_problems(_page("Loading widget..." + picture), _stored(_widget_output(True)))
    assert static_view_problems("<html></html>", _stored()) == ["has 0 cells for the notebook's 1"]


def test_nbconvert_draws_the_picture_of_a_widget_stored_without_its_state(tmp_path, monkeypatch):
    # What make html relies on: with no saved widget state, nbconvert falls back to the PNG.
    notebook = _stored(_widget_output(True, text="PoolingExplorer(N=1)"))
    path = tmp_path / "00_start_here.ipynb"
    nbformat.write(notebook, path)
    page = render_html.render(path, tmp_path / "site").read_text(encoding="utf-8")
    assert static_view_problems(page, notebook) == []
    # A widget stored without a picture is refused, naming the cell ...
    bare = _stored(_widget_output(False, text="PoolingExplorer(N=1)"))
    nbformat.write(bare, path)
    with pytest.raises(render_html.OfflineSiteError, match="00_start_here.ipynb: cell 0 stores a widget with no picture"):
        render_html.render(path, tmp_path / "site")
    # ... because its page would show the text form where the figure should be.
    monkeypatch.setattr(render_html, "_check_notebook", lambda notebook, name: None)
    page = render_html.render(path, tmp_path / "site").read_text(encoding="utf-8")
    assert static_view_problems(page, bare) == [
        "shows 'PoolingExplorer('", "cell 0: 0 pictures for 1 widget output(s) and 0 other picture(s)"
    ]


def test_the_collection_has_widgets_to_check():
    assert sum(widget_outputs(path) for path in NOTEBOOKS) >= 5


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_widget_output_shows_its_picture_in_the_html_pages(tmp_path, notebook):
    # The page make html writes for this notebook (build_site renders each one this way).
    page = render_html.render(notebook, tmp_path).read_text(encoding="utf-8")
    assert static_view_problems(page, nbformat.read(notebook, as_version=4)) == []
