"""A character bigram language model of genuine text, stored as sorted numpy arrays.

Injected keywords and spliced sentences leave a trace whatever their words: the character
transitions at their edges, and the transitions inside them, are unlikely in genuine prose. The
model gives ``-log P(c_i | c_{i-1})`` for every character, vectorised with ``searchsorted``.
"""

from __future__ import annotations

import numpy as np

_EDGE = 0x02
_SHIFT = np.uint64(21)  # code points fit in 21 bits


def _codes(paragraphs: list[str]) -> np.ndarray:
    """Code points of all paragraphs, each wrapped in edge marks."""
    marked = "".join(f"\x02{p}\x02" for p in paragraphs)
    return np.frombuffer(marked.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def _pairs(codes: np.ndarray) -> np.ndarray:
    """Bigram keys of adjacent code points, except across two paragraphs' edge marks."""
    keys = (codes[:-1] << _SHIFT) | codes[1:]
    return keys[~((codes[:-1] == _EDGE) & (codes[1:] == _EDGE))]


class CharBigramLM:
    """Bigram model smoothed towards the unigram model (add-k with a unigram prior)."""

    def __init__(self, k: float = 2.0):
        self.k = k

    def fit(self, paragraphs: list[str]) -> CharBigramLM:
        """Count characters and transitions of normalised genuine paragraphs."""
        codes = _codes(paragraphs)
        self.unigram_counts_ = np.bincount(codes.astype(np.int64), minlength=0x110000).astype(
            np.float32
        )
        self.vocabulary_ = int(np.count_nonzero(self.unigram_counts_)) + 1
        self.total_ = float(len(codes))
        self.bigrams_, bigram_counts = np.unique(_pairs(codes), return_counts=True)
        self.bigram_counts_ = bigram_counts.astype(np.float64)
        return self

    def _count(self, keys: np.ndarray, table: np.ndarray, counts: np.ndarray) -> np.ndarray:
        at = np.minimum(np.searchsorted(table, keys), len(table) - 1)
        return np.where(table[at] == keys, counts[at], 0.0)

    def surprise(self, previous: np.ndarray, current: np.ndarray) -> np.ndarray:
        """``-log P(current | previous)`` in nats, element-wise over code-point arrays."""
        unigram = (self.unigram_counts_[current.astype(np.int64)] + 1.0) / (
            self.total_ + self.vocabulary_
        )
        pair = self._count((previous << _SHIFT) | current, self.bigrams_, self.bigram_counts_)
        context = self.unigram_counts_[previous.astype(np.int64)]
        return -np.log((pair + self.k * unigram) / (context + self.k))

    def paragraph_surprise(self, paragraphs: list[str]) -> list[np.ndarray]:
        """For every character of every paragraph, how unexpected it is after the one before
        (the first character is judged after the paragraph's start)."""
        codes = _codes(paragraphs)
        values = self.surprise(codes[:-1], codes[1:])
        out, cursor = [], 0
        for p in paragraphs:
            out.append(values[cursor : cursor + len(p)])
            cursor += len(p) + 2
        return out
