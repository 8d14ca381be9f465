"""What a prompt forbids is checked (issue 23): "in plain torch (no nn layers)", "without autograd",
"Do not call adaptive_bins". An answer that uses it is incorrect, with feedback naming the rule and
what was used, however right its values; the checker leaves torch and the profiler as it found them.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd import grad as imported_grad

from gpool_helpers import TopKPool, adaptive_bins, topk_pool
from gpool_helpers.exercises import NOTEBOOK_SETS, FunctionQuestion, Outcome, nb01, nb03, nb05, nb06
from gpool_helpers.exercises.rules import NO_AUTOGRAD, NO_NN_LAYERS, broken_rules, watching
from gpool_helpers.i18n import catalog, set_language

REPOSITORY = Path(__file__).resolve().parents[1]
QUESTIONS = [q for name in NOTEBOOK_SETS for q in importlib.import_module(f"gpool_helpers.exercises.{name}").QUESTIONS]
FUNCTION_QUESTIONS = [q for q in QUESTIONS if isinstance(q, FunctionQuestion)]


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


def _linear_inside(x, weight, bias):
    layer = nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        layer.weight.copy_(weight)
        layer.bias.copy_(bias)
    return layer(x.mean(dim=(2, 3)))


_POOL = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())  # built before the check, as a notebook cell would


def _layers_from_outside(x, weight, bias):
    return _POOL(x) @ weight.T + bias


def _hidden_in_a_try(x, weight, bias):
    try:
        nn.Flatten()(x)
    except Exception:  # noqa: BLE001 - the learner's attempt to hide the layer
        pass
    return x.mean(dim=(2, 3)) @ weight.T + bias


def test_plain_torch_and_functional_are_plain_torch():
    for answer in (
        nb01.q3.solved_answer(),
        lambda x, weight, bias: F.linear(x.mean(dim=(2, 3)), weight, bias),
        lambda x, weight, bias: torch.addmm(bias, x.flatten(2).mean(dim=2), weight.T),
    ):
        assert nb01.q3.check(answer).outcome is Outcome.CORRECT


def _by_backward(x):
    leaf = x.detach().clone().requires_grad_()
    leaf.flatten(2).max(dim=2).values.sum().backward()
    return leaf.grad


def _by_imported_grad(x):
    leaf = x.detach().clone().requires_grad_()
    return imported_grad(leaf.flatten(2).max(dim=2).values.sum(), leaf)[0]


def _by_torch_func(x):
    return torch.func.grad(lambda t: t.flatten(2).max(dim=2).values.sum())(x)


#: (question, answer, the rule it breaks, what the feedback names): each way round a rule a learner might take.
FORBIDDEN_USES = {
    "nn.Linear inside": (nb01.q3, _linear_inside, NO_NN_LAYERS, "Linear"),
    "a Sequential built outside": (nb01.q3, _layers_from_outside, NO_NN_LAYERS, "Sequential"),
    "a layer inside try/except": (nb01.q3, _hidden_in_a_try, NO_NN_LAYERS, "Flatten"),
    "backward": (nb03.q3, _by_backward, NO_AUTOGRAD, "backward()"),
    "from torch.autograd import grad": (nb03.q3, _by_imported_grad, NO_AUTOGRAD, "torch.autograd.grad"),
    "torch.func.grad": (nb03.q3, _by_torch_func, NO_AUTOGRAD, "torch.func.grad"),
    "adaptive_bins": (nb05.q1, lambda in_size, out_size: adaptive_bins(in_size, out_size), nb05.q1.rules[0],
                      "adaptive_bins"),
    "topk_pool": (nb06.q2, lambda x, k: topk_pool(x, k) - topk_pool(-x, k), nb06.q2.rules[0], "topk_pool"),
    "topk_pool inside TopKPool": (nb06.q2, lambda x, k: TopKPool(k)(x) - TopKPool(k)(-x), nb06.q2.rules[0],
                                  "topk_pool"),
}


@pytest.mark.parametrize("way", FORBIDDEN_USES)
def test_a_forbidden_use_is_named_however_it_is_reached(way):
    question, answer, rule, used = FORBIDDEN_USES[way]
    feedback = question.check(answer)
    assert feedback.outcome is Outcome.INCORRECT
    before, after = rule.message.split("{used}")
    assert feedback.lines[0].startswith(before + used) and feedback.lines[0].endswith(after), feedback.text
    assert feedback.lines[-1] == f"Apart from that, your function is right on all {len(question.cases)} cases."


def test_the_gradient_built_by_hand_is_accepted():
    def with_one_hot(x):
        n, c, h, w = x.shape
        return F.one_hot(x.flatten(2).argmax(dim=2), h * w).to(x.dtype).reshape(x.shape)

    for answer in (with_one_hot, nb03.q3.solved_answer()):
        assert nb03.q3.check(answer).outcome is Outcome.CORRECT


def test_a_broken_rule_and_a_wrong_value_are_both_said():
    feedback = nb01.q3.check(lambda x, weight, bias: nn.Flatten()(x.mean(dim=(2, 3), keepdim=True)) @ weight.T)
    assert feedback.outcome is Outcome.INCORRECT
    assert feedback.lines[0].startswith("Your function used an nn layer (Flatten)")
    assert feedback.lines[-1] == "0 of 5 cases right."


def test_the_rule_is_said_in_chinese():
    set_language("zh")
    feedback = nb01.q3.check(_linear_inside)
    assert feedback.lines[0] == catalog("zh")[NO_NN_LAYERS.message].format(used="Linear")
    feedback = nb03.q3.check(_by_backward)
    assert feedback.lines[0] == catalog("zh")[NO_AUTOGRAD.message].format(used="backward()")


def test_torch_and_the_profiler_are_left_as_they_were():
    calls = []

    def notebook_profiler(frame, event, arg):
        calls.append(event)

    module_call, module_init, backward = nn.Module.__call__, nn.Module.__init__, torch.Tensor.backward
    sys.setprofile(notebook_profiler)
    try:
        nb01.q3.check(_linear_inside)
        nb03.q3.check(lambda x: 1 / 0)
        assert sys.getprofile() is notebook_profiler
    finally:
        sys.setprofile(None)
    assert (nn.Module.__call__, nn.Module.__init__, torch.Tensor.backward) == (module_call, module_init, backward)
    with watching([NO_NN_LAYERS]) as used:
        nn.Linear(2, 3)
    assert used == {"no nn layers": ["Linear"]} and sys.getprofile() is None


def test_broken_rules_names_each_rule_an_answer_broke():
    # For graders outside check(), such as the nbgrader course.
    assert broken_rules(nb01.q3, _linear_inside) == {"no nn layers": ["Linear"]}
    assert broken_rules(nb01.q3, nb01.q3.solved_answer()) == {}
    assert broken_rules(nb03.q3, _by_backward) == {"no autograd": ["backward()"]}
    assert broken_rules(nb05.q1, lambda a, b: 1 / 0) == {}


# ----------------------------------------------------------------------------
# Every stated constraint is a rule
# ----------------------------------------------------------------------------


def _stated(text: str) -> set[str]:
    """The rules a prompt or a notebook's exercise text states."""
    stated = {f"no {name}" for name in re.findall(r"[Dd]o not call `?(\w+)`?", text)}
    if re.search(r"without\*? `?autograd", text):
        stated.add("no autograd")
    if re.search(r"no `?nn`? layers|without `?nn`? layers", text):
        stated.add("no nn layers")
    return stated


@pytest.mark.parametrize("question", FUNCTION_QUESTIONS, ids=[q.qid for q in FUNCTION_QUESTIONS])
def test_each_constraint_a_prompt_states_is_checked(question):
    assert _stated(question.prompt) == {rule.name for rule in question.rules}


def test_each_constraint_a_notebook_states_is_checked():
    for path in sorted((REPOSITORY / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for index, cell in enumerate(cells):
            qid = cell.get("metadata", {}).get("gpool", {}).get("question")
            if qid is None:
                continue
            question = next(q for q in QUESTIONS if q.qid == qid)
            # The exercise's own words: the markdown cells right above its starter cell.
            text = []
            for earlier in reversed(cells[:index]):
                if earlier["cell_type"] != "markdown":
                    break
                text.append("".join(earlier["source"]))
            stated = _stated("\n".join(text))
            assert stated <= {rule.name for rule in question.rules}, f"{path.name}: {qid} states {stated}"
