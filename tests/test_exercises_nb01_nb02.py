"""Exercises of notebooks 01 and 02: solutions pass, every known mistake is named, and each
question's expected answer agrees with a measurement on real modules and tensors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gpool_helpers import article_example
from gpool_helpers.exercises import FunctionQuestion, Mistake, Outcome, ThoughtQuestion, nb01, nb02
from gpool_helpers.cnn.counting import count_parameters
from gpool_helpers.cnn.heads import make_flatten_head, make_pooled_head

QUESTIONS = [*nb01.QUESTIONS, *nb02.QUESTIONS]
MISTAKES = [
    pytest.param(question, mistake, id=f"{question.qid}-{mistake.name}")
    for question in QUESTIONS
    for mistake in getattr(question, "mistakes", ())
]


def test_each_module_numbers_its_questions_in_order():
    for module, prefix in ((nb01, "nb01"), (nb02, "nb02")):
        assert [q.qid for q in module.QUESTIONS] == [f"{prefix}.q{i}" for i in range(1, len(module.QUESTIONS) + 1)]
        assert len(module.QUESTIONS) >= 2
        for i, question in enumerate(module.QUESTIONS, start=1):
            assert getattr(module, f"q{i}") is question


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.qid)
def test_the_solution_is_correct(question):
    feedback = question.check(question.solved_answer())
    assert feedback.outcome is Outcome.CORRECT, feedback.text


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.qid)
def test_an_untouched_starter_is_not_attempted(question):
    assert question.check(...).outcome is Outcome.NOT_ATTEMPTED
    if isinstance(question, FunctionQuestion):
        def starter(x):
            raise NotImplementedError

        assert question.check(starter).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.qid)
def test_hints_and_solution_render(question):
    assert question.hint().lines and question.hint(len(question.hints)).lines
    assert question.answer_name in question.solution().code
    assert "there are hints" in question.hint(len(question.hints) + 1).heading


@pytest.mark.parametrize(("question", "mistake"), MISTAKES)
def test_every_mistake_example_gets_its_message(question, mistake: Mistake):
    assert mistake.example is not None, f"{question.qid} mistake {mistake.name!r} has no example"
    feedback = question.check(mistake.example)
    assert feedback.outcome is Outcome.INCORRECT, feedback.text
    assert mistake.message in feedback.lines, feedback.text


@pytest.mark.parametrize("question", [q for q in QUESTIONS if isinstance(q, ThoughtQuestion)], ids=lambda q: q.qid)
def test_every_wrong_choice_is_explained(question):
    for choice in question.choices:
        feedback = question.check(choice.lower())
        expected = Outcome.CORRECT if choice == question.correct_choice else Outcome.INCORRECT
        assert feedback.outcome is expected
        assert question.explanations[choice] in feedback.lines
    assert question.check("E").outcome is Outcome.INCORRECT


# ---- the expected answers, measured rather than trusted ------------------------------


def test_nb01_counts_match_real_modules():
    channels, height, width, classes = nb01.CHANNELS, nb01.HEIGHT, nb01.WIDTH, nb01.CLASSES
    flatten = nn.Sequential(nn.Flatten(), nn.Linear(channels * height * width, classes))
    assert nb01.q1.expected == count_parameters(flatten)
    pooled = nn.Sequential(nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(channels, classes))
    assert nb01.q2.expected == count_parameters(pooled)


def test_nb01_q3_claim_holds_live():
    flatten = make_flatten_head(16, 7, 7, 10)
    pooled = make_pooled_head(16, 10)
    larger = torch.randn(2, 16, 14, 14)
    with pytest.raises(RuntimeError):
        flatten(larger)
    assert pooled(larger).shape == (2, 10)
    assert nb01.q3.solved_answer() == "B"


def test_nb02_q2_gradient_matches_the_formula_on_another_input():
    # Random values and a different cell: the gradient of a mean does not depend on either.
    x = torch.randn(1, 3, 5, 7, requires_grad=True)
    x.mean(dim=(2, 3))[0, 0].backward()
    assert nb02.q2.expected == pytest.approx(1 / (5 * 7))
    assert x.grad[0, 0, 4, 6].item() == pytest.approx(nb02.q2.expected)
    assert torch.count_nonzero(x.grad[0, 1:]) == 0


def test_nb02_q3_claim_holds_live():
    def view_pool(x):
        return x.view(x.shape[0], x.shape[1], -1).mean(dim=2)

    view_pool(torch.randn(2, 8, 4, 4))
    view_pool(torch.randn(1, 1, 1, 9))
    with pytest.raises(RuntimeError, match="view"):
        view_pool(torch.randn(2, 8, 4, 4).transpose(2, 3))
    assert nb02.q3.solved_answer() == "B"


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
