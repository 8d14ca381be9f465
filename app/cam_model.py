"""The app's class-activation-map model: trained once and stored, so the page does not train while it loads.

Training it took about 4 of the 6 seconds before the app's page showed its first picture. The
weights are the result of the training notebook 07 runs for its seed-0 GAP model
(``train_head("avg", shapes_for_seed(0), ...)``: cluttered 24 x 24 shapes, early stopping on the
validation set, a body of 8 and 16 channels; the settings are in :data:`SETTINGS`), stored in
``gap_model.pt`` beside this file with those settings. The app loads them when the settings match
and trains (as before) when the file is missing or was made with other settings, so a changed
setting can never show an old model.

Regenerate after changing the settings or the model code (from the repository root)::

    .venv/bin/python app/cam_model.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

WEIGHTS = Path(__file__).resolve().parent / "gap_model.pt"
#: Notebook 07's data and training settings for the GAP model the app explains.
SETTINGS = {
    "head": "avg",
    "data": {"train_count": 600, "test_count": 300, "validation_count": 200, "canvas_size": 24, "seed": 0,
             "clutter": 0.6},
    "training": {"seed": 0, "epochs": 60, "batch_size": 32, "learning_rate": 1e-2, "patience": 5},
    "model": {"channels": [8, 16]},
}


def train():
    """The model as notebook 07 trains it (a few seconds on a laptop)."""
    from gpool_helpers import make_shapes_split, train_head

    shapes = make_shapes_split(**SETTINGS["data"])
    return train_head(SETTINGS["head"], shapes, progress=False, **SETTINGS["training"],
                      channels=tuple(SETTINGS["model"]["channels"])).model


def load(data):
    """The stored model for ``data`` (a LabelledImages with the training data's classes), or a freshly trained one."""
    from gpool_helpers.cnn.training import build_model

    if WEIGHTS.is_file():
        stored = torch.load(WEIGHTS, weights_only=True)
        if stored.get("settings") == SETTINGS and list(stored.get("class_names", [])) == list(data.class_names):
            model = build_model(SETTINGS["head"], data, SETTINGS["training"]["seed"],
                                channels=tuple(SETTINGS["model"]["channels"]))
            model.load_state_dict(stored["state"])
            return model.eval()
    return train().eval()


def save() -> Path:
    from gpool_helpers import make_shapes_split

    model = train()
    class_names = list(make_shapes_split(**SETTINGS["data"]).train.class_names)
    torch.save({"settings": SETTINGS, "class_names": class_names, "state": model.state_dict()}, WEIGHTS)
    return WEIGHTS


if __name__ == "__main__":
    sys.exit(print(f"wrote {save()}"))
