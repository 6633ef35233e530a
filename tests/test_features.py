"""Featurisation: deterministic hashing, n-grams inside paragraphs, jieba-compatible words."""

import re

import jieba
import numpy as np

from classifier.features import (
    _PRIME,
    SURPRISE_BINS,
    Batch,
    _mix,
    _surprise_bin,
    char_ngram_ids,
    count_matrix,
    cut_batch,
    hash_words,
    segment_moving_mean,
    shape_features,
    tokenize,
)
from classifier.quality import _MAX_WORD
from classifier.text import normalize


def test_char_ngrams_count_and_stay_inside_paragraphs():
    rows, cols = char_ngram_ids(["ab", "c"], 2**20)
    # "ab" with edge marks: a, b; ^a, ab, b$; ^ab, ab$  → 7. "c": c; ^c, c$; ^c$ → 4.
    assert np.bincount(rows).tolist() == [7, 4]


def test_char_ngram_hashing_is_deterministic_and_order_free():
    one = char_ngram_ids(["包装网推荐", "国家卫生"], 2**19)
    two = char_ngram_ids(["国家卫生", "包装网推荐"], 2**19)
    assert sorted(one[1][one[0] == 0]) == sorted(two[1][two[0] == 1])


def _reference_hash(word, cap):
    """hash_words written plainly, for one word."""
    h = 0
    for i, ch in enumerate(word[:cap]):
        h = (h + ord(ch) * pow(int(_PRIME), i + 1, 2**64)) % 2**64
    h = (h + min(len(word), cap)) % 2**64
    return int(_mix(np.array([h], dtype=np.uint64))[0])


def test_batched_cut_gives_each_paragraph_its_own_words_and_hashes(labeled_documents):
    """Cutting a whole batch at once gives each paragraph exactly its own words, also for
    blank paragraphs, white space runs, CR/LF and words longer than the hash cap."""
    paragraphs = [normalize(p) for d in labeled_documents[::40] for p in d.paragraphs]
    paragraphs += ["", "  ", "a\r", "\u3000新闻\t", "x" * 100 + " 中国", "\r", "末尾 "]
    tokens, codes, lengths, rows = cut_batch(paragraphs)
    words = [(row, token) for token, row in zip(tokens, rows.tolist()) if row >= 0]
    expected = [(row, w) for row, p in enumerate(paragraphs) for w in tokenize(p)]
    assert words == expected
    hashes = hash_words(codes, lengths, _MAX_WORD)[rows >= 0]  # the quality model's cap
    assert hashes.tolist() == [_reference_hash(w, _MAX_WORD) for _, w in expected]


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


def test_segment_moving_mean_equals_a_window_per_character():
    """The sliced moving mean gives, for every character, the mean of its window cut at its
    paragraph's edges: empty and one-character paragraphs, and every width the model uses."""
    rng = np.random.default_rng(3)
    for _ in range(100):
        lengths = rng.integers(0, 9, rng.integers(1, 20))
        values = rng.normal(size=int(lengths.sum())) * 5
        for width in (1, 3, 5, 7):
            half = width // 2
            expected, start = [], 0
            for length in lengths.tolist():
                for i in range(length):
                    window = values[start + max(i - half, 0) : start + min(i + half + 1, length)]
                    expected.append(window.sum() / len(window))
                start += length
            np.testing.assert_allclose(segment_moving_mean(values, lengths, width), expected,
                                       rtol=1e-12, atol=1e-12)


def test_surprise_bins_equal_a_sorted_search():
    """Binning by comparisons puts every value, edges and infinity included, where a binary
    search over the bin edges does."""
    values = np.r_[np.random.default_rng(5).gamma(2.0, 2.0, 10_000), SURPRISE_BINS,
                   np.nextafter(SURPRISE_BINS, -np.inf), 0.0, np.inf]
    np.testing.assert_array_equal(_surprise_bin(values),
                                  np.searchsorted(SURPRISE_BINS, values, side="right"))


def _sorted_search(keys: np.ndarray, queries: np.ndarray) -> np.ndarray:
    at = np.minimum(np.searchsorted(keys, queries), len(keys) - 1)
    return np.where(keys[at] == queries, at, -1)


def test_key_index_confirms_fingerprints(monkeypatch):
    """With a fingerprint of two bits, most probes meet a matching print of another key, and
    odd queries carry the print empty slots hold (even keys never do): the index must still
    find exactly what a binary search finds."""
    from classifier.lm import KeyIndex

    def two_bits(keys):
        return (np.asarray(keys) & np.uint64(3)).astype(np.uint32)

    monkeypatch.setattr(KeyIndex, "_fingerprint", staticmethod(two_bits))
    rng = np.random.default_rng(1)
    keys = np.unique(rng.integers(0, 2**62, 3000, dtype=np.uint64) * np.uint64(2))
    index = KeyIndex(keys)
    assert index.empty == 1
    queries = np.r_[keys, keys + np.uint64(1), keys + np.uint64(2), keys + np.uint64(3)]
    assert np.array_equal(index.find(queries), _sorted_search(keys, queries))


def test_key_index_finds_what_a_sorted_search_finds():
    """The hash index behind the LM look-ups agrees with a binary search, also for the key 0
    and for absent keys colliding on one home."""
    from classifier.lm import KeyIndex

    rng = np.random.default_rng(0)
    keys = np.unique(np.r_[rng.integers(0, 2**63, 5000, dtype=np.uint64),
                           np.arange(0, 50, dtype=np.uint64)])
    index = KeyIndex(keys)
    assert index.empty not in KeyIndex._fingerprint(keys)
    queries = np.r_[keys, rng.integers(0, 2**63, 5000, dtype=np.uint64),
                    keys[:100] + np.uint64(1)]
    assert np.array_equal(index.find(queries), _sorted_search(keys, queries))
    assert np.array_equal(KeyIndex(keys[:0]).find(queries[:10]), np.full(10, -1))


def test_pair_counts_read_the_dense_table_and_the_index_alike():
    """Pairs of common characters come from the dense table, the others from the hash index:
    every pair, seen or not, common, rare or outside the BMP, gets the count a binary search
    over all pairs gives."""
    from classifier.lm import _SHIFT, PairCounts

    rng = np.random.default_rng(2)
    alphabet = np.r_[np.arange(0x4E00, 0x4E40), [0x02, 0x41, 0x1F600, 0x10FFFF]].astype(np.uint64)
    first, second = rng.choice(alphabet, 4000), rng.choice(alphabet, 4000)
    pairs, counts = np.unique((first << _SHIFT) | second, return_counts=True)
    counts = counts.astype(np.float64) * 300  # more than a uint8 holds
    common = alphabet[rng.permutation(len(alphabet))[:20]]
    table = PairCounts(pairs, counts, common)
    assert 0 < len(table.rest.keys) < len(pairs)
    a, b = rng.choice(alphabet, 5000), rng.choice(alphabet, 5000)
    at = _sorted_search(pairs, (a << _SHIFT) | b)
    np.testing.assert_array_equal(table.count(a, b), np.where(at >= 0, counts[at], 0.0))
    everything = PairCounts(pairs, counts, alphabet)  # no pair left for the index
    assert len(everything.rest.keys) == 0
    np.testing.assert_array_equal(everything.count(a, b), table.count(a, b))


def test_sublinear_tfidf_is_scikit_learns(labeled_documents):
    """The vectorizer's TF-IDF equals scikit-learn's TfidfTransformer (sublinear tf, smooth
    idf, l2 rows) on real paragraphs; a row without terms stays zero."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfTransformer

    from classifier.vectorize import _idf, _sublinear_tfidf

    paragraphs = [normalize(p) for d in labeled_documents[::25] for p in d.paragraphs]
    counts = count_matrix(*char_ngram_ids(paragraphs, 2**16), len(paragraphs), 2**16)
    counts = sp.vstack([counts, sp.csr_matrix((1, 2**16), dtype=np.float32)], format="csr")
    ours = _sublinear_tfidf(counts, _idf(counts))
    theirs = TfidfTransformer(sublinear_tf=True).fit_transform(counts.astype(np.float64))
    assert ours.nnz == theirs.nnz > 10_000
    np.testing.assert_allclose(ours.toarray(), theirs.toarray(), rtol=1e-5, atol=1e-6)
    assert ours[len(paragraphs)].nnz == 0


def test_context_weight_sums_equal_the_gathered_context_columns(labeled_documents):
    """The tagger's sliced gather over the whole layout gives, bit for bit, the sum of the
    weights of each character's ``char_context_ids`` columns, for every paragraph length down
    to none, and for an empty batch."""
    from classifier.features import char_context_ids, context_weight_sums

    weights = np.random.default_rng(4).normal(size=2**16).astype(np.float32)
    paragraphs = [normalize(p) for d in labeled_documents[::30] for p in d.paragraphs]
    paragraphs += ["", "a", "", "ab"]
    for batch in (paragraphs, [], [""]):
        expected = weights[char_context_ids(batch, 2**16)].sum(axis=0)
        assert np.array_equal(context_weight_sums(batch, weights), expected)
    assert len(expected) == 0 and sum(map(len, paragraphs)) > 10_000
