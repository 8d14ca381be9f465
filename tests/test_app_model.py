"""The classroom app's stored CAM model is the one its settings train today (app/cam_model.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch

from gpool_helpers import make_shapes, make_shapes_split

APP = Path(__file__).resolve().parent.parent / "app"


def _cam_model():
    spec = importlib.util.spec_from_file_location("cam_model", APP / "cam_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_stored_model_is_what_training_gives_now():
    # load() compares settings only, so a change to the training code or the data would otherwise keep
    # showing an old model. Weights are compared by what they do, not bit for bit: on another CPU the
    # same training ends in slightly different float32 weights. Regenerate: `.venv/bin/python app/cam_model.py`.
    cam_model = _cam_model()
    stored = torch.load(cam_model.WEIGHTS, weights_only=True)
    assert stored["settings"] == cam_model.SETTINGS
    test = make_shapes_split(**cam_model.SETTINGS["data"]).test
    fresh = cam_model.train().eval()
    kept = cam_model.load(test)
    with torch.no_grad():
        agree = (fresh(test.images).argmax(dim=1) == kept(test.images).argmax(dim=1)).float().mean()
    assert float(agree) >= 0.95, f"the stored model agrees with today's training on {float(agree):.0%} of images"


def test_load_gives_the_stored_model_for_the_apps_canvases():
    cam_model = _cam_model()
    canvases = make_shapes(6, canvas_size=48, seed=1, clutter=0.6)
    model = cam_model.load(canvases)
    stored = torch.load(cam_model.WEIGHTS, weights_only=True)["state"]
    assert all(torch.equal(model.state_dict()[name], value) for name, value in stored.items())
    assert model(canvases.images).shape == (6, 4)
