"""The exercise path in Simplified Chinese: set_language("zh") and every text a learner reads is Chinese.

For every question of every set: the prompt (the question's repr), each hint,
the solution (the same code, only its comments translated), the
not-attempted check, every recognised mistake's message and the heading of a
correct answer, each equal to its entry in gpool_helpers/locale/zh/exercises.po.
The checker's own words (headings, case names, diagnoses, describe_output) are
Chinese too, while ``Feedback.outcome`` stays the same enum, and English stays
the default, unchanged.
"""

from __future__ import annotations

import importlib
import io
import re
import tokenize
from pathlib import Path

import pytest
import torch

from gpool_helpers.exercises import (
    BATCH_ONE_ONLY_MESSAGE,
    IN_PLACE_MESSAGE,
    NOTEBOOK_SETS,
    RETURNED_NONE_MESSAGE,
    FunctionQuestion,
    Outcome,
    ThoughtQuestion,
    nb02,
    nb04,
    pooling_cases,
)
from gpool_helpers.exercises.diagnosis import describe_output
from gpool_helpers.i18n import catalog, get_language, set_language

REPOSITORY = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
#: Chinese characters or CJK punctuation ("{earlier}、{later}"): what a translated text shows.
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
WORDS = re.compile(r"[A-Za-z]")
ZH = catalog("zh")

MODULES = [importlib.import_module(f"gpool_helpers.exercises.{name}") for name in NOTEBOOK_SETS]
QUESTIONS = [question for module in MODULES for question in module.QUESTIONS]
QUESTION_IDS = [question.qid for question in QUESTIONS]
MISTAKES = [
    pytest.param(question, mistake, id=f"{question.qid}-{mistake.name}")
    for question in QUESTIONS
    for mistake in question.mistakes
]
HEADINGS = {
    Outcome.NOT_ATTEMPTED: "尚未作答",
    Outcome.INCORRECT: "不正确",
    Outcome.ERROR: "出错",
    Outcome.UNCHECKABLE: "无法检查",
    Outcome.CORRECT: "正确",
}


@pytest.fixture(autouse=True)
def english_afterwards():
    """Each test starts and ends in English, whatever it switched to."""
    set_language("en")
    yield
    set_language("en")


def zh(english: str) -> str:
    """The catalog's Chinese for ``english``; a missing translation fails the test that needs it."""
    assert english in ZH, f"no Chinese in exercises.po for {english[:80]!r}"
    translation = ZH[english]
    # Only a text without a single letter ("10 -> 3") may stay as it is.
    if WORDS.search(english):
        assert CHINESE.search(translation), f"the 'translation' of {english[:60]!r} has no Chinese in it"
    return translation


def code_without_comments(source: str) -> list[str]:
    """The code's tokens, comments and layout left out: what a translation may not change."""
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [token.string for token in tokens if token.type not in skip]


def comments(source: str) -> list[str]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [token.string for token in tokens if token.type == tokenize.COMMENT]


def _not_implemented(*args):
    raise NotImplementedError


# ----------------------------------------------------------------------------
# The catalog
# ----------------------------------------------------------------------------


def test_every_exercise_text_has_a_chinese_translation_with_the_same_placeholders():
    from tools import translate  # what `extract --only exercises` writes
    texts = {
        text: where
        for text, where in translate.package_texts().items()
        if translate.package_domain(where) == "exercises"
    }
    assert len(texts) > 250
    untranslated = [f"{where[0]}: {text[:70]!r}" for text, where in texts.items() if text not in ZH]
    assert not untranslated, (
        "run tools/translate.py extract --only exercises and translate:\n" + "\n".join(untranslated)
    )
    for text in texts:
        zh(text)
        assert sorted(re.findall(r"\{[^{}]*\}", ZH[text])) == sorted(re.findall(r"\{[^{}]*\}", text)), text


def test_the_glossary_terms_are_used_for_the_outcomes():
    for outcome, chinese in HEADINGS.items():
        assert zh(outcome.value) == chinese


# ----------------------------------------------------------------------------
# Every question, in Chinese
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("question", QUESTIONS, ids=QUESTION_IDS)
def test_the_prompt_is_chinese(question):
    set_language("zh")
    assert repr(question) == f"{question.qid}: {zh(question.english_prompt)}"


@pytest.mark.parametrize("question", QUESTIONS, ids=QUESTION_IDS)
def test_the_prompt_and_hints_attributes_speak_the_learners_language(question):
    """``print(nb07.q2.prompt)`` in a Chinese notebook prints Chinese (it printed the English once)."""
    english_prompt, english_hints = question.english_prompt, question.english_hints
    assert question.prompt == english_prompt and question.hints == english_hints
    set_language("zh")
    assert question.prompt == zh(english_prompt)
    assert CHINESE.search(question.prompt), question.prompt
    assert question.hints == tuple(zh(hint) for hint in english_hints)
    # What extraction reads stays the English source whatever the language.
    texts = dict(question.learner_texts())
    assert texts["prompt"] == english_prompt
    assert [texts[f"hint {n}"] for n in range(1, len(english_hints) + 1)] == list(english_hints)
    set_language("en")
    assert question.prompt == english_prompt and question.hints == english_hints


def test_printing_a_prompt_in_a_chinese_notebook_prints_chinese(capsys):
    from gpool_helpers.exercises import nb07

    set_language("zh")
    print(nb07.q2.prompt)
    printed = capsys.readouterr().out
    assert printed == zh(nb07.q2.english_prompt) + "\n"
    assert "The notebook's" not in printed


@pytest.mark.parametrize("question", QUESTIONS, ids=QUESTION_IDS)
def test_every_hint_is_chinese(question):
    set_language("zh")
    count = len(question.english_hints)
    for number, hint in enumerate(question.english_hints, start=1):
        feedback = question.hint(number)
        assert feedback.heading == zh("hint {number} of {count}").format(number=number, count=count)
        assert feedback.lines == (zh(hint),)
    out_of_range = question.hint(count + 1)
    assert out_of_range.heading == zh("there are hints 1 to {count}; got {got}").format(count=count, got=count + 1)


@pytest.mark.parametrize("question", QUESTIONS, ids=QUESTION_IDS)
def test_the_solution_is_the_same_code_with_chinese_comments(question):
    set_language("zh")
    feedback = question.solution()
    assert feedback.heading == zh("solution")
    assert feedback.code == zh(question.solution_code)
    assert code_without_comments(feedback.code) == code_without_comments(question.solution_code)
    english_comments, chinese_comments = comments(question.solution_code), comments(feedback.code)
    assert len(chinese_comments) == len(english_comments)
    assert all(CJK.search(comment) for comment in chinese_comments), chinese_comments


@pytest.mark.parametrize("question", QUESTIONS, ids=QUESTION_IDS)
def test_the_untouched_starter_is_not_attempted_in_chinese(question):
    set_language("zh")
    starters = [...]
    if isinstance(question, FunctionQuestion):
        starters.append(_not_implemented)
    expected = (
        zh("Fill in {name} above, run that cell, then run this check again.").format(name=question.answer_name),
        zh("Stuck? {qid}.hint() gives a hint.").format(qid=question.qid),
    )
    for starter in starters:
        feedback = question.check(starter)
        assert feedback.outcome is Outcome.NOT_ATTEMPTED
        assert feedback.heading == "尚未作答"
        assert feedback.lines == expected
    no_answer = question.check()
    assert no_answer.outcome is Outcome.NOT_ATTEMPTED
    assert no_answer.lines == (
        zh("Pass your answer to the check: {qid}.check({name}).").format(qid=question.qid, name=question.answer_name),
    )


@pytest.mark.parametrize("question", QUESTIONS, ids=QUESTION_IDS)
def test_the_reference_answer_is_correct_in_chinese(question):
    set_language("zh")
    feedback = question.check(question.solved_answer())
    assert feedback.outcome is Outcome.CORRECT, feedback.text
    assert feedback.heading == "正确"
    assert feedback.text.splitlines()[0] == f"{question.qid}: 正确"
    assert all(CJK.search(line) for line in feedback.lines), feedback.text
    if isinstance(question, FunctionQuestion):
        separator = zh("{earlier}; {later}").format(earlier="", later="")
        names = separator.join(zh(case.name) for case in question.cases)
        assert feedback.lines[0] == zh("Correct on all {count} cases: {cases}.").format(
            count=len(question.cases), cases=names
        )


@pytest.mark.parametrize(("question", "mistake"), MISTAKES)
def test_every_mistake_example_gets_its_chinese_message(question, mistake):
    # As tests/test_exercise_sets.py feeds them, in Chinese.
    assert mistake.example is not None, f"{question.qid}: mistake {mistake.name!r} has no example"
    set_language("zh")
    feedback = question.check(mistake.example)
    assert feedback.outcome in (Outcome.INCORRECT, Outcome.ERROR), feedback.text
    assert feedback.heading == HEADINGS[feedback.outcome]
    assert zh(mistake.message) in feedback.lines, feedback.text
    assert mistake.message not in feedback.text


@pytest.mark.parametrize("question", [q for q in QUESTIONS if isinstance(q, FunctionQuestion)], ids=lambda q: q.qid)
def test_every_case_name_is_chinese(question):
    for case in question.cases:
        zh(case.name)


# ----------------------------------------------------------------------------
# The checker's own words
# ----------------------------------------------------------------------------


def test_a_raising_answer_is_explained_in_chinese():
    set_language("zh")

    def broken(x):
        raise ValueError("deliberately broken answer")

    feedback = nb02.q1.check(broken)
    assert feedback.outcome is Outcome.ERROR and feedback.heading == "出错"
    case = zh(nb02.q1.cases[0].name)
    assert feedback.lines[0] == zh("On case '{case}' your function raised {error}.").format(
        case=case, error="ValueError: deliberately broken answer"
    )
    assert feedback.lines[-1] == zh("{passed} of {total} cases right.").format(passed=0, total=len(nb02.q1.cases))


def test_the_shared_messages_are_shown_in_chinese():
    set_language("zh")
    in_place = nb02.q1.check(lambda x: x.mul_(2).mean(dim=(2, 3)))
    assert zh(IN_PLACE_MESSAGE) in in_place.lines, in_place.text
    returned_none = nb02.q1.check(lambda x: None)
    assert returned_none.lines[0].endswith(zh(RETURNED_NONE_MESSAGE)), returned_none.text
    # Right for each sample alone, an error on a batch.
    batch_one = nb04.q1.check(lambda x: x.amax(dim=1, keepdim=True).reshape(1, 1, *x.shape[2:]))
    assert zh(BATCH_ONE_ONLY_MESSAGE) in batch_one.lines, batch_one.text


def test_the_generic_diagnosis_names_dims_in_chinese():
    set_language("zh")
    feedback = nb02.q1.check(lambda x: x.sum(dim=(1, 3)))
    assert feedback.lines[0].startswith("在用例“1x8x4x4 示例”上"), feedback.text
    assert "一个形状为 (1, 8) 的张量 (torch.float32)" in feedback.lines[0]
    assert "第 1、3 维 (C, W)" in feedback.text and "第 2、3 维 (H, W)" in feedback.text
    values = nb02.q1.check(lambda x: x.mean(dim=(2, 3)) + 1)
    assert any(line.startswith("形状正确，但数值不同。") for line in values.lines), values.text


def test_describe_output_in_chinese_and_english():
    examples = [torch.zeros(1, 8), (), [1, 2, 3, 4, 5], True, 3.5, "abc", object()]
    english = [describe_output(value) for value in examples]
    assert english == [
        "a tensor of shape (1, 8) (torch.float32)",
        "an empty tuple",
        "a list of 5: the number 1, the number 2, the number 3 and 2 more",
        "the bool True",
        "the number 3.5",
        "the text 'abc'",
        "an object",
    ]
    set_language("zh")
    chinese = [describe_output(value) for value in examples]
    assert all(CJK.search(text) for text in chinese), chinese
    assert chinese[0] == "一个形状为 (1, 8) 的张量 (torch.float32)"


def test_value_and_thought_feedback_in_chinese():
    set_language("zh")
    thought = ThoughtQuestion("nb90.q1", "Why?", ["Think."], "answer = 'because'")
    feedback = thought.check("no idea")
    assert feedback.outcome is Outcome.UNCHECKABLE and feedback.heading == "无法检查"
    assert feedback.lines == (
        zh("This one is for thinking, not for checking: compare your answer with {qid}.solution().").format(
            qid="nb90.q1"
        ),
    )
    choice = ThoughtQuestion(
        "nb90.q2", "Pick", ["h"], "answer = 'A'", explanations={"A": "yes", "B": "no"}, correct_choice="A"
    )
    assert choice.check("z").lines[0].startswith("请从 'A', 'B' 中选一个作答")
    numbers = nb02.q2.check(12345)
    too_large = zh("is too large, by a factor of more than {low}").format(low="1,000")
    assert numbers.heading == "不正确" and numbers.lines == (zh("Your answer {how}.").format(how=too_large),)
    assert numbers.lines == ("你的答案偏大，是应有值的 1,000 倍以上。",)
    rounded = nb02.q2.check(0.03)
    precision = zh("to {count} significant figures").format(count=2)
    assert rounded.lines == (zh("Close, but rounded further than asked: give it {precision}.").format(precision=precision),)
    shapes = nb02.q3.check(((1, 1, 1), (4, 4)))
    assert shapes.lines == ("你的第一个形状有 3 个维度；应有 2 个维度。", "你的第二个形状有 2 个维度：太多了。")


def test_an_error_message_ending_in_a_full_stop_gets_one_chinese_full_stop():
    set_language("zh")

    def reshape_please(x):
        raise RuntimeError("Use .reshape(...) instead.")

    feedback = nb02.q1.check(reshape_please)
    assert feedback.lines[0].endswith("RuntimeError: Use .reshape(...) instead。"), feedback.lines[0]
    assert ".。" not in feedback.text


def test_a_failing_checker_says_so_in_chinese():
    def broken_reference(x):
        raise RuntimeError("reference bug")

    question = FunctionQuestion(
        "nb90.q3", "p", broken_reference, pooling_cases()[:1], ["h"], "def f(x):\n    return x", "f"
    )
    set_language("zh")
    feedback = question.check(lambda x: x)
    assert feedback.outcome is Outcome.UNCHECKABLE and feedback.heading == "无法检查"
    assert feedback.lines == (
        zh("The checker itself failed ({error}). Please report this.").format(error="RuntimeError: reference bug"),
    )


# ----------------------------------------------------------------------------
# English stays the default, unchanged
# ----------------------------------------------------------------------------


def test_english_is_the_default_and_comes_back_unchanged():
    assert get_language() == "en"
    question = nb02.q1

    def english_texts():
        return (
            repr(question),
            question.hint().text,
            question.solution().text,
            question.check(...).text,
            question.check(question.solved_answer()).text,
            question.check(lambda x: x.sum(dim=(1, 3))).text,
        )

    before = english_texts()
    assert before[0] == f"nb02.q1: {question.prompt}"
    assert before[2] == f"nb02.q1: solution\n{question.solution_code}"
    assert before[3].splitlines()[0] == "nb02.q1: not attempted yet"
    assert before[4].splitlines()[0] == "nb02.q1: correct"
    assert "you pooled over dims 1, 3 (C, W); this question pools over dims 2, 3 (H, W)." in before[5]
    set_language("zh")
    chinese = english_texts()
    assert all(CJK.search(text) for text in chinese)
    set_language("en")
    assert english_texts() == before
    assert [outcome.value for outcome in Outcome] == [
        "not attempted yet", "incorrect", "raised an error", "cannot be checked", "correct",
    ]
