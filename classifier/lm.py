"""A character bigram language model of genuine text, stored as sorted numpy arrays.

Injected keywords and spliced sentences leave a trace whatever their words: the character
transitions at their edges, and the transitions inside them, are unlikely in genuine prose. The
model gives ``-log P(c_i | c_{i-1})`` for every character; bigram counts are found through a
vectorised open-addressing hash index.
"""

from __future__ import annotations

import numpy as np

_EDGE = 0x02
_SHIFT = np.uint64(21)  # code points fit in 21 bits
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
        self._index = KeyIndex(self.bigrams_)
        return self

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_index"}  # rebuilt on load

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._index = KeyIndex(self.bigrams_)

    def _bigram_count(self, keys: np.ndarray) -> np.ndarray:
        at = self._index.find(keys)
        return np.where(at >= 0, self.bigram_counts_[at], 0.0)

    def surprise(self, previous: np.ndarray, current: np.ndarray) -> np.ndarray:
        """``-log P(current | previous)`` in nats, element-wise over code-point arrays."""
        unigram = (self.unigram_counts_[current.astype(np.int64)] + 1.0) / (
            self.total_ + self.vocabulary_
        )
        pair = self._bigram_count((previous << _SHIFT) | current)
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
