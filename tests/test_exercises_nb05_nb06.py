"""The exercises of notebooks 05 and 06: solutions pass, each known mistake is named,
and the checks catch what they are there to catch."""

from __future__ import annotations

import math

import pytest
import torch

from gpool_helpers.exercises import Outcome, nb05, nb06



# The contract every question keeps (numbering, solution, starter, at least two mistakes, each
# mistake's own message) is tested for every set in test_exercise_sets.py.


def test_nb05_q1_expected_windows_are_torchs():
    assert nb05.q1.solved_answer()(5, 3) == [(0, 2), (1, 4), (3, 5)]
    # An answer right only where sizes divide must fail.
    feedback = nb05.q1.check(lambda n, m: [(i * n // m, (i + 1) * n // m) for i in range(m)])
    assert feedback.outcome is Outcome.INCORRECT and "5 -> 3" in feedback.text


def test_nb05_values_follow_from_the_formulas():
    assert nb05.q2.expected == 256 * 21
    # q3's answer is what torch really gives, on a size beyond the notebook's figure (s <= 16, n <= 6).
    really = torch.nn.functional.max_pool2d(torch.zeros(1, 1, 20, 20), kernel_size=3, stride=2).shape[-1]
    assert nb05.q3.expected == really == 9
    assert nb05.q2.check(5376.0).outcome is Outcome.CORRECT  # a float is fine
    assert nb05.q3.check(8).outcome is Outcome.INCORRECT


def test_nb06_q1_per_channel_gem_accepts_any_correct_formulation():
    def gem_with_flatten(x, p):
        return x.clamp(min=1e-6).flatten(2).pow(p[:, None]).mean(-1) ** (1 / p)

    assert nb06.q1.check(gem_with_flatten).outcome is Outcome.CORRECT


def test_nb06_q1_p_on_the_last_axis_is_caught_where_it_raises_no_error():
    # The first case has W == C, so x.pow(p) runs and is wrong there; later cases would raise.
    def wrong_axis(x, p):
        return x.clamp(min=1e-6).pow(p).mean(dim=(2, 3)).pow(1 / p)

    x, p = nb06.q1.cases[0].make_args()
    assert x.shape[1] == x.shape[3]
    feedback = nb06.q1.check(wrong_axis)
    assert feedback.outcome is Outcome.INCORRECT and "along W, not along the channels" in feedback.text


def test_nb06_q1_a_single_p_for_every_channel_is_wrong():
    feedback = nb06.q1.check(lambda x, p: x.clamp(min=1e-6).pow(3.0).mean(dim=(2, 3)).pow(1 / 3.0))
    assert feedback.outcome is Outcome.INCORRECT


def test_nb06_q2_weldon_by_sorting_is_correct_and_is_top_plus_bottom():
    def by_sorting(x, k):
        values = x.flatten(2).sort(dim=2).values
        return values[..., -k:].mean(dim=2) + values[..., :k].mean(dim=2)

    assert nb06.q2.check(by_sorting).outcome is Outcome.CORRECT
    x = torch.tensor([[[[1.0, 2.0], [3.0, 10.0]]]])
    assert nb06.q2.solved_answer()(x, 1).item() == 11.0  # max 10 + min 1
    assert nb06.q2.solved_answer()(x, 4).item() == 8.0  # twice the mean


def test_nb06_q3_expected_is_the_log_n_over_r_bound_and_it_is_tight():
    assert nb06.q3.expected == pytest.approx(math.log(49) / 10)
    assert nb06.q3.check(0.3892).outcome is Outcome.CORRECT
    # The bound is reached in the limit: one spike far above 48 equal values.
    x = torch.zeros(1, 1, 7, 7, dtype=torch.float64)
    x[0, 0, 3, 3] = 1000.0
    from gpool_helpers import lse_pool

    assert (1000.0 - lse_pool(x, 10.0).item()) == pytest.approx(nb06.q3.expected, abs=1e-9)
    assert nb06.q3.check(0.5).outcome is Outcome.INCORRECT
