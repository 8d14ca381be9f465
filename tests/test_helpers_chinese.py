"""The helpers in Simplified Chinese: set_language("zh") and what a learner reads outside the exercises is Chinese.

Widget readouts (each explorer built as its notebook builds it), the pooling
kinds' descriptions wherever they are shown (kinds_table, kind_summary_html,
the explorer), notebook 00's environment check, and the errors a learner is
meant to read: bad input to every pooling kind, its module, the registry
lookup, the CNN helpers and check_claims. Each Chinese error is the same
exception type as the English one and still names what was expected and what
was given. Figures keep English labels (no font for Chinese ships). English
stays the default, unchanged. The fixed-width text tables of notebooks 01 and
07 (head costs, training summaries, the progress line) read in Chinese with
their columns aligned on screen, and ``workspace sync --language zh`` (make lab
LANG=zh) says what it did in Chinese.
"""

from __future__ import annotations

from html import escape
import re
import subprocess
import sys
from importlib import metadata

import pytest
import torch
from torch import nn

from gpool_helpers import (
    Claim,
    ClaimFailed,
    GlobalPool,
    SmallCNN,
    all_kinds,
    article_example,
    check_claims,
    check_environment,
    get_kind,
    global_avg_pool,
    kinds_table,
    make_shapes,
    try_head,
)
from gpool_helpers.cnn.heads import VGG16_HEAD, conv_body_cost, flatten_head_cost, pooled_head_cost
from gpool_helpers.i18n import get_language, gettext, set_language
from gpool_helpers.viz.zoo import kind_summary_html
from gpool_helpers.widgets.adaptive import adaptive_explorer
from gpool_helpers.widgets.cam import cam_explorer
from gpool_helpers.widgets.explorer import pooling_explorer
from gpool_helpers.widgets.heads import head_cost_explorer
from gpool_helpers.widgets.zoo import mean_to_max_explorer
from gpool_helpers.workspace import environment

CJK = re.compile(r"[\u4e00-\u9fff]")
KINDS = list(all_kinds().values())
KIND_IDS = [kind.name for kind in KINDS]
#: Bad inputs every pooling kind refuses: (what, input, the words naming what was given).
BAD_INPUTS = [
    pytest.param(torch.zeros(2, 3), "(2, 3)", id="2-D tensor"),
    pytest.param(torch.zeros(1, 8, 4, 4, dtype=torch.int64), "torch.int64", id="int tensor"),
]


@pytest.fixture(autouse=True)
def english_afterwards():
    """Every test starts and ends in English, whatever it switched to."""
    set_language("en")
    yield
    set_language("en")


def raised(function, *args, **kwargs) -> BaseException:
    with pytest.raises(Exception) as info:
        function(*args, **kwargs)
    return info.value


def in_both_languages(function, *args, **kwargs) -> tuple[BaseException, BaseException]:
    """The exception ``function(*args)`` raises in English, then in Chinese."""
    set_language("en")
    english = raised(function, *args, **kwargs)
    set_language("zh")
    chinese = raised(function, *args, **kwargs)
    return english, chinese


def assert_chinese_twin(english: BaseException, chinese: BaseException, *named: str) -> None:
    assert type(chinese) is type(english)
    assert CJK.search(str(chinese)), str(chinese)
    assert str(chinese) != str(english)
    for words in named:
        assert words in str(chinese), (words, str(chinese))


# -- widget readouts --------------------------------------------------------------------


def test_the_pooling_explorer_reads_in_chinese():
    set_language("zh")
    explorer = pooling_explorer()
    readout = explorer.readout.value
    assert "全局平均池化" in readout  # the kind's description, from the glossary
    assert "global_avg_pool(x)" in readout and "(1, 8, 4, 4)" in readout  # code and shapes stay as written
    assert explorer.controls["kind"].description == "池化方式"
    # The shape line ends its sentence in Chinese, not with a hard-coded ". ".
    assert "<b>avg</b>：(1, 8, 4, 4) -&gt; (1, 8)。全局平均池化" in readout, readout
    explorer.set(N=2, C=32)
    assert "第 0 个样本（共 2 个）" in explorer.readout.value
    assert "前 16 个通道（共 32 个）" in explorer.readout.value
    explorer.set(H=32, W=32, C=64, N=8)
    assert "超出了这个视图能绘制的范围（最多 65,536）。请把某个滑块调小。" in explorer.readout.value


def test_every_kind_in_the_explorer_is_described_in_chinese():
    set_language("zh")
    explorer = pooling_explorer()
    for kind in KINDS:
        explorer.controls["kind"].value = kind.name
        assert gettext(kind.description) in explorer.readout.value
        assert CJK.search(explorer.readout.value)


def test_the_adaptive_explorer_reads_in_chinese():
    set_language("zh")
    view = adaptive_explorer(in_size=7, out_size=4)
    assert "每个维度上的窗口" in view.readout.value
    assert "相邻窗口共享位置 1, 3, 5" in view.readout.value
    assert "错误：得到 6，而不是 4" in view.readout.value
    assert view.controls["mode"].description == "模式"
    view.set(in_size=8, out_size=4)
    assert "任意两个窗口都不共享位置" in view.readout.value
    assert "（正确）" in view.readout.value


def test_the_head_cost_explorer_reads_in_chinese():
    set_language("zh")
    view = head_cost_explorer()
    readout = view.readout.value
    assert "展平分类头" in readout and "池化分类头" in readout
    assert "无权重" in readout and "全局平均池化" in readout
    assert "(C·H·W)·h1 + h1" in readout  # formulas stay formulas
    assert view.controls["C"].description == "通道数 C"
    assert view.controls["H"].description == "特征图高度 H"
    assert all(CJK.search(control.description) for control in view.controls.values())
    assert [label for label, _widths in view.controls["hidden"].options][:2] == ["无：Flatten -> 类别", "一层 4096"]


def test_the_mean_to_max_explorer_reads_in_chinese():
    set_language("zh")
    features = article_example().relu()
    view = mean_to_max_explorer(features, p=3.0, r=1.0)
    assert "对所有通道取平均" in view.readout.value
    assert "GeM p = 3" in view.readout.value
    view.controls["p"].value = 0.5
    assert "（低于平均值）" in view.readout.value


def test_the_cam_explorer_reads_in_chinese():
    set_language("zh")
    torch.manual_seed(0)
    model = SmallCNN("avg", num_classes=4, channels=(8, 16)).eval()
    data = make_shapes(6, canvas_size=20, seed=0, radius_range=(3, 5))
    view = cam_explorer(model, data)
    readout = view.readout.value
    assert readout.startswith("图像 0：真实类别为 ")
    assert "偏置" in readout and "模型的 logit" in readout
    assert any(name in readout for name in ("圆形", "正方形", "三角形", "十字形"))
    assert [label for label, _index in view.controls["class_index"].options] == ["圆形", "正方形", "三角形", "十字形"]
    assert view.controls["image"].description == "图像"


def test_a_failing_draw_is_explained_in_chinese():
    import ipywidgets

    from gpool_helpers.widgets.base import FigureView

    def draw(N):
        raise ValueError("boom")

    set_language("zh")
    view = FigureView({"N": ipywidgets.IntSlider(value=1)}, draw)
    assert "无法绘制这一设置：boom" in view.readout.value


def test_the_static_picture_of_a_message_keeps_english(monkeypatch):
    """A figure cannot draw Chinese (no font ships): the PNG of a message view says it in English."""
    from gpool_helpers.widgets import base

    drawn = []
    real_new_figure = base.new_figure

    def recording_new_figure(*args, **kwargs):
        figure = real_new_figure(*args, **kwargs)
        drawn.append(figure)
        return figure

    monkeypatch.setattr(base, "new_figure", recording_new_figure)
    set_language("zh")
    view = pooling_explorer()
    view.set(N=8, C=64, H=32, W=32)
    assert CJK.search(view.readout.value)
    assert view.static_png().startswith(b"\x89PNG")
    texts = [text.get_text() for text in drawn[-1].texts]
    assert texts and not any(CJK.search(text) for text in texts)
    assert "is more than this view draws" in texts[0]


# -- pooling kinds' descriptions --------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_every_kind_description_has_a_chinese_translation(kind):
    set_language("zh")
    assert gettext(kind.description) != kind.description
    assert CJK.search(gettext(kind.description))


def test_the_kinds_table_reads_in_chinese():
    set_language("zh")
    table = kinds_table()
    lines = repr(table).splitlines()
    assert len(lines) == len(KINDS)
    assert all(CJK.search(line) for line in lines)
    html = table._repr_html_()
    assert "<th>池化方式</th><th>形状</th>" in html
    assert gettext(get_kind("avg").description) in html and "全局平均池化" in html
    assert "nn.AdaptiveAvgPool2d((1, 1))(x).flatten(1)" in html  # the torch line stays code


def test_the_kind_summary_reads_in_chinese():
    set_language("zh")
    html = kind_summary_html((1, 8, 4, 4))
    assert "<caption>输入 (1, 8, 4, 4)</caption>" in html
    assert "可学习参数" in html and re.search(r"（输入的 \d+\.\d 倍）", html)
    for kind in KINDS:
        assert gettext(kind.description) in html


# -- the environment check of notebook 00 ------------------------------------------------


def test_the_environment_check_reads_in_chinese():
    set_language("zh")
    report = check_environment()
    assert report.summary == "就绪：笔记本所需的一切都已安装。"
    text = repr(report)
    assert "（要求 3.11、3.12 或 3.13：编程语言本身）" in text
    assert "滑块和池化探索器" in text
    html = report._repr_html_()
    assert "<th>包</th><th>已安装版本</th><th>要求</th>" in html and "就绪" in html


def test_a_missing_package_and_another_torch_are_reported_in_chinese(monkeypatch):
    real_version = metadata.version

    def fake_version(name):
        if name == "ipywidgets":
            raise metadata.PackageNotFoundError(name)
        return "2.5.1+cpu" if name == "torch" else real_version(name)

    monkeypatch.setattr(environment.metadata, "version", fake_version)
    set_language("zh")
    report = check_environment()
    # The Chinese advice opens the Chinese edition: make lab LANG=zh, not make lab.
    assert report.summary.startswith("未就绪：ipywidgets。") and "`make lab LANG=zh`" in report.summary
    assert "未安装" in repr(report)
    torch_line = next(line for line in repr(report).splitlines() if " torch " in line)
    assert "池化层本身；存储的输出是用 2.13.0 生成的" in torch_line
    # The data stays English: only what is shown is translated.
    by_name = {check.name: check for check in report.checks}
    assert by_name["ipywidgets"].found == "missing"
    assert "2.13.0" in by_name["torch"].why and "the stored outputs" in by_name["torch"].why


# -- errors a learner reads --------------------------------------------------------------


@pytest.mark.parametrize("bad, given", BAD_INPUTS)
@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_every_kind_function_refuses_bad_input_in_chinese(kind, bad, given):
    english, chinese = in_both_languages(kind.function, bad)
    assert_chinese_twin(english, chinese, "(N, C, *spatial)", "浮点张量", given)


@pytest.mark.parametrize("bad, given", BAD_INPUTS)
@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_every_kind_module_refuses_bad_input_in_chinese(kind, bad, given):
    layer = GlobalPool(kind.name, channels=8)
    english, chinese = in_both_languages(layer, bad)
    assert_chinese_twin(english, chinese, given)


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_a_non_tensor_is_refused_in_chinese(kind):
    english, chinese = in_both_languages(kind.function, [[1.0, 2.0]])
    assert_chinese_twin(english, chinese, "(N, C, *spatial)", "list 类型的对象")


def test_an_empty_map_and_a_numpy_array_are_refused_in_chinese():
    english, chinese = in_both_languages(global_avg_pool, torch.zeros(1, 8, 0, 4))
    assert_chinese_twin(english, chinese, "每个空间维度都 > 0", "(1, 8, 0, 4)")
    english, chinese = in_both_languages(global_avg_pool, torch.zeros(1, 8, 4, 4).numpy())
    assert_chinese_twin(english, chinese, "numpy 数组", "torch.from_numpy")


def test_options_and_lookups_are_refused_in_chinese():
    from gpool_helpers import TopKPool, global_depth_pool, spatial_pyramid_pool, topk_pool

    x = article_example()
    assert_chinese_twin(*in_both_languages(get_kind, "AVG"), "'AVG'", "'avg'", "之一")
    assert_chinese_twin(*in_both_languages(GlobalPool, 3), "int 类型的对象")
    assert_chinese_twin(*in_both_languages(global_depth_pool, x, mode="min"), "'max', 'avg'", "'min'")
    assert_chinese_twin(*in_both_languages(topk_pool, x, k=17), "k=17", "16")
    assert_chinese_twin(*in_both_languages(TopKPool, k=0), "正整数")
    assert_chinese_twin(*in_both_languages(spatial_pyramid_pool, x, levels=2), "(2,)")
    assert_chinese_twin(*in_both_languages(get_kind, "depth-max", pools_over="space"), "空间维度", "通道维度")


def test_the_cnn_helpers_refuse_bad_input_in_chinese():
    model = SmallCNN("avg", num_classes=4)
    assert_chinese_twin(*in_both_languages(model, torch.zeros(1, 3, 8, 8)), "(N, 1, H, W)", "(1, 3, 8, 8)")
    assert_chinese_twin(*in_both_languages(SmallCNN, "flatten"), "input_size=(H, W)")
    assert_chinese_twin(*in_both_languages(try_head, nn.Linear(2, 2), [1.0]), "list 类型的对象")
    flatten = SmallCNN("flatten", num_classes=3, channels=(8,), input_size=(4, 4))
    assert_chinese_twin(*in_both_languages(flatten, torch.zeros(1, 1, 6, 6)), "(8, 2, 2)", "(8, 3, 3)")
    assert_chinese_twin(*in_both_languages(make_shapes, 0), "count", "正整数")


def test_check_claims_speaks_chinese(capsys):
    failing = Claim("GAP beats flatten", False, "0.91 < 0.93")
    english, chinese = in_both_languages(check_claims, Claim("holds", True), failing)
    assert_chinese_twin(english, chinese, "2 条结论中有 1 条", "GAP beats flatten (0.91 < 0.93)")
    assert isinstance(chinese, ClaimFailed)
    check_claims(Claim("holds", True))
    assert capsys.readouterr().out.startswith("已在本次运行中检查，所有结论均成立：")


# -- English stays the default, unchanged ------------------------------------------------


def test_english_is_the_default_and_comes_back_unchanged():
    assert get_language() == "en"
    message = str(raised(global_avg_pool, torch.zeros(2, 3)))
    assert message == (
        "global_avg_pool expects a floating-point tensor shaped (N, C, *spatial) with 1-3 spatial dims; "
        "got shape (2, 3)"
    )
    readout = pooling_explorer().readout.value
    table = repr(kinds_table())
    summary = check_environment().summary
    set_language("zh")
    assert str(raised(global_avg_pool, torch.zeros(2, 3))) != message
    set_language("en")
    assert str(raised(global_avg_pool, torch.zeros(2, 3))) == message
    assert pooling_explorer().readout.value == readout
    assert repr(kinds_table()) == table
    assert check_environment().summary == summary == "Ready: everything the notebooks need is installed."
    assert escape(get_kind("avg").description) in readout and not CJK.search(readout + table)


def test_english_errors_do_not_load_the_translations():
    """polib loads only when a language other than English is chosen, not on an English error path."""
    code = (
        "import sys, torch, gpool_helpers\n"
        "try:\n    gpool_helpers.global_avg_pool(torch.zeros(2, 3))\nexcept ValueError:\n    pass\n"
        "assert 'polib' not in sys.modules, 'polib loaded'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- fixed-width text tables (notebooks 01 and 07) ---------------------------------------
#
# A monospace font draws a Chinese character two columns wide: the tables pad by display
# width (gpool_helpers.text_width), so their columns still line up in Chinese.


def _columns_line_up(lines: list[str]) -> None:
    """Every line takes the same number of columns on screen."""
    from gpool_helpers.text_width import display_width

    widths = {display_width(line) for line in lines}
    assert len(widths) == 1, "\n".join(f"{display_width(line):>4} {line}" for line in lines)


def _summary_rows():
    from gpool_helpers.cnn.training import HeadSummary

    return [HeadSummary(head, 3, 1234 * i, 4321 * i, 99.5 - i, 0.3 * i, 80.25 + i, 1.25, 19.0 - i, 2.0)
            for i, head in enumerate(["flatten", "flatten-dropout", "avg", "max", "nin", "gem"])]


def _search(rates=(1e-3, 3e-3, 1e-2, 3e-2)):
    from gpool_helpers.cnn.training import LearningRateSearch

    heads = ["flatten", "avg", "nin"]
    validation = {(head, rate): (0.5 + 0.01 * i, 0.6) for head in heads for i, rate in enumerate(rates)}
    chosen = {head: rates[i % len(rates)] for i, head in enumerate(heads)}
    return LearningRateSearch(tuple(rates), (0, 1), validation, chosen, [])


def test_display_width_counts_a_chinese_character_as_two_columns():
    from gpool_helpers.text_width import display_width, pad

    assert display_width("GAP + linear") == len("GAP + linear")
    assert display_width("分类头") == 6 and display_width("（另有）") == 8 and display_width("± ·") == 3
    assert pad("分类头", 10) == "分类头    " and pad("分类头", 10, ">") == "    分类头"
    assert pad("head", 8) == f"{'head':<8}" and pad("head", 8, ">") == f"{'head':>8}"
    assert pad("a longer text", 4) == "a longer text"  # never cut, like a format spec


@pytest.mark.parametrize("make", [
    pytest.param(lambda: flatten_head_cost(channels=8, height=4, width=4, classes=10), id="flatten 8x4x4"),
    pytest.param(lambda: pooled_head_cost(channels=8, height=4, width=4, classes=10), id="GAP 8x4x4"),
    pytest.param(lambda: flatten_head_cost(**VGG16_HEAD), id="VGG-16 flatten"),
    pytest.param(lambda: pooled_head_cost(512, 7, 7, 1000), id="VGG-16 GAP"),
    pytest.param(lambda: pooled_head_cost(8, 4, 4, 10, hidden_widths=(64,), kind="gem"), id="GeM, learned"),
    pytest.param(lambda: conv_body_cost(), id="VGG-16 body"),
])
def test_the_head_cost_printout_reads_in_chinese_with_aligned_columns(make):
    set_language("zh")
    cost = make()
    title, *layers = str(cost).splitlines()
    assert "个参数，每张图像" in title and title.endswith("次乘加运算")
    # GAP and GMP by their names, any other kind by its code name: 全局池化（gem）分类头.
    assert re.match(r"(展平分类头|全局(平均|最大)池化分类头|全局池化（\w+）分类头|卷积主干) ", title), title
    pooling = [line for line in layers if line.startswith("  （另有池化内部的")]
    layers = [line for line in layers if line not in pooling]
    assert all(line.endswith(" 个参数") for line in layers)
    _columns_line_up(layers)
    # The formula column starts at the same screen column on every line, and so does " = ".
    from gpool_helpers.text_width import display_width

    formulas = {display_width(line[:line.index(gettext(layer.formula))]) for line, layer in zip(layers, cost.layers)}
    equals = {display_width(line[:line.index(" = ")]) for line in layers}
    assert len(formulas) == 1 and len(equals) == 1
    assert pooling == ([f"  （另有池化内部的 {cost.pooling_operations:,} 次加法或比较）"] if cost.pooling_operations else [])
    # The data stays English: only what is shown is translated.
    assert not CJK.search(cost.name + "".join(layer.name for layer in cost.layers))


def test_the_head_cost_printout_keeps_names_and_formulas():
    set_language("zh")
    text = str(pooled_head_cost(8, 4, 4, 10))
    assert text.splitlines() == [
        "全局平均池化分类头 8x4x4 -> 8 -> 10：90 个参数，每张图像 80 次乘加运算",
        "  全局平均池化                 无权重                   =             0 个参数",
        "  Linear(8 -> 10)              C·K + K                  =            90 个参数",
        "  （另有池化内部的 128 次加法或比较）",
    ]
    assert "  Linear(128 -> 10)            (C·H·W)·K + K            =" in str(flatten_head_cost(8, 4, 4, 10))
    assert "池化层的可学习参数" in str(pooled_head_cost(8, 4, 4, 10, kind="gem"))


def test_the_training_tables_read_in_chinese_with_aligned_columns():
    from gpool_helpers.cnn.training import format_nin_table, format_search, format_summary

    set_language("zh")
    summary = format_summary(_summary_rows()).splitlines()
    assert summary[0].split() == ["分类头", "参数量", "乘加运算", "训练准确率", "%", "测试准确率", "%", "训练-测试"]
    assert set(summary[1]) == {"-"}
    assert summary[2].startswith("flatten + FC ") and summary[4].startswith("GAP + linear ")  # names stay names
    _columns_line_up(summary)

    search = format_search(_search()).splitlines()
    assert search[0].split() == ["分类头"] + [word for rate in ("0.001", "0.003", "0.01", "0.03")
                                               for word in ("学习率", rate)]
    assert "NiN: 1x1 conv + GAP" in search[4] and sum(line.count("*") for line in search) == 3
    _columns_line_up(search)
    _columns_line_up(format_search(_search(rates=(0.1, 1e-05))).splitlines())

    nin = format_nin_table().splitlines()
    assert nin[0].startswith("Lin、Chen、Yan，") and "arXiv:1312.4400" in nin[0] and "CIFAR-10" in nin[0]
    assert nin[1].split() == ["他们的网络", "+", "分类头", "测试错误率", "%"]
    assert [line.split()[-1] for line in nin[2:]] == ["11.59", "10.88", "10.41"]
    assert "mlpconv + 全连接层 + dropout" in nin[3] and "mlpconv + 全局平均池化" in nin[4]
    _columns_line_up(nin[1:])


def test_the_progress_line_reads_in_chinese(monkeypatch):
    from gpool_helpers.cnn import training

    shown = []

    class Display:
        def __init__(self, text):
            self.texts = [text]
            shown.append(self)

        def update(self, text):
            self.texts.append(text)

    set_language("zh")
    line = training.ProgressLine(3, gettext("training"), show=Display)
    line.update(1)
    line.close()
    assert shown[0].texts == ["训练：0/3", "训练：1/3", "训练：已完成（3/3）"]

    # The callers' descriptions are Chinese too.
    descriptions = []

    class Recorder:
        def __init__(self, total, description):
            descriptions.append(description)

        def update(self, steps=1):
            pass

        def close(self):
            pass

    monkeypatch.setattr(training, "ProgressLine", Recorder)
    monkeypatch.setattr(training, "train_head", lambda *args, **kwargs: None)
    training.compare_heads(None, heads=("avg", "max"), seeds=(0, 1, 2), epochs=2)
    assert descriptions == ["训练 6 个模型（进度按轮计）"]


def test_the_tables_and_progress_line_stay_english_by_default():
    from gpool_helpers.cnn.training import ProgressLine, format_nin_table, format_search, format_summary

    set_language("zh")
    format_summary(_summary_rows())
    set_language("en")
    assert str(pooled_head_cost(8, 4, 4, 10, hidden_widths=(64,), kind="gem")) == (
        "global gem pooling head 8x4x4 -> 8 -> 64 -> 10: 1,227 parameters, 1,152 multiply-adds per image\n"
        "  global gem pooling           learned pooling parameters =             1 parameters\n"
        "  Linear(8 -> 64)              C·h1 + h1                =           576 parameters\n"
        "  Linear(64 -> 10)             h1·K + K                 =           650 parameters\n"
        "  (plus 128 additions or comparisons inside the pooling)"
    )
    assert str(conv_body_cost((8, "M", 16), in_channels=1, size=28)) == (
        "conv body 1x28x28 -> 16x14x14: 1,248 parameters, 282,240 (282.2 k) multiply-adds per image\n"
        "  Conv3x3(1 -> 8) at 28x28     3·3·1·8 + 8              =            80 parameters\n"
        "  Conv3x3(8 -> 16) at 14x14    3·3·8·16 + 16            =         1,168 parameters\n"
        "  (plus 6,272 additions or comparisons inside the pooling)"
    )
    assert format_nin_table() == (
        'Lin, Chen, Yan, "Network In Network", 2013, arXiv:1312.4400: their heads on CIFAR-10\n'
        "  their network, head                    test error %\n"
        "  mlpconv + fully connected                     11.59\n"
        "  mlpconv + fully connected + dropout           10.88\n"
        "  mlpconv + global average pooling              10.41"
    )
    assert format_summary(_summary_rows()[1:3]) == (
        "head                      params  mult-adds        train %         test %    train-test\n"
        "---------------------------------------------------------------------------------------\n"
        "flatten + FC + dropout     1,234      4,321     98.5 ± 0.3     81.2 ± 1.2    18.0 ± 2.0\n"
        "GAP + linear               2,468      8,642     97.5 ± 0.6     82.2 ± 1.2    17.0 ± 2.0"
    )
    assert format_search(_search()) == (
        "head                        lr 0.001    lr 0.003     lr 0.01     lr 0.03\n"
        "------------------------------------------------------------------------\n"
        "flatten + FC                  55.0 *      55.5        56.0        56.5  \n"
        "GAP + linear                  55.0        55.5 *      56.0        56.5  \n"
        "NiN: 1x1 conv + GAP           55.0        55.5        56.0 *      56.5  "
    )
    line = ProgressLine(2, "training", show=None)
    assert line.text() == "training: 0 of 2"
    line.close()
    assert line.text() == "training: done (2 of 2)"


# -- the workspace sync of make lab LANG=zh ----------------------------------------------


def _collection(folder):
    source = folder / "notebooks"
    source.mkdir()
    for name in ("00_start_here.ipynb", "02_global_average_pooling.ipynb"):
        (source / name).write_text(f'{{"cells": [], "name": "{name}"}}\n', encoding="utf-8")
    return source


def workspace_hash(path):
    from gpool_helpers.workspace.copies import file_hash

    return file_hash(path)


def _sync(capsys, source, mine, *language):
    from gpool_helpers.workspace import copies

    code = copies.main(["sync", "--source", str(source), "--workspace", str(mine), *language])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def test_the_workspace_sync_speaks_chinese(tmp_path, capsys):
    from gpool_helpers.workspace import updated_name

    source, mine = _collection(tmp_path), tmp_path / "workspace"
    assert _sync(capsys, source, mine, "--language", "zh") == (0, [
        "已将 00_start_here.ipynb 复制到 workspace/。",
        "已将 02_global_average_pooling.ipynb 复制到 workspace/。",
        f"你自己的笔记本副本在 {mine} 中：尽管随意修改，同步绝不会覆盖你的作业。",
    ], [])
    assert get_language() == "en"  # main leaves the language as it found it
    assert _sync(capsys, source, mine, "--language", "zh") == (0, [f"你的工作区 {mine} 已是最新。"], [])

    # The learner edits 02; then a new version of both notebooks arrives.
    (mine / "02_global_average_pooling.ipynb").write_text("my work\n", encoding="utf-8")
    for path in source.iterdir():
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    beside = updated_name("02_global_average_pooling.ipynb", workspace_hash(source / "02_global_average_pooling.ipynb"))
    code, out, err = _sync(capsys, source, mine, "--language", "zh")
    assert (code, err) == (0, [])
    assert out == [
        "已将 00_start_here.ipynb 更新为新版本（你没有改动过这份副本，所以不会丢失任何内容）。",
        f"02_global_average_pooling.ipynb 在本系列中有了新版本。你的副本里有你的作业，所以没有动它；"
        f"新版本放在 {beside}。请把两个文件都打开，把你需要的内容复制过去；完成后删除 {beside}。",
    ]
    assert (mine / "02_global_average_pooling.ipynb").read_text(encoding="utf-8") == "my work\n"
    assert (mine / beside).exists()

    # A notebook deleted to start over comes back; one gone upstream stays; a broken record is set aside.
    (mine / "00_start_here.ipynb").unlink()
    (source / "02_global_average_pooling.ipynb").unlink()
    (mine / ".gpool-workspace.json").write_text("{broken", encoding="utf-8")
    code, out, err = _sync(capsys, source, mine, "--language", "zh")
    assert code == 0 and out == ["已将 00_start_here.ipynb 复制到 workspace/。",
                                 f"你自己的笔记本副本在 {mine} 中：尽管随意修改，同步绝不会覆盖你的作业。"]
    assert len(err) == 1 and err[0].startswith(f"无法读取工作区记录 {mine / '.gpool-workspace.json'}（")
    assert "已把它移到 .gpool-workspace.json.unreadable。没有覆盖任何笔记本" in err[0]
    (mine / "00_start_here.ipynb").unlink()
    (source / "02_global_average_pooling.ipynb").write_text("again\n", encoding="utf-8")
    _sync(capsys, source, mine, "--language", "zh")
    (source / "02_global_average_pooling.ipynb").unlink()
    assert _sync(capsys, source, mine, "--language", "zh")[1] == [
        "02_global_average_pooling.ipynb 已不在本系列中；你的副本仍保留在 workspace/ 中。"]
    (mine / "00_start_here.ipynb").unlink()
    assert _sync(capsys, source, mine, "--language", "zh")[1] == [
        "workspace/ 中缺少 00_start_here.ipynb；已重新复制一份全新的进去。"]


def test_the_workspace_sync_errors_speak_chinese(tmp_path, capsys):
    source = _collection(tmp_path)
    (tmp_path / "a file").write_text("", encoding="utf-8")
    assert _sync(capsys, tmp_path / "nowhere", tmp_path / "w", "--language", "zh") == (1, [], [
        f"workspace sync：workspace sync 需要笔记本文件夹 {tmp_path / 'nowhere'} 存在；但它不存在"])
    assert _sync(capsys, source, tmp_path / "a file", "--language", "zh") == (1, [], [
        f"workspace sync：workspace sync 需要 {tmp_path / 'a file'} 是一个文件夹；但它是一个文件"])
    with pytest.raises(SystemExit):
        _sync(capsys, source, tmp_path / "w", "--language", "fr")


def test_the_workspace_sync_stays_english_by_default(tmp_path, capsys):
    source, mine = _collection(tmp_path), tmp_path / "workspace"
    set_language("zh")  # the kernel's language does not reach the command: it speaks what --language says
    assert _sync(capsys, source, mine) == (0, [
        "Copied 00_start_here.ipynb into workspace/.",
        "Copied 02_global_average_pooling.ipynb into workspace/.",
        f"Your own copy of the notebooks is in {mine}: edit freely; a sync never overwrites your work.",
    ], [])
    assert get_language() == "zh"
    (mine / "02_global_average_pooling.ipynb").write_text("my work\n", encoding="utf-8")
    (source / "02_global_average_pooling.ipynb").write_text("new\n", encoding="utf-8")
    code, out, _err = _sync(capsys, source, mine, "--language", "en")
    beside = f"02_global_average_pooling.updated-{workspace_hash(source / '02_global_average_pooling.ipynb')[:8]}.ipynb"
    assert out == [
        "02_global_average_pooling.ipynb has a new version in the collection. Your copy has your work in it, "
        f"so it was left as it is, and the new version is at {beside}. Open both and copy across what you "
        f"want; delete {beside} when you are done."
    ]
    assert _sync(capsys, source, mine, "--language", "en")[1] == [f"Your workspace in {mine} is up to date."]
