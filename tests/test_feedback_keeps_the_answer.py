"""A wrong answer is never told the right one (issue 23): ``solution()`` is the one place it is shown.

Every question of every set, in English and in Chinese, is fed many wrong
answers: each recognised mistake's example, and the slips people make with
the answer itself (off by one, scaled, rounded, negated, a wrong shape, a
wrong function's output). The feedback's text and HTML must not hold the
expected value in any common spelling: for 40970 "40970", "40,970",
"40 970", "4.097e4", "4.097e+04"; for a float also its repr and its
roundings to 2 to 6 significant figures; for a shape, its repr and the repr
of each part with two or more entries. For a function question the
expected value is the reference's output on each case (its shape may be
said, since the learner can see the input; its values may not).
"""

from __future__ import annotations

import importlib
import math
import re

import numpy as np
import pytest
import torch

from gpool_helpers.exercises import NOTEBOOK_SETS
from gpool_helpers.exercises.core import FunctionQuestion, Outcome, ValueQuestion
from gpool_helpers.exercises.diagnosis import as_shape
from gpool_helpers.i18n import set_language

MODULES = [importlib.import_module(f"gpool_helpers.exercises.{name}") for name in NOTEBOOK_SETS]
QUESTIONS = [question for module in MODULES for question in module.QUESTIONS]
VALUE_QUESTIONS = [q for q in QUESTIONS if isinstance(q, ValueQuestion)]
FUNCTION_QUESTIONS = [q for q in QUESTIONS if isinstance(q, FunctionQuestion)]
LANGUAGES = ("en", "zh")


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Hundreds of checks on tiny tensors: one thread, so none waits on a busy thread pool (10x slower under load)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# ----------------------------------------------------------------------------
# How people write a value
# ----------------------------------------------------------------------------


def whole_number_spellings(number: int) -> set[str]:
    digits = str(abs(number)).rstrip("0") or "0"
    mantissa = f"{abs(number):.{max(len(digits) - 1, 0)}e}"  # 4.097e+04
    sign = "-" if number < 0 else ""
    spellings = {str(number), f"{number:,}", f"{number:,}".replace(",", " "), sign + mantissa}
    spellings.add(sign + re.sub(r"e\+?0*(\d)", r"e\1", mantissa))  # 4.097e4
    return spellings


def float_spellings(value: float, figures: range = range(2, 7)) -> set[str]:
    spellings = {repr(value), str(value)}
    for count in figures:
        spellings.add(f"{value:.{count}g}")
        spellings.add(f"{value:.{count - 1}e}")
    if float(value).is_integer():
        spellings |= whole_number_spellings(int(value))
    return spellings


def shape_spellings(value) -> set[str]:
    spellings = set()
    shape = as_shape(value)
    parts = [value] if shape is not None else list(value)
    if shape is None:
        spellings |= {repr(tuple(tuple(part) for part in value)), repr([list(part) for part in value])}
    for part in parts:
        if len(part) >= 2:
            spellings |= {repr(tuple(part)), repr(list(part))}
    return spellings


def value_spellings(expected) -> set[str]:
    if isinstance(expected, torch.Tensor) and expected.dim() == 0:
        expected = expected.item()
    if isinstance(expected, bool):
        return set()
    if isinstance(expected, int):
        return whole_number_spellings(expected)
    if isinstance(expected, float):
        return float_spellings(expected)
    if isinstance(expected, (tuple, list)):
        return shape_spellings(expected)
    raise AssertionError(f"no spellings for {type(expected).__name__}")


def output_spellings(output) -> set[str]:
    """A reference output's values as they could be printed; its shape is allowed."""
    if isinstance(output, torch.Tensor):
        values = output.detach().double().flatten().tolist()
        if output.dim() == 0:
            return float_spellings(values[0])
        spellings = {repr(output.tolist())}
        if output.dtype.is_floating_point:
            for value in values:
                # Four figures and up, as the old feedback printed them ("expected -1.0274"): fewer, or a
                # whole number (4.0001 is "4" to four figures), would also match a rough size such as
                # "by about a factor of 2.5", or a case's "4x4".
                written = float_spellings(value, range(4, 7)) | {f"{value:.4f}"}
                spellings |= {w for w in written if "." in w and sum(c.isdigit() for c in w) >= 3}
        return spellings
    if isinstance(output, (tuple, list)):
        spellings = set()
        if len(output) >= 2 and all(not isinstance(item, torch.Tensor) for item in output):
            spellings |= {repr(tuple(output)), repr(list(output))}
        for item in output:
            spellings |= output_spellings(item)
        return spellings
    if isinstance(output, float):
        return float_spellings(output)
    return set()  # a single small int (an index) is too common a word to search for


#: A number as written in a text, whole tokens only ("9" is not in "1x9" or "0.95"), with
#: thousands separated by commas or spaces ("40,970", "40 970") and an exponent ("4.097e+04").
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:[., ]\d+)*(?:e[+-]?\d+)?(?!\w)")


def leaks(feedback, spellings: set[str]) -> list[str]:
    numbers = {spelling for spelling in spellings if NUMBER.fullmatch(spelling)}
    others = spellings - numbers
    found = []
    for text in (feedback.text, feedback._repr_html_()):
        for match in NUMBER.finditer(text):
            # "40 970" may sit inside a longer run of spaced numbers: try each run of its tokens.
            parts = re.split(r"(?<=\d) (?=\d)", match.group())
            runs = {" ".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)}
            found += sorted(runs & numbers)
        found += [spelling for spelling in others if spelling in text]
    return sorted(set(found))


# ----------------------------------------------------------------------------
# Wrong answers
# ----------------------------------------------------------------------------


def wrong_numbers(question: ValueQuestion, expected: float) -> list:
    precision = question.precision
    unit = precision.unit(expected)
    answers = [
        expected + 1, expected - 1, expected + unit, expected - unit, expected + 2 * unit,
        -expected, 0, 1, -1, expected * 2, expected / 2, expected * 10, expected / 10,
        expected * 64, expected / 64, expected * 1.01, expected * 0.99, expected * 1.001, expected * 1.3,
        str(expected), [expected], (expected, expected), torch.tensor([expected, expected]),
        torch.tensor(expected * 3), np.float64(expected * 0.5), True, math.inf, math.nan,
    ]
    for figures in range(1, 7):
        answers.append(float(f"{expected:.{figures}g}") + unit * 3)
        answers.append(float(f"{expected:.{figures}g}"))
    if precision.whole:
        answers += [expected + 0.5, expected - 0.25]
    return [answer for answer in answers if not _is_right(question, answer)]


def wrong_shapes(question: ValueQuestion, expected) -> list:
    single = as_shape(expected) is not None
    shapes = [tuple(expected)] if single else [tuple(part) for part in expected]
    variants = []
    for index, shape in enumerate(shapes):
        changed = [
            shape + (1,), shape[:-1], (3, *shape), tuple(size + 1 for size in shape),
            tuple(size * 2 for size in shape), tuple(-size for size in shape), tuple(reversed(shape)),
            ("a",) * len(shape), 7,
        ]
        changed += [shape[:dim] + (shape[dim] + 1,) + shape[dim + 1:] for dim in range(len(shape))]
        for part in changed:
            new = list(shapes)
            new[index] = part
            variants.append(new[0] if single else tuple(new))
            variants.append(list(new[0]) if single and isinstance(new[0], tuple) else [list(p) if isinstance(p, tuple) else p for p in new])
    variants += [tuple(reversed(shapes)), shapes[0], (shapes[0],), torch.zeros(shapes[0]), "no idea", 3]
    if not single:
        variants += [tuple(size for shape in shapes for size in shape), (*shapes, (1,))]
    return [answer for answer in variants if not _is_right(question, answer)]


def _is_right(question, answer) -> bool:
    return question.check(answer).outcome is Outcome.CORRECT


def _changed(output, how: str):
    """A reference output changed the way a slip changes it."""
    if isinstance(output, torch.Tensor):
        if not output.dtype.is_floating_point:
            return {"scaled": output * 2 + 1, "shifted": output + 1, "negated": -output - 1,
                    "wrong shape": output.unsqueeze(0), "as a list": output.tolist(),
                    "rounded": output + 1, "nudged": output + 1}[how]
        return {
            "scaled": output * 2, "shifted": output + 1, "negated": -output,
            "wrong shape": output.unsqueeze(0), "as a list": output.tolist(),
            "rounded": (output * 100).round() / 100, "nudged": output * 1.01,
        }[how]
    if isinstance(output, (tuple, list)):
        if how == "wrong shape":
            return type(output)(list(output)[:-1])
        if how == "as a list":
            return [list(item) if isinstance(item, tuple) else item for item in output]
        return type(output)(_changed(item, how) for item in output)
    if isinstance(output, bool):
        return not output
    if isinstance(output, (int, float)):
        return {"scaled": output * 2 + 1, "shifted": output + 1, "negated": -output - 1, "wrong shape": [output],
                "as a list": [output, output], "rounded": round(output, 2) + 1, "nudged": output * 1.01 + 1}[how]
    raise AssertionError(f"cannot change a {type(output).__name__}")


SLIPS = ("scaled", "shifted", "negated", "wrong shape", "as a list", "rounded", "nudged")


def wrong_functions(question: FunctionQuestion) -> dict:
    def slip(how):
        return lambda *args: _changed(question.reference(*args), how)

    functions = {f"mistake {m.name}": m.example for m in question.mistakes}
    functions.update({f"output {how}": slip(how) for how in SLIPS})
    functions["returns its first input"] = lambda *args: args[0]
    functions["returns a pair of outputs"] = lambda *args: (question.reference(*args), question.reference(*args))
    return functions


# ----------------------------------------------------------------------------
# The tests
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("question", VALUE_QUESTIONS, ids=[q.qid for q in VALUE_QUESTIONS])
def test_a_wrong_value_is_not_told_the_right_one(question, language):
    set_language(language)
    expected = question.expected
    number = expected.item() if isinstance(expected, torch.Tensor) and expected.dim() == 0 else expected
    if isinstance(number, (int, float)) and not isinstance(number, bool):
        answers = wrong_numbers(question, float(number))
    else:
        answers = wrong_shapes(question, expected)
    answers += [mistake.example for mistake in question.mistakes]
    spellings = value_spellings(expected)
    assert spellings
    for answer in answers:
        feedback = question.check(answer)
        assert feedback.outcome is Outcome.INCORRECT, f"{answer!r}: {feedback.text}"
        assert not leaks(feedback, spellings), f"{question.qid} answered {answer!r}:\n{feedback.text}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("question", FUNCTION_QUESTIONS, ids=[q.qid for q in FUNCTION_QUESTIONS])
def test_a_wrong_function_is_not_told_the_reference_output(question, language):
    set_language(language)
    spellings = set()
    for case in question.cases:
        spellings |= output_spellings(question.reference(*case.make_args()))
    assert spellings
    for name, function in wrong_functions(question).items():
        feedback = question.check(function)
        # A slip may leave an output right (a list for a tuple); a recognised mistake never does.
        if name.startswith("mistake"):
            assert feedback.outcome is not Outcome.CORRECT, f"{name}: {feedback.text}"
        assert "The checker itself failed" not in feedback.text, f"{name}: {feedback.text}"
        assert not leaks(feedback, spellings), f"{question.qid}, {name}:\n{feedback.text}"


def test_the_spellings_are_the_ones_the_issue_lists():
    assert {"40970", "40,970", "40 970", "4.097e4", "4.097e+04"} <= whole_number_spellings(40970)
    assert {"0.0286", "0.029", "0.02857", repr(1 / 35)} <= float_spellings(1 / 35)
    assert {"((1, 1), ())", "(1, 1)"} <= shape_spellings(((1, 1), ()))
    assert "(5, 4, 24, 24)" in shape_spellings((5, 4, 24, 24))


def test_the_search_would_catch_the_old_feedback():
    # The messages issue 23 quotes, as the checker printed them before.
    class Old:
        def __init__(self, text):
            self.text = text

        def _repr_html_(self):
            return self.text

    assert leaks(Old("Expected the number 40970, got the number 640."), whole_number_spellings(40970))
    assert leaks(Old("Expected the number 0.02857142873108387"), float_spellings(0.02857142873108387))
    assert leaks(Old("期望得到数字 40970，实际得到数字 640。"), whole_number_spellings(40970))
    assert not leaks(Old("odd sizes 1x1x1x9, 0.95"), whole_number_spellings(9))


def test_the_solution_still_shows_the_answer():
    from gpool_helpers.exercises import nb01

    assert "flatten_head_parameters" in nb01.q1.solution().code
    assert nb01.q1.solved_answer() == 40970
