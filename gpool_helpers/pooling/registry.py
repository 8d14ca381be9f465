"""The one registry of pooling kinds.

Widgets, plots, benchmarks and tests all read this table, so a new kind is
added in one place: its own module in :mod:`gpool_helpers.pooling.kinds` calls
:func:`register` below the function that implements it. Kinds are looked up by
exact name, never by prefix or suffix matching (timm once matched
``'fastcatavgmax'`` with ``endswith('avgmax')``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from torch import Tensor, nn

from ..i18n import N_, gettext as _

#: What a kind pools over (``PoolingKind.pools_over``), named in errors in the learner's language.
POOLS_OVER = (N_("space"), N_("channels"))

PoolFunction = Callable[[Tensor], Tensor]
#: The token forms of a kind (notebook 08), called by :mod:`gpool_helpers.pooling.tokens` after its checks:
#: ``masked(x, mask, **options)`` pools padded tokens, (N, L, C) with an (N, L) bool mask (or ``None``: all
#: real) -> (N, C'); ``segment(x, batch, counts, **options)`` pools concatenated sets, (T, C) with a sorted
#: batch vector and the (G,) token counts -> (G, C'). Rows and segments with no token are the wrapper's job.
MaskedFunction = Callable[..., Tensor]
SegmentFunction = Callable[..., Tensor]
#: What a kind can take, for :func:`kind_names` and :func:`all_kinds`: feature maps (N, C, *spatial),
#: padded tokens with a mask, or concatenated tokens with a batch vector.
TAKES = ("maps", "mask", "batch")


@dataclass(frozen=True)
class TorchEquivalent:
    """A way to get the same result from torch built-ins alone.

    ``code`` is the one line a learner would type for a 4-D input called ``x``;
    ``function`` does the same for any supported rank. Write ``function``
    without calling the helper it checks, and through different ops or torch's
    own layer where one exists: the registry tests compare the two, and a
    comparison of one expression with itself could never fail.
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
    - ``torch_equivalents``: built-in ways to the same numbers; the first is
      the one shown to learners. ``make bench`` times the helper against them.
    - ``references``: hand-written ways to the same numbers, from the
      definition, for the tests only (not benchmark rivals: they are not
      what a learner would reach for).
    - ``code``: how to call the helper, e.g. ``global_avg_pool(x)``.
    - ``pools_over``: ``"space"`` (one value per channel) or ``"channels"``.
    - ``masked`` / ``segment``: the same pooling over the tokens of padded
      sequences (with a mask) or of concatenated sets (with a batch vector),
      for the kinds where it means something (notebook 08); ``None`` otherwise.
      ``function`` stays the definition: on one sequence of L tokens, read as
      a (1, C, L) map, it gives what both forms give for that sequence.
    - ``module_options``: module -> the options its forward passes (GeM's p,
      attention's query and weights), so a token layer of a learned kind
      reuses the kind's own module and parameters.
    - ``in_map_menus``: ``False`` for kinds added for tokens (sum,
      statistics): they pool maps too, but the image menus, tables and
      benchmarks of notebooks 00-07 list the kinds those notebooks teach.
    """

    name: str
    function: PoolFunction
    make_module: Callable[[int], nn.Module]
    output_shape: Callable[[Sequence[int]], tuple[int, ...]]
    description: str
    code: str
    pools_over: str = "space"
    torch_equivalents: tuple[TorchEquivalent, ...] = field(default_factory=tuple)
    learnable: bool = False
    references: tuple[TorchEquivalent, ...] = field(default_factory=tuple)
    masked: MaskedFunction | None = None
    segment: SegmentFunction | None = None
    module_options: Callable[[nn.Module], dict] | None = None
    in_map_menus: bool = True

    def takes(self, what: str | None) -> bool:
        """Whether this kind takes ``what`` (one of :data:`TAKES`; ``None``: anything)."""
        if what is None:
            return True
        if what not in TAKES:
            raise ValueError(f"takes expects one of {TAKES} or None; got {what!r}")
        return {"maps": self.in_map_menus, "mask": self.masked is not None, "batch": self.segment is not None}[what]

    def __post_init__(self) -> None:
        if self.pools_over not in ("space", "channels"):
            raise ValueError(f"pools_over must be 'space' or 'channels'; got {self.pools_over!r}")

    @classmethod
    def make(cls, name: str, function: PoolFunction, make_module: Callable[[int], nn.Module], code: str,
             description: str, equivalents: Mapping[str, PoolFunction],
             references: Mapping[str, PoolFunction] | None = None, **options) -> "PoolingKind":
        """A row from its essentials, the torch equivalents as ``{code: function}``.

        ``options`` are the remaining fields (``output_shape`` defaults to one
        value per channel, ``pools_over`` to ``"space"``).
        """
        options.setdefault("output_shape", per_channel_shape)
        equivalent_rows = tuple(TorchEquivalent(text, run) for text, run in equivalents.items())
        reference_rows = tuple(TorchEquivalent(text, run) for text, run in (references or {}).items())
        return cls(name=name, function=function, make_module=make_module, code=code, description=description,
                   torch_equivalents=equivalent_rows, references=reference_rows, **options)

    @property
    def checks(self) -> tuple[TorchEquivalent, ...]:
        """Everything the tests compare the helper with: the torch equivalents, then the references."""
        return self.torch_equivalents + self.references

    def features_per_channel(self, spatial_rank: int = 2) -> int:
        """Output features per input channel for maps with ``spatial_rank`` spatial dims.

        Read off :attr:`output_shape`, so it cannot disagree with it: 1 for
        most kinds, 2 for catavgmax, 1 + 4 + 16 = 21 for a (1, 2, 4) pyramid
        on 2-D maps but 1 + 8 + 64 = 73 on 3-D ones.
        """
        output = self.output_shape((1, 1, *(1,) * spatial_rank))
        features = 1
        for size in output[1:]:
            features *= int(size)
        return features

    @property
    def feature_multiplier(self) -> int:
        """:meth:`features_per_channel` for 2-D maps, the case a CNN head sizes its classifier for."""
        return self.features_per_channel(2)


_REGISTRY: dict[str, PoolingKind] = {}


def register(kind: PoolingKind) -> PoolingKind:
    """Add ``kind``; a second kind with the same name is a programming error."""
    if not isinstance(kind, PoolingKind):
        raise TypeError(f"register expects a PoolingKind; got a {type(kind).__name__}")
    if kind.name in _REGISTRY:
        raise ValueError(f"a pooling kind named {kind.name!r} is already registered")
    _REGISTRY[kind.name] = kind
    return kind


def unregister(name: str) -> PoolingKind:
    """Remove the kind called ``name`` and return it (for tests and toy kinds tried out in a notebook)."""
    kind = get_kind(name, caller="unregister")
    del _REGISTRY[kind.name]
    return kind


def get_kind(name: str, *, caller: str = "get_kind", pools_over: str | None = None) -> PoolingKind:
    """The kind registered under exactly ``name``.

    Near misses ('AVG', 'avg ') are suggested in the error, never accepted:
    a lookup that guesses can silently pick the wrong kind. ``caller`` names
    the function in the error; ``pools_over="space"`` also refuses kinds that
    keep H and W (a classifier head needs one value per channel).
    """
    if not isinstance(name, str):
        known = ", ".join(repr(n) for n in _REGISTRY)
        raise TypeError(_("{caller} expects a kind name (a str), one of {known}; got a {type}").format(
            caller=caller, known=known, type=type(name).__name__))
    try:
        kind = _REGISTRY[name]
    except KeyError:
        known = ", ".join(repr(n) for n in _REGISTRY)
        close = difflib.get_close_matches(name.strip().lower(), list(_REGISTRY), n=1)
        suggestion = _(" (did you mean {name}?)").format(name=repr(close[0])) if close else ""
        raise ValueError(
            _("{caller} expects kind to be one of {known}; got unknown pooling kind {name}{suggestion}").format(
                caller=caller, known=known, name=repr(name), suggestion=suggestion)
        ) from None
    if pools_over is not None and kind.pools_over != pools_over:
        raise ValueError(
            _("{caller} needs a kind that pools over {pools_over} (one value per channel); "
              "{name} pools over {kind_pools_over} and keeps H and W").format(
                caller=caller, pools_over=_(pools_over), name=repr(name), kind_pools_over=_(kind.pools_over))
        )
    return kind


def kind_names(pools_over: str | None = None, takes: str | None = "maps") -> tuple[str, ...]:
    """Registered names in registration order (the order menus show).

    Optionally only those pooling over ``pools_over``; by default the kinds of
    the image menus (``takes="maps"``), ``takes="mask"`` or ``"batch"`` those
    with a token form (notebook 08), ``takes=None`` every kind.
    """
    return tuple(name for name, kind in _REGISTRY.items()
                 if pools_over in (None, kind.pools_over) and kind.takes(takes))


def all_kinds(takes: str | None = "maps") -> Mapping[str, PoolingKind]:
    """A copy of the registry, name -> kind: the image kinds by default, or those that take ``takes`` (see :func:`kind_names`)."""
    return {name: kind for name, kind in _REGISTRY.items() if kind.takes(takes)}


def per_channel_shape(shape: Sequence[int], multiplier: int = 1) -> tuple[int, ...]:
    """(N, C, *spatial) -> (N, multiplier * C): the rule for kinds that pool over space."""
    return (shape[0], multiplier * shape[1])


def depth_shape(shape: Sequence[int]) -> tuple[int, ...]:
    """(N, C, *spatial) -> (N, 1, *spatial): the rule for kinds that pool over channels."""
    return (shape[0], 1, *shape[2:])
