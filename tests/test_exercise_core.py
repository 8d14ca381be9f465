"""The exercise checker core, tested with small questions of its own.

Each test builds the question it needs, so a change to a notebook's exercise
set cannot hide a checker bug (or the other way round).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from gpool_helpers import global_avg_pool, global_depth_pool
from gpool_helpers.article import ArticleDepthPool
from gpool_helpers.exercises import core
from gpool_helpers.exercises.core import BATCH_ONE_ONLY_MESSAGE, IN_PLACE_MESSAGE, RETURNED_NONE_MESSAGE
from gpool_helpers.exercises.core import Case, Feedback, FunctionQuestion, Mistake, Outcome, pooling_cases
from gpool_helpers.exercises.core import ThoughtQuestion, ValueQuestion
from gpool_helpers.exercises.diagnosis import guess_reduction, matches_reduction, outputs_equal

SUM_MISTAKE = Mistake(
    "summed",
    "You summed instead of averaging.",
    matches_reduction(lambda x: x.sum(dim=(2, 3))),
    example=lambda x: x.sum(dim=(2, 3)),
)


def average_question(mistakes=()) -> FunctionQuestion:
    return FunctionQuestion(
        qid="nb90.q1",
        prompt="Global average pooling, (N, C, H, W) -> (N, C).",
        reference=global_avg_pool,
        cases=pooling_cases(),
        hints=["Spatial dims are 2 and 3.", "x.mean(dim=(2, 3))."],
        solution_code="def my_pool(x):\n    return x.mean(dim=(2, 3))\n",
        answer_name="my_pool",
        mistakes=mistakes,
    )


def depth_question() -> FunctionQuestion:
    return FunctionQuestion(
        qid="nb90.q2",
        prompt="Depth max pooling, (N, C, H, W) -> (N, 1, H, W).",
        reference=lambda x: global_depth_pool(x, mode="max"),
        cases=pooling_cases(),
        hints=["Channels are dim 1."],
        solution_code="def my_depth(x):\n    return x.amax(dim=1, keepdim=True)\n",
        answer_name="my_depth",
    )


def starter(x):
    raise NotImplementedError


def article_answer(x):
    n, c, h, w = x.shape
    return ArticleDepthPool(c, h * w)(x)


# ----------------------------------------------------------------------------
# The five outcomes
# ----------------------------------------------------------------------------


def test_reference_solution_is_correct_on_every_case():
    question = average_question()
    feedback = question.check(question.solved_answer())
    assert feedback.outcome is Outcome.CORRECT
    assert feedback.correct
    assert f"all {len(question.cases)} cases" in feedback.text


@pytest.mark.parametrize("answer", [..., None, starter], ids=["ellipsis", "none", "starter"])
def test_starter_answers_are_not_attempted(answer):
    feedback = average_question().check(answer)
    assert feedback.outcome is Outcome.NOT_ATTEMPTED
    assert feedback.heading == "not attempted yet"
    assert "nb90.q1.hint()" in feedback.text


def test_check_without_an_argument_says_how_to_pass_the_answer():
    feedback = average_question().check()
    assert feedback.outcome is Outcome.NOT_ATTEMPTED
    assert "nb90.q1.check(my_pool)" in feedback.text


def test_a_raising_answer_is_summarised_not_raised():
    def broken(x):
        return x.view(-1, 3)

    feedback = average_question().check(broken)
    assert feedback.outcome is Outcome.ERROR
    assert "RuntimeError" in feedback.text
    assert "the 1x8x4x4 example" in feedback.text
    assert "Traceback" not in feedback.text


def test_partly_unimplemented_answer_names_the_error():
    def only_four_d(x):
        if x.shape[0] > 1:
            raise NotImplementedError("batches later")
        return x.mean(dim=(2, 3))

    feedback = average_question().check(only_four_d)
    assert feedback.outcome is Outcome.ERROR
    assert "NotImplementedError: batches later" in feedback.text


def test_a_placeholder_returned_on_some_inputs_only_is_named():
    def half_done(x):
        return x.mean(dim=(2, 3)) if x.shape[0] == 1 else ...

    feedback = average_question().check(half_done)
    assert feedback.outcome is Outcome.INCORRECT
    assert "returned ..., the starter's placeholder" in feedback.text


def test_a_long_error_message_is_cut_short():
    def shouting(x):
        raise ValueError("no " * 1000)

    feedback = average_question().check(shouting)
    assert feedback.outcome is Outcome.ERROR
    assert max(len(line) for line in feedback.lines) < core.MAX_ERROR_CHARS + 80


def test_exit_inside_an_answer_is_an_error_not_a_dead_kernel():
    def leaves(x):
        raise SystemExit(3)

    feedback = average_question().check(leaves)
    assert feedback.outcome is Outcome.ERROR
    assert "SystemExit" in feedback.text


def test_endless_recursion_is_an_error_not_a_crash():
    def forever(x):
        return forever(x)

    feedback = average_question().check(forever)
    assert feedback.outcome is Outcome.ERROR
    assert "RecursionError" in feedback.text


def test_keyboard_interrupt_still_stops_the_check():
    def interrupted(x):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        average_question().check(interrupted)


def test_a_broken_reference_is_uncheckable_not_an_exception():
    def reference(x):
        raise RuntimeError("reference bug")

    question = FunctionQuestion(
        "nb90.q3", "p", reference, pooling_cases(), ["h"], "def f(x):\n    return x\n", "f"
    )
    feedback = question.check(lambda x: x)
    assert feedback.outcome is Outcome.UNCHECKABLE
    assert "reference bug" in feedback.text and "report" in feedback.text


# ----------------------------------------------------------------------------
# Recognised mistakes
# ----------------------------------------------------------------------------


def test_wrong_dims_are_named():
    feedback = average_question().check(lambda x: x.mean(dim=(1, 2)))
    assert feedback.outcome is Outcome.INCORRECT
    assert "x.mean(dim=(1, 2))" in feedback.text
    assert "dims 1, 2 (C, H)" in feedback.text and "dims 2, 3 (H, W)" in feedback.text


def test_shapes_come_first_in_a_wrong_answer():
    feedback = average_question().check(lambda x: x.mean(dim=(1, 2)))
    assert feedback.lines[0].startswith("On case 'the 1x8x4x4 example': expected a tensor of shape (1, 8)")
    assert "got a tensor of shape (1, 4)" in feedback.lines[0]


def test_missing_keepdim_is_recognised():
    feedback = depth_question().check(lambda x: x.amax(dim=1))
    assert feedback.outcome is Outcome.INCORRECT
    assert "size-1 dims are missing" in feedback.text
    # Only the shape is off, which a batch of one shows as well: no batch hint.
    assert BATCH_ONE_ONLY_MESSAGE not in feedback.text


def test_kept_one_by_one_dims_where_n_by_c_was_asked():
    feedback = average_question().check(lambda x: nn.AdaptiveAvgPool2d((1, 1))(x))
    assert feedback.outcome is Outcome.INCORRECT
    assert "(1, 8, 1, 1)" in feedback.text
    assert "keeps extra size-1 dims" in feedback.text


def test_numpy_with_right_values_says_so():
    feedback = average_question().check(lambda x: x.numpy().mean(axis=(2, 3)))
    assert feedback.outcome is Outcome.INCORRECT
    assert "numpy" in feedback.text and "The values are right" in feedback.text


def test_numpy_with_wrong_values_still_says_numpy():
    feedback = average_question().check(lambda x: x.numpy().max(axis=(2, 3)))
    assert "You returned a numpy array" in feedback.text


def test_changing_the_input_in_place_is_caught_even_when_the_output_is_right():
    def sneaky(x):
        x.mul_(2.0)
        return x.mean(dim=(2, 3)) / 2.0

    feedback = average_question().check(sneaky)
    assert feedback.outcome is Outcome.INCORRECT
    assert IN_PLACE_MESSAGE in feedback.text
    assert BATCH_ONE_ONLY_MESSAGE not in feedback.text


def test_in_place_change_on_an_input_holding_nan_is_not_a_false_alarm():
    question = FunctionQuestion(
        "nb90.q4",
        "p",
        global_avg_pool,
        [Case("nan", lambda: (torch.tensor([[[[float("nan"), 1.0]]]]),))],
        ["h"],
        "def f(x):\n    return x.mean(dim=(2, 3))\n",
        "f",
    )
    assert question.check(lambda x: x.mean(dim=(2, 3))).outcome is Outcome.CORRECT


def test_the_blog_posts_class_gets_the_batch_one_hint():
    feedback = depth_question().check(article_answer)
    assert feedback.outcome is Outcome.INCORRECT
    assert "got a tensor of shape (4, 4)" in feedback.text
    assert BATCH_ONE_ONLY_MESSAGE in feedback.text


def test_pooling_over_the_batch_gets_the_batch_one_hint():
    feedback = average_question().check(lambda x: x.mean(dim=(0, 2, 3)))
    assert BATCH_ONE_ONLY_MESSAGE in feedback.text


def test_a_hard_coded_batch_of_one_view_gets_the_batch_one_hint():
    def first_row_only(x):
        return x.reshape(1, x.shape[1], x.shape[2] * x.shape[3]).mean(dim=2)

    feedback = average_question().check(first_row_only)
    assert feedback.outcome is Outcome.ERROR
    assert BATCH_ONE_ONLY_MESSAGE in feedback.text


def test_values_and_indices_instead_of_values():
    question = FunctionQuestion(
        "nb90.q5",
        "max pooling",
        lambda x: x.amax(dim=(2, 3)),
        pooling_cases(),
        ["h"],
        "def f(x):\n    return x.amax(dim=(2, 3))\n",
        "f",
    )
    feedback = question.check(lambda x: x.flatten(2).max(dim=2))
    assert "(values, indices)" in feedback.text and ".values" in feedback.text


def test_sum_instead_of_mean_is_named_generically():
    feedback = average_question().check(lambda x: x.sum(dim=(2, 3)))
    assert "you took the sum; this question wants the mean" in feedback.text


def test_a_question_specific_mistake_wins_over_the_generic_words():
    feedback = average_question([SUM_MISTAKE]).check(SUM_MISTAKE.example)
    assert SUM_MISTAKE.message in feedback.text
    assert "you took the sum" not in feedback.text


def test_a_mistake_detector_that_raises_is_skipped():
    def explodes(output, args, expected):
        raise RuntimeError("detector bug")

    question = average_question([Mistake("bad detector", "never shown", explodes), SUM_MISTAKE])
    feedback = question.check(SUM_MISTAKE.example)
    assert feedback.outcome is Outcome.INCORRECT
    assert SUM_MISTAKE.message in feedback.text
    assert "never shown" not in feedback.text


def test_right_values_in_the_wrong_order():
    question = FunctionQuestion(
        "nb90.q6",
        "flatten the spatial dims",
        lambda x: x.flatten(2),
        pooling_cases()[:1],
        ["h"],
        "def f(x):\n    return x.flatten(2)\n",
        "f",
    )
    feedback = question.check(lambda x: x.flatten(2).flip(-1))
    assert "right values in the wrong order" in feedback.text


def test_same_shape_different_values_points_at_the_first_difference_without_its_value():
    x = pooling_cases()[0].make_args()[0]
    feedback = average_question().check(lambda x: x.mean(dim=(2, 3)) + (x.mean(dim=(2, 3)) > 0).float())
    assert feedback.outcome is Outcome.INCORRECT
    assert "your output has the right form, a tensor of shape (1, 8) (torch.float32), but not the right values" in (
        feedback.text
    )
    assert re.search(r"\d of 8 values differ; the first, at index \(0, \d+\), (is|has) ", feedback.text)
    for value in x.mean(dim=(2, 3)).flatten().tolist():
        assert f"{value:.4f}" not in feedback.text and f"{value:.3f}" not in feedback.text


def test_a_difference_in_a_negative_value_speaks_of_its_size():
    question = FunctionQuestion(
        "nb90.q17", "p", lambda x: -x.abs().mean(dim=(2, 3)) - 1, pooling_cases()[:1], ["h"], "f = 1", "f"
    )
    feedback = question.check(lambda x: 3.37 * (-x.abs().mean(dim=(2, 3)) - 1))
    assert "has the right sign, but without the sign it is too large, by about a factor of 3.4" in feedback.text
    # Exactly 3 times: "about a factor of 3" would give the value away, so the size is rougher.
    feedback = question.check(lambda x: 3 * (-x.abs().mean(dim=(2, 3)) - 1))
    assert "without the sign it is too large, by a factor between 3 and 5" in feedback.text


def test_an_error_message_ending_in_a_full_stop_gets_one_full_stop():
    def raises(x):
        raise ValueError("Use .reshape(...) instead.")

    feedback = average_question().check(raises)
    assert "ValueError: Use .reshape(...) instead." in feedback.text
    assert "instead.." not in feedback.text


def test_integer_output_is_named():
    feedback = average_question().check(lambda x: x.mean(dim=(2, 3)).long())
    assert "torch.int64 values" in feedback.text


def test_forgotten_return_is_named():
    def no_return(x):
        x.mean(dim=(2, 3))

    feedback = average_question().check(no_return)
    assert feedback.outcome is Outcome.INCORRECT
    assert RETURNED_NONE_MESSAGE in feedback.text


def test_passing_a_value_instead_of_a_function():
    feedback = average_question().check(torch.zeros(1, 8))
    assert feedback.outcome is Outcome.INCORRECT
    assert "Expected a function" in feedback.text and "nb90.q1.check(my_pool)" in feedback.text


def test_a_module_class_passed_instead_of_an_instance():
    class MyPool(nn.Module):
        def forward(self, x):
            return x.mean(dim=(2, 3))

    assert average_question().check(MyPool()).outcome is Outcome.CORRECT
    passed_class = average_question().check(MyPool)
    assert passed_class.outcome is Outcome.INCORRECT and "pass an instance, MyPool(...)" in passed_class.text
    feedback = average_question().check(lambda x: MyPool())
    assert "You returned a module" in feedback.text


def test_warnings_go_into_the_feedback_not_the_cell():
    def noisy(x):
        warnings.warn("careful", UserWarning)
        return x.mean(dim=(2, 3))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        feedback = average_question().check(noisy)
    assert feedback.outcome is Outcome.CORRECT
    assert "UserWarning: careful" in feedback.text


# ----------------------------------------------------------------------------
# Nothing escapes, whatever the answer returns
# ----------------------------------------------------------------------------


class BrokenEverything:
    def __eq__(self, other):
        raise RuntimeError("no eq")

    def __repr__(self):
        raise RuntimeError("no repr")

    def __bool__(self):
        raise RuntimeError("no bool")


class ErrorWithBrokenStr(Exception):
    def __str__(self):
        raise RuntimeError("no str")


def _raise_broken_str(x):
    raise ErrorWithBrokenStr()


GARBAGE_ANSWERS = {
    "a generator": lambda x: (row for row in x),
    "a huge tensor": lambda x: torch.zeros(2000, 1000),
    "a tensor that needs grad": lambda x: x.clone().requires_grad_().mean(dim=(2, 3)) * 2,
    "a complex tensor": lambda x: torch.complex(x.mean(dim=(2, 3)), x.mean(dim=(2, 3))),
    "a meta tensor": lambda x: torch.empty(x.shape[:2], device="meta"),
    "an object with broken methods": lambda x: BrokenEverything(),
    "an exception with a broken str": _raise_broken_str,
    "a string": lambda x: "mean",
    "a nested list": lambda x: [[1, 2], [3, [4]]],
    "a class": lambda x: Feedback,
    "a scalar tensor": lambda x: x.mean(),
    "a function": lambda x: print,
    "an empty tensor": lambda x: torch.empty(0),
}


@pytest.mark.parametrize("name", sorted(GARBAGE_ANSWERS))
def test_odd_outputs_are_wrong_or_error_never_an_exception(name):
    question = average_question()
    feedback = question.check(GARBAGE_ANSWERS[name])
    assert feedback.outcome in (Outcome.INCORRECT, Outcome.ERROR)
    assert feedback.text == question.check(GARBAGE_ANSWERS[name]).text
    assert " at 0x" not in feedback.text and " at 0x" not in feedback._repr_html_()


def test_a_tensor_that_needs_grad_with_right_values_is_correct():
    feedback = average_question().check(lambda x: x.clone().requires_grad_().mean(dim=(2, 3)))
    assert feedback.outcome is Outcome.CORRECT


@pytest.mark.parametrize("name", sorted(set(GARBAGE_ANSWERS) - {"an exception with a broken str"}))
def test_odd_values_for_a_value_question_never_raise(name):
    question = ValueQuestion("nb90.q7", "p", torch.ones(2, 3), ["h"], "answer = 1", "answer")
    value = GARBAGE_ANSWERS[name](torch.ones(1, 1, 1, 1))
    feedback = question.check(value)
    assert feedback.outcome is Outcome.INCORRECT


def test_error_summaries_hold_no_memory_addresses():
    def leaks(x):
        raise TypeError(f"cannot use {object()}")

    feedback = average_question().check(leaks)
    assert " at 0x" not in feedback.text
    assert feedback.text == average_question().check(leaks).text


# ----------------------------------------------------------------------------
# Rendering: short, deterministic HTML with a plain-text twin
# ----------------------------------------------------------------------------


def test_feedback_renders_the_same_twice_and_escapes_html():
    question = ThoughtQuestion("nb90.q8", "p", ["<b>bold</b> hint"], "answer = '<A>'", "answer")
    feedback = question.hint()
    assert feedback._repr_html_() == question.hint()._repr_html_()
    assert "&lt;b&gt;bold&lt;/b&gt;" in feedback._repr_html_()
    assert "<b>bold" not in feedback._repr_html_()
    assert repr(feedback) == feedback.text == "nb90.q8: hint 1 of 1\n<b>bold</b> hint"


def test_each_outcome_has_its_own_colour_in_the_html():
    question = average_question()
    correct_html = question.check(question.solved_answer())._repr_html_()
    wrong_html = question.check(lambda x: x.sum(dim=(2, 3)))._repr_html_()
    assert correct_html != wrong_html
    assert correct_html.startswith("<div") and "correct" in correct_html


def test_solution_shows_the_code():
    feedback = average_question().solution()
    assert feedback.code == "def my_pool(x):\n    return x.mean(dim=(2, 3))"
    assert "<pre>def my_pool(x):" in feedback._repr_html_()


def test_hints_by_number_and_out_of_range():
    question = average_question()
    assert question.hint().lines == ("Spatial dims are 2 and 3.",)
    assert question.hint(2).heading == "hint 2 of 2"
    for bad in (0, 3, "2", True, 1.5):
        feedback = question.hint(bad)
        assert feedback.heading.startswith("there are hints 1 to 2")


# ----------------------------------------------------------------------------
# Value and thought questions
# ----------------------------------------------------------------------------


def test_value_question_accepts_numbers_in_any_form():
    question = ValueQuestion("nb90.q9", "p", 2048, ["h"], "answer = 2048", "answer")
    for answer in (2048, 2048.0, np.int64(2048), np.float32(2048), torch.tensor(2048), torch.tensor([2048.0])):
        assert question.check(answer).outcome is Outcome.CORRECT, answer
    wrong = question.check(2047)
    assert wrong.outcome is Outcome.INCORRECT
    # Off by one in 2048: anything more precise than "too small" would give the answer away.
    assert wrong.lines == ("Your answer is too small.",)
    assert "2048" not in wrong.text and "2047" not in wrong.text
    assert question.check(True).outcome is Outcome.INCORRECT


def test_value_question_accepts_a_shape_as_tuple_list_or_size():
    question = ValueQuestion("nb90.q10", "p", (1, 8), ["h"], "answer = (1, 8)", "answer")
    for answer in ((1, 8), [1, 8], torch.Size([1, 8]), torch.zeros(1, 8).shape):
        assert question.check(answer).outcome is Outcome.CORRECT
    assert question.check((1, 8, 1, 1)).lines == ("Your shape has 4 dims; it should have 2 dims.",)
    assert question.check((1, 4)).lines == ("Your shape has the right number of dims, but dim 1 is too small.",)
    assert question.check(torch.zeros(1, 8)).lines == ("You passed a tensor; pass its shape instead: tuple(t.shape).",)


def test_value_question_with_a_callable_expected_and_a_mistake():
    question = ValueQuestion(
        "nb90.q11",
        "p",
        lambda: torch.arange(4.0).mean(),
        ["h"],
        "import torch\nanswer = torch.arange(4.0).mean()",
        "answer",
        mistakes=[Mistake("sum", "That is the sum.", lambda answer, args, expected: outputs_equal(answer, 6.0), 6.0)],
    )
    assert question.check(question.solved_answer()).outcome is Outcome.CORRECT
    assert question.check(1.5).outcome is Outcome.CORRECT
    assert "That is the sum." in question.check(6.0).text
    assert question.check(...).outcome is Outcome.NOT_ATTEMPTED


def test_value_question_with_a_tensor_names_the_shape_mistake():
    question = ValueQuestion("nb90.q12", "p", torch.ones(1, 8), ["h"], "import torch\nanswer = torch.ones(1, 8)", "answer")
    feedback = question.check(torch.ones(1, 8, 1, 1))
    assert "keeps extra size-1 dims" in feedback.text


def test_multiple_choice_is_forgiving_about_case_and_brackets():
    question = ThoughtQuestion(
        "nb90.q13",
        "Which?",
        ["h"],
        "answer = 'B'",
        "answer",
        choices=("A", "B"),
        correct_choice="B",
        explanations={"A": "A loses the batch.", "B": "B keeps it."},
    )
    for answer in ("B", "b", " (b) ", "B."):
        feedback = question.check(answer)
        assert feedback.outcome is Outcome.CORRECT and "B keeps it." in feedback.text
    assert "A loses the batch." in question.check("a").text
    assert "Answer with one of 'A', 'B'" in question.check("C").text
    assert question.check(2).outcome is Outcome.INCORRECT
    assert question.check(question.solved_answer()).outcome is Outcome.CORRECT


def test_short_answer_is_uncheckable_and_points_to_the_solution():
    question = ThoughtQuestion("nb90.q14", "Why?", ["h"], "answer = 'Because.'", "answer")
    assert question.check(...).outcome is Outcome.NOT_ATTEMPTED
    feedback = question.check("my thoughts")
    assert feedback.outcome is Outcome.UNCHECKABLE and "nb90.q14.solution()" in feedback.text


# ----------------------------------------------------------------------------
# Construction errors name the class, what was expected and what was given
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"qid": "q1"}, "qid like 'nb02.q1'"),
        ({"hints": []}, "non-empty sequence of hint strings"),
        ({"hints": "one hint"}, "non-empty sequence of hint strings"),
        ({"answer_name": "my pool"}, "answer_name to be a Python name"),
        ({"solution_code": "  "}, "solution_code as non-empty text"),
        ({"cases": []}, "at least one case"),
    ],
)
def test_bad_question_definitions_are_rejected_clearly(changes, words):
    arguments = dict(
        qid="nb90.q1",
        prompt="p",
        reference=global_avg_pool,
        cases=pooling_cases(),
        hints=["h"],
        solution_code="f = 1",
        answer_name="f",
    )
    arguments.update(changes)
    with pytest.raises(ValueError, match=re.escape(words)) as raised:
        FunctionQuestion(**arguments)
    assert "FunctionQuestion" in str(raised.value)


def test_a_non_callable_reference_is_a_type_error():
    with pytest.raises(TypeError, match="FunctionQuestion nb90.q1 expects a callable reference"):
        FunctionQuestion("nb90.q1", "p", 3, pooling_cases(), ["h"], "f = 1", "f")


def test_a_correct_choice_outside_the_choices_is_rejected():
    with pytest.raises(ValueError, match="not among"):
        ThoughtQuestion("nb90.q1", "p", ["h"], "a = 'C'", "a", choices=("A", "B"), correct_choice="C")


# ----------------------------------------------------------------------------
# Shared building blocks
# ----------------------------------------------------------------------------


def test_pooling_cases_cover_batches_layouts_and_odd_sizes():
    inputs = [case.make_args()[0] for case in pooling_cases()]
    assert any(x.shape[0] == 1 for x in inputs) and any(x.shape[0] > 1 for x in inputs)
    assert any(x.shape[2] != x.shape[3] for x in inputs)
    assert any(x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous() for x in inputs)
    assert any(not x.is_contiguous() and not x.is_contiguous(memory_format=torch.channels_last) for x in inputs)
    assert any(size % 2 == 1 for x in inputs for size in x.shape[2:])
    # Seeded: two calls give the same numbers.
    again = [case.make_args()[0] for case in pooling_cases()]
    assert all(torch.equal(a, b) for a, b in zip(inputs, again))


def test_guess_reduction_finds_the_op_and_dims():
    x = torch.randn(2, 3, 4, 5, generator=torch.Generator().manual_seed(0))
    found = guess_reduction(x.amax(dim=1, keepdim=True), x)
    assert (found.name, found.dims, found.keepdim) == ("max", (1,), True)
    assert found.code == "x.amax(dim=1, keepdim=True)"
    assert guess_reduction(x.mean(dim=(2, 3)), x).code == "x.mean(dim=(2, 3))"
    assert guess_reduction(x.std(dim=(2, 3)), x) is None
    assert guess_reduction("not a tensor", x) is None


def test_matches_reduction_compares_with_the_reduction_of_the_input():
    x = torch.randn(2, 3, 4, 4)
    matcher = matches_reduction(lambda t: t.sum(dim=(2, 3)))
    assert matcher(x.sum(dim=(2, 3)), (x,), None)
    assert not matcher(x.mean(dim=(2, 3)), (x,), None)
    assert not matcher(x.sum(dim=(2, 3)).numpy(), (x,), None)


def test_outputs_equal_is_strict_about_kind_and_shape():
    assert outputs_equal(torch.ones(2, 3, dtype=torch.float64), torch.ones(2, 3))
    assert not outputs_equal(torch.ones(2, 3, dtype=torch.int64), torch.ones(2, 3))
    assert not outputs_equal(torch.ones(3, 2), torch.ones(2, 3))
    assert not outputs_equal(np.ones((2, 3)), torch.ones(2, 3))
    assert outputs_equal(float("nan"), float("nan"))
    assert not outputs_equal(BrokenEverything(), object())


# ----------------------------------------------------------------------------
# Whatever comes back, the checker answers (property-based)
# ----------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_DTYPES = (torch.float32, torch.float64, torch.int64, torch.bool, torch.complex64, torch.float16)


@st.composite
def random_tensors(draw):
    shape = draw(st.lists(st.integers(min_value=0, max_value=5), min_size=0, max_size=5))
    dtype = draw(st.sampled_from(_DTYPES))
    seed = draw(st.integers(min_value=0, max_value=2**16))
    values = torch.randn(tuple(shape), generator=torch.Generator().manual_seed(seed)) * 3
    tensor = values.to(dtype)
    if draw(st.booleans()) and tensor.dtype.is_floating_point:
        tensor = tensor.requires_grad_()
    return tensor


ANY_OUTPUT = st.one_of(
    random_tensors(),
    random_tensors().map(lambda t: t.detach().numpy()),
    st.tuples(random_tensors(), random_tensors()),
    st.lists(st.floats(allow_nan=True), max_size=4),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.none(),
    st.just(...),
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(output=ANY_OUTPUT)
def test_any_returned_value_gets_a_deterministic_answer(output):
    question = average_question()
    feedback = question.check(lambda x: output)
    assert feedback.outcome is not Outcome.UNCHECKABLE, feedback.text
    assert feedback.outcome is not Outcome.CORRECT
    assert feedback.text == question.check(lambda x: output).text


@settings(max_examples=60, deadline=None, derandomize=True)
@given(value=ANY_OUTPUT)
def test_any_value_answer_gets_a_deterministic_answer(value):
    question = ValueQuestion("nb90.q15", "p", torch.ones(2, 3), ["h"], "answer = 1", "answer")
    feedback = question.check(value)
    assert feedback.outcome in (Outcome.INCORRECT, Outcome.NOT_ATTEMPTED), feedback.text
    assert feedback.text == question.check(value).text


def test_the_checkers_own_comparisons_print_no_warning():
    # A warning torch prints once per session would make a check cell's output
    # differ between runs; the checker must keep its own comparisons silent.
    complex_array = torch.complex(torch.ones(()), torch.ones(())).numpy()
    question = ValueQuestion("nb90.q16", "p", torch.ones(2, 3), ["h"], "answer = 1", "answer")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        first = question.check(complex_array)
        second = question.check(complex_array)
    assert first.text == second.text
    assert "numpy" in first.text


def test_the_packages_own_function_or_layer_is_not_an_answer():
    from gpool_helpers import GlobalPool, global_avg_pool

    for answer, name in ((global_avg_pool, "global_avg_pool"), (GlobalPool("avg"), "GlobalPool")):
        feedback = average_question().check(answer)
        assert feedback.outcome is Outcome.INCORRECT
        assert f"That is gpool_helpers' own {name}, not code of yours" in feedback.text
    # Calling a helper inside your own function is judged by its values, as any other answer.
    assert average_question().check(lambda x: global_avg_pool(x)).outcome is Outcome.CORRECT
