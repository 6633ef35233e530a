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


# (offset, length) of the n-grams around a character that describe it to the span tagger
CONTEXT_TEMPLATES = tuple((k, 1) for k in range(-2, 3)) + tuple((k, 2) for k in range(-2, 2)) + (
    (-2, 3), (-1, 3), (0, 3),
)


def char_context_ids(paragraphs: list[str], n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """(character, column) pairs: for every character of every paragraph (numbered across the
    batch), the hashed n-grams of ``CONTEXT_TEMPLATES`` around it, edges marked."""
    pad = 2
    marked = "".join(f"\x02\x02{p}\x02\x02" for p in paragraphs)
    codes = np.frombuffer(marked.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(p) for p in paragraphs), dtype=np.int64, count=len(paragraphs))
    region_starts = np.cumsum(lengths + 2 * pad) - (lengths + 2 * pad)
    chars = np.repeat(region_starts + pad, lengths) + (
        np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    )
    padded = np.concatenate([codes, np.zeros(4, dtype=np.uint64)])
    poly = [np.zeros(len(padded), dtype=np.uint64)]
    for n in range(1, 4):
        shifted = np.zeros(len(padded), dtype=np.uint64)
        shifted[: len(padded) - n + 1] = padded[n - 1 :]
        poly.append(poly[-1] * _PRIME + shifted)
    rows, cols = [], []
    index = np.arange(len(chars))
    for template, (offset, n) in enumerate(CONTEXT_TEMPLATES):
        h = _mix(poly[n][chars + offset] + np.uint64((template + 1) * 0x9E3779B1))
        rows.append(index)
        cols.append((h % np.uint64(n_features)).astype(np.int64))
    return np.concatenate(rows), np.concatenate(cols)


def segment_moving_mean(values: np.ndarray, lengths: np.ndarray, width: int) -> np.ndarray:
    """Centred moving mean of ``values`` within consecutive segments of ``lengths`` (windows
    are cut at segment edges, never reaching into the neighbour)."""
    half = width // 2
    sums = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    ends = starts + np.repeat(lengths, lengths)
    index = np.arange(len(values))
    lo = np.maximum(index - half, starts)
    hi = np.minimum(index + half + 1, ends)
    return (sums[hi] - sums[lo]) / np.maximum(hi - lo, 1)


SURPRISE_BINS = np.array([2.0, 3.5, 5.0, 6.5, 8.0, 10.0])


def surprise_ids(surprise: list[np.ndarray], n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """(character, column) pairs describing how unexpected each character's transitions are:
    the binned surprise into the character, out of it, both together, and around it."""
    lengths = np.fromiter((len(s) for s in surprise), dtype=np.int64, count=len(surprise))
    if not lengths.sum():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    into = np.concatenate(surprise)
    starts = np.cumsum(lengths) - lengths
    last = np.zeros(len(into), dtype=bool)
    last[(starts + lengths - 1)[lengths > 0]] = True
    out_of = np.where(last, 0.0, np.roll(into, -1))
    window = segment_moving_mean(into, lengths, 5)
    bins = [np.digitize(v, SURPRISE_BINS).astype(np.uint64) for v in (into, out_of, window)]
    codes = (bins[0], bins[1] + np.uint64(16), bins[0] * np.uint64(8) + bins[1] + np.uint64(32),
             bins[2] + np.uint64(128))
    index = np.arange(len(into))
    cols = [(_mix(c + np.uint64(0x5BD1E995)) % np.uint64(n_features)).astype(np.int64)
            for c in codes]
    return np.tile(index, len(cols)), np.concatenate(cols)


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
