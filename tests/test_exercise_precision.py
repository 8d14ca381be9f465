"""Number answers are judged at the precision their prompt states (issue 23).

Whole-number answers (counts) are exact: 40967 is not 40970. Others pass
when they match to the stated significant figures, so a learner's own
rounding passes, and so do a full float and a Python expression; a number
rounded further than asked is told so. Each numeric prompt states its
precision, in both languages, and no recognised mistake can be mistaken for
the answer at that precision.
"""

from __future__ import annotations

import importlib
import math

import pytest

from gpool_helpers.exercises import NOTEBOOK_SETS, Outcome, ValueQuestion, nb01, nb02, nb05, nb06
from gpool_helpers.exercises.precision import WHOLE_NUMBER, Precision, how_far, significant
from gpool_helpers.i18n import catalog, set_language

QUESTIONS = [q for name in NOTEBOOK_SETS for q in importlib.import_module(f"gpool_helpers.exercises.{name}").QUESTIONS]
NUMBER_QUESTIONS = [q for q in QUESTIONS if isinstance(q, ValueQuestion) and q.precision is not None]
IDS = [q.qid for q in NUMBER_QUESTIONS]


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


def roundings(value: float, figures: range) -> list[float]:
    return [float(f"{value:.{count}g}") for count in figures]


# ----------------------------------------------------------------------------
# The questions of the issue
# ----------------------------------------------------------------------------


def test_a_count_is_exact():
    assert nb01.q1.check(40970).outcome is Outcome.CORRECT
    assert nb01.q1.check(40970.0).outcome is Outcome.CORRECT
    for near in (40967, 40971, 40969.5):
        assert nb01.q1.check(near).outcome is Outcome.INCORRECT, near
    assert nb01.q1.check(40970.5).lines[0] == "This answer is a count, so it must be a whole number."
    assert nb01.q1.check(41000).lines == ("Close, but rounded: this is a count, so give it exactly, every digit.",)


def test_two_significant_figures_accept_the_learners_own_rounding():
    for answer in (0.39, 0.389, 0.3892, math.log(49) / 10, math.log(7 * 7) / 10):
        assert nb06.q3.check(answer).outcome is Outcome.CORRECT, answer
    for answer in (0.0286, 0.029, 0.02857, 1 / 35, 1 / (5 * 7)):
        assert nb02.q2.check(answer).outcome is Outcome.CORRECT, answer
    for answer in (0.38, 0.4, 0.3):
        assert nb06.q3.check(answer).outcome is Outcome.INCORRECT, answer
    assert nb02.q2.check(0.03).lines == ("Close, but rounded further than asked: give it to 2 significant figures.",)
    assert nb06.q3.check(0.4).lines == ("Close, but rounded further than asked: give it to 2 significant figures.",)


def test_the_lessons_four_by_four_slip_has_its_own_hint():
    feedback = nb02.q2.check(1 / 16)
    assert feedback.outcome is Outcome.INCORRECT
    assert feedback.lines == (next(m.message for m in nb02.q2.mistakes if "4 x 4" in m.name),)
    assert nb02.q2.check(0.0625).lines == feedback.lines and nb02.q2.check(0.063).lines == feedback.lines


def test_the_issues_wrong_answers_are_told_how_far_off_not_the_value():
    assert nb01.q1.check(640).lines == ("Your answer is too small, by about a factor of 64.",)
    assert nb01.q1.check(40967).lines == ("Your answer is slightly too small, by less than 0.1 %.",)
    assert nb01.q1.check(-40970).lines == ("Your answer has the wrong sign.",)
    assert nb05.q3.check(3).lines == ("Your answer is too small.",)  # "a factor of 3" would give 9 away


# ----------------------------------------------------------------------------
# Every number question
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("question", NUMBER_QUESTIONS, ids=IDS)
def test_the_prompt_states_the_precision_in_both_languages(question):
    assert question._precision is not None, f"{question.qid} chooses no precision"
    assert question.precision.phrase() in question.prompt
    set_language("zh")
    chinese = catalog("zh")[question.english_prompt]
    assert question.prompt == chinese  # what print(question.prompt) shows a Chinese learner
    assert question.precision.phrase() in chinese, (question.precision.phrase(), chinese)


@pytest.mark.parametrize("question", NUMBER_QUESTIONS, ids=IDS)
def test_natural_answers_pass_and_near_misses_do_not(question):
    expected = float(question.expected)
    precision = question.precision
    if precision.whole:
        right = [int(expected), expected]
        wrong = [expected + 1, expected - 1, expected + 0.5]
    else:
        right = [expected, *roundings(expected, range(precision.figures, 7))]
        unit = precision.unit(expected)
        wrong = [expected + 1.5 * unit, expected - 1.5 * unit, *roundings(expected, range(1, precision.figures))]
        wrong = [w for w in wrong if not precision.matches(w, expected)]
    for answer in right:
        assert question.check(answer).outcome is Outcome.CORRECT, (question.qid, answer)
    for answer in wrong:
        assert question.check(answer).outcome is Outcome.INCORRECT, (question.qid, answer)


@pytest.mark.parametrize("question", NUMBER_QUESTIONS, ids=IDS)
def test_no_mistake_is_the_answer_or_one_of_its_roundings(question):
    expected = float(question.expected)
    kept = 15 if question.precision.whole else question.precision.figures
    for mistake in question.mistakes:
        assert not mistake.matches(question.expected, (), question.expected), mistake.name
        for rounded in roundings(expected, range(1, kept + 1)):
            assert not mistake.matches(rounded, (), question.expected), (mistake.name, rounded)


# ----------------------------------------------------------------------------
# The precision itself
# ----------------------------------------------------------------------------


def test_precision_arithmetic():
    assert WHOLE_NUMBER.matches(40970.0, 40970) and not WHOLE_NUMBER.matches(40967, 40970)
    assert significant(2).unit(0.3892) == pytest.approx(0.01) and WHOLE_NUMBER.unit(40970) == 1
    assert significant(2).matches(0.39, 0.3892) and not significant(2).matches(0.38, 0.3892)
    assert significant(3).matches(0.0286, 1 / 35) and not significant(3).matches(0.029, 1 / 35)
    assert significant(3).rounded_further(0.029, 1 / 35) and significant(3).rounded_further(0.03, 1 / 35)
    assert WHOLE_NUMBER.rounded_further(41000, 40970) and WHOLE_NUMBER.rounded_further(40000, 40970)
    assert not WHOLE_NUMBER.rounded_further(40960, 40970) and not WHOLE_NUMBER.rounded_further(10, 9)
    assert significant(2).phrase() == "to 2 significant figures" and WHOLE_NUMBER.phrase() == "an exact whole number"
    for bad in (0, 16, 2.0, True, "2"):
        with pytest.raises(ValueError, match="Precision expects figures"):
            Precision(bad)


def test_how_far_says_direction_and_rough_size_only():
    assert how_far(640, 40970, WHOLE_NUMBER) == "is too small, by about a factor of 64"
    assert how_far(1, 650, WHOLE_NUMBER) == "is too small, by a factor between 100 and 1,000"
    assert how_far(30000, 40970, WHOLE_NUMBER) == "is too small, by about 27 %"
    assert how_far(0, 5, WHOLE_NUMBER) == "is zero, and the answer is not"
    assert how_far(math.nan, 5, WHOLE_NUMBER) == "is not a finite number"
    assert how_far(-5, 5, WHOLE_NUMBER) == "has the wrong sign"
    assert how_far(-20, 5, WHOLE_NUMBER) == "has the wrong sign, and without the sign it is too large"
    assert how_far(-2.6, -1.0, significant(4)).startswith("has the right sign, but without the sign it is too large")
    assert how_far(0.39, 0.3892, significant(2)) == ""


def test_a_question_refuses_a_precision_that_is_not_one():
    with pytest.raises(TypeError, match="ValueQuestion nb90.q1 expects a Precision"):
        ValueQuestion("nb90.q1", "p", 1.5, ["h"], "a = 1.5", "a", precision=2)
