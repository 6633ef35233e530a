"""The scorer's two hot loops, compiled where the C extension (``classifier/_kernels.c``) was
built at install, in numpy otherwise: the hashed character n-gram counts of a batch, and the
span tagger's character log-odds. Both implementations do the same arithmetic in the same order,
so they give the same numbers (tested); the compiled one makes one pass over the batch where
numpy makes dozens over batch-sized arrays.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .features import (
    char_ngram_ids,
    context_salts,
    context_weight_sums,
    count_matrix,
    surprise_codes,
    surprise_columns,
)
from .lm import CharBigramLM

try:
    from . import _kernels
except ImportError:  # installed where no C compiler was found: numpy only
    _kernels = None

COMPILED = _kernels is not None


def _layout(paragraphs: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Code points of the batch (uint32, paragraphs back to back), and where each paragraph
    starts and how long it is."""
    lengths = np.fromiter(map(len, paragraphs), dtype=np.int64, count=len(paragraphs))
    codes = np.frombuffer("".join(paragraphs).encode("utf-32-le"), dtype=np.uint32)
    return codes, np.cumsum(lengths) - lengths, lengths


def char_ngram_counts(paragraphs: list[str], n_features: int,
                      compiled: bool = COMPILED) -> sp.csr_matrix:
    """Counts of each paragraph's hashed character n-grams (``features.char_ngram_ids``), as a
    CSR matrix with sorted columns per row (float32 counts)."""
    if not compiled:
        return count_matrix(*char_ngram_ids(paragraphs, n_features), len(paragraphs),
                            n_features)
    codes, starts, lengths = _layout(paragraphs)
    capacity = int(3 * lengths.sum() + 3 * len(paragraphs))
    data = np.empty(capacity, dtype=np.float32)
    indices = np.empty(capacity, dtype=np.int64)
    indptr = np.empty(len(paragraphs) + 1, dtype=np.int64)
    filled = _kernels.char_ngram_counts(codes, starts, lengths, n_features, data, indices,
                                        indptr)
    return sp.csr_matrix((data[:filled], indices[:filled], indptr),
                         shape=(len(paragraphs), n_features))


def tagger_logits(paragraphs: list[str], weights: np.ndarray, intercept: np.float32,
                  lm: CharBigramLM, compiled: bool = COMPILED) -> np.ndarray:
    """Per character of the batch (flat, float32): the sum of the tagger's ``weights`` over the
    hashed n-grams around it (``features.char_context_ids``) and over its four surprise codes
    under ``lm`` (``features.surprise_codes``), plus ``intercept``, added in that order."""
    code_weights = weights[surprise_columns(len(weights))]
    codes, starts, lengths = _layout(paragraphs)
    if not compiled:
        total = context_weight_sums(paragraphs, weights)
        for code_row in code_weights[surprise_codes(lm.paragraph_surprise(paragraphs), lengths)]:
            total += code_row
        return total + intercept
    pairs = lm.pairs
    index = pairs.rest
    logits = np.empty(len(codes), dtype=np.float32)
    _kernels.tagger_logits(
        codes, starts, lengths, weights, context_salts(len(weights)), code_weights,
        float(intercept), lm.unigram_counts_, float(np.float32(lm.total_ + lm.vocabulary_)),
        float(np.float32(lm.k)), pairs.rank, int(pairs.size), pairs.table, index.keys,
        index.slots, index.prints, int(index.empty), int(index.shift), int(index.mask),
        pairs.rest_counts, logits,
    )
    return logits
