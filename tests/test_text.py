"""Normalisation and paragraph offsets."""

import pytest

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
