"""Featurisation: deterministic hashing, n-grams inside paragraphs, jieba-compatible words."""

import re

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


def test_rjieba_gives_jiebas_chinese_words(labeled_documents):
    """The fast tokenizer must cut Chinese as jieba does, so features do not depend on which
    runs. (They differ on Latin/digit runs with '.' or '-', e.g. version numbers, which jieba
    splits and rjieba keeps whole; the character n-grams see those either way.)"""
    han = re.compile("[\u4e00-\u9fff]")
    paragraphs = [normalize(p) for d in labeled_documents[::4] for p in d.paragraphs]
    assert len(paragraphs) > 5000
    jieba.setLogLevel(60)
    differ = sum(
        [w for w in tokenize(p) if han.search(w)] != [w for w in jieba.cut(p) if han.search(w)]
        for p in paragraphs
    )
    assert differ <= len(paragraphs) // 1000, f"{differ} of {len(paragraphs)} paragraphs differ"


def test_shape_features_see_separators_and_position():
    batch = Batch.from_documents([["词一,词二,词三,词四,词五", "这是一个完整的句子。"]])
    shape = shape_features(batch)
    assert shape.shape[0] == 2
    assert not np.allclose(shape[0], shape[1])
