"""One term per concept, in every Chinese text of the repository.

docs/glossary.md fixes one Chinese term for each concept; the known wrong
variants, each with its right term, are listed beside it in
docs/glossary-wrong-variants.txt. These tests read every Chinese text a learner
or teacher meets: the msgstrs of translations/zh/*.po and
gpool_helpers/locale/zh/*.po, README.zh-CN.md, docs/*zh* and the markdown of
the Chinese notebooks. They fail on

- a known wrong variant (naming the file, the entry, the variant and the right
  term);
- half-width punctuation in a Chinese sentence: , ; : ? ! right after a Chinese
  character (or between two, with spaces), and half-width brackets around a
  Chinese aside, a gloss of a term (SE), or a citation. Code spans, code blocks,
  formulas, URLs, numbers (1,290) and shapes ((N, C), as the glossary writes
  them) are left alone.

One documented exception: a quotation of the blog post keeps the post's own
punctuation (it writes half-width commas), if it is found verbatim in one of
the post's paragraphs listed in the variants file.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

import nbformat
import polib
import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
VARIANTS_FILE = REPOSITORY / "docs" / "glossary-wrong-variants.txt"

HAN = "\u4e00-\u9fff"
#: Chinese punctuation and full-width forms: a bracket right after one of these is in Chinese too.
CJK_PUNCTUATION = "\u3000-\u303f\uff00-\uffef"


@dataclass(frozen=True)
class Variant:
    pattern: re.Pattern
    right: str
    why: str


@dataclass(frozen=True)
class Text:
    where: str  # "translations/zh/07_gap_in_a_cnn.po, entry 'a5cb8154 markdown'"
    prose: str  # the Chinese text with code, formulas and URLs blanked


def read_variants(path: Path = VARIANTS_FILE) -> tuple[list[Variant], list[str]]:
    variants, post = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("post: "):
            post.append(line.removeprefix("post: "))
            continue
        pattern, separator, rest = line.partition(" => ")
        assert separator, f"{path.name} line {number}: expected 'pattern => right term  # why'"
        right, _, why = rest.partition("#")
        variants.append(Variant(re.compile(pattern), right.strip(), why.strip()))
    return variants, post


VARIANTS, POST = read_variants()


# ---------------------------------------------------------------------------
# Every Chinese text, as prose
# ---------------------------------------------------------------------------


def _blank(match: re.Match) -> str:
    # Keep the length and the line breaks, so a hit's surroundings still read as in the file.
    return re.sub(r"[^\n]", " ", match.group())


def markdown_prose(text: str) -> str:
    """Code blocks, inline code, formulas, URLs, link targets and HTML tags blanked."""
    for pattern in (r"```.*?```", r"\$\$.*?\$\$", r"`[^`\n]*`", r"(?<![\\\w])\$[^$\n]+\$",
                    r"https?://[^\s)）>]+", r"\]\([^)\s]*\)", r"<[^>\n]+>"):
        text = re.sub(pattern, _blank, text, flags=re.S)
    return text


def code_prose(source: str) -> str:
    """The comments and string literals of a code cell: the only Chinese a code cell holds."""
    lines = [("" if line.lstrip().startswith(("%", "!")) else line) for line in source.splitlines(keepends=True)]
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("".join(lines)).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return source
    strings = {tokenize.STRING} | {getattr(tokenize, name) for name in ("FSTRING_MIDDLE",) if hasattr(tokenize, name)}
    # An English label in the code ("GAP + linear") is code; a string with Chinese in it is a printed sentence.
    return "\n".join(token.string for token in tokens
                     if token.type == tokenize.COMMENT or (token.type in strings and re.search(f"[{HAN}]", token.string)))


def po_texts(path: Path) -> list[Text]:
    texts = []
    for entry in polib.pofile(str(path), wrapwidth=0):
        strings = [entry.msgstr] + list(entry.msgstr_plural.values())
        for string in strings:
            if not re.search(f"[{HAN}]", string):
                continue
            label = entry.msgctxt or entry.msgid[:60]
            prose = code_prose(string) if (entry.msgctxt or "").endswith(" code") else markdown_prose(string)
            texts.append(Text(f"{path.relative_to(REPOSITORY)}, entry {label!r}", prose))
    return texts


def chinese_texts() -> list[Text]:
    texts: list[Text] = []
    for path in sorted((REPOSITORY / "translations" / "zh").glob("*.po")):
        texts += po_texts(path)
    for path in sorted((REPOSITORY / "gpool_helpers" / "locale" / "zh").glob("*.po")):
        texts += po_texts(path)
    documents = [REPOSITORY / "README.zh-CN.md"] + sorted((REPOSITORY / "docs").glob("*zh*"))
    for path in documents:
        if path.suffix == ".md":
            texts.append(Text(str(path.relative_to(REPOSITORY)), markdown_prose(path.read_text(encoding="utf-8"))))
    for path in sorted((REPOSITORY / "notebooks" / "zh").glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                texts.append(Text(f"{path.relative_to(REPOSITORY)}, cell {cell.id}", markdown_prose(cell.source)))
    return texts


TEXTS = chinese_texts()


def _excerpt(text: str, start: int, end: int) -> str:
    return text[max(0, start - 20):end + 20].replace("\n", " ").strip()


# ---------------------------------------------------------------------------
# Known wrong variants
# ---------------------------------------------------------------------------


def variant_problems(texts: list[Text], variants: list[Variant] = VARIANTS) -> list[str]:
    problems = []
    for text in texts:
        for variant in variants:
            for match in variant.pattern.finditer(text.prose):
                problems.append(f"{text.where}: {match.group()!r} should be {variant.right!r}"
                                f" ({variant.why}) in ...{_excerpt(text.prose, match.start(), match.end())}...")
    return problems


def test_the_variants_file_parses_and_each_pattern_is_compiled():
    assert len(VARIANTS) >= 20
    assert all(variant.right for variant in VARIANTS)
    assert POST, "the post's quoted paragraphs are listed"


def test_there_are_chinese_texts_of_every_kind_to_read():
    kinds = {text.where.split(",")[0].split("/")[0] for text in TEXTS}
    assert {"translations", "gpool_helpers", "README.zh-CN.md", "notebooks"} <= kinds
    assert len(TEXTS) > 1000


def test_no_chinese_text_uses_a_known_wrong_variant():
    problems = variant_problems(TEXTS)
    assert not problems, f"{len(problems)} wrong variants (docs/glossary-wrong-variants.txt):\n" + "\n".join(problems)


@pytest.mark.parametrize("wrong, right", [
    ("这个模型更稳健。", "鲁棒"),
    ("检查程序会留意这一点。", "检查器"),
    ("改变池化类型。", "池化方式"),
    ("4 个形状类别", "图形类别"),
    ("落在某个形状的框内", "图形的外框"),
    ("第 l 层把每个通道池化成 l x l 的网格", "第 l 个层级"),
    ("一个包含 4 项的 tuple", "元组"),
    ("全局 avg 池化分类头", "全局平均池化 / 全局最大池化 ..."),
    ("平移改变的 flatten + FC 预测", "展平分类头"),
    ("Durand, Thome and Cord，2016", "X、Y 和 Z"),
    ("Zhou et al. 注意到", "等人"),
    ("在用例「{case}」上", "“”"),
    ("原文说", "博文"),
])
def test_each_kind_of_wrong_variant_is_caught(wrong, right):
    problems = variant_problems([Text("example", wrong)])
    assert problems and right in problems[0], problems


@pytest.mark.parametrize("fine", [
    "形状为 (N, C) 的张量",
    "原文如此，“来”应为“了”",
    "一个元组 tuple(t.shape)",
    "本系列所依据的博文",
    "NIN 论文中的表格",
    "每个图形的外框",
    "flatten + FC：logits 不变",
])
def test_the_right_terms_pass(fine):
    assert not variant_problems([Text("example", markdown_prose(fine))])


# ---------------------------------------------------------------------------
# Half-width punctuation in Chinese sentences
# ---------------------------------------------------------------------------

#: , ; : ? ! right after a Chinese character, or between two with spaces around it.
HALF_WIDTH_MARK = re.compile(f"(?<=[{HAN}])[,;:?!]|[{HAN}] +[,;:?!](?= *[{HAN}])")
#: Half-width brackets after Chinese (or touching it): the content decides (see bracket_problem).
BRACKETS = re.compile(f"(?<=[{HAN}{CJK_PUNCTUATION}]) ?\\(([^()\\n]*)\\)|\\(([^()\\n]*)\\)(?=[{HAN}])")
#: A gloss of a term, (SE), (log-sum-exp), (chance level): words, not a shape, a size (H x W) or a call.
GLOSS = re.compile(r"[A-Za-z][A-Za-z0-9\- ]*[A-Za-z0-9]")
YEAR = re.compile(r"\b(19|20)\d\d\b")
#: （…) or (…）; not a half-open interval inside full-width brackets, （[0, 2)、[1, 4)）.
MIXED = re.compile(r"（[^（）()\[\n]*\)|\([^（）()\[\n]*）")


#: The mark after a typo of the post, quoted as written: （原文如此，“来”应为“了”）.
SIC = re.compile(r"（原文如此[^）]*）")


def post_quotations_blanked(prose: str, post: list[str] = POST) -> str:
    """A quotation found verbatim in the post keeps the post's punctuation: blank it."""
    def blank_if_the_posts(match: re.Match) -> str:
        quoted = SIC.sub("", match.group(1)).strip()
        return _blank(match) if quoted and any(quoted in paragraph for paragraph in post) else match.group()
    prose = re.sub(r"“([^“”\n]*)”", blank_if_the_posts, prose)
    return re.sub(r"(?m)^> ?(.*)$", blank_if_the_posts, prose)


def punctuation_problems(texts: list[Text]) -> list[str]:
    problems = []
    for text in texts:
        prose = post_quotations_blanked(text.prose)
        hits = [(m, "a half-width mark; write ，；：？！") for m in HALF_WIDTH_MARK.finditer(prose)]
        for match in BRACKETS.finditer(prose):
            content = match.group(1) if match.group(1) is not None else match.group(2)
            gloss = GLOSS.fullmatch(content) and re.search(r"[A-Za-z]{2}", content)
            if re.search(f"[{HAN}]", content) or gloss or YEAR.search(content):
                hits.append((match, "half-width brackets around Chinese, a gloss or a citation; write （…）"))
        hits += [(m, "mixed full- and half-width brackets") for m in MIXED.finditer(prose)]
        for match, what in hits:
            problems.append(f"{text.where}: {what}: ...{_excerpt(prose, match.start(), match.end())}...")
    return problems


def test_no_chinese_sentence_uses_half_width_punctuation():
    problems = punctuation_problems(TEXTS)
    assert not problems, f"{len(problems)} half-width marks in Chinese sentences:\n" + "\n".join(problems)


@pytest.mark.parametrize("wrong", [
    "参数 1,290 个,对 90 个",
    "形状:(1, 8)",
    "为什么?",
    "挤压-激励 (SE) 模块",
    "《动手学深度学习》(d2l-zh)",
    "（Woo et al. 2018, arXiv:1807.06521)",
    "模块 (Hu、Shen 和 Sun，2018)",
    "（一个注释)",
])
def test_each_kind_of_half_width_punctuation_is_caught(wrong):
    assert punctuation_problems([Text("example", markdown_prose(wrong))])


@pytest.mark.parametrize("fine", [
    "参数 1,290 个，对 90 个",
    "形状为 (N, C, H, W) 的张量，返回 (N, C)。",
    "`x.mean(dim=(2, 3))` 给出均值：",
    "形状为 (C,) 的 p",
    "用 $f(x) = x^2$ 计算",
    "见 https://arxiv.org/abs/1312.4400，第 3.2 节",
    "(a) 在 H 和 W 上求均值",
    "博文说“神经元个数可控,可调”。",
    "> 但是pytorch中没有全局深度池化函数支持,这个是我在写一个程序时候才发现,",
    "挤压-激励（SE）模块",
    "是空间大小 (H x W)，步幅",
    "（5 -> 3：[0, 2)、[1, 4)、[3, 5)）",
])
def test_code_shapes_numbers_and_the_posts_own_words_pass(fine):
    assert not punctuation_problems([Text("example", markdown_prose(fine))])


def test_a_quotation_not_in_the_post_is_checked():
    assert punctuation_problems([Text("example", "博文说“神经元个数可控,可以调整”。")])


# ---------------------------------------------------------------------------
# The post quoted the same way everywhere
# ---------------------------------------------------------------------------


#: The post's typos that the notebooks quote: (as the post has it, the mark that follows the quotation).
POST_TYPOS = [
    ("保留来", "（原文如此，“来”应为“了”）"),  # 还部分保留来输入图像的空间结构信息: 保留了
    ("最后在转换", "（原文如此，“在”应为“再”）"),  # 最后在转换为Nx1xHxW即可: 再转换
]


@pytest.mark.parametrize("typo, mark", POST_TYPOS, ids=[typo for typo, _ in POST_TYPOS])
def test_the_posts_typo_is_kept_and_marked_where_it_is_quoted(typo, mark):
    """Quoted as the post wrote it, and marked once, right after the quotation, the same way everywhere."""
    assert any(typo in paragraph for paragraph in POST)
    quoted = [text for text in TEXTS if typo in text.prose]
    assert quoted, f"the post's {typo} is quoted somewhere"
    for text in quoted:
        for match in re.finditer(typo, text.prose):
            after = text.prose[match.end():]
            position = after.find(mark)
            # The rest of the quotation, then the mark: right after its ” (or, in a block quote, its line).
            rest = after[:position]
            assert position >= 0 and "\n" not in rest and "“" not in rest and "”" not in rest[:-1], (
                f"{text.where}: {typo} quoted without {mark} right after the quotation")
