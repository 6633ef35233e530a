"""From a batch of paragraphs to the sparse matrix the linear model reads."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .features import Batch
from .kernels import char_ngram_counts

# 2^18 columns keep each class's weights at 1 MB, so that scoring's products and gathers read
# them from cache (README, "Without the word features": wider tables cost ~10–20 % end to end)
CHAR_FEATURES = 2**18


def _sublinear_tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """(1 + log tf) · idf, rows scaled to unit length (rows without terms stay zero). Row norms
    are summed as scipy's ``csr_matrix.sum(axis=1)`` sums them (``np.add.reduceat`` over the
    filled rows), without copying the matrix twice to get there."""
    data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    per_row = np.diff(counts.indptr)
    filled = np.flatnonzero(per_row)
    norms = np.zeros(counts.shape[0], dtype=data.dtype)
    if len(filled):
        norms[filled] = np.add.reduceat(data**2, counts.indptr[filled])
    norms = np.sqrt(norms)
    norms[norms == 0] = 1.0
    data /= np.repeat(norms, per_row).astype(np.float32)
    return sp.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)


def _idf(counts: sp.csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency, as scikit-learn's TfidfTransformer computes it."""
    n_rows = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1 + n_rows) / (1 + df)) + 1).astype(np.float32)


class ParagraphVectorizer:
    """Hashed TF-IDF of character 1–3-grams, next to dense shape features. No words: jieba
    (rjieba, ~20 MB/s) would bound the scorer's speed, and character 2- and 3-grams carry most
    of what words say (README, "Without the word features")."""

    def __init__(self, char_features: int = CHAR_FEATURES):
        self.char_features = char_features

    def _counts(self, batch: Batch) -> sp.csr_matrix:
        return char_ngram_counts(batch.paragraphs, self.char_features)

    def fit(self, batch: Batch, y=None) -> ParagraphVectorizer:
        self.char_idf_ = _idf(self._counts(batch))
        return self

    def transform(self, batch: Batch) -> sp.csr_matrix:
        return sp.hstack(
            [_sublinear_tfidf(self._counts(batch), self.char_idf_), sp.csr_matrix(batch.shape)],
            format="csr",
            dtype=np.float32,
        )
