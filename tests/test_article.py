"""The blog post's depth-pooling class, re-created: each of its failures is
pinned here, so notebook 04 can show them live and trust them to happen."""

from __future__ import annotations

import pytest
import torch

from gpool_helpers import article_example, global_depth_pool
from gpool_helpers.article import ArticleDepthPool, DeepWise_Pool, trace_article_depth_pool

#: The post's forward has seven steps: input, view, permute, max_pool1d,
#: permute, view(n, c, w, h), view(w, h). A full trace records every one.
ARTICLE_STEP_COUNT = 7


def built_for(x: torch.Tensor) -> ArticleDepthPool:
    """The layer as the post builds it for ``x``: DeepWise_Pool(C, W*H)."""
    _, channels, height, width = x.shape
    return ArticleDepthPool(channels, height * width)


# ---------------------------------------------------------------------------
# Where it works: batch 1, the channel count it was built for, contiguous
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1, 8, 4, 4), (1, 3, 5, 7), (1, 16, 2, 9), (1, 1, 3, 3)])
def test_batch_one_gives_an_h_by_w_map_with_the_depth_pool_values(shape, generator):
    x = torch.randn(shape, generator=generator)
    output = built_for(x)(x)
    # (H, W), not (1, 1, H, W): the final view drops N and the channel dim.
    assert output.shape == shape[2:]
    assert torch.equal(output, global_depth_pool(x)[0, 0])


def test_the_posts_own_example():
    x = article_example()
    assert x.shape == (1, 8, 4, 4)
    assert torch.equal(DeepWise_Pool(8, 16)(x), global_depth_pool(x, keepdim=False)[0])


def test_the_posts_name_is_the_same_class():
    assert DeepWise_Pool is ArticleDepthPool


@pytest.mark.parametrize("isize", [1, 5, 16, 1000])
def test_the_stride_does_nothing_when_the_channel_count_matches(isize, generator):
    """stride=isize strides along the channels, where a single window fits."""
    x = torch.randn(1, 8, 4, 4, generator=generator)
    assert torch.equal(ArticleDepthPool(8, isize)(x), global_depth_pool(x)[0, 0])


def test_a_zero_isize_fails():
    with pytest.raises(RuntimeError):
        ArticleDepthPool(8, 0)(torch.randn(1, 8, 4, 4))


# ---------------------------------------------------------------------------
# Where it breaks
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("batch", [2, 4, 32])
def test_fails_for_batch_size_above_one(batch, generator):
    x = torch.randn(batch, 8, 4, 4, generator=generator)
    with pytest.raises(RuntimeError, match=r"shape '\[4, 4\]' is invalid for input of size"):
        built_for(x)(x)
    # The fixed helper handles the same batch.
    assert global_depth_pool(x).shape == (batch, 1, 4, 4)


@pytest.mark.parametrize("channels", [1, 4, 7])
def test_fails_for_fewer_channels_than_it_was_built_for(channels, generator):
    layer = ArticleDepthPool(8, 16)
    with pytest.raises(RuntimeError, match="Invalid computed output size: 0"):
        layer(torch.randn(1, channels, 4, 4, generator=generator))


@pytest.mark.parametrize("channels", [9, 16, 23])
def test_a_few_more_channels_give_a_wrong_answer_without_an_error(channels, generator):
    """Up to channels + isize - 1 channels, one window of 8 still fits: the
    result is the max over the first 8 channels only."""
    x = torch.randn(1, channels, 4, 4, generator=generator)
    x[0, -1] = 100.0  # the last channel holds every true maximum
    output = ArticleDepthPool(8, 16)(x)
    assert torch.equal(output, global_depth_pool(x[:, :8])[0, 0])
    assert not torch.equal(output, global_depth_pool(x)[0, 0])


@pytest.mark.parametrize("channels", [24, 40, 64])
def test_many_more_channels_fail(channels, generator):
    """From channels + isize on, several windows fit and the final view fails."""
    with pytest.raises(RuntimeError, match=r"shape '\[4, 4\]' is invalid"):
        ArticleDepthPool(8, 16)(torch.randn(1, channels, 4, 4, generator=generator))


@pytest.mark.parametrize(
    "make_non_contiguous",
    [
        pytest.param(lambda x: x.transpose(2, 3), id="transposed map"),
        pytest.param(lambda x: torch.randn(1, 8, 4, 6)[..., 1:5], id="cropped map"),
    ],
)
def test_fails_for_non_contiguous_input(make_non_contiguous, generator):
    x = make_non_contiguous(torch.randn(1, 8, 4, 4, generator=generator))
    assert not x.is_contiguous()
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        built_for(x)(x)
    assert torch.equal(global_depth_pool(x)[0, 0], x.amax(dim=1)[0])


@pytest.mark.parametrize(
    "make_strided",
    [
        pytest.param(lambda x: x.contiguous(memory_format=torch.channels_last), id="channels_last"),
        pytest.param(lambda x: torch.cat([x, x], dim=3)[..., ::2], id="every other column"),
    ],
)
def test_strided_input_whose_map_still_flattens_passes_by_luck(make_strided, generator):
    """.view only needs H and W to merge; these layouts allow it, so batch 1 works."""
    x = make_strided(torch.randn(1, 8, 4, 4, generator=generator))
    assert not x.is_contiguous()
    assert torch.equal(built_for(x)(x), global_depth_pool(x)[0, 0])


def test_fails_with_return_indices():
    """max_pool1d then returns a (values, indices) tuple, which has no .size()."""
    layer = ArticleDepthPool(8, 16)
    layer.return_indices = True
    with pytest.raises(AttributeError, match="'tuple' object has no attribute 'size'"):
        layer(torch.randn(1, 8, 4, 4))


def test_only_four_dimensional_input_unpacks():
    with pytest.raises(ValueError):
        ArticleDepthPool(8, 16)(torch.randn(1, 8, 16))


# ---------------------------------------------------------------------------
# The step-by-step trace notebook 04 shows
# ---------------------------------------------------------------------------


def test_trace_of_the_posts_example_reports_each_shape():
    n, c, h, w = 1, 8, 4, 4
    steps = trace_article_depth_pool(article_example())
    assert len(steps) == ARTICLE_STEP_COUNT
    labels = [label for label, _ in steps]
    assert labels[0] == "input" and labels[-1] == ".view(w, h)"
    assert "max_pool1d" in labels[3] and f"kernel_size={c}" in labels[3] and f"stride={h * w}" in labels[3]
    shapes = [shape for _, shape in steps]
    assert shapes == [
        str((n, c, h, w)),
        str((n, c, h * w)),
        str((n, h * w, c)),
        str((n, h * w, 1)),
        str((n, 1, h * w)),
        str((n, 1, h, w)),
        str((h, w)),
    ]


def test_trace_stops_at_the_failing_step_with_its_error():
    steps = trace_article_depth_pool(torch.randn(2, 8, 4, 4))
    assert len(steps) == ARTICLE_STEP_COUNT
    label, outcome = steps[-1]
    assert label == ".view(w, h)"
    assert outcome.startswith("RuntimeError: shape '[4, 4]' is invalid for input of size 32")
    assert steps[-2][1] == str((2, 1, 4, 4))  # everything before the last view was fine


def test_trace_of_non_contiguous_input_fails_at_the_first_view():
    steps = trace_article_depth_pool(torch.randn(1, 8, 4, 4).transpose(2, 3))
    assert len(steps) == 2
    assert steps[1][0] == "input.view(n, c, w * h)"
    assert steps[1][1].startswith("RuntimeError: view size is not compatible")


def test_trace_with_fewer_channels_fails_at_max_pool1d():
    steps = trace_article_depth_pool(torch.randn(1, 7, 4, 4), channels=8)
    assert len(steps) == 4
    assert "max_pool1d" in steps[-1][0]
    assert "Invalid computed output size: 0" in steps[-1][1]


TRACE_CASES = [
    pytest.param((1, 8, 4, 4), None, id="the post's example"),
    pytest.param((1, 3, 5, 7), None, id="non-square"),
    pytest.param((3, 8, 4, 4), None, id="batch 3"),
    pytest.param((1, 5, 4, 4), 8, id="fewer channels"),
    pytest.param((1, 12, 4, 4), 8, id="a few more channels"),
    pytest.param((1, 30, 4, 4), 8, id="many more channels"),
]


@pytest.mark.parametrize(("shape", "built_channels"), TRACE_CASES)
def test_trace_ends_exactly_where_and_how_the_class_does(shape, built_channels, generator):
    x = torch.randn(shape, generator=generator)
    channels = shape[1] if built_channels is None else built_channels
    steps = trace_article_depth_pool(x, channels=channels)
    layer = ArticleDepthPool(channels, shape[2] * shape[3])
    try:
        output = layer(x)
    except RuntimeError as error:
        assert steps[-1][1] == f"RuntimeError: {error}"
    else:
        assert steps[-1][1] == str(tuple(output.shape))
        assert len(steps) == ARTICLE_STEP_COUNT


@pytest.mark.parametrize(
    ("bad_input", "error_type", "fragment"),
    [
        pytest.param([[1.0]], TypeError, "got a list", id="list"),
        pytest.param(torch.randn(1, 8, 16), ValueError, "got shape (1, 8, 16)", id="3-D"),
        pytest.param(torch.randn(1, 1, 8, 4, 4), ValueError, "got shape (1, 1, 8, 4, 4)", id="5-D"),
    ],
)
def test_trace_rejects_input_the_class_cannot_even_unpack(bad_input, error_type, fragment):
    with pytest.raises(error_type) as error:
        trace_article_depth_pool(bad_input)
    message = str(error.value)
    assert "trace_article_depth_pool expects a tensor shaped (N, C, H, W)" in message
    assert fragment in message


# ---------------------------------------------------------------------------
# The post's example input, shared by every notebook
# ---------------------------------------------------------------------------


def test_article_example_is_the_posts_shape_and_the_same_every_call():
    from gpool_helpers import ARTICLE_SHAPE

    assert ARTICLE_SHAPE == (1, 8, 4, 4)
    first, second = article_example(), article_example()
    assert first.shape == ARTICLE_SHAPE and first.dtype == torch.float32
    assert torch.equal(first, second)
    assert not torch.equal(article_example(seed=1), first)
    assert article_example(shape=(2, 3, 5, 7)).shape == (2, 3, 5, 7)


def test_article_example_leaves_the_global_random_state_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    article_example()
    assert torch.equal(torch.rand(3), expected)
