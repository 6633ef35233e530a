"""A character bigram language model of genuine text, stored as sorted numpy arrays.

Injected keywords and spliced sentences leave a trace whatever their words: the character
transitions at their edges, and the transitions inside them, are unlikely in genuine prose. The
model gives ``-log P(c_i | c_{i-1})`` for every character. Bigram counts are read from a dense
table when both characters are among the commonest, from a vectorised open-addressing hash
index otherwise.
"""

from __future__ import annotations

import numpy as np

from .features import marked

_EDGE = 0x02
_SHIFT = np.uint64(21)  # code points fit in 21 bits
_LOW = np.uint64((1 << 21) - 1)
_CODE_POINTS = 0x110000
DENSE_CHARACTERS = 2048  # the commonest characters, whose pairs PairCounts keeps in a table
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # 2^64 / golden ratio
_PRINT = np.uint64(0xD6E8FEB86659FD93)  # an odd multiplier for the fingerprints


class KeyIndex:
    """Where each query stands in an array of unique ``uint64`` keys (-1: absent), by linear
    probing in a table at most half full, every probe round vectorised over all queries. A slot
    holds a 32-bit fingerprint of its key and the key's position; a fingerprint that matches is
    confirmed against the key itself. Probes read 4 bytes a slot, and the table takes 8 bytes a
    slot; empty slots hold a fingerprint no key has."""

    def __init__(self, keys: np.ndarray):
        bits = max(4, (2 * len(keys)).bit_length())
        self.shift = np.uint64(64 - bits)
        self.mask = np.int64((1 << bits) - 1)
        self.keys = keys
        self.slots = np.full(1 << bits, -1, dtype=np.int32)
        pending = np.arange(len(keys))
        position = self._home(keys)
        while pending.size:
            free = np.flatnonzero(self.slots[position] < 0)
            taken, first = np.unique(position[free], return_index=True)
            self.slots[taken] = pending[free[first]]
            placed = np.zeros(len(pending), dtype=bool)
            placed[free[first]] = True
            pending, position = pending[~placed], (position[~placed] + 1) & self.mask
        prints = self._fingerprint(keys)
        self.empty = np.uint32(0)
        while np.any(prints == self.empty):
            self.empty += np.uint32(1)
        self.prints = np.full(len(self.slots), self.empty, dtype=np.uint32)
        occupied = self.slots >= 0
        self.prints[occupied] = prints[self.slots[occupied]]

    def _home(self, keys: np.ndarray) -> np.ndarray:
        """Fibonacci hashing: the top bits of the key times 2^64 / golden ratio (as int64, so
        indexing with it needs no conversion)."""
        return (np.asarray(keys, dtype=np.uint64) * _GOLDEN >> self.shift).view(np.int64)

    @staticmethod
    def _fingerprint(keys: np.ndarray) -> np.ndarray:
        """The top 32 bits of the key times another odd constant."""
        return (np.asarray(keys, dtype=np.uint64) * _PRINT >> np.uint64(32)).astype(np.uint32)

    def find(self, queries: np.ndarray) -> np.ndarray:
        """Position of each query in the keys the index was built from, or -1. Each round
        probes one slot for every query still open: the first round all queries, later rounds
        only those whose slot held another key."""
        queries = np.asarray(queries, dtype=np.uint64)
        found = np.full(len(queries), -1, dtype=np.int64)
        if len(self.keys) == 0:
            return found
        prints = self._fingerprint(queries)
        position = self._home(queries)
        todo = np.arange(len(queries))
        while True:
            slot_print = self.prints[position]
            match = np.flatnonzero(slot_print == prints)
            at = self.slots[position[match]]  # -1 where a query's print is the empty one
            confirmed = self.keys[at] == queries[match]
            found[todo[match[confirmed]]] = at[confirmed]
            probe_on = slot_print != self.empty
            probe_on[match[confirmed]] = False
            on = np.flatnonzero(probe_on)
            if not on.size:
                return found
            todo, prints, queries = todo[on], prints[on], queries[on]
            position = (position[on] + 1) & self.mask


class PairCounts:
    """Counts of code-point pairs (keys ``first << 21 | second``, unique and sorted). Pairs of
    two of the ``common`` characters, most of any text, are read from a dense table in one
    look-up; the others go through a :class:`KeyIndex` of the rest."""

    def __init__(self, pairs: np.ndarray, counts: np.ndarray, common: np.ndarray):
        size = len(common)
        self.size = np.int64(size)
        self.rank = np.full(_CODE_POINTS, -1, dtype=np.int16 if size < 2**15 else np.int32)
        self.rank[common] = np.arange(size)
        first, second = self._ranks(pairs >> _SHIFT, pairs & _LOW)
        dense = (first >= 0) & (second >= 0)
        self.table = np.zeros(size * size, dtype=np.min_scalar_type(int(counts.max(initial=0))))
        self.table[first[dense] * self.size + second[dense]] = counts[dense]
        self.rest = KeyIndex(pairs[~dense])
        self.rest_counts = counts[~dense]

    def _ranks(self, first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (self.rank[first.astype(np.int64)].astype(np.int64),
                self.rank[second.astype(np.int64)].astype(np.int64))

    def count(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """The count of each pair (``first[i]``, ``second[i]``) of code points, 0 if unseen."""
        a, b = self._ranks(first, second)
        dense = (a >= 0) & (b >= 0)
        out = np.empty(len(first))
        out[dense] = self.table[a[dense] * self.size + b[dense]]
        rest = np.flatnonzero(~dense)
        at = self.rest.find((first[rest] << _SHIFT) | second[rest])
        seen = at >= 0
        out[rest] = 0.0
        out[rest[seen]] = self.rest_counts[at[seen]]
        return out


def _codes(paragraphs: list[str]) -> np.ndarray:
    """Code points of all paragraphs, each wrapped in edge marks."""
    return np.frombuffer(marked(paragraphs, "\x02").encode("utf-32-le"),
                         dtype=np.uint32).astype(np.uint64)


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
        self.pairs = self._pair_counts()
        return self

    def _pair_counts(self) -> PairCounts:
        seen = np.flatnonzero(self.unigram_counts_)
        common = seen[np.argsort(-self.unigram_counts_[seen], kind="stable")][:DENSE_CHARACTERS]
        return PairCounts(self.bigrams_, self.bigram_counts_, common)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "pairs"}  # rebuilt on load

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.pairs = self._pair_counts()

    def surprise(self, previous: np.ndarray, current: np.ndarray) -> np.ndarray:
        """``-log P(current | previous)`` in nats, element-wise over code-point arrays."""
        unigram = (self.unigram_counts_[current.astype(np.int64)] + 1.0) / (
            self.total_ + self.vocabulary_
        )
        pair = self.pairs.count(previous, current)
        context = self.unigram_counts_[previous.astype(np.int64)]
        return -np.log((pair + self.k * unigram) / (context + self.k))

    def paragraph_surprise(self, paragraphs: list[str]) -> np.ndarray:
        """For every character of every paragraph (flat over the batch), how unexpected it is
        after the one before (the first character is judged after the paragraph's start)."""
        codes = _codes(paragraphs)
        lengths = np.fromiter(map(len, paragraphs), dtype=np.int64, count=len(paragraphs))
        # paragraph i's characters follow its start mark at offset(i) = sum of (len + 2) before
        starts = np.cumsum(lengths + 2) - (lengths + 2)
        at = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        return self.surprise(codes[at], codes[at + 1])
