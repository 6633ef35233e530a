"""Featurisation: deterministic hashing, n-grams inside paragraphs, jieba-compatible words."""

import jieba
import numpy as np

from classifier.features import Batch, char_ngram_ids, shape_features, tokenize, word_ids
from classifier.text import normalize


def test_char_ngrams_count_and_stay_inside_paragraphs():
    rows, cols = char_ngram_ids(["ab", "c"], 2**20)
    # "ab" with edge marks: a, b; ^a, ab, b$; ^ab, ab$  → 7. "c": c; ^c, c$; ^c$ → 4.
    assert np.bincount(rows).tolist() == [7, 4]


def test_char_ngram_hashing_is_deterministic_and_order_free():
    one = char_ngram_ids(["包装网推荐", "国家卫生"], 2**19)
    two = char_ngram_ids(["国家卫生", "包装网推荐"], 2**19)
    assert sorted(one[1][one[0] == 0]) == sorted(two[1][two[0] == 1])


def test_word_ids_match_tokens():
    rows, cols = word_ids(["我们 在 北京", ""], 2**18)
    assert rows.tolist() == [0, 0, 0]
    assert len(set(cols.tolist())) == 3


def test_rjieba_tokens_equal_jieba(labeled_documents):
    """The fast tokenizer must give jieba's words, so features do not depend on which runs."""
    paragraphs = [normalize(p) for d in labeled_documents[::25] for p in d.paragraphs][:400]
    assert len(paragraphs) >= 100
    jieba.setLogLevel(60)
    for paragraph in paragraphs:
        assert tokenize(paragraph) == [w for w in jieba.cut(paragraph) if not w.isspace()]


def test_shape_features_see_separators_and_position():
    batch = Batch.from_documents([["词一,词二,词三,词四,词五", "这是一个完整的句子。"]])
    shape = shape_features(batch)
    assert shape.shape[0] == 2
    assert not np.allclose(shape[0], shape[1])
