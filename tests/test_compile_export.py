"""The pooling modules under torch.compile and torch.export.

Compiling must not change a single number, must capture each module as one
graph (fullgraph=True: no silent fallback to Python), and exporting must give
a program that runs on its own. Small shapes only: compiling dominates the
time, not the pooling.

Most cases use the "aot_eager" backend, which runs Dynamo's graph capture and
AOTAutograd (forward and backward graphs) without generating C++; one case per
module goes through the default Inductor backend end to end.
"""

from __future__ import annotations

import pytest
import torch
from torch.export import Dim, export

from gpool_helpers import GlobalAvgPool, GlobalDepthPool, GlobalMaxPool

# torch's own compiler stack still imports a TorchScript decorator that warns;
# nothing in gpool_helpers uses TorchScript.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script_method` is deprecated:DeprecationWarning")

MODULES = [
    pytest.param(lambda: GlobalAvgPool(), id="GlobalAvgPool"),
    pytest.param(lambda: GlobalAvgPool(keepdim=True), id="GlobalAvgPool-keepdim"),
    pytest.param(lambda: GlobalMaxPool(), id="GlobalMaxPool"),
    pytest.param(lambda: GlobalMaxPool(keepdim=True, return_indices=True), id="GlobalMaxPool-indices-keepdim"),
    pytest.param(lambda: GlobalDepthPool(), id="GlobalDepthPool"),
    pytest.param(lambda: GlobalDepthPool(mode="avg", keepdim=False), id="GlobalDepthPool-avg"),
]


def channels_last(x: torch.Tensor) -> torch.Tensor:
    return x.movedim(1, -1).contiguous().movedim(-1, 1)


INPUTS = {
    "2d": lambda generator: torch.randn(2, 8, 9, 9, generator=generator),
    # Large enough for global_max_pool's channels_last adaptive_max_pool2d path.
    "2d-channels_last-large": lambda generator: channels_last(torch.randn(1, 2, 32, 33, generator=generator)),
    "1d": lambda generator: torch.randn(2, 4, 10, generator=generator),
    "3d-channels_last": lambda generator: channels_last(torch.randn(1, 2, 3, 4, 5, generator=generator)),
    # Many channels over few positions: global_depth_pool's torch.max path.
    "2d-many-channels": lambda generator: torch.randn(2, 130, 3, 5, generator=generator),
}


def as_tuple(result):
    return result if isinstance(result, tuple) else (result,)


def assert_same_results(actual, expected):
    for actual_part, expected_part in zip(as_tuple(actual), as_tuple(expected), strict=True):
        assert actual_part.shape == expected_part.shape
        assert actual_part.dtype == expected_part.dtype
        torch.testing.assert_close(actual_part, expected_part)


@pytest.mark.parametrize("input_name", ["2d", "2d-channels_last-large", "3d-channels_last"])
@pytest.mark.parametrize("make_module", MODULES)
def test_compiled_as_one_graph_with_the_same_values_and_gradients(make_module, input_name, generator, fresh_dynamo):
    module = make_module()
    x = INPUTS[input_name](generator).requires_grad_()
    compiled = torch.compile(module, fullgraph=True, backend="aot_eager")

    expected = module(x)
    actual = compiled(x)
    assert_same_results(actual, expected)

    (expected_gradient,) = torch.autograd.grad(as_tuple(expected)[0].sum(), x)
    (actual_gradient,) = torch.autograd.grad(as_tuple(actual)[0].sum(), x)
    torch.testing.assert_close(actual_gradient, expected_gradient)


@pytest.mark.parametrize(
    ("make_module", "input_name"),
    [
        pytest.param(lambda: GlobalAvgPool(), "2d", id="GlobalAvgPool"),
        pytest.param(
            lambda: GlobalMaxPool(return_indices=True), "2d-channels_last-large", id="GlobalMaxPool-indices-channels_last"
        ),
        pytest.param(lambda: GlobalDepthPool(), "2d", id="GlobalDepthPool"),
    ],
)
def test_compiled_with_inductor(make_module, input_name, generator, fresh_dynamo):
    module = make_module()
    x = INPUTS[input_name](generator)
    compiled = torch.compile(module, fullgraph=True)
    assert_same_results(compiled(x), module(x))


@pytest.mark.parametrize(
    ("module_class", "bad_input", "error_type"),
    [
        pytest.param(GlobalAvgPool, torch.randn(8, 4), ValueError, id="GlobalAvgPool-2-D"),
        pytest.param(GlobalMaxPool, torch.zeros(1, 2, 3, 3, dtype=torch.int64), TypeError, id="GlobalMaxPool-int64"),
        pytest.param(GlobalDepthPool, torch.randn(1, 2, 0, 3), ValueError, id="GlobalDepthPool-empty-map"),
    ],
)
def test_compiled_modules_still_reject_bad_input_with_the_same_message(module_class, bad_input, error_type, fresh_dynamo):
    """Without fullgraph, Dynamo hands the raise back to Python, so the learner
    sees the helper's own message, not a compiler error."""
    module = module_class()
    with pytest.raises(error_type) as eager_error:
        module(bad_input)
    with pytest.raises(error_type) as compiled_error:
        torch.compile(module, backend="aot_eager")(bad_input)
    assert str(compiled_error.value) == str(eager_error.value)


@pytest.mark.parametrize("input_name", sorted(INPUTS))
@pytest.mark.parametrize("make_module", MODULES)
def test_exported_program_gives_the_same_results(make_module, input_name, generator):
    module = make_module()
    x = INPUTS[input_name](generator)
    program = export(module, (x,))
    assert_same_results(program.module()(x), module(x))


@pytest.mark.parametrize(
    ("layout", "sample_shape"),
    [("contiguous", (8, 5, 6)), ("channels_last", (8, 5, 6)), ("contiguous", (130, 3, 5)), ("channels_last", (2, 32, 33))],
)
@pytest.mark.parametrize("make_module", MODULES)
def test_exported_with_a_dynamic_batch_size(make_module, layout, sample_shape, generator):
    """One exported program serves every batch size, as a deployed head must."""
    arrange = channels_last if layout == "channels_last" else (lambda x: x)
    module = make_module()
    example = arrange(torch.randn(2, *sample_shape, generator=generator))
    program = export(module, (example,), dynamic_shapes=({0: Dim("batch")},))
    for batch in (3, 7):
        x = arrange(torch.randn(batch, *sample_shape, generator=generator))
        assert_same_results(program.module()(x), module(x))
