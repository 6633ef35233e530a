"""Paragraph features: hashed TF-IDF over character n-grams and jieba words, plus shape.

Everything is computed in bulk over a batch of documents: the characters of all paragraphs are
one numpy array, n-grams are hashed with vectorised integer arithmetic, and counts are
deduplicated with one sort. Hashing is deterministic (no Python ``hash``), so a model trained in
one process scores identically in another.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import rjieba
import scipy.sparse as sp

from .text import normalize

CHAR_ORDERS = (1, 2, 3)
_BOUNDARY = 0x02  # marks a paragraph's start and end, so n-grams can see edges
_PRIME = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_MAX_WORD = 64  # characters of a token that enter its hash


def _char_classes() -> np.ndarray:
    """A lookup table from BMP code point to a coarse character class (see ``SHAPE_CLASSES``)."""
    table = np.zeros(0x10000, dtype=np.uint8)
    table[0x4E00:0xA000] = 1
    table[0x3400:0x4DC0] = 1
    table[0xF900:0xFB00] = 1
    table[ord("a") : ord("z") + 1] = 2
    table[ord("A") : ord("Z") + 1] = 2
    table[ord("0") : ord("9") + 1] = 3
    for ch, cls in (
        (" \t\r\u3000\xa0", 4),
        ("。！？!?…", 5),
        ("，,、|_/-·;；:：~～", 6),
        ("“”\"'‘’《》()（）【】[]「」『』<>〈〉", 7),
        (".#@*+=&%$^`\\>{}丨│—", 8),
    ):
        for c in ch:
            table[ord(c)] = cls
    return table


_CLASS_OF = _char_classes()
SHAPE_CLASSES = ("other", "cjk", "latin", "digit", "space", "stop", "separator", "quote", "symbol")


def _mix(h: np.ndarray) -> np.ndarray:
    """Finalise 64-bit hashes so their low bits are well spread."""
    h ^= h >> np.uint64(31)
    h *= _MIX
    h ^= h >> np.uint64(29)
    return h


@dataclass(frozen=True)
class Batch:
    """Normalised paragraphs of a batch of documents, flattened in document order."""

    paragraphs: list[str]
    doc_index: np.ndarray  # document of each paragraph
    position: np.ndarray  # index of each paragraph inside its document
    doc_size: np.ndarray  # paragraph count of each paragraph's document

    @classmethod
    def from_documents(cls, documents: list[list[str]]) -> Batch:
        """Normalise ``documents`` (lists of raw paragraph strings) into one batch."""
        sizes = np.fromiter((len(d) for d in documents), dtype=np.int64, count=len(documents))
        doc_index = np.repeat(np.arange(len(documents)), sizes)
        starts = np.cumsum(sizes) - sizes
        position = np.arange(len(doc_index)) - np.repeat(starts, sizes)
        joined = normalize("\n".join(p for d in documents for p in d))
        paragraphs = joined.split("\n") if len(doc_index) else []
        return cls(paragraphs, doc_index, position, np.repeat(sizes, sizes))


def _code_points(paragraphs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """All characters as uint64 code points, each paragraph wrapped in boundary marks."""
    marked = "".join(f"\x02{p}\x02" for p in paragraphs)
    codes = np.frombuffer(marked.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(p) + 2 for p in paragraphs), dtype=np.int64, count=len(paragraphs))
    return codes, lengths


def char_ngram_ids(paragraphs: list[str], n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of every character n-gram occurrence, n in ``CHAR_ORDERS``."""
    codes, lengths = _code_points(paragraphs)
    rows_of_pos = np.repeat(np.arange(len(paragraphs)), lengths)
    ends = np.repeat(np.cumsum(lengths), lengths)
    positions = np.arange(len(codes))
    rows, cols = [], []
    poly = np.zeros(len(codes), dtype=np.uint64)
    for n in range(1, max(CHAR_ORDERS) + 1):
        shifted = np.zeros(len(codes), dtype=np.uint64)
        shifted[: len(codes) - n + 1] = codes[n - 1 :]
        poly = poly * _PRIME + shifted
        if n not in CHAR_ORDERS:
            continue
        valid = positions + n <= ends
        if n == 1:
            valid &= codes != _BOUNDARY
        h = _mix(poly[valid] + np.uint64(n * 0x9E3779B1))
        rows.append(rows_of_pos[valid])
        cols.append((h % np.uint64(n_features)).astype(np.int64))
    return np.concatenate(rows), np.concatenate(cols)


def tokenize(paragraph: str) -> list[str]:
    """jieba words of a normalised paragraph, without white space (rjieba, jieba-compatible)."""
    return [w for w in rjieba.cut(paragraph) if not w.isspace()]


def word_ids(paragraphs: list[str], n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of every word occurrence; words are hashed from their code points."""
    tokens = [tokenize(p) for p in paragraphs]
    counts = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
    flat = [w[:_MAX_WORD] for t in tokens for w in t]
    if not flat:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lengths = np.fromiter((len(w) for w in flat), dtype=np.int64, count=len(flat))
    codes = np.frombuffer("".join(flat).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    starts = np.cumsum(lengths) - lengths
    offset_in_word = np.arange(len(codes)) - np.repeat(starts, lengths)
    powers = np.cumprod(np.full(_MAX_WORD, _PRIME, dtype=np.uint64))
    h = _mix(np.add.reduceat(codes * powers[offset_in_word], starts) + lengths.astype(np.uint64))
    rows = np.repeat(np.arange(len(paragraphs)), counts)
    return rows, (h % np.uint64(n_features)).astype(np.int64)


def count_matrix(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> sp.csr_matrix:
    """Occurrences → a CSR matrix of counts with sorted, unique columns per row."""
    keys, counts = np.unique(rows * n_cols + cols, return_counts=True)
    matrix = sp.csr_matrix(
        (counts.astype(np.float32), (keys // n_cols, keys % n_cols)), shape=(n_rows, n_cols)
    )
    return matrix


def shape_features(batch: Batch) -> np.ndarray:
    """Dense features of a paragraph's form, not its words: length, character-class mix,
    separator density, segment length, and where it sits in its document."""
    paragraphs = batch.paragraphs
    n = len(paragraphs)
    codes, lengths = _code_points(paragraphs)
    classes = _CLASS_OF[np.minimum(codes, 0xFFFF).astype(np.int64)]
    classes[codes > 0xFFFF] = 1
    rows = np.repeat(np.arange(n), lengths)
    keep = codes != _BOUNDARY
    k = len(SHAPE_CLASSES)
    class_counts = np.bincount(rows[keep] * k + classes[keep], minlength=n * k).reshape(n, k)
    length = np.maximum(lengths - 2, 1).astype(np.float64)
    ratios = class_counts / length[:, None]
    breaks = class_counts[:, 4] + class_counts[:, 6]
    ends_with_stop = np.fromiter(
        (p[-1:] in "。！？!?”」』." for p in paragraphs), dtype=np.float64, count=n
    )
    size = batch.doc_size.astype(np.float64)
    relative = batch.position / np.maximum(size - 1, 1)
    return np.column_stack(
        [
            np.log1p(length) / 8,
            ratios,
            np.log1p(breaks) / 4,
            np.log1p(length / (1 + breaks)) / 6,
            ends_with_stop,
            relative,
            batch.position == 0,
            batch.position == size - 1,
            np.log1p(size) / 5,
        ]
    ).astype(np.float32)
