"""The compiled kernels give exactly what their numpy reference gives."""

import os

import numpy as np
import pytest

from classifier import kernels
from classifier.features import char_ngram_ids
from classifier.text import normalize

needs_compiled = pytest.mark.skipif(
    not kernels.COMPILED, reason="classifier._kernels not built (no C compiler at install)")

# what the labeled set rarely has: empty paragraphs, a literal edge mark, characters outside the
# Basic Multilingual Plane, one character, mixed scripts, a long run of one character
ODD = ["", "a\x02b", "", "𠀋𡈽𤴔🎉", "字", "m6金沙娱乐APP官网", "哈" * 700, "\x02", "ab"]


@pytest.fixture(scope="module")
def paragraphs(labeled_documents):
    texts = [normalize(p) for d in labeled_documents[::7] for p in d.paragraphs]
    assert sum(map(len, texts)) > 50_000
    return texts + ODD


def test_compiled_kernels_are_built_where_ci_requires_them():
    if os.environ.get("SPAMFILTER_REQUIRE_COMPILED") != "1":
        pytest.skip("SPAMFILTER_REQUIRE_COMPILED is not set")
    assert kernels.COMPILED


@needs_compiled
@pytest.mark.parametrize("n_features", [2**16, 2**18, 2**19])
def test_compiled_ngram_counts_equal_numpys(paragraphs, n_features):
    for batch in (paragraphs, [], [""], ODD):
        ours = kernels.char_ngram_counts(batch, n_features, compiled=True)
        reference = kernels.char_ngram_counts(batch, n_features, compiled=False)
        for name in ("data", "indices", "indptr"):
            got, expected = getattr(ours, name), getattr(reference, name)
            assert got.dtype == expected.dtype and np.array_equal(got, expected), name
        assert ours.shape == reference.shape


def test_ngram_counts_count_each_paragraphs_occurrences(paragraphs):
    """Whichever kernel runs: the counts add up to the n-grams ``char_ngram_ids`` emits, row by
    row, and a paragraph of one character repeated has three columns."""
    counts = kernels.char_ngram_counts(paragraphs, 2**18)
    rows, _ = char_ngram_ids(paragraphs, 2**18)
    assert np.array_equal(np.asarray(counts.sum(axis=1)).ravel(),
                          np.bincount(rows, minlength=len(paragraphs)))
    long_run = paragraphs.index("哈" * 700)
    assert counts[long_run].nnz == 7  # 哈; ^哈, 哈哈, 哈$; ^哈哈, 哈哈哈, 哈哈$
    assert counts[long_run].sum() == 700 + 701 + 700


@needs_compiled
def test_compiled_tagger_logits_equal_numpys(bundled, small_model, paragraphs):
    """Bundled tagger (its bigram model has pairs outside the dense table, read through the
    hash index) and a small one (dense only, unseen characters miss)."""
    for model in (bundled.model, small_model):
        tagger = model.first_stage_.tagger_
        weights, intercept = tagger.classifier_.coef_[0], tagger.classifier_.intercept_[0]
        for batch in (paragraphs, [], [""], ODD):
            ours = kernels.tagger_logits(batch, weights, intercept, tagger.lm, compiled=True)
            reference = kernels.tagger_logits(batch, weights, intercept, tagger.lm,
                                              compiled=False)
            assert ours.dtype == reference.dtype == np.float32
            assert np.array_equal(ours, reference)
    assert len(bundled.model.first_stage_.tagger_.lm.pairs.rest.keys) > 1000
