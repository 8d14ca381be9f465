"""Module twins derived from their functions, so a kind's options are written once.

``F.adaptive_avg_pool2d`` pairs with ``nn.AdaptiveAvgPool2d``; here each
pooling function gets its ``nn.Module`` twin from :func:`module_twin`: the
module stores the options it was built with, its ``forward`` calls the function
with them, and ``extra_repr`` prints them, so a printed model shows each
layer's options. Kinds with learned parameters (GeM's p, attention's query)
write their module by hand.
"""

from __future__ import annotations

from typing import Any, Callable

from torch import Tensor, nn

from ..i18n import gettext as _


def module_twin(
    name: str,
    function: Callable[..., Any],
    defaults: dict[str, Any] | None = None,
    check: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> type[nn.Module]:
    """An ``nn.Module`` class called ``name`` whose forward is ``function(x, **options)``.

    ``defaults`` lists the keyword options the constructor takes, in the order
    ``extra_repr`` prints them. ``check`` receives the options at construction
    and returns them validated, so a wrong option fails when the layer is built,
    not at its first forward.
    """
    defaults = dict(defaults or {})

    def __init__(self, *args: Any, **options: Any) -> None:
        nn.Module.__init__(self)
        if len(args) > len(defaults):
            raise TypeError(_("{name} takes at most {count} positional option(s) ({options}); got {got}").format(
                name=name, count=len(defaults), options=", ".join(defaults), got=len(args)))
        options.update(zip(defaults, args))
        unknown = sorted(set(options) - set(defaults))
        if unknown:
            raise TypeError(_("{name} got unexpected option(s) {unknown}; it takes {options}").format(
                name=name, unknown=", ".join(unknown), options=", ".join(defaults) or _("none")))
        values = {**defaults, **options}
        if check is not None:
            values = check(values)
        for key, value in values.items():
            setattr(self, key, value)

    def forward(self, x: Tensor) -> Any:
        return function(x, **{key: getattr(self, key) for key in defaults})

    def extra_repr(self) -> str:
        return ", ".join(f"{key}={getattr(self, key)!r}" for key in defaults)

    doc = f"Module twin of :func:`{function.__name__}`: ``{name}(**options)(x) == {function.__name__}(x, **options)``."
    twin = type(name, (nn.Module,), {
        "__init__": __init__,
        "forward": forward,
        "extra_repr": extra_repr,
        "__doc__": doc,
        "__module__": function.__module__,
        "__qualname__": name,
    })
    return twin
