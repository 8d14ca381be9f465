"""Choose a pooling layer by name: the one ``nn.Module`` built from the registry."""

from __future__ import annotations

from torch import Tensor, nn

from .registry import get_kind


class GlobalPool(nn.Module):
    """Pick a pooling kind by name, like timm's ``SelectAdaptivePool2d``.

    ``GlobalPool("avg", channels=512)`` pools (N, 512, H, W) -> (N, 512);
    ``feature_multiplier`` tells a head how wide the output is per channel.
    """

    def __init__(self, kind: str = "avg", channels: int = 0) -> None:
        super().__init__()
        pooling_kind = get_kind(kind, caller="GlobalPool")
        self.kind = pooling_kind.name
        self.pool = pooling_kind.make_module(channels)

    @property
    def feature_multiplier(self) -> int:
        return get_kind(self.kind).feature_multiplier

    def forward(self, x: Tensor) -> Tensor:
        return self.pool(x)

    def extra_repr(self) -> str:
        return f"kind={self.kind!r}"
