"""Adding a pooling kind is one registration: the explorer, the plots and the benchmark pick it up.

The worked example in CONTRIBUTING.md, run for real: a toy "median" kind is
registered from here (as its own file in gpool_helpers/pooling/kinds/ would
register it on import) and every consumer of the registry is asked about it.
"""

from __future__ import annotations


import pytest
import torch
from matplotlib.figure import Figure

from gpool_helpers import (
    PoolingKind,
    article_example,
    get_kind,
    kind_names,
    module_twin,
    register,
    unregister,
)
from gpool_helpers.checks import check_pool_input
from gpool_helpers.viz.heatmaps import plot_pooling
from gpool_helpers.viz.zoo import kind_summary
from gpool_helpers.widgets.explorer import pooling_explorer

TOY = "toy-median"


def median_pool(x: torch.Tensor) -> torch.Tensor:
    """The lower median of each map: (N, C, *spatial) -> (N, C)."""
    check_pool_input(x, "median_pool")
    return x.flatten(2).median(dim=2).values


MedianPool = module_twin("MedianPool", median_pool)


@pytest.fixture
def toy_kind():
    middle = "x.flatten(2).sort(dim=2).values[..., (H * W - 1) // 2]"
    kind = register(PoolingKind.make(
        TOY, median_pool, lambda channels: MedianPool(), "median_pool(x)",
        "Median pooling: the middle value of each channel's map.",
        {middle: lambda x: x.flatten(2).sort(dim=2).values[..., (x[0, 0].numel() - 1) // 2]},
    ))
    yield kind
    unregister(TOY)
    assert TOY not in kind_names()


def test_a_registered_kind_is_listed_and_looked_up(toy_kind):
    assert kind_names()[-1] == TOY
    assert get_kind(TOY) is toy_kind
    assert toy_kind.feature_multiplier == 1
    x = article_example()
    torch.testing.assert_close(toy_kind.function(x), toy_kind.torch_equivalents[0].function(x))
    assert repr(toy_kind.make_module(8)) == "MedianPool()"


def test_the_explorer_offers_and_draws_the_new_kind(toy_kind):
    explorer = pooling_explorer(kind=TOY)
    assert TOY in explorer.controls["kind"].options
    before = explorer.redraw_count
    explorer.controls["seed"].value = 3
    assert explorer.redraw_count == before + 1 and explorer.last_error is None


def test_the_plots_draw_the_new_kind(toy_kind):
    figure = plot_pooling(article_example(), TOY)
    assert isinstance(figure, Figure)
    assert TOY in [row["kind"] for row in kind_summary()]


def test_the_benchmark_times_the_new_kind(toy_kind, monkeypatch):
    from benchmarks import run

    # Only the small shape: the question is whether the kind is in the list, not how fast it is.
    monkeypatch.setattr(run, "SHAPES", ((1, 8, 4, 4),))
    rows = run.bench_kinds(0.01, only=(TOY,))
    assert {row.kind for row in rows} == {TOY}
    assert len(rows) == len(run.LAYOUTS)
