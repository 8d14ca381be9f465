"""A code cell's translation may change its comments and the texts it prints, nothing else.

tools/translate.py masks comments and the string literals passed to print()
(f-strings included, whose {...} fields must stay the same expressions with
the same conversions and format specs) and compares the rest token by token.
tools/english_in_outputs.py then finds any English sentence left in the
Chinese edition's stored outputs.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tools import english_in_outputs, translate

REPOSITORY = Path(__file__).resolve().parents[1]
REFUSED = "the translation changes the code, not only its comments and print() texts"

ACCEPTED = [
    ('print("flatten head:", n)  # why\n', 'print("展平分类头：", n)  # 为什么\n'),
    ('print(f"{n:,} parameters")\n', 'print(f"{n:,} 个参数")\n'),
    ('print(f"{a:.1f} and {b!r:>{w}}")\n', 'print(f"{b!r:>{w}} 与 {a:.1f}")\n'),  # fields reordered
    ('print(f"train {x}  "\n      f"test {y}")\n', 'print(f"训练 {x}  "\n      f"测试 {y}")\n'),
    ('print("share: " + ", ".join(parts))\n', 'print("占比：" + ", ".join(parts))\n'),
    ('print(f"{\'label\':<34}{v:>6}")\n', 'print(f"{\'标签\':<34}{v:>6}")\n'),
    ('print(f"{f\'seed {s}\':<34}")\n', 'print(f"{f\'随机种子 {s}\':<34}")\n'),
    ('print("yes" if ok else "no")\n', 'print("是" if ok else "否")\n'),
    ('%matplotlib inline\nprint("a", x)\n', '%matplotlib inline\nprint("甲", x)\n'),
]

# Labels that reach nothing but print(): bound to a name read only inside print()'s arguments.
ACCEPTED += [
    ('for label, head in (("its head", a), ("a GAP head", b)):\n    print(f"{label:<20}{head}")\n',
     'for label, head in (("它的分类头", a), ("GAP 分类头", b)):\n    print(f"{label:<20}{head}")\n'),
    ('inputs = {"the example": x, "a batch": y}\nfor name, t in inputs.items():\n    print(f"{name:<28} {t}")\n',
     'inputs = {"示例": x, "批量": y}\nfor name, t in inputs.items():\n    print(f"{name:<28} {t}")\n'),
    ('lines = []\nfor h in hs:\n    lines.append(f"{h} head parameters")\nprint("\\n".join(lines))\n',
     'lines = []\nfor h in hs:\n    lines.append(f"{h} 分类头参数")\nprint("\\n".join(lines))\n'),
    ('maps = f"512 x {s} maps"\nprint(f"{maps:<18} ->")\n', 'maps = f"512 x {s} 特征图"\nprint(f"{maps:<18} ->")\n'),
]

REFUSED_CASES = [
    # a label that is also read as code
    ('for label, head in (("its head", a),):\n    print(label)\n    d[label] = 1\n',
     'for label, head in (("它的", a),):\n    print(label)\n    d[label] = 1\n', REFUSED),
    ('inputs = {"the example": x}\nfor name, t in inputs.items():\n    print(name)\nz = inputs["the example"]\n',
     'inputs = {"示例": x}\nfor name, t in inputs.items():\n    print(name)\nz = inputs["the example"]\n', REFUSED),
    ('lines = []\nlines.append("a head")\nprint(len(lines))\nfirst = lines[0]\n',
     'lines = []\nlines.append("分类头")\nprint(len(lines))\nfirst = lines[0]\n', REFUSED),
    ('key = "mean"\nprint(key)\nd[key]\n', 'key = "均值"\nprint(key)\nd[key]\n', REFUSED),
    ('def f():\n    key = "mean"\n    print(key)\n', 'def f():\n    key = "均值"\n    print(key)\n', REFUSED),
    # code outside print texts
    ('print("a", x)\n', 'print("甲", y)\n', REFUSED),
    ('d["key"] = 1\nprint(d["key"])\n', 'd["键"] = 1\nprint(d["key"])\n', REFUSED),  # a dict key is code
    ('print(d["key"])\n', 'print(d["键"])\n', REFUSED),
    ('label = "head"\nprint(label)\nlog(label)\n', 'label = "分类头"\nprint(label)\nlog(label)\n', REFUSED),  # read by log too
    ('print("a " + ", ".join(s))\n', 'print("甲 " + "、".join(s))\n', REFUSED),  # the join separator is code
    ('print("a")\n', 'print("甲"); x = 1\n', REFUSED),
    ('print("a", sep="")\n', 'print("甲", sep="、")\n', REFUSED),  # keyword arguments are code
    ('log("a")\n', 'log("甲")\n', REFUSED),  # only print()
]


@pytest.mark.parametrize(("english", "translation"), ACCEPTED)
def test_a_translation_of_comments_and_print_texts_is_accepted(english, translation):
    assert translate.code_translation_problems(english, translation) == []


@pytest.mark.parametrize(("english", "translation", "problem"), REFUSED_CASES)
def test_a_translation_that_changes_code_is_refused(english, translation, problem):
    assert translate.code_translation_problems(english, translation) == [problem]


@pytest.mark.parametrize(("english", "translation", "expected", "given"), [
    ('print(f"{n:,} params")\n', 'print(f"参数 {n} 个")\n', "{n:,}", "{n}"),  # format spec dropped
    ('print(f"{n:,} params")\n', 'print(f"参数 {n + 1:,} 个")\n', "{n:,}", "{n + 1:,}"),  # another expression
    ('print(f"{n!r}")\n', 'print(f"{n}")\n', "{n!r}", "{n}"),  # conversion dropped
    ('print(f"{a} and {b}")\n', 'print(f"{a} 与 {a}")\n', "{a} {b}", "{a} {a}"),  # the same set, not just names
    ('print("plain")\n', 'print(f"{secret}")\n', "none", "{secret}"),  # a field added to a plain text
    ('print(f"{\'label\':<34}")\n', 'print(f"{\'标签\':<30}")\n', "{…:<34}", "{…:<30}"),
    ('maps = f"512 x {s} maps"\nprint(maps)\n', 'maps = f"512 x {s + 1} 特征图"\nprint(maps)\n', "{s}", "{s + 1}"),
])
def test_an_f_string_must_keep_its_fields_and_the_error_names_both(english, translation, expected, given):
    problems = translate.code_translation_problems(english, translation)
    assert len(problems) == 1
    assert f"expected {expected}, given {given}" in problems[0], problems[0]
    assert "print() text 1 must keep the replacement fields" in problems[0]


def test_a_cell_that_prints_words_gets_a_translation_entry_and_one_without_does_not():
    assert translate.translatable_code('print("flatten head:", n)\n')
    assert translate.translatable_code('print(f"{n:,} parameters")\n')
    assert not translate.translatable_code('print(x.shape)\nprint("->", y)\n')  # no words
    assert not translate.translatable_code('y = x.mean(dim=(2, 3))\n')


def test_build_refuses_a_print_translation_that_changes_a_field(tmp_path):
    import polib

    english = REPOSITORY / "notebooks" / "01_why_global_pooling.ipynb"
    po = polib.pofile(str(translate.notebook_po_path("zh", english)), wrapwidth=0)
    entry = next(e for e in po if e.msgctxt == "nb01-12 code")
    assert ":.0f}" in entry.msgstr
    entry.msgstr = entry.msgstr.replace(":.0f}", ":.1f}", 1)
    broken = tmp_path / "broken.po"
    po.save(str(broken))
    problems = translate.notebook_problems("zh", english, broken)
    assert len(problems) == 1 and "cell nb01-12 (code)" in problems[0].where
    assert "must keep the replacement fields" in problems[0].what
    with pytest.raises(ValueError, match="nb01-12"):
        translate.build_notebook("zh", english, broken)


# ----------------------------------------------------------------------------
# English prose in the Chinese outputs
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("line", [
    "The flatten head has 241 times as many parameters and does 241 times as many multiply-adds.",
    "* = the rate each head keeps:",
    "pooled vectors equal (to float rounding): True",
    "channel 2 max: nan  index: 4",
    "全局平均池化 the rate each head keeps",  # an English run inside a Chinese line
])
def test_english_prose_is_found(line):
    assert english_in_outputs.is_prose(line), english_in_outputs.english_words(line)


@pytest.mark.parametrize("line", [
    "(1, 8, 4, 4) -> (1, 8)",
    "global_avg_pool(x) 等于 x.mean(dim=(2, 3))： True",
    "nn.AdaptiveAvgPool2d((1, 1))(x): (1, 8, 1, 1)",
    "tensor([[0.2500, 0.5000]], grad_fn=<MeanBackward1>)",
    "RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x128 and 512x10)",
    "  (body): Sequential(",
    "    (0): Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))",
    "ok  GAP + linear 的过拟合并不比 flatten + FC 少",
    "1 / (H * W) = 0.0625",
    "参数 1,290 个，乘加运算 1,280 次；GAP 分类头：参数 90 个",
    "Lin、Chen、Yan，“Network In Network”，2013，arXiv:1312.4400",
    "nb07.q3：编写 my_pointing_chance(boxes, canvas_size)：每行为 (top, left, bottom, right)，像素边界包含在内",
])
def test_identifiers_torch_messages_numbers_and_formulas_are_allowed(line):
    assert not english_in_outputs.is_prose(line), english_in_outputs.english_words(line)


def test_the_scan_reads_streams_and_results_but_not_tracebacks(tmp_path):
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(...)")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="形状：(1, 8)\nthe channels averaged away, maps kept\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "an English result line here"}, execution_count=1),
        nbformat.v4.new_output("error", ename="ValueError", evalue="some words in English here",
                               traceback=["ValueError: some words in English here"]),
    ]
    notebook.cells.append(cell)
    path = tmp_path / "01_x.ipynb"
    nbformat.write(notebook, path)
    found = english_in_outputs.english_lines(path)
    assert [line.text for line in found] == ["the channels averaged away, maps kept", "an English result line here"]
    assert english_in_outputs.main([str(path)]) == 1


@pytest.mark.parametrize("notebook", sorted((REPOSITORY / "notebooks" / "zh").glob("[0-9][0-9]_*.ipynb")),
                         ids=lambda path: path.stem[:2])
def test_no_english_prose_in_the_chinese_outputs(notebook):
    lines = english_in_outputs.english_lines(notebook)
    assert not lines, f"{len(lines)} line(s) of English prose in stored outputs:\n" + "\n".join(map(str, lines))
