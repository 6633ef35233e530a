"""Content quality: how much a paragraph reads like genuine Chinese, a score in [0, 1].

Spun text (伪原创: words swapped for wrong synonyms, 国家→国度, 能够→可以或许) and garbled text
(mojibake, character soup, word salad) are made of real characters and often of real words, but
in sequences genuine writing does not produce. Two language models of genuine news and
encyclopedia text measure that:

- :class:`CharTrigramLM`: characters given the two before them, interpolated absolute
  discounting down to a bigram and an add-one unigram model. N-grams are 21-bit code points
  packed into one ``uint64`` key, counts are sorted numpy arrays, and every lookup is a
  vectorised ``searchsorted`` over all characters of a batch at once.
- :class:`WordBigramLM`: jieba words (rjieba) given the word before, same smoothing; words are
  64-bit hashes of their code points, so no vocabulary is stored.

:func:`quality_features` turns their surprises (``-log P`` in nats) into a dozen paragraph
features (means, shares of very surprising characters, unseen word pairs, length), and
:class:`QualityModel` puts a standardised logistic regression on top: ``score`` is the
probability that a paragraph is of genuine quality. The model is saved with joblib next to a
JSON sidecar, checked on load like the spam model. Train it with
``python -m classifier.quality_train`` (see ``docs/quality.md``).
"""

from __future__ import annotations

import re
from pathlib import Path

import joblib
import numpy as np
import rjieba

from .persist import ModelError, checked_sidecar, save_with_sidecar
from .text import normalize

FORMAT_VERSION = 1
REBUILD = "python -m classifier.quality_train"
_START, _END = 0x02, 0x03
_B = np.uint64(21)  # code points fit in 21 bits
_B2 = np.uint64(42)
_PRIME = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_MAX_WORD = 32
_LIBRARIES = ("scikit-learn", "numpy", "rjieba", "opencc")


def _clean(paragraph: str) -> str:
    return paragraph.replace("\x02", " ").replace("\x03", " ")


def _marked_codes(paragraphs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Code points of ``\\x02\\x02 p \\x03`` for every paragraph, and which positions are
    predicted (every character of a paragraph and its end mark)."""
    marked = "".join(f"\x02\x02{_clean(p)}\x03" for p in paragraphs)
    codes = np.frombuffer(marked.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return codes, codes != _START


def _lookup(keys: np.ndarray, table: np.ndarray, *values: np.ndarray) -> list[np.ndarray]:
    """Values of ``keys`` in a sorted key ``table`` (0 where a key is absent)."""
    if len(table) == 0:
        return [np.zeros(len(keys)) for _ in values]
    at = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    found = table[at] == keys
    return [np.where(found, v[at], 0).astype(np.float64) for v in values]


class _Level:
    """One n-gram order: counts of (context, next) keys and, per context, its total count and
    the weight it leaves to the lower order (absolute discounting, normalised exactly even when
    rare n-grams are pruned)."""

    def __init__(self, context: np.ndarray, full: np.ndarray, discount: float, min_count: int):
        keys, first, counts = np.unique(full, return_index=True, return_counts=True)
        self.discount = discount
        key_context = context[first]
        contexts, inverse = np.unique(key_context, return_inverse=True)
        totals = np.bincount(inverse, weights=counts).astype(np.float64)
        keep = counts >= min_count
        kept_mass = np.bincount(inverse[keep], weights=counts[keep] - discount,
                                minlength=len(contexts))
        self.keys = keys[keep]
        self.counts = counts[keep].astype(np.uint32)
        self.contexts = contexts
        self.totals = totals.astype(np.float32)
        self.backoff = (1.0 - kept_mass / totals).astype(np.float32)

    def prob(self, context: np.ndarray, key: np.ndarray, lower: np.ndarray) -> np.ndarray:
        (count,) = _lookup(key, self.keys, self.counts)
        total, backoff = _lookup(context, self.contexts, self.totals, self.backoff)
        seen = total > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            own = np.where(seen, np.maximum(count - self.discount, 0) / np.where(seen, total, 1),
                           0.0)
        return np.where(seen, own + backoff * lower, lower)


class CharTrigramLM:
    """P(c | a b) of genuine text: interpolated absolute discounting, trigram → bigram →
    add-one unigram (one shared slot for unseen characters). Trigrams seen fewer than
    ``min_count`` times are pruned; their mass goes to the bigram level, so every context's
    distribution still sums to one."""

    def __init__(self, discount: float = 0.75, min_count: int = 2):
        self.discount = discount
        self.min_count = min_count

    def fit(self, paragraphs: list[str]) -> CharTrigramLM:
        codes, predicted = _marked_codes(paragraphs)
        idx = np.flatnonzero(predicted)
        a, b, c = codes[idx - 2], codes[idx - 1], codes[idx]
        self.unigrams_, counts = np.unique(c, return_counts=True)
        self.unigram_counts_ = counts.astype(np.uint32)
        self.total_ = float(counts.sum())
        self.bigram_ = _Level(b, (b << _B) | c, self.discount, 1)
        self.trigram_ = _Level((a << _B) | b, (a << _B2) | (b << _B) | c, self.discount,
                               self.min_count)
        return self

    def unigram_prob(self, c: np.ndarray) -> np.ndarray:
        (count,) = _lookup(c, self.unigrams_, self.unigram_counts_)
        return (count + 1.0) / (self.total_ + len(self.unigrams_) + 1.0)

    def prob(self, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, ...]:
        """(P(c), P(c | b), P(c | a b)), element-wise over code-point arrays."""
        p1 = self.unigram_prob(c)
        p2 = self.bigram_.prob(b, (b << _B) | c, p1)
        p3 = self.trigram_.prob((a << _B) | b, (a << _B2) | (b << _B) | c, p2)
        return p1, p2, p3

    def surprise(self, paragraphs: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``-log P`` (nats) of every character of every (normalised) paragraph under the
        unigram, bigram and trigram levels, flattened; the end marks are left out."""
        codes, predicted = _marked_codes(paragraphs)
        idx = np.flatnonzero(predicted & (codes != _END))
        p1, p2, p3 = self.prob(codes[idx - 2], codes[idx - 1], codes[idx])
        return -np.log(p1), -np.log(p2), -np.log(p3)


def _mix(h: np.ndarray) -> np.ndarray:
    h ^= h >> np.uint64(31)
    h *= _MIX
    h ^= h >> np.uint64(29)
    return h


def word_hashes(tokens: list[str]) -> np.ndarray:
    """A deterministic 64-bit hash of each word (of its first 32 code points)."""
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    flat = [w[:_MAX_WORD] for w in tokens]
    lengths = np.fromiter((len(w) for w in flat), dtype=np.int64, count=len(flat))
    codes = np.frombuffer("".join(flat).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    starts = np.cumsum(lengths) - lengths
    offset = np.arange(len(codes)) - np.repeat(starts, lengths)
    powers = np.cumprod(np.full(_MAX_WORD, _PRIME, dtype=np.uint64))
    with np.errstate(over="ignore"):
        return _mix(np.add.reduceat(codes * powers[offset], starts) + lengths.astype(np.uint64))


def tokenize(paragraphs: list[str]) -> tuple[list[list[str]], np.ndarray]:
    """jieba words of each paragraph (white space dropped) and their counts."""
    tokens = [[w for w in rjieba.cut(p) if not w.isspace()] for p in paragraphs]
    return tokens, np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))


_W_START = np.uint64(0x5354415254)  # "START"
_W_END = np.uint64(0x454E44)  # "END"


def _word_sequence(tokens: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of ``<s> words </s>`` for every paragraph, and which positions are predicted."""
    sizes = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
    hashes = word_hashes([w for t in tokens for w in t])
    n = len(hashes) + 2 * len(tokens)
    seq = np.empty(n, dtype=np.uint64)
    ends = np.cumsum(sizes + 2)
    starts = ends - sizes - 2
    is_start = np.zeros(n, dtype=bool)
    is_start[starts] = True
    is_end = np.zeros(n, dtype=bool)
    is_end[ends - 1] = True
    seq[is_start] = _W_START
    seq[is_end] = _W_END
    seq[~(is_start | is_end)] = hashes
    return seq, is_start, is_end


class WordBigramLM:
    """P(w | v) over hashed jieba words: absolute discounting to an add-one unigram model."""

    def __init__(self, discount: float = 0.75, min_count: int = 1):
        self.discount = discount
        self.min_count = min_count

    def fit(self, tokens: list[list[str]]) -> WordBigramLM:
        seq, is_start, _ = _word_sequence(tokens)
        idx = np.flatnonzero(~is_start)
        v, w = seq[idx - 1], seq[idx]
        self.unigrams_, counts = np.unique(w, return_counts=True)
        self.unigram_counts_ = counts.astype(np.uint32)
        self.total_ = float(counts.sum())
        with np.errstate(over="ignore"):
            keys = _mix(v * _PRIME + w)
        self.bigram_ = _Level(v, keys, self.discount, self.min_count)
        return self

    def surprise(self, tokens: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per word (end marks left out): ``-log P(w)``, ``-log P(w | v)``, whether ``w`` was
        never seen, whether ``w`` and ``v`` are common but never seen together; flattened."""
        seq, is_start, is_end = _word_sequence(tokens)
        idx = np.flatnonzero(~is_start & ~is_end)
        v, w = seq[idx - 1], seq[idx]
        (count,) = _lookup(w, self.unigrams_, self.unigram_counts_)
        p1 = (count + 1.0) / (self.total_ + len(self.unigrams_) + 1.0)
        with np.errstate(over="ignore"):
            keys = _mix(v * _PRIME + w)
        p2 = self.bigram_.prob(v, keys, p1)
        (total,) = _lookup(v, self.bigram_.contexts, self.bigram_.totals)
        (pair,) = _lookup(keys, self.bigram_.keys, self.bigram_.counts)
        # a pair of two common words never seen together: the trace of a swapped word
        frequent_unseen = (total >= 20) & (count >= 20) & (pair == 0)
        return -np.log(p1), -np.log(p2), count == 0, frequent_unseen


FEATURES = (
    "char3_mean", "char2_mean", "char1_mean", "char3_minus_1",
    "char3_over_6", "char3_over_8", "char3_over_10", "char3_over_12",
    "word2_mean", "word1_mean", "word2_minus_1", "word_oov", "word2_over_10",
    "word_pair_unseen", "char3_pmi_low",
    "cjk_share", "log_length", "spin_markers",
)


def _per_row(values: np.ndarray, rows: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    sums = np.bincount(rows, weights=values, minlength=len(sizes))
    return sums / np.maximum(sizes, 1)


def spin_markers(paragraphs: list[str], markers: re.Pattern | None) -> np.ndarray:
    """Per paragraph, log(1 + spinner-output words per 100 characters)."""
    if markers is None:
        return np.zeros(len(paragraphs))
    hits = np.fromiter((len(markers.findall(p)) for p in paragraphs), dtype=np.float64,
                       count=len(paragraphs))
    lengths = np.fromiter((max(len(p), 1) for p in paragraphs), dtype=np.float64,
                          count=len(paragraphs))
    return np.log1p(100 * hits / lengths)


def quality_features(paragraphs: list[str], char_lm: CharTrigramLM,
                     word_lm: WordBigramLM, markers: re.Pattern | None = None) -> np.ndarray:
    """Per normalised paragraph, the ``FEATURES`` (all vectorised over the batch)."""
    paragraphs = [_clean(p) for p in paragraphs]
    lengths = np.fromiter((len(p) for p in paragraphs), dtype=np.int64, count=len(paragraphs))
    rows = np.repeat(np.arange(len(paragraphs)), lengths)
    s1, s2, s3 = char_lm.surprise(paragraphs)
    codes = np.frombuffer("".join(paragraphs).encode("utf-32-le"), dtype=np.uint32)
    cjk = ((codes >= 0x4E00) & (codes < 0xA000)) | ((codes >= 0x3400) & (codes < 0x4DC0))
    tokens, counts = tokenize(paragraphs)
    w1, w2, oov, unseen = word_lm.surprise(tokens)
    word_rows = np.repeat(np.arange(len(paragraphs)), counts)
    columns = [
        _per_row(s3, rows, lengths),
        _per_row(s2, rows, lengths),
        _per_row(s1, rows, lengths),
        _per_row(s3 - s1, rows, lengths),
        *(_per_row((s3 > t).astype(np.float64), rows, lengths) for t in (6, 8, 10, 12)),
        _per_row(w2, word_rows, counts),
        _per_row(w1, word_rows, counts),
        _per_row(w2 - w1, word_rows, counts),
        _per_row(oov.astype(np.float64), word_rows, counts),
        _per_row((w2 > 10).astype(np.float64), word_rows, counts),
        _per_row(unseen.astype(np.float64), word_rows, counts),
        _per_row((s3 - s1 > 0).astype(np.float64), rows, lengths),
        _per_row(cjk.astype(np.float64), rows, lengths),
        np.log1p(lengths),
        spin_markers(paragraphs, markers),
    ]
    return np.column_stack(columns)


class QualityModel:
    """Two language models of genuine text and a logistic regression over their surprises.

    ``score(paragraphs)`` → P(genuine quality) per paragraph; ``threshold`` is the default
    cut-off under which a paragraph counts as low quality."""

    def __init__(self, char_lm: CharTrigramLM, word_lm: WordBigramLM, classifier,
                 threshold: float = 0.5, markers: list[str] | None = None):
        self.char_lm = char_lm
        self.word_lm = word_lm
        self.markers = markers or []
        self._pattern = None
        self.classifier = classifier
        self.threshold = threshold

    def features(self, paragraphs: list[str], normalized: bool = False) -> np.ndarray:
        if not normalized:
            paragraphs = [normalize(p) for p in paragraphs]
        if self._pattern is None and self.markers:
            self._pattern = re.compile("|".join(map(re.escape, self.markers)))
        return quality_features(paragraphs, self.char_lm, self.word_lm, self._pattern)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_pattern": None}

    def score(self, paragraphs: list[str], normalized: bool = False) -> np.ndarray:
        """Probability of genuine quality of each paragraph (an empty one scores 1)."""
        if not paragraphs:
            return np.zeros(0)
        x = self.features(paragraphs, normalized)
        scores = self.classifier.predict_proba(x)[:, 1]
        empty = np.fromiter((not p.strip() for p in paragraphs), dtype=bool,
                            count=len(paragraphs))
        return np.where(empty, 1.0, scores)

    def save(self, path: str | Path, sidecar: dict) -> Path:
        """Write the model and ``<path>.json``; returns the sidecar path."""
        fields = {"format_version": FORMAT_VERSION, "kind": "quality",
                  "threshold": self.threshold, "features": list(FEATURES), **sidecar}
        return save_with_sidecar(self, path, fields, _LIBRARIES)


def load_quality_model(path: str | Path) -> tuple[QualityModel, dict]:
    """Load a quality model after checking its sidecar; ``ModelError`` says what is wrong."""
    path = Path(path)
    rebuild = f"rebuild it with `{REBUILD} --out {path}`"
    info = checked_sidecar(path, "quality model", rebuild)
    if info.get("kind") != "quality" or info.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"quality model {path} has kind {info.get('kind')!r} and format "
            f"{info.get('format_version')}, this version reads quality format {FORMAT_VERSION}; "
            f"{rebuild}"
        )
    model = joblib.load(path)
    if not isinstance(model, QualityModel):
        raise ModelError(f"{path} holds a {type(model).__name__}, not a QualityModel")
    return model, info
