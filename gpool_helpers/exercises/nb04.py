"""Exercises for notebook 04, global depth pooling.

- q1: write depth max pooling that works for any batch and channel count.
- q2: build CBAM's two channel descriptors, [mean; max] over the channels.
- q3: find the two bugs in a squeeze-and-excitation block (pooled over the
  channels; (N, C) weights broadcast into W) and write it right.
"""

from __future__ import annotations

import torch

from ..article import ArticleDepthPool
from ..cnn.cbam import channel_descriptors
from ..cnn.channel_attention import channel_mlp
from ..examples import article_example
from ..pooling import global_avg_pool, global_depth_pool
from .core import Case, FunctionQuestion, Mistake, pooling_cases
from .diagnosis import matches_reduction, outputs_equal


def _depth_cases() -> list[Case]:
    # pooling_cases mixes batch 1 and batch > 1, so an answer that only works for
    # batch 1 is recognised; two more channel counts catch a hard-coded 8.
    return [
        *pooling_cases(),
        Case("batch of 2, 16 channels", lambda: (article_example(seed=5, shape=(2, 16, 4, 4)),)),
        Case("batch of 1, 3 channels, 6x5", lambda: (article_example(seed=6, shape=(1, 3, 6, 5)),)),
    ]


# ----------------------------------------------------------------------------
# q1: depth max pooling for any batch
# ----------------------------------------------------------------------------


def _article_final_view(output, args, expected) -> bool:
    x = args[0]
    return (
        isinstance(output, torch.Tensor)
        and x.shape[0] == 1
        and output.shape == x.shape[2:]
        and outputs_equal(output, x.amax(dim=1)[0])
    )


def _article_class_answer(x: torch.Tensor) -> torch.Tensor:
    # What a learner gets by wrapping the blog post's class as it is published.
    n, c, h, w = x.shape
    return ArticleDepthPool(c, h * w)(x)


q1 = FunctionQuestion(
    qid="nb04.q1",
    prompt=(
        "Write my_global_depth_pool(x): the max over the channels at every position, "
        "(N, C, H, W) -> (N, 1, H, W), for any batch size and channel count."
    ),
    reference=lambda x: global_depth_pool(x, mode="max"),
    cases=_depth_cases(),
    hints=[
        "In (N, C, H, W) the channels are dim 1. Reduce over that dim only.",
        "x.amax(dim=1) gives (N, H, W); keepdim=True keeps a size-1 channel dim: (N, 1, H, W).",
    ],
    solution_code='''
def my_global_depth_pool(x):
    # Channels are dim 1; keepdim leaves the size-1 channel dim in place: (N, 1, H, W).
    return x.amax(dim=1, keepdim=True)
''',
    answer_name="my_global_depth_pool",
    mistakes=[
        Mistake(
            "the blog post's final view",
            "Your output is (H, W): N and the channel dim are gone, as with the blog post's last "
            ".view(w, h). The values are right, but it works only for batch 1 (a batch of 2 cannot be "
            "viewed as (H, W)). Return (N, 1, H, W).",
            _article_final_view,
            example=_article_class_answer,
        ),
        Mistake(
            "dropped the channel dim",
            "Right values, shaped (N, H, W): keep the channel dim as size 1 with keepdim=True.",
            matches_reduction(lambda x: x.amax(dim=1)),
            example=lambda x: x.amax(dim=1),
        ),
        Mistake(
            "pooled over the batch",
            "You pooled over dim 0, the batch, which mixes different images. Channels are dim 1 "
            "in (N, C, H, W).",
            matches_reduction(lambda x: x.amax(dim=0, keepdim=True)),
            example=lambda x: x.amax(dim=0, keepdim=True),
        ),
        Mistake(
            "pooled over space",
            "That is global max pooling over H and W, one value per channel. Depth pooling goes "
            "the other way: one value per position, taken across the channels.",
            matches_reduction(lambda x: x.amax(dim=(2, 3), keepdim=True)),
            example=lambda x: x.amax(dim=(2, 3), keepdim=True),
        ),
        Mistake(
            "mean instead of max",
            "That is the mean over the channels (depth average pooling); this question asks for the max.",
            matches_reduction(lambda x: x.mean(dim=1, keepdim=True)),
            example=lambda x: x.mean(dim=1, keepdim=True),
        ),
    ],
)


# ----------------------------------------------------------------------------
# q2: CBAM's descriptors
# ----------------------------------------------------------------------------


q2 = FunctionQuestion(
    qid="nb04.q2",
    prompt=(
        "Write my_cbam_descriptors(x): the mean over the channels and the max over the channels, "
        "concatenated along dim 1 in that order, (N, C, H, W) -> (N, 2, H, W). This is what CBAM's "
        "7x7 convolution reads (Woo et al. 2018, arXiv:1807.06521)."
    ),
    reference=channel_descriptors,
    cases=_depth_cases(),
    hints=[
        "Each descriptor is a depth pooling with keepdim=True, shaped (N, 1, H, W).",
        "torch.cat([a, b], dim=1) puts two (N, 1, H, W) tensors side by side as (N, 2, H, W).",
    ],
    solution_code='''
import torch


def my_cbam_descriptors(x):
    mean_map = x.mean(dim=1, keepdim=True)
    max_map = x.amax(dim=1, keepdim=True)
    # Mean first, as in the paper's equation [AvgPool(F); MaxPool(F)].
    return torch.cat([mean_map, max_map], dim=1)
''',
    answer_name="my_cbam_descriptors",
    mistakes=[
        Mistake(
            "max first",
            "Both maps are right but in the other order: the mean goes first, then the max.",
            matches_reduction(lambda x: channel_descriptors(x).flip(1)),
            example=lambda x: torch.cat([x.amax(dim=1, keepdim=True), x.mean(dim=1, keepdim=True)], dim=1),
        ),
        Mistake(
            "concatenated along the batch",
            "You concatenated along dim 0, so the two maps became extra images: (2N, 1, H, W). "
            "Use dim=1 to make them two channels of the same image.",
            matches_reduction(
                lambda x: torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=0)
            ),
            example=lambda x: torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=0),
        ),
        Mistake(
            "added instead of concatenated",
            "You added the two maps into one channel. Keep them as two channels, so the convolution "
            "can weigh the mean and the max separately.",
            matches_reduction(lambda x: x.mean(dim=1, keepdim=True) + x.amax(dim=1, keepdim=True)),
            example=lambda x: x.mean(dim=1, keepdim=True) + x.amax(dim=1, keepdim=True),
        ),
    ],
)


# ----------------------------------------------------------------------------
# q3: find the two bugs in a squeeze-and-excitation block
# ----------------------------------------------------------------------------

#: The buggy block the notebook shows: it runs on a (1, 8, 8, 8) input and
#: returns the right shape, yet it pools over the channels instead of the
#: positions, and multiplies (N, C) weights into the W dim.
BUGGY_SQUEEZE_EXCITE = """
def buggy_squeeze_excite(x, mlp):
    weights = torch.sigmoid(mlp(x.mean(dim=1)))
    return x * weights
"""


def _squeeze_excite(x: torch.Tensor, mlp) -> torch.Tensor:
    # Hu, Shen, Sun 2018: squeeze = GAP to (N, C), excite = sigmoid(mlp(.)), scale per channel.
    return x * torch.sigmoid(mlp(global_avg_pool(x)))[:, :, None, None]


def _buggy_squeeze_excite(x: torch.Tensor, mlp) -> torch.Tensor:
    return x * torch.sigmoid(mlp(x.mean(dim=1)))


def _weights_into_w(x: torch.Tensor, mlp) -> torch.Tensor:
    # The pooling fixed, the reshape not: (N, C) lines up with (H, W)'s W from the right.
    return x * torch.sigmoid(mlp(x.mean(dim=(2, 3))))


def _max_squeeze(x: torch.Tensor, mlp) -> torch.Tensor:
    return x * torch.sigmoid(mlp(x.amax(dim=(2, 3))))[:, :, None, None]


def _weights_only(x: torch.Tensor, mlp) -> torch.Tensor:
    return torch.sigmoid(mlp(x.mean(dim=(2, 3))))


def _se_case(name: str, seed: int, shape: tuple[int, ...], channels_last: bool = False) -> Case:
    def make_args():
        x = article_example(seed=seed, shape=shape)
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        mlp = channel_mlp(shape[1], reduction=4, generator=torch.Generator().manual_seed(seed))
        return x, mlp

    return Case(name, make_args)


q3 = FunctionQuestion(
    qid="nb04.q3",
    prompt=(
        "buggy_squeeze_excite(x, mlp) runs on a (1, 8, 8, 8) input and returns (1, 8, 8, 8), yet it "
        "has two bugs. Write my_squeeze_excite(x, mlp), the squeeze-and-excitation block done right "
        "(Hu, Shen, Sun 2018, arXiv:1709.01507): squeeze x (N, C, H, W) to (N, C) by global average "
        "pooling, weights = sigmoid(mlp(squeezed)), return x with channel c multiplied by its weight, "
        "for any N, C, H, W."
    ),
    reference=_squeeze_excite,
    cases=[
        # First the input where both bugs are silent: C = H = W = 8 and one image.
        _se_case("the buggy block's 1x8x8x8 input", 3, (1, 8, 8, 8)),
        _se_case("batch of 2, 8 channels, 4x4", 4, (2, 8, 4, 4)),
        _se_case("batch of 3, 16 channels, 5x6", 5, (3, 16, 5, 6)),
        _se_case("batch of 2, channels_last", 6, (2, 8, 8, 8), channels_last=True),
    ],
    hints=[
        "SE's squeeze is global average pooling: one number per channel. x.mean(dim=1) averages over "
        "the channels instead: print its shape on the 1x8x8x8 input, (1, 8, 8), an 8x8 map.",
        "The weights come out (N, C). Multiplying them with (N, C, H, W) lines dims up from the right, "
        "so the C weights meet W. Make them (N, C, 1, 1) first: weights[:, :, None, None].",
    ],
    solution_code='''
import torch


def my_squeeze_excite(x, mlp):
    # Squeeze over the positions (dims 2 and 3), not the channels: (N, C).
    weights = torch.sigmoid(mlp(x.mean(dim=(2, 3))))
    # (N, C) -> (N, C, 1, 1), so each weight covers its channel's whole H x W map.
    return x * weights[:, :, None, None]
''',
    answer_name="my_squeeze_excite",
    mistakes=[
        Mistake.wrong_function(
            "unchanged",
            "That is buggy_squeeze_excite as given. It runs because C = H = W = 8 here, but "
            "x.mean(dim=1) pools over the channels (a depth pooling, (N, H, W)), and the mlp then "
            "reads each row of that map as if it were 8 channel values.",
            _buggy_squeeze_excite,
        ),
        Mistake.wrong_function(
            "weights multiplied into W",
            "The squeeze is right now, but the weights are (N, C) and broadcasting lines them up with "
            "the last dim, W: weight c scales column c of every map. Reshape them to (N, C, 1, 1).",
            _weights_into_w,
        ),
        Mistake.wrong_function(
            "max squeeze",
            "You squeezed with the max. SE squeezes with the average (global average pooling); adding "
            "a max squeeze through the same mlp is CBAM's channel attention.",
            _max_squeeze,
        ),
        Mistake.wrong_function(
            "returned the weights",
            "You returned the (N, C) weights. The block returns the features, x * weights, shaped like x.",
            _weights_only,
        ),
    ],
)

QUESTIONS = (q1, q2, q3)
