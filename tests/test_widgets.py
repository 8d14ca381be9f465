"""Widgets: FigureView's contract and the pooling explorer, driven from code.

In CI a widget only ever shows its default values, so everything a learner
could do with the mouse is done here by setting ``control.value``.
"""

from __future__ import annotations

import base64
import html
import random

import ipywidgets
import pytest
import torch

from gpool_helpers import get_kind, kind_names
from gpool_helpers.pooling import registry
from gpool_helpers.viz.style import new_figure
from gpool_helpers.widgets import FigureView, pooling_explorer
from gpool_helpers.widgets import base
from gpool_helpers.widgets.explorer import (
    MAX_ELEMENTS,
    RANGES,
    ExplorerState,
    describe_explorer,
    draw_explorer,
    explorer_state,
)


def small_view(**options) -> FigureView:
    def draw(N, C):
        figure = new_figure(2, 1)
        figure.text(0.5, 0.5, f"{N} x {C}")
        return figure

    controls = {"N": ipywidgets.IntSlider(value=1, min=1, max=10, description="N"),
                "C": ipywidgets.IntSlider(value=2, min=1, max=10, description="C")}
    return FigureView(controls, draw, lambda N, C: f"<b>{N * C}</b> numbers", **options)


# -- FigureView --------------------------------------------------------------------------


def test_figure_view_draws_on_creation_and_on_every_change():
    view = small_view()
    first = bytes(view.image.value)
    assert first.startswith(b"\x89PNG")
    assert view.readout.value == "<b>2</b> numbers"
    view.controls["C"].value = 7
    assert view.image.value != first
    assert view.readout.value == "<b>7</b> numbers"
    assert view.redraw_count == 2


def test_figure_view_carries_the_css_classes_browser_tests_look_for():
    view = small_view()
    assert base.VIEW_CLASS in view.widget._dom_classes
    assert base.IMAGE_CLASS in view.image._dom_classes
    assert base.READOUT_CLASS in view.readout._dom_classes
    assert view.widget.children == (view.controls_box, view.image, view.readout, view.text_alternative)


def test_set_and_hold_redraw_once():
    view = small_view()
    before = view.redraw_count
    assert view.set(N=3, C=4) is view
    assert view.redraw_count == before + 1
    assert view.readout.value == "<b>12</b> numbers"
    with view.hold():
        view.controls["N"].value = 5
        view.controls["C"].value = 5
        assert view.redraw_count == before + 1
    assert view.redraw_count == before + 2


def test_set_rejects_unknown_controls():
    with pytest.raises(ValueError, match="unknown control.*H.*the controls are N, C"):
        small_view().set(H=3)


def test_size_guard_answers_with_a_message_and_hides_the_picture():
    view = small_view(max_elements=20)
    image_before = view.image.value
    view.set(N=5, C=5)
    assert "N·C = 25 is more than this view draws (at most 20)" in view.readout.value
    assert view.image.layout.display == "none"
    assert view.image.value == image_before
    assert view.last_error is None
    view.controls["C"].value = 4
    assert view.image.layout.display is None
    assert view.readout.value == "<b>20</b> numbers"


def test_a_failing_draw_becomes_a_message_not_a_traceback():
    def draw(N):
        if N == 3:
            raise ValueError("three is not allowed")
        return new_figure(1, 1)

    view = FigureView({"N": ipywidgets.IntSlider(value=1, min=1, max=5)}, draw)
    view.controls["N"].value = 3
    assert "Could not draw this one: three is not allowed" in view.readout.value
    assert isinstance(view.last_error, ValueError)
    assert view.image.layout.display == "none"


def test_draw_and_describe_must_return_the_right_things():
    view = FigureView({"N": ipywidgets.IntSlider(value=1)}, lambda N: "not a figure")
    assert "draw returned a str, not a matplotlib Figure" in view.readout.value
    view = FigureView({"N": ipywidgets.IntSlider(value=1)}, lambda N: new_figure(1, 1), lambda N: 42)
    assert "describe returned a int" in view.readout.value


def test_messages_are_html_escaped():
    def draw(N):
        raise RuntimeError("<script>")

    view = FigureView({"N": ipywidgets.IntSlider(value=1)}, draw)
    assert "<script>" not in view.readout.value
    assert "&lt;script&gt;" in view.readout.value


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        (([1, 2], lambda: None), TypeError, "controls as a dict"),
        (({"N": 3}, lambda: None), TypeError, "control 'N' to be an ipywidgets widget"),
        (({"not a name": ipywidgets.IntSlider()}, lambda: None), ValueError, "identifiers"),
        (({"N": ipywidgets.IntSlider()}, "draw"), TypeError, "draw to be a function"),
    ],
)
def test_figure_view_rejects_bad_arguments(arguments, error, message):
    with pytest.raises(error, match=message):
        FigureView(*arguments)


def test_figure_view_rejects_a_build_state_that_is_not_a_function():
    with pytest.raises(TypeError, match="build_state to be a function of the control values; got 'state'"):
        FigureView({"N": ipywidgets.IntSlider()}, lambda N: None, build_state="state")


def test_a_built_state_reaches_draw_and_describe_once_per_redraw():
    built = []

    def build(N):
        built.append(N)
        return {"label": f"N is {N}"}

    view = FigureView({"N": ipywidgets.IntSlider(value=1)}, lambda state: new_figure(1, 1),
                      lambda state: state["label"], build_state=build)
    view.controls["N"].value = 4
    assert built == [1, 4] and view.readout.value == "N is 4" and view.last_error is None


def test_figure_view_rejects_a_bad_cap():
    with pytest.raises(ValueError, match="max_elements to be a positive int"):
        small_view(max_elements=0)


def test_displaying_a_view_shows_its_widget_with_a_readable_text_form():
    view = small_view()
    bundle, _ = view._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == view.widget.model_id
    assert bundle["text/plain"] == (
        "FigureView, an interactive figure at N=1, C=2; run the notebook to move its controls"
    )


def test_a_view_stores_a_picture_of_what_it_shows_beside_the_widget():
    # One bundle: a live JupyterLab draws the widget; GitHub, nbviewer and make html draw the PNG.
    view = small_view()
    bundle, metadata = view._repr_mimebundle_()
    assert metadata["image/png"]["alt"] == view.description == html.unescape(view.text_alternative.value)
    # ipywidgets' Image view fails to draw when it has a tooltip (it reads a description it lacks).
    assert not view.image.tooltip
    assert {"application/vnd.jupyter.widget-view+json", "image/png", "text/plain"} <= set(bundle)
    assert base64.b64decode(bundle["image/png"]) == bytes(view.image.value)
    first = bundle["image/png"]
    view.controls["C"].value = 7
    moved, _ = view._repr_mimebundle_()
    assert moved["image/png"] != first
    assert base64.b64decode(moved["image/png"]) == bytes(view.image.value)
    assert "C=7" in moved["text/plain"]


def test_a_view_showing_a_message_stores_a_picture_of_the_message_not_the_old_figure():
    view = small_view(max_elements=20)
    old_figure = bytes(view.image.value)
    view.set(N=10, C=10)
    bundle, metadata = view._repr_mimebundle_()
    png = base64.b64decode(bundle["image/png"])
    assert png.startswith(b"\x89PNG") and png != old_figure
    assert png == view.static_png()
    # The stored picture of a message reads as that message.
    assert "more than this view draws" in metadata["image/png"]["alt"]


# -- the explorer's pure functions --------------------------------------------------------


@pytest.mark.parametrize("kind_name", kind_names())
def test_explorer_state_follows_the_registry(kind_name):
    state = explorer_state(2, 3, 7, 5, 1, kind_name)
    kind = get_kind(kind_name)
    assert state.input_shape == (2, 3, 7, 5)
    assert state.output_shape == tuple(kind.output_shape((2, 3, 7, 5)))
    assert state.helper_code == kind.code
    assert state.torch_code == (kind.torch_equivalents[0].code if kind.torch_equivalents else None)
    assert state.pooling_kind is kind and state.kind == kind_name
    readout = describe_explorer(state)
    assert "(2, 3, 7, 5) -&gt; " + str(state.output_shape) in readout
    assert "sample 0 of 2" in readout
    figure = draw_explorer(state)
    assert figure._suptitle.get_text().startswith(f"{kind_name}: (2, 3, 7, 5) -> ")


def test_explorer_state_over_the_cap_is_still_described():
    # The cap is the widget's (FigureView's max_elements); a state is only arithmetic.
    over = explorer_state(5, 16, 32, 32, 0, "avg")
    assert over.elements == 81_920 > MAX_ELEMENTS
    assert over.output_shape == (5, 16)
    assert "(5, 16, 32, 32) -&gt; (5, 16)" in describe_explorer(over)


def test_each_redraw_builds_one_state_and_looks_the_kind_up_once(monkeypatch):
    explorer = pooling_explorer()
    built, lookups = [], []
    real_state, real_get_kind = explorer.build_state, registry.get_kind
    explorer.build_state = lambda **values: built.append(values) or real_state(**values)
    monkeypatch.setattr(registry, "get_kind", lambda *args, **kwargs: lookups.append(args) or real_get_kind(*args, **kwargs))
    explorer.controls["kind"].value = "max"
    assert len(built) == 1 and lookups == [("max",)]
    assert "<b>max</b>" in explorer.readout.value and explorer.image.layout.display is None
    built.clear()
    lookups.clear()
    explorer.set(N=5, C=16, H=32, W=32)  # over the cap: the view refuses before building anything
    assert built == [] and lookups == []
    assert "is more than this view draws" in explorer.readout.value


def test_explorer_state_notes_what_is_left_out():
    state = explorer_state(1, 40, 4, 4, 0, "max")
    assert state.channels_drawn == 16
    assert "the first 16 of 40 channels" in describe_explorer(state)
    many_small = explorer_state(1, 16, 8, 8, 0, "avg")
    assert not many_small.values_written
    assert "Values are written in the cells" in describe_explorer(many_small)


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        ((0, 8, 4, 4, 0, "avg"), ValueError, "N to be an int from 1 to 8; got 0"),
        ((1, 8.0, 4, 4, 0, "avg"), TypeError, "C to be an int"),
        ((1, 8, 4, 33, 0, "avg"), ValueError, "W to be an int from 1 to 32"),
        ((1, 8, 4, 4, True, "avg"), TypeError, "seed to be an int"),
        ((1, 8, 4, 4, 0, "median"), ValueError, "kind to be one of 'avg'"),
    ],
)
def test_explorer_state_rejects_values_the_sliders_cannot_take(arguments, error, message):
    with pytest.raises(error, match=message):
        explorer_state(*arguments)


def test_draw_and_describe_want_a_state():
    with pytest.raises(TypeError, match="draw_explorer expects an ExplorerState; got a dict"):
        draw_explorer({})
    with pytest.raises(TypeError, match="describe_explorer expects an ExplorerState"):
        describe_explorer(None)


def test_a_kind_without_torch_equivalent_shows_the_helper_call(monkeypatch):
    kind = registry.PoolingKind(
        name="test-sum",
        function=lambda x: x.sum(dim=(2, 3)),
        make_module=lambda channels: torch.nn.Identity(),
        output_shape=registry.per_channel_shape,
        description="The sum of each map.",
        code="x.sum(dim=(2, 3))",
    )
    monkeypatch.setitem(registry._REGISTRY, kind.name, kind)
    readout = describe_explorer(explorer_state(1, 2, 3, 3, 0, kind.name))
    assert "With the helpers: <code>x.sum(dim=(2, 3))</code>" in readout
    assert "In torch" not in readout
    # A kind registered before the explorer is made appears in its menu.
    assert kind.name in pooling_explorer().controls["kind"].options


# -- the explorer widget -------------------------------------------------------------------


def test_explorer_controls_and_hooks():
    explorer = pooling_explorer()
    assert list(explorer.controls) == ["N", "C", "H", "W", "seed", "kind"]
    for name in ("N", "C", "H", "W", "seed"):
        slider = explorer.controls[name]
        assert slider.description == name
        assert (slider.min, slider.max) == RANGES[name]
    assert explorer.controls["kind"].description == "kind"
    assert tuple(explorer.controls["kind"].options) == kind_names()
    assert explorer.values() == {"N": 1, "C": 8, "H": 4, "W": 4, "seed": 0, "kind": "avg"}
    assert "gpool-explorer" in explorer.widget._dom_classes
    assert "gpool-explorer-image" in explorer.image._dom_classes
    assert "gpool-explorer-readout" in explorer.readout._dom_classes
    assert base.VIEW_CLASS in explorer.widget._dom_classes
    assert "(1, 8, 4, 4) -&gt; (1, 8)" in explorer.readout.value
    assert get_kind("avg").torch_equivalents[0].code in explorer.readout.value


def test_setting_explorer_controls_from_code_redraws():
    explorer = pooling_explorer()
    first_image = explorer.image.value
    explorer.controls["C"].value = 16
    assert explorer.image.value != first_image
    assert "(1, 16, 4, 4) -&gt; (1, 16)" in explorer.readout.value
    second_image = explorer.image.value
    explorer.controls["kind"].value = "depth-max"
    assert explorer.image.value != second_image
    assert "(1, 16, 4, 4) -&gt; (1, 1, 4, 4)" in explorer.readout.value
    assert "x.amax(dim=1, keepdim=True)" in explorer.readout.value
    explorer.controls["seed"].value = 5
    assert "seed=5" in explorer.readout.value
    assert explorer.state() == explorer_state(1, 16, 4, 4, 5, "depth-max")


def test_explorer_over_the_cap_and_back():
    explorer = pooling_explorer()
    explorer.set(N=5, C=16, H=32, W=32)
    assert "is more than this view draws" in explorer.readout.value
    assert explorer.image.layout.display == "none"
    explorer.controls["N"].value = 4  # exactly at the cap: drawn
    assert explorer.image.layout.display is None
    assert "(4, 16, 32, 32) -&gt; (4, 16)" in explorer.readout.value


def test_explorer_rejects_bad_starting_values():
    with pytest.raises(ValueError, match="kind to be one of"):
        pooling_explorer(kind="nope")
    with pytest.raises(ValueError, match="H to be an int from 1 to 32"):
        pooling_explorer(H=0)


def test_random_walk_over_the_controls_never_breaks_the_explorer():
    chooser = random.Random(20261128)
    explorer = pooling_explorer()
    names = kind_names()
    for step in range(40):
        name = chooser.choice(list(explorer.controls))
        if name == "kind":
            value = chooser.choice(names)
        elif chooser.random() < 0.3:
            value = RANGES[name][1]  # push towards the cap
        else:
            value = chooser.randint(*RANGES[name])
        explorer.controls[name].value = value
        state = explorer.state()
        assert explorer.readout.value.strip(), f"empty readout at step {step}: {state}"
        assert explorer.last_error is None, f"step {step}: {state}: {explorer.last_error!r}"
        if state.elements > MAX_ELEMENTS:
            assert explorer.image.layout.display == "none"
        else:
            assert explorer.image.layout.display is None
            assert str(state.input_shape) in explorer.readout.value
    assert isinstance(explorer.state(), ExplorerState)
