"""The registry of pooling kinds and the GlobalPool selector.

The per-kind tests iterate all_kinds(), so every kind registered anywhere in
the package (the basic four and the wider family) is held to the same
contract: its function, output-shape rule, torch equivalents and module twin
agree, and it has a description to show in menus.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

import gpool_helpers
from gpool_helpers import GlobalPool, PoolingKind, TorchEquivalent, all_kinds, get_kind, kind_names, register
from gpool_helpers.pooling import registry
from gpool_helpers.pooling import ops_run
from gpool_helpers.pooling.registry import depth_shape, per_channel_shape

BASIC_KINDS = ("avg", "max", "depth-max", "depth-avg")


def channels_last(x: torch.Tensor) -> torch.Tensor:
    return x.movedim(1, -1).contiguous().movedim(-1, 1)


# Shapes every kind must handle: the post's example, batch > 1 with non-square
# maps in both layouts, and 1-D and 3-D maps.
KIND_INPUTS = {
    "article 1x8x4x4": lambda generator: gpool_helpers.article_example(),
    "2x6x5x7": lambda generator: torch.randn(2, 6, 5, 7, generator=generator),
    "2x6x5x7 channels_last": lambda generator: channels_last(torch.randn(2, 6, 5, 7, generator=generator)),
    "3x4x9": lambda generator: torch.randn(3, 4, 9, generator=generator),
    "2x4x3x4x5": lambda generator: torch.randn(2, 4, 3, 4, 5, generator=generator),
    "1x1x1x1, one position": lambda generator: torch.randn(1, 1, 1, 1, generator=generator),
}


def kind_cases():
    return [pytest.param(name, id=name) for name in kind_names()]


def kind_input_cases():
    return [
        pytest.param(name, input_name, id=f"{name}-{input_name}")
        for name in kind_names()
        for input_name in KIND_INPUTS
    ]


# ---------------------------------------------------------------------------
# Every registered kind keeps the contract
# ---------------------------------------------------------------------------


def test_the_basic_kinds_are_registered_first_and_in_menu_order():
    assert kind_names()[: len(BASIC_KINDS)] == BASIC_KINDS
    assert kind_names() == tuple(all_kinds())


@pytest.mark.parametrize("name", kind_cases())
def test_each_kind_describes_itself(name):
    kind = get_kind(name)
    assert kind.name == name
    assert isinstance(kind.description, str) and kind.description.strip()
    # One line: menus and tables show it as a single row.
    assert "\n" not in kind.description
    assert isinstance(kind.code, str) and kind.code.strip()
    assert kind.pools_over in ("space", "channels")
    assert isinstance(kind.feature_multiplier, int) and kind.feature_multiplier >= 1
    # The multiplier is read off the shape rule, so it follows the spatial rank.
    assert kind.features_per_channel(3) == math.prod(kind.output_shape((1, 1, 2, 2, 2))[1:]) or kind.pools_over == "channels"
    assert all(isinstance(equivalent, TorchEquivalent) for equivalent in kind.torch_equivalents)
    assert all(equivalent.code.strip() for equivalent in kind.torch_equivalents)


@pytest.mark.parametrize(("name", "input_name"), kind_input_cases())
def test_each_kind_output_matches_its_shape_rule_equivalents_and_module(name, input_name, generator):
    kind = get_kind(name)
    x = KIND_INPUTS[input_name](generator)
    channels = x.shape[1]

    result = kind.function(x)
    assert isinstance(result, torch.Tensor)
    assert tuple(result.shape) == tuple(kind.output_shape(tuple(x.shape)))
    assert result.dtype == x.dtype
    assert torch.isfinite(result).all()

    for equivalent in kind.checks:
        torch.testing.assert_close(result, equivalent.function(x), msg=lambda m: f"{equivalent.code}: {m}")

    module = kind.make_module(channels)
    assert isinstance(module, nn.Module)
    with torch.no_grad():
        torch.testing.assert_close(module(x), result)


@pytest.mark.parametrize("name", kind_cases())
def test_each_kind_is_checked_against_an_equivalent_that_runs_other_ops(name, generator):
    """The comparison above can only catch a wrong helper if some equivalent is not the helper's own expression."""
    kind = get_kind(name)
    x = torch.randn(2, 6, 5, 7, generator=generator)
    helper_ops = ops_run(kind.function, x)
    independent = [e.code for e in kind.checks if ops_run(e.function, x) != helper_ops]
    assert independent, f"{name}: every torch equivalent runs exactly the helper's ops {sorted(helper_ops)}"


@pytest.mark.parametrize("name", kind_cases())
def test_each_kind_output_shape_rule_agrees_with_feature_multiplier(name):
    kind = get_kind(name)
    shape = (3, 10, 6, 5)
    output = tuple(kind.output_shape(shape))
    assert output[0] == shape[0]
    if kind.pools_over == "space":
        # A head sizes its classifier from this product without running the pool.
        assert math.prod(output[1:]) == kind.feature_multiplier * shape[1]
    else:
        assert output[2:] == shape[2:]


@pytest.mark.parametrize("name", kind_cases())
def test_each_kind_rejects_bad_input(name):
    kind = get_kind(name)
    with pytest.raises(TypeError):
        kind.function(torch.zeros(1, 2, 3, 3, dtype=torch.int64))
    with pytest.raises(ValueError):
        kind.function(torch.zeros(8, 4))
    with pytest.raises(ValueError):
        kind.function(torch.zeros(1, 2, 0, 3))


@pytest.mark.parametrize("name", kind_cases())
def test_each_kind_pools_an_empty_batch_or_no_channels_into_an_empty_result(name):
    # N and C may be 0 (check_pool_input); only an empty spatial dim is refused, above.
    # A depth kind needs channels to pool over: tests/test_pooling.py checks that it refuses C = 0.
    kind = get_kind(name)
    shapes = [(0, 3, 4, 4), (0, 3, 5)] + ([(2, 0, 4, 4)] if kind.pools_over == "space" else [])
    for shape in shapes:
        result = kind.function(torch.ones(shape))
        assert result.numel() == 0 and tuple(result.shape) == tuple(kind.output_shape(shape)), shape


@pytest.mark.parametrize("name", kind_cases())
def test_each_kind_works_through_global_pool(name, generator):
    kind = get_kind(name)
    x = torch.randn(2, 6, 5, 7, generator=generator)
    pool = GlobalPool(name, channels=x.shape[1])
    assert pool.kind == name
    assert pool.feature_multiplier == kind.feature_multiplier
    assert f"kind={name!r}" in repr(pool)
    with torch.no_grad():
        torch.testing.assert_close(pool(x), kind.function(x))


def test_basic_kinds_run_the_package_functions(generator):
    x = torch.randn(2, 6, 5, 7, generator=generator)
    assert torch.equal(get_kind("avg").function(x), gpool_helpers.global_avg_pool(x))
    assert torch.equal(get_kind("max").function(x), gpool_helpers.global_max_pool(x))
    assert torch.equal(get_kind("depth-max").function(x), gpool_helpers.global_depth_pool(x, mode="max"))
    assert torch.equal(get_kind("depth-avg").function(x), gpool_helpers.global_depth_pool(x, mode="avg"))
    assert [get_kind(name).pools_over for name in BASIC_KINDS] == ["space", "space", "channels", "channels"]


# ---------------------------------------------------------------------------
# Exact-name lookup
# ---------------------------------------------------------------------------

NEAR_MISSES = ["xavg", "avgx", "AVG", "Avg", " avg", "avg ", "av", "average", "depth", "depth_max", "max-depth", ""]


@pytest.mark.parametrize("name", NEAR_MISSES, ids=repr)
def test_lookup_is_by_exact_name_only(name):
    """No prefix, suffix or case-insensitive matching (timm's endswith('avgmax')
    once picked the wrong kind for 'fastcatavgmax')."""
    with pytest.raises(ValueError) as error:
        get_kind(name)
    message = str(error.value)
    assert f"unknown pooling kind {name!r}" in message
    for known in kind_names():
        assert repr(known) in message
    with pytest.raises(ValueError):
        GlobalPool(name)


def test_unknown_names_suggest_the_closest_kind_without_accepting_it():
    assert "did you mean 'avg'?" in _message_of(lambda: get_kind("AVG"))
    assert "did you mean 'depth-max'?" in _message_of(lambda: get_kind("depth_max"))
    assert "did you mean" not in _message_of(lambda: get_kind("zzzzzz"))


@pytest.mark.parametrize("name", [None, 1, ("avg",), ["avg"]], ids=repr)
def test_lookup_with_a_non_string_is_a_type_error(name):
    with pytest.raises(TypeError) as error:
        get_kind(name)
    message = str(error.value)
    assert "get_kind expects a kind name (a str)" in message
    assert f"got a {type(name).__name__}" in message


def _message_of(action) -> str:
    with pytest.raises(ValueError) as error:
        action()
    return str(error.value)


# ---------------------------------------------------------------------------
# Registering
# ---------------------------------------------------------------------------


def _kind(name: str, **options) -> PoolingKind:
    return PoolingKind(
        name=name,
        function=gpool_helpers.global_avg_pool,
        make_module=lambda channels: gpool_helpers.GlobalAvgPool(),
        output_shape=per_channel_shape,
        description="A test kind.",
        code="global_avg_pool(x)",
        **options,
    )


@pytest.fixture
def scratch_registry(monkeypatch):
    """A copy of the registry for tests that register, restored afterwards."""
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))


@pytest.mark.parametrize("name", kind_cases())
def test_registering_an_existing_name_is_rejected_and_changes_nothing(name):
    original = get_kind(name)
    with pytest.raises(ValueError) as error:
        register(_kind(name))
    assert f"{name!r} is already registered" in str(error.value)
    assert get_kind(name) is original


def test_a_new_kind_is_found_by_its_exact_name_and_listed_last(scratch_registry):
    before = kind_names()
    kind = register(_kind("test-kind"))
    assert get_kind("test-kind") is kind
    assert kind_names() == before + ("test-kind",)
    with pytest.raises(ValueError):
        get_kind("test")


def test_register_accepts_only_pooling_kinds(scratch_registry):
    with pytest.raises(TypeError, match="register expects a PoolingKind; got a str"):
        register("avg")


def test_pools_over_is_space_or_channels():
    with pytest.raises(ValueError, match="pools_over must be 'space' or 'channels'; got 'depth'"):
        _kind("bad", pools_over="depth")


def test_all_kinds_is_a_copy_the_caller_cannot_corrupt():
    kinds = all_kinds()
    kinds.pop("avg")
    kinds["bogus"] = get_kind("max")
    assert "avg" in kind_names() and "bogus" not in kind_names()


def test_kinds_are_frozen():
    with pytest.raises(AttributeError):
        get_kind("avg").name = "mean"


# ---------------------------------------------------------------------------
# Shape rules and the selector
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(2, 6, 5, 7), (1, 8, 4, 4), (3, 4, 9), (2, 4, 3, 4, 5)])
def test_shape_rules(shape):
    assert per_channel_shape(shape) == (shape[0], shape[1])
    assert per_channel_shape(shape, multiplier=3) == (shape[0], 3 * shape[1])
    assert depth_shape(shape) == (shape[0], 1, *shape[2:])


def test_global_pool_defaults_to_average_pooling(generator):
    x = torch.randn(2, 6, 5, 7, generator=generator)
    pool = GlobalPool()
    assert pool.kind == "avg"
    assert torch.equal(pool(x), gpool_helpers.global_avg_pool(x))


def test_global_pool_feature_multiplier_sizes_a_classifier(generator):
    """A head built from feature_multiplier alone fits every kind that pools over space."""
    channels = 6
    x = torch.randn(2, channels, 5, 7, generator=generator)
    for name, kind in all_kinds().items():
        if kind.pools_over != "space":
            continue
        pool = GlobalPool(name, channels=channels)
        head = nn.Sequential(pool, nn.Flatten(), nn.Linear(pool.feature_multiplier * channels, 3))
        assert head(x).shape == (2, 3), name


def test_global_pool_depth_kinds_keep_the_map(generator):
    x = torch.randn(2, 6, 5, 7, generator=generator)
    assert GlobalPool("depth-max")(x).shape == (2, 1, 5, 7)
    assert torch.equal(GlobalPool("depth-avg")(x), gpool_helpers.global_depth_pool(x, mode="avg"))
