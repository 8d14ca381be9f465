"""The inputs every notebook starts from, made in one place so they agree."""

from __future__ import annotations

import torch

#: The blog post's example shape: one image, 8 channels, 4x4 maps.
ARTICLE_SHAPE = (1, 8, 4, 4)


def article_example(seed: int = 0, shape: tuple[int, ...] = ARTICLE_SHAPE) -> torch.Tensor:
    """The 1x8x4x4 example input, seeded so every run prints the same numbers.

    Uses its own generator, so it neither depends on nor disturbs the global
    random state of the notebook.
    """
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator)
