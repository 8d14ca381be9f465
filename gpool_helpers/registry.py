"""The one registry of pooling kinds.

Widgets, plots, benchmarks and tests all read this table, so a new kind is
added in one place: call :func:`register` next to the function that
implements it. Kinds are looked up by exact name, never by prefix or suffix
matching (timm once matched ``'fastcatavgmax'`` with ``endswith('avgmax')``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from torch import Tensor, nn

PoolFunction = Callable[[Tensor], Tensor]


@dataclass(frozen=True)
class TorchEquivalent:
    """A way to get the same result from torch built-ins alone.

    ``code`` is the one line a learner would type for a 4-D input called ``x``;
    ``function`` does the same for any supported rank.
    """

    code: str
    function: PoolFunction


@dataclass(frozen=True)
class PoolingKind:
    """One row of the registry.

    - ``function``: x -> pooled, with the kind's default options.
    - ``make_module``: channels -> an ``nn.Module`` computing the same thing
      (learned kinds need the channel count to size their parameters).
    - ``output_shape``: input shape -> output shape, without running anything.
    - ``torch_equivalents``: built-in ways to the same numbers, fastest-first
      is not implied; the first is the one shown to learners.
    - ``code``: how to call the helper, e.g. ``global_avg_pool(x)``.
    - ``pools_over``: ``"space"`` (one value per channel) or ``"channels"``.
    - ``feature_multiplier``: output features per input channel (2 for concat
      kinds), so a head can size its classifier without running the pool.
    """

    name: str
    function: PoolFunction
    make_module: Callable[[int], nn.Module]
    output_shape: Callable[[Sequence[int]], tuple[int, ...]]
    description: str
    code: str
    pools_over: str = "space"
    torch_equivalents: tuple[TorchEquivalent, ...] = field(default_factory=tuple)
    feature_multiplier: int = 1
    learnable: bool = False

    def __post_init__(self) -> None:
        if self.pools_over not in ("space", "channels"):
            raise ValueError(f"pools_over must be 'space' or 'channels'; got {self.pools_over!r}")


_REGISTRY: dict[str, PoolingKind] = {}


def register(kind: PoolingKind) -> PoolingKind:
    """Add ``kind``; a second kind with the same name is a programming error."""
    if not isinstance(kind, PoolingKind):
        raise TypeError(f"register expects a PoolingKind; got a {type(kind).__name__}")
    if kind.name in _REGISTRY:
        raise ValueError(f"a pooling kind named {kind.name!r} is already registered")
    _REGISTRY[kind.name] = kind
    return kind


def get_kind(name: str) -> PoolingKind:
    """The kind registered under exactly ``name``.

    Near misses ('AVG', 'avg ') are suggested in the error, never accepted:
    a lookup that guesses can silently pick the wrong kind.
    """
    known = ", ".join(repr(n) for n in _REGISTRY)
    if not isinstance(name, str):
        raise TypeError(
            f"get_kind expects a kind name (a str), one of {known}; got a {type(name).__name__}"
        )
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name.strip().lower(), list(_REGISTRY), n=1)
        suggestion = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(
            f"unknown pooling kind {name!r}{suggestion}; registered kinds are {known}"
        ) from None


def kind_names() -> tuple[str, ...]:
    """Registered names in registration order (the order menus show)."""
    return tuple(_REGISTRY)


def all_kinds() -> Mapping[str, PoolingKind]:
    """A read-only view of the registry."""
    return dict(_REGISTRY)


def per_channel_shape(shape: Sequence[int], multiplier: int = 1) -> tuple[int, ...]:
    """(N, C, *spatial) -> (N, multiplier * C): the rule for kinds that pool over space."""
    return (shape[0], multiplier * shape[1])


def depth_shape(shape: Sequence[int]) -> tuple[int, ...]:
    """(N, C, *spatial) -> (N, 1, *spatial): the rule for kinds that pool over channels."""
    return (shape[0], 1, *shape[2:])


class GlobalPool(nn.Module):
    """Pick a pooling kind by name, like timm's ``SelectAdaptivePool2d``.

    ``GlobalPool("avg", channels=512)`` pools (N, 512, H, W) -> (N, 512);
    ``feature_multiplier`` tells a head how wide the output is per channel.
    """

    def __init__(self, kind: str = "avg", channels: int = 0) -> None:
        super().__init__()
        self.kind = get_kind(kind).name
        self.pool = get_kind(kind).make_module(channels)

    @property
    def feature_multiplier(self) -> int:
        return get_kind(self.kind).feature_multiplier

    def forward(self, x: Tensor) -> Tensor:
        return self.pool(x)

    def extra_repr(self) -> str:
        return f"kind={self.kind!r}"


class KindTable:
    """The registry as a table for notebooks: name, shape rule, torch line, description."""

    def __init__(self, kinds: Mapping[str, PoolingKind], example_shape: Sequence[int] = (1, 8, 4, 4)) -> None:
        self.kinds = dict(kinds)
        self.example_shape = tuple(example_shape)

    def rows(self) -> list[tuple[str, str, str, str]]:
        rows = []
        for kind in self.kinds.values():
            shape = f"{self.example_shape} -> {kind.output_shape(self.example_shape)}"
            torch_line = kind.torch_equivalents[0].code if kind.torch_equivalents else "(none in torch)"
            rows.append((kind.name, shape, torch_line, kind.description))
        return rows

    def __repr__(self) -> str:
        return "\n".join(f"{name}: {shape}; torch: {code}; {text}" for name, shape, code, text in self.rows())

    def _repr_html_(self) -> str:
        import html

        body = "".join(
            f"<tr><td><code>{html.escape(name)}</code></td><td>{html.escape(shape)}</td>"
            f"<td><code>{html.escape(code)}</code></td><td style='text-align:left'>{html.escape(text)}</td></tr>"
            for name, shape, code, text in self.rows()
        )
        return (
            "<table><thead><tr><th>kind</th><th>shape</th><th>torch built-in</th><th>what it does</th></tr>"
            f"</thead><tbody>{body}</tbody></table>"
        )


def kinds_table(example_shape: Sequence[int] = (1, 8, 4, 4)) -> KindTable:
    """Every registered kind, with what it does to ``example_shape``."""
    return KindTable(_REGISTRY, example_shape)
