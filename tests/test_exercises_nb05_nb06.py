"""The exercises of notebooks 05 and 06: solutions pass, each known mistake is named,
and the checks catch what they are there to catch."""

from __future__ import annotations

import math

import pytest
import torch

from gpool_helpers.exercises import FunctionQuestion, Outcome, ValueQuestion, nb05, nb06

ALL_QUESTIONS = [*nb05.QUESTIONS, *nb06.QUESTIONS]
QUESTION_IDS = [question.qid for question in ALL_QUESTIONS]
MISTAKES = [(question, mistake) for question in ALL_QUESTIONS for mistake in question.mistakes]


def test_modules_list_their_questions_in_order():
    assert nb05.QUESTIONS == (nb05.q1, nb05.q2, nb05.q3)
    assert nb06.QUESTIONS == (nb06.q1, nb06.q2, nb06.q3)
    assert [q.qid for q in ALL_QUESTIONS] == ["nb05.q1", "nb05.q2", "nb05.q3", "nb06.q1", "nb06.q2", "nb06.q3"]


# Solution-is-correct and starter-is-not-attempted run for every set in test_exercise_sets.py.


@pytest.mark.parametrize("question, mistake", MISTAKES, ids=[f"{q.qid}-{m.name}" for q, m in MISTAKES])
def test_every_mistake_example_gets_its_own_message(question, mistake):
    feedback = question.check(mistake.example)
    assert feedback.outcome is Outcome.INCORRECT, feedback.text
    assert mistake.message in feedback.lines, feedback.text
    others = [m.message for m in question.mistakes if m is not mistake]
    assert not any(message in feedback.lines for message in others), feedback.text


def test_function_and_value_questions_name_at_least_two_mistakes():
    for question in ALL_QUESTIONS:
        if isinstance(question, (FunctionQuestion, ValueQuestion)):
            assert len(question.mistakes) >= 2, question.qid


def test_nb05_q1_expected_windows_are_torchs():
    assert nb05.q1.solved_answer()(5, 3) == [(0, 2), (1, 4), (3, 5)]
    # An answer right only where sizes divide must fail.
    feedback = nb05.q1.check(lambda n, m: [(i * n // m, (i + 1) * n // m) for i in range(m)])
    assert feedback.outcome is Outcome.INCORRECT and "5 -> 3" in feedback.text


def test_nb05_values_follow_from_the_formulas():
    assert nb05.q2.expected == 256 * 21
    assert nb05.q3.expected == 6
    assert nb05.q2.check(5376.0).outcome is Outcome.CORRECT  # a float is fine
    assert nb05.q3.check(5).outcome is Outcome.INCORRECT


def test_nb06_q1_gem_accepts_any_correct_formulation():
    def gem_with_flatten(x, p):
        return x.clamp(min=1e-6).flatten(2).pow(p).mean(-1) ** (1 / p)

    assert nb06.q1.check(gem_with_flatten).outcome is Outcome.CORRECT


def test_nb06_q2_naive_lse_is_right_on_small_values_but_fails_on_large():
    def naive(x, r):
        return torch.log(torch.exp(r * x).mean(dim=(2, 3))) / r

    feedback = nb06.q2.check(naive)
    assert feedback.outcome is Outcome.INCORRECT
    assert "large values" in feedback.text
    assert "3 of 4 cases right" in feedback.text


def test_nb06_q2_logsumexp_answer_is_correct():
    def with_logsumexp(x, r):
        return (torch.logsumexp(r * x.flatten(2), dim=2) - math.log(x.shape[2] * x.shape[3])) / r

    assert nb06.q2.check(with_logsumexp).outcome is Outcome.CORRECT


@pytest.mark.parametrize("choice, outcome", [("B", Outcome.CORRECT), ("b", Outcome.CORRECT), ("A", Outcome.INCORRECT), ("D", Outcome.INCORRECT)])
def test_nb06_q3_choices(choice, outcome):
    feedback = nb06.q3.check(choice)
    assert feedback.outcome is outcome
    assert nb06.q3.explanations[choice.upper()] in feedback.lines
