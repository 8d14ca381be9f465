"""The helpers in Simplified Chinese: set_language("zh") and what a learner reads outside the exercises is Chinese.

Widget readouts (each explorer built as its notebook builds it), the pooling
kinds' descriptions wherever they are shown (kinds_table, kind_summary_html,
the explorer), notebook 00's environment check, and the errors a learner is
meant to read: bad input to every pooling kind, its module, the registry
lookup, the CNN helpers and check_claims. Each Chinese error is the same
exception type as the English one and still names what was expected and what
was given. Figures keep English labels (no font for Chinese ships). English
stays the default, unchanged.
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
from gpool_helpers.cnn.heads import FlattenHead
from gpool_helpers.i18n import get_language, gettext, set_language
from gpool_helpers.viz.zoo import kind_summary_html
from gpool_helpers.widgets.adaptive import adaptive_explorer
from gpool_helpers.widgets.cam import cam_explorer
from gpool_helpers.widgets.explorer import explorer_state, pooling_explorer
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
    assert explorer.controls["kind"].description == "池化类型"
    explorer.set(N=2, C=32)
    assert "第 0 个样本（共 2 个）" in explorer.readout.value
    assert "前 16 个通道（共 32 个）" in explorer.readout.value
    explorer.set(H=32, W=32, C=64, N=8)
    assert "超出了这个视图能绘制的范围（最多 65,536）。请把某个滑块调小。" in explorer.readout.value
    assert "超出了探索器能绘制的范围" in explorer_state(8, 64, 32, 32, 0, "avg").message


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
    assert "无权重" in readout and "全局 avg 池化" in readout
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
    assert "<th>池化类型</th><th>形状</th>" in html
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
    assert "（要求 >= 3.10：编程语言本身）" in text
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
    assert report.summary.startswith("未就绪：ipywidgets。") and "`make lab`" in report.summary
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
    head = FlattenHead((8, 2, 2), hidden_units=4, num_classes=3)
    assert_chinese_twin(*in_both_languages(head, torch.zeros(1, 8, 3, 3)), "(8, 2, 2)", "(8, 3, 3)")
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
