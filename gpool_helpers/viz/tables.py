"""The registry as a table for notebooks: name, shape rule, torch line, description."""

from __future__ import annotations

import html
from typing import Mapping, Sequence

from ..pooling.registry import PoolingKind, all_kinds


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
    return KindTable(all_kinds(), example_shape)
