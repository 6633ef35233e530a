"""Paragraph features: hashed character n-grams and shape; jieba words for the quality model.

Everything is computed in bulk over a batch of documents: the characters of all paragraphs are
one numpy array, n-grams are hashed with vectorised integer arithmetic, and counts are
deduplicated with one sort. Hashing is deterministic (no Python ``hash``), so a model trained in
one process scores identically in another.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import rjieba
import scipy.sparse as sp

from .text import normalize

CHAR_ORDERS = (1, 2, 3)
_BOUNDARY = 0x02  # marks a paragraph's start and end, so n-grams can see edges
_PRIME = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)


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


def _bucket(h: np.ndarray, n_features: int) -> np.ndarray:
    """Hashes → column indices in ``[0, n_features)`` (a power of two: a mask, not a division)."""
    if n_features & (n_features - 1):
        raise ValueError(f"n_features must be a power of two, not {n_features}")
    return (h & np.uint64(n_features - 1)).astype(np.int64)


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

    @cached_property
    def cut(self) -> Cut:
        """jieba tokens of the paragraphs (``cut_batch``), cut once, when the quality model
        reads them (the spam model reads characters only)."""
        return cut_batch(self.paragraphs)

    @cached_property
    def shape(self) -> np.ndarray:
        """``shape_features`` of the batch, computed once for both stages that read them."""
        return shape_features(self)


def marked(paragraphs: list[str], mark: str) -> str:
    """The paragraphs joined, each wrapped in ``mark`` on both sides (one join, no string built
    per paragraph).

    >>> marked(["ab", "c"], "|")
    '|ab||c|'
    """
    return f"{mark}{(mark + mark).join(paragraphs)}{mark}" if paragraphs else ""


def _lengths(paragraphs: list[str]) -> np.ndarray:
    return np.fromiter(map(len, paragraphs), dtype=np.int64, count=len(paragraphs))


def _code_points(paragraphs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """All characters as uint64 code points, each paragraph wrapped in boundary marks."""
    codes = np.frombuffer(marked(paragraphs, "\x02").encode("utf-32-le"),
                          dtype=np.uint32).astype(np.uint64)
    lengths = _lengths(paragraphs) + 2
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
        cols.append(_bucket(h, n_features))
    return np.concatenate(rows), np.concatenate(cols)


# (offset, length) of the n-grams around a character that describe it to the span tagger
CONTEXT_TEMPLATES = tuple((k, 1) for k in range(-2, 3)) + tuple((k, 2) for k in range(-2, 2)) + (
    (-2, 3), (-1, 3), (0, 3),
)


_PAD = 2  # edge marks on each side of a paragraph in the tagger's layout


def _context_buckets(paragraphs: list[str], n_features: int
                     ) -> tuple[list[np.ndarray | None], np.ndarray, list[int]]:
    """The tagger's layout: paragraphs wrapped in ``_PAD`` edge marks, the hashed bucket of the
    n-gram starting at every position of it (index n), where each character of the batch
    stands in it, and each template's salt."""
    codes = np.frombuffer(marked(paragraphs, "\x02\x02").encode("utf-32-le"),
                          dtype=np.uint32).astype(np.uint64)
    lengths = _lengths(paragraphs)
    region_starts = np.cumsum(lengths + 2 * _PAD) - (lengths + 2 * _PAD)
    chars = np.repeat(region_starts + _PAD, lengths) + (
        np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    )
    padded = np.concatenate([codes, np.zeros(4, dtype=np.uint64)])
    poly = [np.zeros(len(padded), dtype=np.uint64)]
    for n in range(1, 4):
        shifted = np.zeros(len(padded), dtype=np.uint64)
        shifted[: len(padded) - n + 1] = padded[n - 1 :]
        poly.append(poly[-1] * _PRIME + shifted)
    # each n-gram is hashed once; a template reads its neighbour's bucket, XOR its own salt
    buckets = [None] + [_bucket(_mix(poly[n]), n_features) for n in range(1, 4)]
    return buckets, chars, context_salts(n_features).tolist()


def context_salts(n_features: int) -> np.ndarray:
    """Each of ``CONTEXT_TEMPLATES``' salt: XORed into its n-gram's bucket, so the same n-gram
    read by two templates lands in two columns."""
    return _bucket(_mix(np.arange(1, len(CONTEXT_TEMPLATES) + 1, dtype=np.uint64)), n_features)


def char_context_ids(paragraphs: list[str], n_features: int) -> np.ndarray:
    """For every character of every paragraph (numbered across the batch), the hashed n-grams
    of ``CONTEXT_TEMPLATES`` around it, edges marked: a (templates, characters) column array."""
    buckets, chars, salts = _context_buckets(paragraphs, n_features)
    cols = np.empty((len(CONTEXT_TEMPLATES), len(chars)), dtype=np.int64)
    for template, (offset, n) in enumerate(CONTEXT_TEMPLATES):
        np.bitwise_xor(buckets[n][chars + offset], salts[template], out=cols[template])
    return cols


def context_weight_sums(paragraphs: list[str], weights: np.ndarray) -> np.ndarray:
    """Per character of the batch, the sum of ``weights`` over its ``char_context_ids``
    columns, added in template order as ``weights[char_context_ids(...)].sum(axis=0)`` adds
    them, but gathered along the whole layout by slices (no index array per template), and
    only then read at the characters."""
    buckets, chars, salts = _context_buckets(paragraphs, len(weights))
    if not len(chars):
        return np.zeros(0, dtype=weights.dtype)
    end = len(buckets[1]) - 2 * _PAD  # the layout, its zero tail excluded; characters lie inside
    total = np.zeros(end - _PAD, dtype=weights.dtype)
    for template, (offset, n) in enumerate(CONTEXT_TEMPLATES):
        total += weights[buckets[n][_PAD + offset : end + offset] ^ salts[template]]
    return total[chars - _PAD]


def segment_moving_mean(values: np.ndarray, lengths: np.ndarray, width: int) -> np.ndarray:
    """Centred moving mean of ``values`` within consecutive segments of ``lengths`` (windows
    are cut at segment edges, never reaching into the neighbour)."""
    half = width // 2
    n = len(values)
    sums = np.zeros(n + 2 * half + 1)  # running sums, padded so every window is a slice
    np.cumsum(values, dtype=np.float64, out=sums[half + 1 : half + 1 + n])
    sums[half + 1 + n :] = sums[half + n]
    out = (sums[2 * half + 1 :] - sums[:n]) / (2 * half + 1)
    # the characters within ``half`` of a segment edge: windows cut there
    starts = np.cumsum(lengths) - lengths
    ends = starts + lengths
    near = np.arange(half)
    inside = (near < lengths[:, None]).ravel()
    edge = np.concatenate([(starts[:, None] + near).ravel()[inside],
                           (ends[:, None] - 1 - near).ravel()[inside]])
    segment = np.repeat(np.arange(len(lengths)), half)[inside]
    segment = np.concatenate([segment, segment])
    lo = np.maximum(edge - half, starts[segment])
    hi = np.minimum(edge + half + 1, ends[segment])
    out[edge] = (sums[hi + half] - sums[lo + half]) / (hi - lo)
    return out


SURPRISE_BINS = np.array([2.0, 3.5, 5.0, 6.5, 8.0, 10.0])


def _surprise_bin(values: np.ndarray) -> np.ndarray:
    """How many of ``SURPRISE_BINS`` each value reaches (``searchsorted(side="right")``, by
    six comparisons, which is several times faster than a binary search per value)."""
    bins = np.zeros(len(values), dtype=np.int64)
    for edge in SURPRISE_BINS:
        bins += values >= edge
    return bins


def surprise_codes(into: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """How unexpected each character's transitions are, as codes below 256: the binned surprise
    into the character, out of it, both together, and around it; a (4, characters) array.
    ``into`` is flat over paragraphs of ``lengths``."""
    if not lengths.sum():
        return np.zeros((4, 0), dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    last = np.zeros(len(into), dtype=bool)
    last[(starts + lengths - 1)[lengths > 0]] = True
    out_of = np.where(last, 0.0, np.roll(into, -1))
    window = segment_moving_mean(into, lengths, 5)
    bins = [_surprise_bin(v) for v in (into, out_of, window)]
    return np.stack([bins[0], bins[1] + 16, bins[0] * 8 + bins[1] + 32, bins[2] + 128])


def surprise_columns(n_features: int) -> np.ndarray:
    """The hashed column of each of the 256 ``surprise_codes``."""
    return _bucket(_mix(np.arange(256, dtype=np.uint64) + np.uint64(0x5BD1E995)), n_features)


def tokenize(paragraph: str) -> list[str]:
    """jieba words of a normalised paragraph, without white space (rjieba, jieba-compatible)."""
    return [w for w in rjieba.cut(paragraph) if not w.isspace()]


def _whitespace_table() -> np.ndarray:
    """Which code points below U+3002 are white space (``str.isspace``; none lie above U+3000)."""
    return np.array([chr(c).isspace() for c in range(0x3002)], dtype=bool)


_IS_SPACE = _whitespace_table()


_NEWLINE = ord("\n")


Cut = tuple[list[str], np.ndarray, np.ndarray, np.ndarray]


def cut_batch(paragraphs: list[str]) -> Cut:
    """jieba tokens of a whole batch in one rjieba call: the tokens, their code points
    (concatenated, ``uint32``) and lengths, and each token's paragraph (-1 for white space,
    which ``tokenize`` drops). jieba never joins across a line break and emits it on its own
    (``\\r\\n`` as one token), so counting line breaks numbers the paragraphs, whose own line
    breaks are counted too."""
    tokens = rjieba.cut("\n".join(paragraphs))
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    codes = np.frombuffer("".join(tokens).encode("utf-32-le"), dtype=np.uint32)
    starts = np.cumsum(lengths) - lengths
    is_word = ~_IS_SPACE[np.minimum(codes[starts], len(_IS_SPACE) - 1).astype(np.int64)]
    newlines = np.zeros(len(tokens), dtype=np.int64)
    spaces = np.flatnonzero(~is_word)
    if len(spaces):
        newlines[spaces] = np.add.reduceat(codes == _NEWLINE, starts)[spaces]
    line = np.cumsum(newlines) - newlines
    own_breaks = np.fromiter((p.count("\n") for p in paragraphs), dtype=np.int64,
                             count=len(paragraphs))
    rows = np.repeat(np.arange(len(paragraphs)), own_breaks + 1)[line]
    return tokens, codes, lengths, np.where(is_word, rows, -1)


def hash_words(codes: np.ndarray, lengths: np.ndarray, cap: int) -> np.ndarray:
    """A deterministic 64-bit hash of each word, given as concatenated code points and
    lengths, from its first ``cap`` code points and its length (capped)."""
    starts = np.cumsum(lengths) - lengths
    offset = np.arange(len(codes)) - np.repeat(starts, lengths)
    powers = np.concatenate([np.cumprod(np.full(cap, _PRIME, dtype=np.uint64)),
                             np.zeros(1, dtype=np.uint64)])  # characters past the cap add 0
    with np.errstate(over="ignore"):
        sums = np.add.reduceat(codes.astype(np.uint64) * powers[np.minimum(offset, cap)],
                               starts)
        return _mix(sums + np.minimum(lengths, cap).astype(np.uint64))


def count_matrix(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> sp.csr_matrix:
    """Occurrences → a CSR matrix of counts with sorted, unique columns per row."""
    key_type = np.uint32 if n_rows * n_cols <= 2**32 else np.uint64  # narrower keys sort faster
    keys, counts = np.unique((rows * n_cols + cols).astype(key_type), return_counts=True)
    keys = keys.astype(np.int64)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys // n_cols, minlength=n_rows), out=indptr[1:])
    return sp.csr_matrix((counts.astype(np.float32), keys % n_cols, indptr), shape=(n_rows, n_cols))


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
