"""The speed chooser: it may change which kernel runs, never a number."""

from __future__ import annotations

import pytest
import torch

from gpool_helpers import global_depth_pool, global_max_pool
from gpool_helpers.pooling import fastest
from gpool_helpers.pooling.kinds import basic as pooling
from gpool_helpers.pooling.fastest import FastestOf

LARGE = fastest.MIN_ELEMENTS_TO_TIME


class FakeClock:
    """Time that moves only when a candidate says how long it took."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def counting(name, calls, cost=0.001, clock=None):
    def candidate(x, keepdim):
        calls[name] = calls.get(name, 0) + 1
        if clock is not None:
            clock.now += cost
        return x.amax(dim=1, keepdim=keepdim)

    return candidate


def test_the_faster_candidate_is_chosen_once_and_remembered():
    calls, clock = {}, FakeClock()
    chooser = FastestOf(
        "toy", {"slow": counting("slow", calls, 0.02, clock), "fast": counting("fast", calls, 0.01, clock)}, clock
    )
    x = torch.zeros(1, 4, 512, 512)  # exactly 1 M elements: timed
    assert x.numel() == LARGE
    assert chooser.choice_for(x) == "fast"
    timed = dict(calls)
    assert timed["slow"] == timed["fast"] == fastest.TIMING_ROUNDS + fastest.WARM_UP_CALLS
    for _ in range(3):
        chooser(x, True)
    assert calls["slow"] == timed["slow"], "a remembered choice is not timed again"
    assert calls["fast"] == timed["fast"] + 3
    assert list(chooser.remembered().values()) == ["fast"]


def test_the_plain_candidate_keeps_a_tie():
    """Within 2 %, the plain built-in stays: no reason to leave it for noise."""
    clock = FakeClock()
    chooser = FastestOf(
        "toy", {"plain": counting("plain", {}, 0.0101, clock), "same": counting("same", {}, 0.0100, clock)}, clock
    )
    assert chooser.choice_for(torch.zeros(1, 4, 512, 512)) == "plain"
    clock = FakeClock()
    chooser = FastestOf(
        "toy", {"plain": counting("plain", {}, 0.0110, clock), "faster": counting("faster", {}, 0.0100, clock)}, clock
    )
    assert chooser.choice_for(torch.zeros(1, 4, 512, 512)) == "faster"


@pytest.mark.parametrize(
    "why",
    ["small", "needs a gradient", "switched off"],
)
def test_no_timing_where_it_cannot_pay_or_would_make_results_machine_dependent(why, monkeypatch):
    calls = {}
    chooser = FastestOf("toy", {"plain": counting("plain", calls), "slow": counting("slow", calls)})
    x = torch.zeros(1, 4, 512, 512)
    if why == "small":
        x = torch.zeros(1, 4, 511, 512)
    elif why == "needs a gradient":
        x.requires_grad_(True)
    else:
        monkeypatch.setenv("GPOOL_FASTEST", "off")
    assert chooser.choice_for(x) == "plain"
    assert calls == {}
    assert chooser.remembered() == {}


def test_thread_count_layout_and_dtype_are_part_of_the_signature():
    calls = {}
    chooser = FastestOf("toy", {"plain": counting("plain", calls), "other": counting("other", calls)})
    x = torch.zeros(2, 8, 256, 256)
    threads = torch.get_num_threads()
    try:
        chooser.choice_for(x)
        chooser.choice_for(x.contiguous(memory_format=torch.channels_last))
        chooser.choice_for(x.double())
        torch.set_num_threads(1)
        chooser.choice_for(x)
    finally:
        torch.set_num_threads(threads)
    keys = list(chooser.remembered())
    assert len(keys) == 4
    assert {key[-1] for key in keys} == {threads, 1}


def test_only_the_most_recent_signatures_are_remembered(monkeypatch):
    monkeypatch.setattr(fastest, "MAX_REMEMBERED", 3)
    chooser = FastestOf("toy", {"plain": counting("plain", {}), "other": counting("other", {})})
    for width in range(5):
        chooser.choice_for(torch.zeros(1, 4, 512, 512 + width))
    assert [key[0][-1] for key in chooser.remembered()] == [514, 515, 516]


def test_a_chooser_needs_a_candidate():
    with pytest.raises(ValueError, match="at least one candidate"):
        FastestOf("empty", {})


def large_inputs():
    generator = torch.Generator().manual_seed(11)
    yield "contiguous", torch.randn(4, 80, 64, 64, generator=generator)
    yield "channels_last", torch.randn(4, 80, 64, 64, generator=generator).contiguous(memory_format=torch.channels_last)
    ties = torch.randint(0, 3, (2, 70, 96, 96), generator=generator).float()  # many tied maxima
    yield "ties", ties
    with_nan = torch.randn(2, 70, 96, 96, generator=generator)
    with_nan[1, 69, 3, 7] = float("nan")  # in the last, partial 32-channel chunk
    with_nan[0, 5, 0, 0] = float("nan")
    yield "NaN", with_nan
    yield "1-D maps", torch.randn(8, 40, 4096, generator=generator)
    yield "3-D maps", torch.randn(2, 40, 16, 32, 32, generator=generator)


@pytest.mark.parametrize("chooser", [pooling._DEPTH_MAX, pooling._GLOBAL_MAX], ids=lambda c: c.name)
@pytest.mark.parametrize(("label", "x"), list(large_inputs()), ids=[label for label, _ in large_inputs()])
def test_every_candidate_gives_the_plain_builtins_numbers_bit_for_bit(chooser, label, x):
    assert x.numel() >= LARGE
    for keepdim in (True, False):
        expected = chooser.candidates[chooser.plain](x, keepdim)
        for name, candidate in chooser.candidates.items():
            result = candidate(x, keepdim)
            assert result.shape == expected.shape, name
            torch.testing.assert_close(result, expected, rtol=0, atol=0, equal_nan=True, msg=name)


def test_the_helpers_answer_the_same_whichever_candidate_wins(monkeypatch):
    x = torch.randn(2, 70, 96, 96, generator=torch.Generator().manual_seed(3))
    x[0, 69, 1, 2] = float("nan")
    expected_depth, expected_max = x.amax(dim=1, keepdim=True), x.amax(dim=(2, 3))
    for name in pooling._DEPTH_MAX.candidates:
        pooling._DEPTH_MAX.forget()  # or the last signature's choice would be reused
        monkeypatch.setattr(pooling._DEPTH_MAX, "choice_for", lambda x, name=name: name)
        torch.testing.assert_close(global_depth_pool(x), expected_depth, rtol=0, atol=0, equal_nan=True)
    for name in pooling._GLOBAL_MAX.candidates:
        pooling._GLOBAL_MAX.forget()
        monkeypatch.setattr(pooling._GLOBAL_MAX, "choice_for", lambda x, name=name: name)
        torch.testing.assert_close(global_max_pool(x), expected_max, rtol=0, atol=0, equal_nan=True)
    pooling._DEPTH_MAX.forget()
    pooling._GLOBAL_MAX.forget()


def test_a_repeated_signature_reuses_the_last_choice_and_a_new_one_is_looked_up():
    calls = {}
    chooser = FastestOf("toy", {"plain": counting("plain", calls), "other": counting("other", calls)})
    looked_up = []
    choose = chooser.choice_for
    chooser.choice_for = lambda x: looked_up.append(tuple(x.shape)) or choose(x)
    x = torch.zeros(1, 4, 512, 512)
    for _ in range(3):
        chooser(x, False)
    assert looked_up == [(1, 4, 512, 512)]
    chooser(x.contiguous(memory_format=torch.channels_last), False)  # same shape, other strides
    chooser(torch.zeros(1, 4, 512, 513), False)
    chooser(x.double(), False)
    assert len(looked_up) == 4
    # An input that needs a gradient never takes a remembered choice: always the plain built-in.
    before = dict(calls)
    chooser(torch.zeros(1, 4, 512, 513, requires_grad=True), False)
    assert len(looked_up) == 4 and calls["plain"] == before.get("plain", 0) + 1


def test_a_gradient_on_tied_channels_is_shared_evenly_on_every_machine():
    x = torch.ones(1, 40, 1, 1 << 15, requires_grad=True)  # 1.3 M elements, every channel tied
    global_depth_pool(x).sum().backward()
    torch.testing.assert_close(x.grad, torch.full_like(x, 1 / 40))
