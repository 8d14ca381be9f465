"""The exercises of notebooks 03 and 04: solutions pass, known mistakes are named."""

from __future__ import annotations

import torch

from gpool_helpers import article_example, channel_mlp
from gpool_helpers.article import ArticleDepthPool
from gpool_helpers.exercises.core import BATCH_ONE_ONLY_MESSAGE
from gpool_helpers.exercises import FunctionQuestion, Outcome, ThoughtQuestion, nb03, nb04



# The contract every question keeps (numbering, solution, starter, at least two mistakes, each
# mistake's message, deterministic feedback) is tested for every set in test_exercise_sets.py.


def test_nb03_q1_square_map_hides_the_height_bug_but_the_cases_do_not():
    feedback = nb03.q1.check(lambda index, height, width: divmod(index, height))
    assert feedback.outcome is Outcome.INCORRECT
    assert "3x7" in feedback.text  # the first non-square case exposes it


def test_nb03_q2_view_answer_fails_on_the_transposed_input():
    def with_view(x):
        n, c = x.shape[:2]
        return x.view(n, c, -1).max(dim=2)

    feedback = nb03.q2.check(with_view)
    assert feedback.outcome is Outcome.ERROR
    assert "non-contiguous" in feedback.text and "view" in feedback.text


def test_nb03_q2_last_index_on_ties_is_wrong():
    def last_on_ties(x):
        flat = x.flatten(2)
        values = flat.amax(dim=2)
        # The last winner: flip, take the first, map back.
        indices = flat.shape[2] - 1 - flat.flip(2).argmax(dim=2)
        return values, indices

    feedback = nb03.q2.check(last_on_ties)
    assert feedback.outcome is Outcome.INCORRECT
    assert "ties" in feedback.text


from gpool_helpers import global_max_pool  # noqa: E402  (nb03.q3's tests only)


def _autograd_gradient(pool, x):
    leaf = x.detach().clone().requires_grad_()
    pool(leaf).sum().backward()
    return leaf.grad


def test_nb03_q3_reference_is_the_autograd_gradient_of_the_max_with_indices():
    for case in nb03.q3.cases:
        (x,) = case.make_args()
        expected = _autograd_gradient(lambda t: global_max_pool(t, return_indices=True)[0], x)
        assert torch.equal(nb03.q3.reference(x), expected), case.name
        assert torch.equal(nb03.q3.reference(x), _autograd_gradient(lambda t: t.flatten(2).max(dim=2).values, x))


def test_nb03_q3_ties_tell_the_two_conventions_apart():
    (tied,) = next(case for case in nb03.q3.cases if "ties" in case.name).make_args()
    amax_gradient = _autograd_gradient(lambda t: t.amax(dim=(2, 3)), tied)
    assert not torch.equal(nb03.q3.reference(tied), amax_gradient)
    assert amax_gradient.max() == 0.5
    # One 1 per map, at the first winner in row-by-row order (flat index 3 before 9).
    assert int(nb03.q3.reference(tied).sum()) == tied.shape[0] * tied.shape[1]
    assert nb03.q3.reference(tied)[0, 0, 0, 3] == 1 and nb03.q3.reference(tied)[0, 0, 2, 1] == 0


def test_nb03_q3_accepts_a_one_hot_answer_and_refuses_autograd():
    def with_one_hot(x):
        n, c, h, w = x.shape
        return torch.nn.functional.one_hot(x.flatten(2).argmax(dim=2), h * w).to(x.dtype).reshape(x.shape)

    assert nb03.q3.check(with_one_hot).outcome is Outcome.CORRECT
    # The prompt says "without autograd": right values through backward() are still refused.
    by_autograd = nb03.q3.check(lambda x: _autograd_gradient(lambda t: t.flatten(2).max(dim=2).values, x))
    assert by_autograd.outcome is Outcome.INCORRECT and "used autograd (backward())" in by_autograd.text


def test_nb04_q1_article_class_is_named_as_batch_one_only():
    feedback = nb04.q1.check(lambda x: ArticleDepthPool(x.shape[1], x.shape[2] * x.shape[3])(x))
    assert feedback.outcome is Outcome.INCORRECT
    assert "works only for batch 1" in feedback.text


def test_nb04_q1_answer_with_batch_one_view_gets_the_batch_hint():
    # Correct for N = 1, raises for every larger batch: the checker's batch-1 diagnosis.
    feedback = nb04.q1.check(lambda x: x.amax(dim=1).view(1, 1, x.shape[2], x.shape[3]))
    assert feedback.outcome is Outcome.ERROR
    assert BATCH_ONE_ONLY_MESSAGE in feedback.lines


def test_nb04_q1_hard_coded_channel_count_fails():
    feedback = nb04.q1.check(lambda x: ArticleDepthPool(8, 16)(x).view(1, 1, 4, 4))
    assert feedback.outcome in (Outcome.ERROR, Outcome.INCORRECT)


def test_nb04_q3_buggy_block_runs_silently_where_the_notebook_shows_it():
    # The question's premise: on one 8x8x8 image both bugs are silent (no error, right shape).
    namespace = {"torch": torch}
    exec(nb04.BUGGY_SQUEEZE_EXCITE, namespace)
    x = article_example(seed=3, shape=(1, 8, 8, 8))
    mlp = channel_mlp(8, reduction=4, generator=torch.Generator().manual_seed(3))
    out = namespace["buggy_squeeze_excite"](x, mlp)
    assert out.shape == x.shape
    assert not torch.allclose(out, nb04.q3.solved_answer()(x, mlp))
    assert nb04.q3.check(namespace["buggy_squeeze_excite"]).outcome is Outcome.INCORRECT


def test_nb04_q3_accepts_other_right_formulations():
    def with_pool_and_view(x, mlp):
        n, c = x.shape[:2]
        weights = torch.sigmoid(mlp(torch.nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)))
        return x * weights.view(n, c, 1, 1)

    def with_module(x, mlp):
        return x * torch.sigmoid(mlp(x.mean(dim=(2, 3)))).unsqueeze(-1).unsqueeze(-1)

    for answer in (with_pool_and_view, with_module):
        assert nb04.q3.check(answer).outcome is Outcome.CORRECT


def test_nb04_q3_only_the_silent_case_can_hide_the_broadcast_bug():
    # Fixing the squeeze but not the reshape passes no case: wrong on 8x8x8, an error elsewhere.
    feedback = nb04.q3.check(lambda x, mlp: x * torch.sigmoid(mlp(x.mean(dim=(2, 3)))))
    assert feedback.outcome is Outcome.INCORRECT
    assert "0 of 4 cases right" in feedback.text


def test_nb04_q3_is_a_function_question_not_multiple_choice():
    assert isinstance(nb04.q3, FunctionQuestion)
    assert not any(isinstance(q, ThoughtQuestion) for q in nb04.QUESTIONS)
