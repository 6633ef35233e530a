"""The importable API: types, offsets, batching, empty input, cleaning."""

import json

import pytest

from classifier import DocumentResult, predict
from classifier.text import split_paragraphs

from .conftest import seed_texts

TEXTS = seed_texts()


def test_single_text_gives_a_document_result():
    doc = predict(TEXTS["001"])
    assert isinstance(doc, DocumentResult)
    assert [(p.start, p.end) for p in doc.paragraphs] == split_paragraphs(TEXTS["001"])
    for p in doc.paragraphs:
        assert p.label in {"genuine", "spam", "boilerplate"}
        assert 0.0 <= p.spam_score <= 1.0
        assert (p.reason is not None) == (p.label == "spam")
        assert all(p.start <= s < e <= p.end for s, e in p.spans)


def test_list_gives_results_in_order_equal_to_single_calls():
    texts = [TEXTS["000"], "", TEXTS["003"]]
    batch = predict(texts)
    assert [d.to_dict() for d in batch] == [predict(t).to_dict() for t in texts]


@pytest.mark.parametrize("text", ["", "  \n\r\n\t "])
def test_empty_text_gives_an_empty_result(text):
    doc = predict(text)
    assert doc.paragraphs == () and doc.label == "clean" and doc.spam_ratio == 0.0


@pytest.mark.parametrize("bad", [b"bytes", 42, None, [1, 2], {"text": "x"}])
def test_bad_types_raise_type_error(bad):
    with pytest.raises(TypeError, match="str"):
        predict(bad)


def test_clean_text_drops_spam_and_keeps_the_rest():
    text = TEXTS["000"]
    doc = predict(text)
    spam = [p for p in doc.paragraphs if p.label == "spam"]
    assert spam, "seed 000 has a keyword list"
    for p in doc.paragraphs:
        piece = text[p.start : p.end]
        assert (piece in doc.clean_text) == (p.label != "spam")


def test_traditional_and_simplified_score_alike():
    import opencc

    simplified = opencc.OpenCC("t2s").convert(TEXTS["003"])
    a, b = predict(TEXTS["003"]), predict(simplified)
    assert [p.label for p in a.paragraphs] == [p.label for p in b.paragraphs]


def test_lone_surrogates_are_scored_not_fatal():
    """Python's json module lets lone surrogates into strings; they score as U+FFFD would and
    the original text, offsets included, comes back untouched."""
    text = json.loads('"\\u65b0\\u95fb\\ud800\\u6b63\\u6587\\n\\udfff"')
    doc = predict(text)
    replaced = predict(text.replace("\ud800", "\ufffd").replace("\udfff", "\ufffd"))
    assert doc.text == text
    assert [(p.start, p.end, p.label) for p in doc.paragraphs] == [
        (p.start, p.end, p.label) for p in replaced.paragraphs]


def test_a_page_flattened_into_one_line_is_one_paragraph_cleaned_by_its_segments(
        labeled_documents):
    """Seed 003 (a keyword list glued to a story) with its line breaks removed: one
    paragraph, scored in segments, spam through its keyword segments, and the cleaned text
    keeps the story."""
    (doc,) = [d for d in labeled_documents if d.doc_id == "seed/003"]
    text = "".join(doc.paragraphs)
    spam, cursor = [], 0
    for paragraph, label in zip(doc.paragraphs, doc.labels):
        if label == "spam":
            spam += range(cursor, cursor + len(paragraph))
        cursor += len(paragraph)
    result = predict(text)
    (paragraph,) = result.paragraphs
    assert (paragraph.start, paragraph.end) == (0, len(text))
    assert paragraph.label == "spam" and paragraph.reason is not None
    assert len(paragraph.spans) > 1 and paragraph.spans == tuple(sorted(paragraph.spans))
    removed = {i for s, e in paragraph.spans for i in range(s, e)}
    print(f"spam characters {len(spam)}, removed {len(removed)}, "
          f"of them spam {len(removed & set(spam))}")
    assert len(removed & set(spam)) >= 0.9 * len(spam)
    assert len(removed - set(spam)) <= 0.05 * (len(text) - len(spam))
    assert len(result.clean_text) == len(text) - len(removed)
