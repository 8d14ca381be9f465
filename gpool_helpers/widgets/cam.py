"""A widget to explore class activation maps: pick an image and a class (notebook 07).

The maps are computed once, when the view is made; moving a control only
draws. ``draw`` and ``describe`` are plain functions of the control values
(see :class:`~gpool_helpers.widgets.base.FigureView`), tested without a browser.
"""

from __future__ import annotations

import html

import ipywidgets

from ..cnn.cam import class_activation_maps, upsample_maps
from ..cnn.data import LabelledImages
from ..cnn.models import SmallCNN
from ..i18n import gettext as _
from ..viz.cam import plot_cam
from .base import FigureView

__all__ = ["cam_explorer"]

#: Drawing is cheap, but a slider over thousands of images is hard to aim.
MAX_IMAGES = 500


def cam_explorer(model: SmallCNN, data: LabelledImages) -> FigureView:
    """A :class:`FigureView` with an image slider and a class menu over ``data``.

    The readout checks the CAM identity for the chosen image and class:
    logit = GAP(map) + bias.
    """
    if not isinstance(data, LabelledImages):
        raise TypeError(_("cam_explorer expects data to be a LabelledImages; got a {type}").format(
            type=type(data).__name__))
    if not 1 <= len(data) <= MAX_IMAGES:
        raise ValueError(_("cam_explorer expects between 1 and {limit} images; got {count}").format(
            limit=MAX_IMAGES, count=len(data)))
    maps, logits = class_activation_maps(model, data.images)
    resized = upsample_maps(maps, data.image_size)
    bias = model.head.classifier.bias.detach()
    predictions = logits.argmax(dim=1)

    def draw(image: int, class_index: int):
        name = data.class_names[class_index]
        box = None if data.boxes is None else data.boxes[image].tolist()
        return plot_cam(
            data.images[image, 0],
            resized[image, class_index],
            f"map of class '{name}', logit {float(logits[image, class_index]):.2f}",
            box,
        )

    def describe(image: int, class_index: int) -> str:
        # Class names are data ("circle", "7"); the shapes' names have translations.
        name = html.escape(_(data.class_names[class_index]))
        truth = html.escape(_(data.class_names[int(data.labels[image])]))
        predicted = html.escape(_(data.class_names[int(predictions[image])]))
        average = float(maps[image, class_index].mean())
        class_bias = float(bias[class_index])
        height, width = maps.shape[-2:]
        return (
            _("Image {image}: a {truth}; the model says {predicted}.").format(
                image=image, truth=truth, predicted=f"<b>{predicted}</b>") + "<br>"
            + _("Map of '{name}': {height}x{width}, resized to the {image_height}x{image_width} image. "
                "GAP of the map {average} + bias {bias} = {total}; the model's logit: {logit}.").format(
                name=name, height=height, width=width, image_height=data.image_size[0],
                image_width=data.image_size[1], average=f"{average:.4f}", bias=f"{class_bias:.4f}",
                total=f"{average + class_bias:.4f}", logit=f"{float(logits[image, class_index]):.4f}")
        )

    controls = {
        "image": ipywidgets.IntSlider(value=0, min=0, max=len(data) - 1, description=_("image")),
        "class_index": ipywidgets.Dropdown(
            options=[(_(name), index) for index, name in enumerate(data.class_names)],
            value=int(predictions[0]),
            description=_("class"),
        ),
    }
    return FigureView(controls, draw, describe)
