"""Exercises for notebook 04, global depth pooling.

- q1: write depth max pooling that works for any batch and channel count.
- q2: build CBAM's two channel descriptors, [mean; max] over the channels.
- q3: predict what the blog post's class does with a batch of 2.
"""

from __future__ import annotations

import torch

from ..article import ArticleDepthPool
from ..cnn.cbam import channel_descriptors
from ..examples import article_example
from ..pooling import global_depth_pool
from .core import Case, FunctionQuestion, Mistake, ThoughtQuestion, pooling_cases
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
# q3: the article's class on a batch of 2
# ----------------------------------------------------------------------------


q3 = ThoughtQuestion(
    qid="nb04.q3",
    prompt=(
        "The blog post builds its layer as DeepWise_Pool(8, 16) for a (1, 8, 4, 4) input. "
        "What happens when you give it a batch of two, shape (2, 8, 4, 4)? "
        "A: it returns (2, 1, 4, 4). B: it returns (4, 4), the first image's result. "
        "C: it raises a RuntimeError at the final .view(w, h). D: it raises inside max_pool1d."
    ),
    hints=[
        "Follow the shapes: (2, 8, 16) -> (2, 16, 8) -> max_pool1d -> (2, 16, 1) -> (2, 1, 16) -> (2, 1, 4, 4).",
        "The last step asks for 4 * 4 = 16 values; how many does a (2, 1, 4, 4) tensor hold?",
    ],
    solution_code='''
answer = "C"  # (2, 1, 4, 4) holds 32 values; .view(4, 4) needs exactly 16, so it raises.
''',
    correct_choice="C",
    explanations={
        "A": "That is what a depth pooling should return, but the final .view(w, h) drops N and C.",
        "B": "No step picks the first image: the view asks for 16 values out of 32 and fails instead.",
        "C": "Right: the pooling works up to (2, 1, 4, 4); then .view(4, 4) cannot fit 32 values into 16.",
        "D": "max_pool1d is fine: it sees (2, 16, 8), windows of all 8 channels. The failure comes later.",
    },
)

QUESTIONS = (q1, q2, q3)
