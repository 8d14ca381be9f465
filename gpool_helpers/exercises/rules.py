"""What a function answer may not use, when its prompt says so ("in plain torch", "without autograd").

A :class:`Rule` names the functions it forbids. While a learner's function
runs on a case, :func:`watching` follows every Python call (``sys.setprofile``)
and records each forbidden one, however it was reached: ``nn.Linear(...)(x)``,
a layer built outside the function, ``from torch.autograd import grad``, or a
helper that calls one. The answer still runs to the end, so the feedback can
say both which rule it broke and whether its values were right. A learner's
``try``/``except`` cannot hide a use, since nothing is raised.

Forward-mode tricks written by hand (dual numbers through
``torch.autograd.forward_ad``) are covered through ``make_dual``; code that
avoids every Python-level entry point (a C extension) is not.

:func:`broken_rules` runs a question's cases and says which rules an answer
broke, for graders outside ``check`` (the nbgrader course).
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any, Callable, Iterator, Sequence

import torch
import torch.func
from torch import nn

from ..i18n import N_


@dataclass(frozen=True)
class Rule:
    """Something an answer may not use.

    ``message`` is the English feedback, with ``{used}`` for what was used
    ("Linear", "torch.autograd.grad"); ``forbidden`` builds, when first
    needed, {code object: how to name a call of it from its frame}.
    """

    name: str
    message: str
    forbidden: Callable[[], dict[CodeType, Callable[[FrameType], str]]]

    def watched(self) -> dict[CodeType, Callable[[FrameType], str]]:
        return self.forbidden()


def _named(name: str) -> Callable[[FrameType], str]:
    return lambda frame: name


def _module_class(frame: FrameType) -> str:
    module = frame.f_locals.get("self")
    return type(module).__name__ if module is not None else "nn.Module"


def _codes(functions: dict[str, Callable[..., Any]]) -> dict[CodeType, Callable[[FrameType], str]]:
    return {function.__code__: _named(name) for name, function in functions.items() if hasattr(function, "__code__")}


def _nn_layers() -> dict[CodeType, Callable[[FrameType], str]]:
    # Building a layer runs Module.__init__, calling it Module.__call__: either names the layer's class.
    return {nn.Module.__init__.__code__: _module_class, nn.Module.__call__.__code__: _module_class}


def _autograd() -> dict[CodeType, Callable[[FrameType], str]]:
    return _codes({
        "backward()": torch.Tensor.backward,
        "torch.autograd.backward": torch.autograd.backward,
        "torch.autograd.grad": torch.autograd.grad,
        "torch.func.grad": torch.func.grad,
        "torch.func.grad_and_value": torch.func.grad_and_value,
        "torch.func.vjp": torch.func.vjp,
        "torch.func.jvp": torch.func.jvp,
        "torch.func.jacrev": torch.func.jacrev,
        "torch.func.jacfwd": torch.func.jacfwd,
        "torch.func.hessian": torch.func.hessian,
        "torch.autograd.forward_ad.make_dual": torch.autograd.forward_ad.make_dual,
    })


NO_NN_LAYERS = Rule(
    "no nn layers",
    N_("Your function used an nn layer ({used}); this question asks for plain torch: tensors and their operations."),
    _nn_layers,
)
NO_AUTOGRAD = Rule(
    "no autograd",
    N_("Your function used autograd ({used}); this question asks you to build the gradient without it."),
    _autograd,
)


def no_call_to(name: str, function: Callable[..., Any]) -> Rule:
    """A rule against calling one helper, say ``adaptive_bins`` in a question that asks to write it."""
    return Rule(
        f"no {name}",
        N_("Your function called {used}; this question asks you to write that part yourself."),
        lambda: _codes({name: function}),
    )


@contextlib.contextmanager
def watching(rules: Sequence[Rule]) -> Iterator[dict[str, list[str]]]:
    """Record, per rule name, what the code run inside the block used against it.

    Always restores the profiler that was there before (a notebook's own %prun).
    """
    used: dict[str, list[str]] = {}
    if not rules:
        yield used
        return
    watched = {code: (rule, naming) for rule in rules for code, naming in rule.watched().items()}
    # Frames of forbidden calls under way: what they call in turn (backward() calls
    # torch.autograd.backward) is theirs, not a second use to name.
    inside: list[FrameType] = []

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            found = watched.get(frame.f_code)
            if found is not None:
                if not inside:
                    rule, naming = found
                    names = used.setdefault(rule.name, [])
                    name = naming(frame)
                    if name not in names:
                        names.append(name)
                inside.append(frame)
        elif event == "return" and inside and frame is inside[-1]:
            inside.pop()

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield used
    finally:
        sys.setprofile(previous)


def broken_rules(question: Any, answer: Callable[..., Any]) -> dict[str, list[str]]:
    """{rule name: what was used} for ``answer`` run on every case of ``question``; empty if none was broken.

    The answer's own errors are ignored here: ``question.check(answer)`` reports them.
    """
    rules = getattr(question, "rules", ())
    found: dict[str, list[str]] = {}
    for case in getattr(question, "cases", ()):
        with watching(rules) as used:
            try:
                answer(*case.make_args())
            except (Exception, SystemExit):  # noqa: BLE001 - only the rules are asked about here
                pass
        for name, names in used.items():
            found.setdefault(name, [])
            found[name] += [n for n in names if n not in found[name]]
    return found


__all__ = ["Rule", "NO_NN_LAYERS", "NO_AUTOGRAD", "no_call_to", "watching", "broken_rules"]
