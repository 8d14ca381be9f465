"""Exercises of notebooks 01 and 02: solutions pass, every known mistake is named, and each
question's expected answer agrees with a measurement on real modules and tensors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gpool_helpers import article_example
from gpool_helpers.exercises import Outcome, nb01, nb02
from gpool_helpers.cnn.counting import count_parameters
from gpool_helpers.cnn.heads import make_pooled_head



# The contract every question keeps (numbering, solution, starter, hints, each mistake's
# message) is tested for every set in test_exercise_sets.py; here, what is particular to 01 and 02.


# ---- the expected answers, measured rather than trusted ------------------------------


def test_nb01_counts_match_real_modules():
    channels, height, width, classes = nb01.CHANNELS, nb01.HEIGHT, nb01.WIDTH, nb01.CLASSES
    flatten = nn.Sequential(nn.Flatten(), nn.Linear(channels * height * width, classes))
    assert nb01.q1.expected == count_parameters(flatten)
    pooled = nn.Sequential(nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(channels, classes))
    assert nb01.q2.expected == count_parameters(pooled)


def test_nb01_q3_reference_is_a_real_gap_head_on_every_size():
    # The reference in plain torch equals the package's GAP head with the same weights, at every case's size.
    for case in nb01.q3.cases:
        x, weight, bias = case.make_args()
        head = make_pooled_head(x.shape[1], weight.shape[0])
        with torch.no_grad():
            head[1].weight.copy_(weight)
            head[1].bias.copy_(bias)
            torch.testing.assert_close(nb01.q3.reference(x, weight, bias), head(x))


def test_nb01_q3_cases_include_a_size_a_flatten_head_cannot_take():
    # The prompt's point: the same weights meet maps of several sizes, so flattening fails.
    sizes = {case.make_args()[0].shape[2:] for case in nb01.q3.cases}
    assert (14, 14) in sizes and (4, 4) in sizes
    feedback = nb01.q3.check(lambda x, weight, bias: x.flatten(1) @ weight.T + bias)
    assert feedback.outcome is Outcome.ERROR
    assert "mat1 and mat2 shapes cannot be multiplied" in feedback.text


def test_nb01_q3_accepts_other_correct_answers():
    for answer in (
        lambda x, weight, bias: torch.nn.functional.linear(x.flatten(2).mean(dim=2), weight, bias),
        lambda x, weight, bias: torch.einsum("nchw,kc->nk", x, weight) / (x.shape[2] * x.shape[3]) + bias,
    ):
        assert nb01.q3.check(answer).outcome is Outcome.CORRECT


def test_nb02_q2_gradient_matches_the_formula_on_another_input():
    # Random values and a different cell: the gradient of a mean does not depend on either.
    x = torch.randn(1, 3, 5, 7, requires_grad=True)
    x.mean(dim=(2, 3))[0, 0].backward()
    assert nb02.q2.expected == pytest.approx(1 / (5 * 7))
    assert x.grad[0, 0, 4, 6].item() == pytest.approx(nb02.q2.expected)
    assert torch.count_nonzero(x.grad[0, 1:]) == 0


def test_nb02_q3_expected_shapes_are_what_torch_returns():
    x = torch.randn(1, 1, 4, 4)
    assert nb02.q3.expected == ((1, 1), ())
    assert x.mean(dim=(2, 3)).shape == (1, 1)
    squeezed = nn.AdaptiveAvgPool2d((1, 1))(x).squeeze()
    assert squeezed.dim() == 0 and squeezed.shape == ()
    # What each recognised mistake's wrong shape really belongs to.
    assert nn.AdaptiveAvgPool2d((1, 1))(x).flatten(1).shape == (1, 1)
    assert x.mean(dim=(2, 3), keepdim=True).shape == (1, 1, 1, 1)


def test_nb02_q3_accepts_torch_sizes_and_lists():
    x = torch.randn(1, 1, 4, 4)
    measured = (x.mean(dim=(2, 3)).shape, nn.AdaptiveAvgPool2d((1, 1))(x).squeeze().shape)
    for answer in (measured, [[1, 1], []], ((1, 1), ())):
        assert nb02.q3.check(answer).outcome is Outcome.CORRECT
    for wrong in (((1, 1), (8,)), ((1,), (1,)), "B", ((1, 1),)):
        assert nb02.q3.check(wrong).outcome is Outcome.INCORRECT


# ---- nb02.q1 answers the core recognises by itself ---------------------------------


def test_nb02_q1_in_place_answer_is_caught():
    def divides_in_place(x):
        return x.div_(x.shape[2] * x.shape[3]).sum(dim=(2, 3))

    feedback = nb02.q1.check(divides_in_place)
    assert feedback.outcome is Outcome.INCORRECT
    assert any("changed its input in place" in line for line in feedback.lines)


def test_nb02_q1_view_answer_fails_on_non_contiguous_cases():
    feedback = nb02.q1.check(lambda x: x.view(x.shape[0], x.shape[1], -1).mean(dim=2))
    assert feedback.outcome is Outcome.ERROR
    # channels_last keeps each map's H·W cells evenly spaced, so a view can merge them; a transpose cannot.
    assert "non-contiguous (H and W swapped)" in feedback.lines[0]
    assert "view size is not compatible" in feedback.lines[0]


def test_nb02_q1_accepts_other_correct_answers():
    for answer in (
        lambda x: nn.AdaptiveAvgPool2d((1, 1))(x).flatten(1),
        lambda x: x.flatten(2).mean(dim=2),
        lambda x: x.sum(dim=(-1, -2)) / (x.shape[-1] * x.shape[-2]),
    ):
        assert nb02.q1.check(answer).outcome is Outcome.CORRECT


def test_nb02_q1_wrong_dims_detector_does_not_fire_on_the_right_reduction():
    x = article_example()
    mistake = next(m for m in nb02.q1.mistakes if m.name == "averaged over the wrong dims")
    assert not mistake.matches(x.mean(dim=(2, 3)), (x,), x.mean(dim=(2, 3)))
    assert mistake.matches(x.mean(dim=(1, 2)), (x,), x.mean(dim=(2, 3)))
