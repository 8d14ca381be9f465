"""Training: reproducible with a seed, leaves global state alone, summarises honestly."""

from __future__ import annotations

import math

import pytest
import torch

from gpool_helpers.cnn.data import Split, load_digits_split, make_shapes, make_shapes_split, small_digits_split
from gpool_helpers.cnn.models import SmallCNN
from gpool_helpers.cnn.training import (
    NIN_CIFAR10_TEST_ERROR,
    PairedComparison,
    ProgressLine,
    TrainingRun,
    accuracy,
    build_model,
    canvas_sweep,
    compare_heads,
    format_nin_table,
    format_paired,
    format_search,
    format_summary,
    paired_comparison,
    search_learning_rates,
    seeded_run,
    summarise_runs,
    train_head,
    train_model,
    train_over_seeds,
)


@pytest.fixture(scope="module")
def small_digits() -> Split:
    digits = load_digits_split(seed=0)
    return Split(digits.train.subset(range(256)), digits.test.subset(range(128)))


def _weights(model: torch.nn.Module) -> list[torch.Tensor]:
    return [parameter.detach().clone() for parameter in model.parameters()]


@pytest.mark.parametrize("head", ["flatten-dropout", "avg"])
def test_same_seed_same_run_bit_for_bit(small_digits, head):
    first = train_head(head, small_digits, seed=3, epochs=2, progress=False)
    second = train_head(head, small_digits, seed=3, epochs=2, progress=False)
    assert first.epoch_losses == second.epoch_losses
    assert (first.train_accuracy, first.test_accuracy) == (second.train_accuracy, second.test_accuracy)
    for a, b in zip(_weights(first.model), _weights(second.model)):
        assert torch.equal(a, b)


def test_another_seed_gives_another_run(small_digits):
    first = train_head("avg", small_digits, seed=0, epochs=1, progress=False)
    second = train_head("avg", small_digits, seed=1, epochs=1, progress=False)
    assert first.epoch_losses != second.epoch_losses


def test_training_learns_something(small_digits):
    run = train_head("flatten", small_digits, seed=0, epochs=8, progress=False)
    assert run.epoch_losses[-1] < run.epoch_losses[0] / 2
    assert run.train_accuracy > 0.8 and run.test_accuracy > 0.5
    assert math.isclose(run.gap, run.train_accuracy - run.test_accuracy)
    assert not run.model.training  # left ready for use


def test_a_run_does_not_depend_on_the_threads_or_the_global_seed(small_digits):
    threads = torch.get_num_threads()
    torch.manual_seed(999)
    torch.set_num_threads(1)
    try:
        first = train_head("avg", small_digits, seed=2, epochs=1, progress=False)
    finally:
        torch.set_num_threads(threads)
    torch.manual_seed(12345)
    second = train_head("avg", small_digits, seed=2, epochs=1, progress=False)
    assert first.epoch_losses == second.epoch_losses


def test_training_leaves_global_state_as_it_was(small_digits):
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.manual_seed(42)
    expected = torch.rand(3)
    torch.manual_seed(42)
    train_head("flatten-dropout", small_digits, seed=0, epochs=1, progress=False)
    assert torch.equal(torch.rand(3), expected)
    assert torch.get_num_threads() == threads
    assert torch.are_deterministic_algorithms_enabled() == deterministic


@pytest.mark.parametrize("seed, error", [("0", TypeError), (1.0, TypeError), (True, TypeError), (-1, ValueError)])
def test_seeded_run_rejects_a_bad_seed(seed, error):
    with pytest.raises(error, match="seeded_run expects seed to be an int >= 0"):
        with seeded_run(seed):
            pass


def test_seeded_run_restores_state_after_an_error():
    threads = torch.get_num_threads()
    with pytest.raises(RuntimeError, match="inside"):
        with seeded_run(0):
            assert torch.get_num_threads() == 1
            assert torch.are_deterministic_algorithms_enabled()
            raise RuntimeError("inside")
    assert torch.get_num_threads() == threads
    assert not torch.are_deterministic_algorithms_enabled()


def test_build_model_is_seeded_and_sized_from_the_data(small_digits):
    first = build_model("flatten", small_digits.train, seed=4)
    second = build_model("flatten", small_digits.train, seed=4)
    for a, b in zip(_weights(first), _weights(second)):
        assert torch.equal(a, b)
    assert first.flatten_input_shape == (32, 4, 4)
    assert first.num_classes == 10


def test_accuracy_counts_right_answers_and_keeps_the_mode():
    data = make_shapes(8, canvas_size=24, seed=0)

    class Oracle(torch.nn.Module):
        # Answers with the true labels for the first half, wrongly for the rest.
        def forward(self, images):
            labels = data.labels[: len(images)].clone()
            labels[len(images) // 2 :] = (labels[len(images) // 2 :] + 1) % 4
            return torch.nn.functional.one_hot(labels, 4).float()

    oracle = Oracle().train()
    assert accuracy(oracle, data) == 0.5
    assert oracle.training


def test_compare_heads_and_the_summary_table(small_digits):
    runs = compare_heads(small_digits, heads=("flatten", "avg"), seeds=(0, 1), epochs=1, progress=False)
    assert [(run.head, run.seed) for run in runs] == [("flatten", 0), ("flatten", 1), ("avg", 0), ("avg", 1)]
    rows = summarise_runs(runs)
    assert [row.head for row in rows] == ["flatten", "avg"]
    flatten, gap = rows
    assert flatten.parameters == 512 * 64 + 64 + 64 * 10 + 10 and gap.parameters == 32 * 10 + 10
    assert gap.multiply_adds == 320
    tests = [100 * run.test_accuracy for run in runs[:2]]
    assert math.isclose(flatten.test_mean, sum(tests) / 2)
    assert math.isclose(flatten.test_spread, abs(tests[0] - tests[1]) / math.sqrt(2))
    table = format_summary(rows)
    assert "flatten + FC" in table and "GAP + linear" in table
    # NIN's CIFAR-10 errors are another network's, another measure: never a column of our table.
    assert "11.59" not in table and "NIN" not in table and not hasattr(flatten, "nin_test_error")
    assert f"{flatten.test_mean:.1f} ± {flatten.test_spread:.1f}" in table


def test_a_single_seed_has_no_spread(small_digits):
    rows = summarise_runs(compare_heads(small_digits, heads=("max",), seeds=(0,), epochs=1, progress=False))
    assert rows[0].train_spread == 0.0


def test_nin_table_is_the_papers_own_with_its_source():
    table = format_nin_table()
    assert "arXiv:1312.4400" in table and "Network In Network" in table and "CIFAR-10" in table and "error" in table
    for error in NIN_CIFAR10_TEST_ERROR.values():
        assert f"{error:.2f}" in table
    assert NIN_CIFAR10_TEST_ERROR == {"flatten": 11.59, "flatten-dropout": 10.88, "avg": 10.41}


class _FakeDisplay:
    """Stands in for a notebook display: records every text it is given."""

    def __init__(self, text):
        self.texts = [text]

    def update(self, text):
        self.texts.append(text)


def test_progress_line_ends_in_a_fixed_final_state():
    shown = []

    def show(text):
        shown.append(_FakeDisplay(text))
        return shown[-1]

    line = ProgressLine(250, "training", show=show)
    for _ in range(250):
        line.update(1)
    line.close()
    texts = shown[0].texts
    assert texts[0] == "training: 0 of 250"
    assert texts[-1] == "training: done (250 of 250)"
    assert len(texts) <= 102  # at most one redraw per percent, plus the first and the last
    assert all("%" not in text and "it/s" not in text for text in texts)  # nothing run-dependent


def test_progress_line_outside_a_notebook_shows_nothing(small_digits, capsys):
    line = ProgressLine(3, "training")
    line.update(3)
    line.close()
    assert line.text() == "training: done (3 of 3)"
    train_head("avg", small_digits, seed=0, epochs=1, progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_learning_rate_search_chooses_on_validation_and_reports_test():
    split = small_digits_split(train_per_class=3, validation_per_class=5, seed=0)
    search = search_learning_rates(split, heads=("avg", "nin"), rates=(1e-3, 1e-2), seeds=(0, 1), epochs=3,
                                   batch_size=16, progress=False)
    assert set(search.validation) == {(head, rate) for head in ("avg", "nin") for rate in (1e-3, 1e-2)}
    for head, chosen in search.chosen.items():
        means = {rate: sum(search.validation[head, rate]) / 2 for rate in search.rates}
        assert means[chosen] == max(means.values())
        # The kept runs are the ones trained at the chosen rate: re-training reproduces their validation score.
        run = search.run(head, 1)
        assert run.head == head and run.seed == 1
        again = train_head(head, split, seed=1, epochs=3, batch_size=16, learning_rate=chosen, progress=False)
        assert again.test_accuracy == run.test_accuracy and again.train_accuracy == run.train_accuracy
    assert [(run.head, run.seed) for run in search.runs] == [("avg", 0), ("avg", 1), ("nin", 0), ("nin", 1)]
    table = format_search(search)
    assert table.count("*") == 2 and "GAP + linear" in table and "lr 0.01" in table
    with pytest.raises(KeyError, match="seed"):
        search.run("avg", 7)


def test_learning_rate_search_ties_go_to_the_smaller_rate(monkeypatch):
    from gpool_helpers.cnn import training

    split = small_digits_split(train_per_class=2, validation_per_class=2, seed=0)
    monkeypatch.setattr(training, "accuracy", lambda model, data, batch_size=512: 0.5)
    search = search_learning_rates(split, heads=("avg",), rates=(1e-2, 1e-3), seeds=(0,), epochs=1, progress=False)
    assert search.chosen == {"avg": 1e-3}


def test_learning_rate_search_needs_a_validation_set(small_digits):
    with pytest.raises(ValueError, match="validation"):
        search_learning_rates(small_digits, heads=("avg",), rates=(1e-2,), epochs=1, progress=False)


def test_canvas_sweep_reproduces_the_test_set_at_its_own_size():
    split = make_shapes_split(64, 32, canvas_size=24, seed=0)
    run = train_head("avg", split, seed=0, epochs=1, batch_size=32, progress=False)
    sweep = canvas_sweep({"gap": run.model}, (24, 36), count=32, seed=1)
    assert sweep["gap"][0] == run.test_accuracy
    assert len(sweep["gap"]) == 2 and 0.0 <= sweep["gap"][1] <= 1.0


def test_progress_bar_can_be_shared(small_digits):
    import io

    from tqdm import tqdm

    with tqdm(total=6, file=io.StringIO()) as bar:
        train_head("avg", small_digits, seed=0, epochs=3, progress=bar)
        assert bar.n == 3


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda s: train_model("model", s.train), TypeError, "train_model expects model"),
        (lambda s: train_model(SmallCNN("avg"), s.train.images), TypeError, "LabelledImages"),
        (lambda s: train_model(SmallCNN("avg"), s.train, epochs=0), ValueError, "epochs"),
        (lambda s: train_model(SmallCNN("avg"), s.train, batch_size=-1), ValueError, "batch_size"),
        (lambda s: train_model(SmallCNN("avg"), s.train, learning_rate=0), ValueError, "learning_rate"),
        (lambda s: train_model(SmallCNN("avg"), s.train.subset([])), ValueError, "at least one image"),
        (lambda s: train_head("avg", s.train), TypeError, "train_head expects split"),
        (lambda s: train_head("avg", s, seed=-1), ValueError, "seed"),
        (lambda s: compare_heads(s, heads=()), ValueError, "compare_heads"),
        (lambda s: summarise_runs([]), ValueError, "summarise_runs"),
        (lambda s: canvas_sweep({}, (24,)), ValueError, "canvas_sweep"),
    ],
)
def test_bad_input_gets_a_clear_error(small_digits, call, error, words):
    with pytest.raises(error) as raised:
        call(small_digits)
    assert words in str(raised.value)


def test_training_run_is_a_plain_record(small_digits):
    run = train_head("avg", small_digits, seed=0, epochs=1, progress=False)
    assert isinstance(run, TrainingRun)
    assert run.image_size == (8, 8) and len(run.epoch_losses) == 1
    assert "model" not in repr(run)


# Early stopping, runs over seeds and paired differences (notebook 07's experiments).


@pytest.fixture(scope="module")
def digits_with_validation() -> Split:
    return small_digits_split(train_per_class=5, validation_per_class=10, seed=0)


def test_early_stopping_keeps_the_best_epoch_and_stops_after_patience(digits_with_validation):
    split = digits_with_validation
    run = train_head("avg", split, seed=0, epochs=200, batch_size=50, learning_rate=1e-2, progress=False, patience=5)
    curve = run.validation_curve
    assert len(curve) == run.epochs_run < 200
    best = max(curve)
    # The kept epoch is the first that reached the best score, and the run ended `patience` epochs after it.
    assert run.best_epoch == curve.index(best) + 1
    assert run.epochs_run == run.best_epoch + 5
    assert run.validation_accuracy == best
    # The model was given back its best epoch's weights: scoring it again reproduces that epoch's score.
    assert accuracy(run.model, split.validation) == best
    assert run.learning_rate == 1e-2


def test_without_patience_every_epoch_runs_and_the_best_is_still_kept(digits_with_validation):
    split = digits_with_validation
    model = build_model("max", split.train, seed=1)
    run = train_model(model, split.train, split.test, epochs=12, batch_size=50, seed=1, progress=False,
                      validation=split.validation)
    assert run.epochs_run == 12 and len(run.validation_curve) == 12
    assert accuracy(run.model, split.validation) == max(run.validation_curve)


def test_early_stopping_needs_a_validation_set(small_digits, digits_with_validation):
    with pytest.raises(ValueError, match="patience=3 needs validation"):
        train_model(build_model("avg", small_digits.train, 0), small_digits.train, epochs=2, patience=3, progress=False)
    with pytest.raises(ValueError, match="train_head stops early on split.validation"):
        train_head("avg", small_digits, epochs=2, patience=3, progress=False)


def test_train_over_seeds_gives_each_seed_its_own_data():
    seen = []

    def split_for_seed(seed):
        seen.append(seed)
        return make_shapes_split(40, 20, canvas_size=20, seed=seed, radius_range=(3, 5), validation_count=20)

    runs = train_over_seeds(split_for_seed, {"avg": 1e-2, "max": 1e-2}, seeds=(3, 4), epochs=3, batch_size=20,
                            patience=2, progress=False, channels=(4, 8))
    assert seen == [3, 4]
    assert [(run.head, run.seed) for run in runs] == [("avg", 3), ("avg", 4), ("max", 3), ("max", 4)]
    assert all(run.best_epoch is not None and run.epochs_run <= 3 for run in runs)
    again = train_over_seeds(split_for_seed, {"avg": 1e-2}, seeds=(3,), epochs=3, batch_size=20, patience=2,
                             progress=False, channels=(4, 8))
    assert again[0].test_accuracy == runs[0].test_accuracy and again[0].validation_curve == runs[0].validation_curve
    with pytest.raises(ValueError, match="at least one head and one seed"):
        train_over_seeds(split_for_seed, {}, progress=False)
    with pytest.raises(TypeError, match="split_for_seed"):
        train_over_seeds(make_shapes_split(8, 8, canvas_size=20), {"avg": 1e-2}, progress=False)


def _run(head: str, seed: int, train: float, test: float) -> TrainingRun:
    return TrainingRun(head, seed, (1.0,), train, test, (8, 8), model=None)


def test_paired_comparison_subtracts_seed_by_seed_with_a_t_interval():
    runs = [_run("avg", seed, 1.0, test) for seed, test in enumerate([0.90, 0.88, 0.91, 0.87, 0.89])]
    runs += [_run("flatten", seed, 1.0, test) for seed, test in enumerate([0.88, 0.88, 0.89, 0.88, 0.86])]
    comparison = paired_comparison(runs, "avg", "flatten", "test")
    assert comparison.differences == pytest.approx((2.0, 0.0, 2.0, -1.0, 3.0))
    assert comparison.mean == pytest.approx(1.2)
    spread = math.sqrt(sum((d - 1.2) ** 2 for d in (2, 0, 2, -1, 3)) / 4)
    assert comparison.spread == pytest.approx(spread)
    # 2.776 is t(0.975) at 4 degrees of freedom.
    assert comparison.low == pytest.approx(1.2 - 2.776 * spread / math.sqrt(5))
    assert not comparison.reliable
    gaps = paired_comparison(runs, "avg", "flatten", "train-test")
    assert gaps.differences == pytest.approx(tuple(-d for d in comparison.differences))
    line = format_paired([comparison])
    assert "per seed +2.0, +0.0, +2.0, -1.0, +3.0" in line and "no reliable difference" in line


def test_a_reliable_difference_is_named_and_a_missing_pair_is_an_error():
    runs = [_run("max", seed, 1.0, 0.90 + 0.001 * seed) for seed in range(5)]
    runs += [_run("avg", seed, 1.0, 0.87 + 0.002 * seed) for seed in range(5)]
    comparison = paired_comparison(runs, "max", "avg")
    assert comparison.reliable and comparison.low > 0
    assert "GMP + linear higher" in format_paired([comparison])
    assert "GMP + linear higher" in format_paired([paired_comparison(runs, "avg", "max")])  # named, whichever comes first
    with pytest.raises(ValueError, match="no seed with runs of both"):
        paired_comparison(runs, "max", "flatten")
    with pytest.raises(ValueError, match="metric to be one of"):
        paired_comparison(runs, "max", "avg", "validation")
    assert PairedComparison("a", "b", "test", (1.0,)).half_width == math.inf
