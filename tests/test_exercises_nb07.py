"""Notebook 07's exercises: beyond the generic checks of test_exercise_sets.py,
the answers agree with the real model and package code they are about."""

from __future__ import annotations

import torch

from gpool_helpers.cnn.cam import class_activation_maps
from gpool_helpers.exercises import nb07
from gpool_helpers.exercises.core import Outcome
from gpool_helpers.cnn.models import SmallCNN


def _solution():
    return nb07.q1.solved_answer()


def test_q1_solution_reproduces_the_package_maps(generator):
    torch.manual_seed(0)
    model = SmallCNN("avg", num_classes=4).eval()
    images = torch.rand(2, 1, 12, 12, generator=generator)
    maps, _ = class_activation_maps(model, images)
    with torch.no_grad():
        by_hand = _solution()(model.features(images), model.head.classifier.weight)
    assert torch.allclose(by_hand, maps, atol=1e-6)


def test_q1_loop_answer_is_accepted():
    def with_loops(features, weight):
        maps = torch.zeros(features.shape[0], weight.shape[0], *features.shape[2:])
        for c in range(weight.shape[0]):
            for k in range(weight.shape[1]):
                maps[:, c] = maps[:, c] + weight[c, k] * features[:, k]
        return maps

    assert nb07.q1.check(with_loops).outcome is Outcome.CORRECT


def test_q1_batch_one_only_answer_is_explained():
    def first_image_only(features, weight):
        return torch.einsum("ck,khw->chw", weight, features[0]).unsqueeze(0)

    feedback = nb07.q1.check(first_image_only)
    assert feedback.outcome is Outcome.INCORRECT
    assert "keep the batch dim N" in feedback.text


def test_q1_transposed_weight_raises_and_is_reported():
    feedback = nb07.q1.check(lambda features, weight: torch.einsum("kc,nkhw->nchw", weight, features))
    assert feedback.outcome is Outcome.ERROR
    assert "RuntimeError" in feedback.text


def test_q2_expected_shape_is_what_the_model_gives():
    torch.manual_seed(0)
    model = SmallCNN("avg", num_classes=4, channels=(16, 32))
    maps, _ = class_activation_maps(model, torch.rand(5, 1, 48, 48))
    assert nb07.q2.check(tuple(maps.shape)).outcome is Outcome.CORRECT
    assert nb07.q2.check(maps.shape).outcome is Outcome.CORRECT  # torch.Size is a tuple


def test_q3_reference_is_the_package_chance_level_on_real_boxes():
    from gpool_helpers.cnn.cam import box_share
    from gpool_helpers.cnn.data import make_shapes

    for size in (24, 48):
        shapes = make_shapes(40, canvas_size=size, seed=1)
        answer = nb07.q3.solved_answer()(shapes.boxes, size)
        assert abs(float(answer) - box_share(shapes.boxes, shapes.image_size)) < 1e-12


def test_q3_accepts_a_float_and_a_loop():
    def with_a_loop(boxes, canvas_size):
        total = 0.0
        for top, left, bottom, right in boxes.tolist():
            total += (bottom - top + 1) * (right - left + 1) / canvas_size**2
        return total / len(boxes)

    assert nb07.q3.check(with_a_loop).outcome is Outcome.CORRECT


def test_q3_recognised_mistakes_each_get_their_own_hint():
    for mistake in nb07.q3.mistakes:
        feedback = nb07.q3.check(mistake.example)
        assert feedback.outcome is Outcome.INCORRECT, mistake.name
        assert mistake.message in feedback.text, mistake.name


def test_q3_blank_starter_is_not_attempted():
    def my_pointing_chance(boxes, canvas_size):
        raise NotImplementedError

    assert nb07.q3.check(my_pointing_chance).outcome is Outcome.NOT_ATTEMPTED
