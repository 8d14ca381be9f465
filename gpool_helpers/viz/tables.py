"""The registry as a table for notebooks: name, shape rule, torch line, description."""

from __future__ import annotations

import html
from typing import Mapping, Sequence

from ..i18n import gettext as _
from ..pooling.registry import PoolingKind, all_kinds

__all__ = ["KindTable", "kinds_table"]


class KindTable:
    """The registry as a table for notebooks: name, shape rule, torch line, description."""

    def __init__(self, kinds: Mapping[str, PoolingKind], example_shape: Sequence[int] = (1, 8, 4, 4)) -> None:
        self.kinds = dict(kinds)
        self.example_shape = tuple(example_shape)

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(name, shape rule, torch line, description), the texts in the learner's language."""
        rows = []
        for kind in self.kinds.values():
            shape = f"{self.example_shape} -> {kind.output_shape(self.example_shape)}"
            torch_line = kind.torch_equivalents[0].code if kind.torch_equivalents else _("(none in torch)")
            rows.append((kind.name, shape, torch_line, _(kind.description)))
        return rows

    def __repr__(self) -> str:
        line = _("{name}: {shape}; torch: {code}; {text}")
        return "\n".join(line.format(name=name, shape=shape, code=code, text=text)
                         for name, shape, code, text in self.rows())

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><td><code>{html.escape(name)}</code></td><td>{html.escape(shape)}</td>"
            f"<td><code>{html.escape(code)}</code></td><td style='text-align:left'>{html.escape(text)}</td></tr>"
            for name, shape, code, text in self.rows()
        )
        return (
            f"<table><thead><tr><th>{_('kind')}</th><th>{_('shape')}</th><th>{_('torch built-in')}</th>"
            f"<th>{_('what it does')}</th></tr></thead><tbody>{body}</tbody></table>"
        )


def kinds_table(example_shape: Sequence[int] = (1, 8, 4, 4)) -> KindTable:
    """Every registered kind, with what it does to ``example_shape``."""
    return KindTable(all_kinds(), example_shape)
