"""Normalisation and paragraph offsets."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.text import normalize, split_paragraphs


@pytest.mark.parametrize(
    "text",
    [
        "國度衛生安康委發布第五批項目名單",  # traditional
        "国家卫生健康委发布第五批项目名单",  # simplified
        "ＡＢＣ１２３　全角：测试！",  # full width
        "emoji 🙂 and 𠀀 outside the BMP",
    ],
)
def test_normalize_keeps_length(text):
    assert len(normalize(text)) == len(text)


def test_normalize_folds_traditional_to_simplified():
    assert normalize("國度衛生安康委") == normalize("国度卫生安康委") == "国度卫生安康委"
    assert normalize("ＡＢＣ") == "abc"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("標題\n\n第一段。\n\n第二段。", ["標題", "第一段。", "第二段。"]),  # blank-line separated
        ("标题\n第一段。\n第二段。", ["标题", "第一段。", "第二段。"]),  # single newlines
        ("標題\r\n\r\n正文。\r\n", ["標題", "正文。"]),  # CRLF
        ("    當前位置:主頁 > 要聞\n  \u3000正文。", ["當前位置:主頁 > 要聞", "正文。"]),  # indents
        ("\n \n\t\n", []),
        ("", []),
    ],
)
def test_split_paragraphs(text, expected):
    spans = split_paragraphs(text)
    assert [text[s:e] for s, e in spans] == expected
    assert all(text[s:e] == text[s:e].strip() for s, e in spans)


def test_split_paragraphs_offsets_are_increasing():
    text = "a\n\n  b c \r\n\u3000d"
    spans = split_paragraphs(text)
    assert spans == sorted(spans)
    assert [text[s:e] for s, e in spans] == ["a", "b c", "d"]


def test_a_long_paragraph_is_scored_in_segments_cut_at_sentence_ends_and_spaces():
    """A page flattened into one line stays one paragraph, scored in segments of at least
    SEGMENT characters, each ending at a sentence end (with its closing quote) or before white
    space, that together hold every non-space character of the line, in order; paragraphs
    up to LONG_LINE are scored whole."""
    from classifier.text import LONG_LINE, SEGMENT, split_long_line

    sentence = "记者从市卫生健康委员会获悉，全市新建社区医院十二所，服务能力明显提升。"
    quoted = "他说：“我们还会继续努力。”"
    spaced = "相关阅读 热点新闻 今日头条 "
    line = (sentence * 8 + quoted + spaced * 10 + sentence * 6).strip()
    assert len(line) > LONG_LINE
    text = "标题\n  " + line + "  \n" + sentence
    spans = split_paragraphs(text)
    assert [text[s:e] for s, e in spans] == ["标题", line, sentence]
    assert split_long_line(text, *spans[0]) == [spans[0]]
    parts = split_long_line(text, *spans[1])
    segments = [text[s:e] for s, e in parts]
    assert len(segments) > 2 and parts == sorted(parts)
    assert parts[0][0] == spans[1][0] and parts[-1][1] == spans[1][1]
    assert all(len(s) >= SEGMENT and s == s.strip() for s in segments[:-1])
    assert all(s.endswith(("。", "。”")) or text[e] == " " for s, (_, e) in
               zip(segments[:-1], parts[:-1]))
    assert "".join(segments).replace(" ", "") == line.replace(" ", "")
    whole = sentence * 8  # 280 characters
    assert split_long_line(whole, 0, len(whole)) == [(0, len(whole))]


def test_a_long_paragraph_without_any_break_is_scored_whole():
    from classifier.text import split_long_line

    line = "关键词" * 300
    assert split_long_line(line, 0, len(line)) == [(0, len(line))]


WHITE_SPACE = [chr(c) for c in range(0x3001) if chr(c).isspace()]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(WHITE_SPACE + list("甲乙。ab\u200b\ufeff")), max_size=40))
def test_paragraphs_are_the_non_blank_lines_stripped_of_every_kind_of_white_space(text):
    """Every Unicode white space ``str.strip`` knows (the ideographic space, NBSP, \\x1c–\\x1f,
    U+2028 …) is trimmed from a paragraph's edges; only "\\n" ends a line."""
    expected, offset = [], 0
    for line in text.split("\n"):
        if line.strip():
            start = offset + len(line) - len(line.lstrip())
            expected.append((start, start + len(line.strip())))
        offset += len(line) + 1
    assert split_paragraphs(text) == expected
