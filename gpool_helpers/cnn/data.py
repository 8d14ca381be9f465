"""Small image data sets for notebook 07, offline, seeded and fast.

Two sources, both made on the spot (nothing is ever downloaded):

- :func:`load_digits_split`: scikit-learn's bundled handwritten digits
  (1,797 greyscale images of 8x8 pixels, ten classes; the file ships inside
  the scikit-learn package), split into train and test sets by a seed.
  Used to compare classifier heads on real data.
- :func:`make_shapes`: synthetic images of a circle, square, triangle or cross
  drawn anywhere on a canvas of any size, with the box around each shape.
  Used to test input-size freedom (train on one canvas size, test on another)
  and localisation by class activation maps.

Images come as float32 tensors shaped (N, 1, H, W) with values in [0, 1];
labels as int64 tensors shaped (N,). The same seed gives the same tensors,
bit for bit, on every run; every generator here is a local one, so making
data never disturbs the notebook's global random state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy
import torch

from ..checks import check_choice, check_int, check_int_pair, check_number
from ..i18n import N_, gettext as _

__all__ = [
    "SHAPE_NAMES",
    "LabelledImages",
    "Scenes",
    "Split",
    "load_digits_split",
    "make_scenes",
    "make_shapes",
    "make_shapes_split",
    "small_digits_split",
]

#: The four shape classes, in label order.
#: English, like every class name; a readout shows them through ``_()``.
SHAPE_NAMES = (N_("circle"), N_("square"), N_("triangle"), N_("cross"))

#: The ten digit classes, in label order.
DIGIT_NAMES = tuple(str(digit) for digit in range(10))

#: Digits pixels are integers 0-16 (scikit-learn's description of the set).
_DIGITS_MAX_VALUE = 16.0

#: Default half-size range of a shape, in pixels: big enough for a 3x3
#: convolution to see corners, small enough that a 32x32 canvas has room to move.
DEFAULT_SHAPE_RADIUS = (5, 8)


@dataclass(frozen=True)
class LabelledImages:
    """Images with their labels.

    - ``images``: float32 (N, 1, H, W), values in [0, 1];
    - ``labels``: int64 (N,), indices into ``class_names``;
    - ``boxes``: int64 (N, 4) as (top, left, bottom, right), inclusive pixel
      bounds of the drawn shape, or ``None`` when there is nothing to locate.
    """

    images: torch.Tensor
    labels: torch.Tensor
    class_names: tuple[str, ...]
    boxes: torch.Tensor | None = None

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def image_size(self) -> tuple[int, int]:
        return (int(self.images.shape[-2]), int(self.images.shape[-1]))

    def subset(self, indices: torch.Tensor | list[int]) -> LabelledImages:
        """The images at ``indices``, in that order."""
        index = torch.as_tensor(indices, dtype=torch.long)
        return LabelledImages(
            self.images[index],
            self.labels[index],
            self.class_names,
            None if self.boxes is None else self.boxes[index],
        )


@dataclass(frozen=True)
class Split:
    """A train set and a test set that share their classes, and optionally a
    validation set for choosing settings (never the test set)."""

    train: LabelledImages
    test: LabelledImages
    validation: LabelledImages | None = None


def load_digits_split(test_fraction: float = 0.25, seed: int = 0) -> Split:
    """scikit-learn's handwritten digits, split into train and test sets.

    The split is stratified (every digit keeps its share in both sets) and
    depends only on ``seed``. With the default 0.25, 1,347 images train and
    450 test. Pixels are scaled from 0-16 to [0, 1].
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    test_fraction = check_number(test_fraction, "test_fraction", "load_digits_split", maximum=1.0,
                                 include_maximum=False)
    seed = check_int(seed, "seed", "load_digits_split", minimum=0)
    digits = load_digits()
    images = digits.images.astype(numpy.float32) / _DIGITS_MAX_VALUE
    labels = digits.target.astype(numpy.int64)
    train_images, test_images, train_labels, test_labels = train_test_split(
        images, labels, test_size=test_fraction, random_state=seed, stratify=labels
    )

    def as_set(pixels: numpy.ndarray, targets: numpy.ndarray) -> LabelledImages:
        # unsqueeze(1): the single grey channel, so the set is (N, 1, 8, 8).
        return LabelledImages(torch.from_numpy(pixels).unsqueeze(1), torch.from_numpy(targets), DIGIT_NAMES)

    return Split(as_set(train_images, train_labels), as_set(test_images, test_labels))


def small_digits_split(train_per_class: int = 10, validation_per_class: int = 30, seed: int = 0) -> Split:
    """A small training set, a validation set and the full test set of the digits.

    From :func:`load_digits_split` (``seed``): the first ``train_per_class``
    training images of each digit train, the next ``validation_per_class``
    validate; the 450 test images stay as they are. The split shuffled the
    images already, so "first" is a seeded random choice. A small training set
    is where a big head can learn the images by heart: where over-fitting shows.
    """
    function_name = "small_digits_split"
    train_per_class = check_int(train_per_class, "train_per_class", function_name, minimum=1)
    validation_per_class = check_int(validation_per_class, "validation_per_class", function_name, minimum=1)
    full = load_digits_split(seed=seed)
    train_index, validation_index = [], []
    for digit in range(len(DIGIT_NAMES)):
        positions = (full.train.labels == digit).nonzero().flatten().tolist()
        if len(positions) < train_per_class + validation_per_class:
            raise ValueError(
                _("{name}: digit {digit} has {count} training images; "
                  "train_per_class + validation_per_class must not exceed that").format(
                    name=function_name, digit=digit, count=len(positions))
            )
        train_index += positions[:train_per_class]
        validation_index += positions[train_per_class : train_per_class + validation_per_class]
    return Split(full.train.subset(sorted(train_index)), full.test, full.train.subset(sorted(validation_index)))


def draw_shape(name: str, canvas_size: int, centre: tuple[int, int], radius: int) -> torch.Tensor:
    """One shape as a float32 (canvas_size, canvas_size) mask of 0s and 1s.

    ``centre`` is (row, column); ``radius`` is the half-size in pixels, so the
    shape fits in the square of side 2 * radius + 1 around the centre.
    """
    check_choice(name, SHAPE_NAMES, "name", "draw_shape")
    canvas_size = check_int(canvas_size, "canvas_size", "draw_shape", minimum=1)
    radius = check_int(radius, "radius", "draw_shape", minimum=2)
    row_centre, column_centre = centre
    rows = torch.arange(canvas_size, dtype=torch.float32).unsqueeze(1) - row_centre
    columns = torch.arange(canvas_size, dtype=torch.float32).unsqueeze(0) - column_centre
    if name == "circle":
        # radius + 0.5 so the disc reaches the same extreme pixels as the square.
        mask = rows**2 + columns**2 <= (radius + 0.5) ** 2
    elif name == "square":
        # A filled square would be the circle's bigger twin; scaling it to about
        # the same area keeps "how much ink" from giving the class away.
        half = round(radius * 0.85)
        mask = (rows.abs() <= half) & (columns.abs() <= half)
    elif name == "triangle":
        # Apex up: the half-width grows linearly from 0 at the top row to
        # radius at the bottom row.
        height_from_top = rows + radius
        mask = (height_from_top >= 0) & (rows <= radius) & (columns.abs() <= height_from_top / 2 + 0.5)
    else:
        thickness = max(1, radius // 3)
        mask = ((rows.abs() <= thickness) & (columns.abs() <= radius)) | (
            (columns.abs() <= thickness) & (rows.abs() <= radius)
        )
    return mask.to(torch.float32)


def make_shapes(
    count: int,
    canvas_size: int = 32,
    seed: int = 0,
    radius_range: tuple[int, int] = DEFAULT_SHAPE_RADIUS,
    noise: float = 0.1,
    clutter: float = 0.0,
) -> LabelledImages:
    """``count`` images, each one shape anywhere on a ``canvas_size`` square canvas.

    Classes take turns (label i % 4 before shuffling), so every class has
    ``count // 4`` or one more images. Each shape's radius is drawn from
    ``radius_range`` (inclusive) and its centre uniformly from the positions
    where it fits whole. ``noise`` is the standard deviation of Gaussian pixel
    noise added everywhere, then clipped to [0, 1]. ``boxes`` hold each
    shape's inclusive bounds (top, left, bottom, right).

    ``clutter`` adds distractors as strong as the shapes: solid bars of ink
    (value 1, 2 or 3 pixels thick, 5 to 9 long, lying or standing), about
    ``clutter`` of them per 100 pixels of canvas, never touching a shape's box.
    They come from a generator of their own, so ``clutter=0`` draws exactly the
    images it drew before clutter existed.
    """
    function_name = "make_shapes"
    count = check_int(count, "count", function_name, minimum=1)
    canvas_size = check_int(canvas_size, "canvas_size", function_name, minimum=1)
    seed = check_int(seed, "seed", function_name, minimum=0)
    radius_range = check_int_pair(radius_range, "radius_range", function_name, example=repr(DEFAULT_SHAPE_RADIUS),
                                  minimum=2, ordered=True)
    noise = check_number(noise, "noise", function_name, include_minimum=True)
    clutter = check_number(clutter, "clutter", function_name, include_minimum=True)
    smallest_canvas = 2 * radius_range[1] + 1
    if canvas_size < smallest_canvas:
        raise ValueError(
            _("{name} expects canvas_size >= {smallest} so that a shape of radius {radius} fits; got {got}").format(
                name=function_name, smallest=smallest_canvas, radius=radius_range[1], got=canvas_size)
        )
    generator = torch.Generator().manual_seed(seed)
    labels = (torch.arange(count) % len(SHAPE_NAMES))[torch.randperm(count, generator=generator)]
    radii = torch.randint(radius_range[0], radius_range[1] + 1, (count,), generator=generator)
    # Uniform in [0, 1), scaled per image to the centres where its shape fits.
    position_fractions = torch.rand(count, 2, generator=generator)
    images = torch.empty(count, 1, canvas_size, canvas_size)
    boxes = torch.empty(count, 4, dtype=torch.long)
    for index in range(count):
        radius = int(radii[index])
        free_positions = canvas_size - 2 * radius
        row, column = (radius + (position_fractions[index] * free_positions).long().clamp(max=free_positions - 1)).tolist()
        mask = draw_shape(SHAPE_NAMES[int(labels[index])], canvas_size, (row, column), radius)
        images[index, 0] = mask
        inked_rows = mask.any(dim=1).nonzero().flatten()
        inked_columns = mask.any(dim=0).nonzero().flatten()
        boxes[index] = torch.stack([inked_rows[0], inked_columns[0], inked_rows[-1], inked_columns[-1]])
    images = _add_clutter_and_noise(images, boxes[:, None], clutter, noise, seed, generator)
    return LabelledImages(images, labels.to(torch.long), SHAPE_NAMES, boxes)


def _add_clutter_and_noise(images: torch.Tensor, boxes: torch.Tensor, clutter: float, noise: float, seed: int,
                           generator: torch.Generator) -> torch.Tensor:
    """The last steps every shape set shares: bars of clutter around each image's boxes (N, S, 4), then noise.

    The clutter draws from a generator of its own, seeded with ``seed``, so a set
    without clutter is drawn exactly as before clutter existed; the noise comes
    from the set's own ``generator``, after the shapes.
    """
    if clutter > 0:
        clutter_generator = torch.Generator().manual_seed(seed)
        for index in range(len(images)):
            _draw_clutter(images[index, 0], boxes[index], clutter, clutter_generator)
    if noise > 0:
        images = (images + noise * torch.randn(images.shape, generator=generator)).clamp_(0.0, 1.0)
    return images


def _draw_clutter(canvas: torch.Tensor, boxes: torch.Tensor, per_100_pixels: float,
                  generator: torch.Generator) -> None:
    """Solid bars on ``canvas`` (in place), none touching a box or its 1-pixel rim.

    A bar that finds no free place in a few tries is left out, so a crowded
    canvas gets fewer bars than asked; never a bar across a shape.
    """
    height, width = canvas.shape
    wanted = round(per_100_pixels * height * width / 100)
    blocked = torch.zeros(height, width, dtype=torch.bool)
    for top, left, bottom, right in boxes.tolist():
        blocked[max(top - 1, 0) : bottom + 2, max(left - 1, 0) : right + 2] = True
    for _bar in range(wanted):
        thickness = int(torch.randint(2, 4, (1,), generator=generator))
        length = int(torch.randint(5, 10, (1,), generator=generator))
        rows, columns = (length, thickness) if bool(torch.rand(1, generator=generator) < 0.5) else (thickness, length)
        for _try in range(8):
            top = int(torch.randint(0, height - rows + 1, (1,), generator=generator))
            left = int(torch.randint(0, width - columns + 1, (1,), generator=generator))
            if not blocked[top : top + rows, left : left + columns].any():
                canvas[top : top + rows, left : left + columns] = 1.0
                break


@dataclass(frozen=True)
class Scenes:
    """Canvases with several shapes of different classes each: the pointing test's data.

    - ``images``: float32 (N, 1, H, W);
    - ``labels``: int64 (N, S), the class of each of the S shapes;
    - ``boxes``: int64 (N, S, 4), each shape's (top, left, bottom, right), inclusive;
    - ``class_names``: as in :class:`LabelledImages`.
    """

    images: torch.Tensor
    labels: torch.Tensor
    boxes: torch.Tensor
    class_names: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def image_size(self) -> tuple[int, int]:
        return (int(self.images.shape[-2]), int(self.images.shape[-1]))


def make_scenes(
    count: int,
    canvas_size: int = 40,
    seed: int = 0,
    shapes_per_scene: int = 2,
    radius_range: tuple[int, int] = DEFAULT_SHAPE_RADIUS,
    noise: float = 0.1,
    clutter: float = 0.0,
) -> Scenes:
    """``count`` canvases, each with ``shapes_per_scene`` shapes of different classes.

    The shapes' boxes never touch (one free pixel at least between them), so a
    point lies in at most one box: a map can point at the right shape, at the
    wrong one, or at neither. Clutter and noise as in :func:`make_shapes`.
    """
    function_name = "make_scenes"
    count = check_int(count, "count", function_name, minimum=1)
    canvas_size = check_int(canvas_size, "canvas_size", function_name, minimum=1)
    seed = check_int(seed, "seed", function_name, minimum=0)
    shapes_per_scene = check_int(shapes_per_scene, "shapes_per_scene", function_name, minimum=1)
    if shapes_per_scene > len(SHAPE_NAMES):
        raise ValueError(_("{name} expects shapes_per_scene between 1 and {most} (one shape per class); got {got}").format(
            name=function_name, most=len(SHAPE_NAMES), got=shapes_per_scene))
    radius_range = check_int_pair(radius_range, "radius_range", function_name, example=repr(DEFAULT_SHAPE_RADIUS),
                                  minimum=2, ordered=True)
    noise = check_number(noise, "noise", function_name, include_minimum=True)
    clutter = check_number(clutter, "clutter", function_name, include_minimum=True)
    smallest_canvas = shapes_per_scene * (2 * radius_range[1] + 2)
    if canvas_size < smallest_canvas:
        raise ValueError(
            _("{name} expects canvas_size >= {smallest} so that {shapes} shapes of radius {radius} fit side by side; "
              "got {got}").format(name=function_name, smallest=smallest_canvas, shapes=shapes_per_scene,
                                  radius=radius_range[1], got=canvas_size))
    generator = torch.Generator().manual_seed(seed)
    images = torch.zeros(count, 1, canvas_size, canvas_size)
    labels = torch.empty(count, shapes_per_scene, dtype=torch.long)
    boxes = torch.empty(count, shapes_per_scene, 4, dtype=torch.long)
    for index in range(count):
        labels[index] = torch.randperm(len(SHAPE_NAMES), generator=generator)[:shapes_per_scene]
        while True:
            placed, scene_boxes = [], []
            for label in labels[index].tolist():
                radius = int(torch.randint(radius_range[0], radius_range[1] + 1, (1,), generator=generator))
                row, column = torch.randint(radius, canvas_size - radius, (2,), generator=generator).tolist()
                mask = draw_shape(SHAPE_NAMES[label], canvas_size, (row, column), radius)
                inked_rows = mask.any(dim=1).nonzero().flatten()
                inked_columns = mask.any(dim=0).nonzero().flatten()
                box = [int(inked_rows[0]), int(inked_columns[0]), int(inked_rows[-1]), int(inked_columns[-1])]
                placed.append(mask)
                scene_boxes.append(box)
            if not any(_boxes_touch(first, second) for number, first in enumerate(scene_boxes)
                       for second in scene_boxes[number + 1 :]):
                break
        images[index, 0] = torch.stack(placed).amax(dim=0)
        boxes[index] = torch.tensor(scene_boxes)
    images = _add_clutter_and_noise(images, boxes, clutter, noise, seed, generator)
    return Scenes(images, labels, boxes, SHAPE_NAMES)


def _boxes_touch(first: list[int], second: list[int]) -> bool:
    """Whether two inclusive boxes overlap or sit side by side with no free pixel between them."""
    return not (first[2] + 1 < second[0] or second[2] + 1 < first[0]
                or first[3] + 1 < second[1] or second[3] + 1 < first[1])


def make_shapes_split(
    train_count: int,
    test_count: int,
    canvas_size: int = 32,
    seed: int = 0,
    radius_range: tuple[int, int] = DEFAULT_SHAPE_RADIUS,
    noise: float = 0.1,
    clutter: float = 0.0,
    validation_count: int = 0,
) -> Split:
    """Train and test shape sets drawn independently, from seeds derived from ``seed``.

    Seeds 3 * seed, 3 * seed + 1 and (with ``validation_count`` > 0, for
    early stopping) 3 * seed + 2, so splits made from different seeds never
    share a set.
    """
    seed = check_int(seed, "seed", "make_shapes_split", minimum=0)
    validation_count = check_int(validation_count, "validation_count", "make_shapes_split", minimum=0)
    options = dict(radius_range=radius_range, noise=noise, clutter=clutter)
    train = make_shapes(train_count, canvas_size, seed=3 * seed, **options)
    test = make_shapes(test_count, canvas_size, seed=3 * seed + 1, **options)
    validation = make_shapes(validation_count, canvas_size, seed=3 * seed + 2, **options) if validation_count else None
    return Split(train, test, validation)
