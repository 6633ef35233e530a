"""Content quality: how much a paragraph reads like genuine Chinese, a score in [0, 1].

Spun text (伪原创: words swapped for wrong synonyms, 国家→国度, 能够→可以或许) and garbled text
(mojibake, character soup, word salad) are made of real characters and often of real words, but
in sequences genuine writing does not produce. Two language models of genuine news and
encyclopedia text measure that:

- :class:`CharTrigramLM`: characters given the two before them, interpolated absolute
  discounting down to a bigram and an add-one unigram model. N-grams are 21-bit code points
  packed into one ``uint64`` key, counts are sorted numpy arrays, and every lookup is
  vectorised over all characters of a batch at once (a hash index for big tables).
- :class:`WordBigramLM`: jieba words (rjieba) given the word before, same smoothing; words are
  64-bit hashes of their code points, so no vocabulary is stored.
- :class:`TwinModel`: the spinner's trace word by word. jieba's own dictionary (word counts and
  parts of speech of a corpus far larger than ours, see :class:`Lexicon`) gives every word its
  *twins*, frequent words of the same length sharing one of its characters in the same place
  (资源/资本, 由于/位于; a two-character word's twins differ from it in one place); a word is
  suspicious when a twin fits its neighbours much better than it does (word pairs and
  word/part-of-speech pairs of genuine text, a part-of-speech trigram model).
  A small logistic regression over those per-word gaps, trained on words swapped by the
  training spinner, gives each word a probability of being a swap.

:func:`quality_features` turns their surprises (``-log P`` in nats) into a dozen paragraph
features (means, shares of very surprising characters, unseen word pairs, length), and
:class:`QualityModel` puts a standardised logistic regression on top: ``score`` is the
probability that a paragraph is of genuine quality. The model is saved with joblib next to a
JSON sidecar, checked on load like the spam model. Train it with
``python -m classifier.quality_train`` (see ``docs/quality.md``).
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from functools import cached_property
from itertools import compress
from pathlib import Path

import joblib
import numpy as np

from .features import _PRIME, Cut, _mix, cut_batch, hash_words
from .lm import KeyIndex
from .persist import ModelError, checked_sidecar, save_with_sidecar
from .text import normalize

FORMAT_VERSION = 2
REBUILD = "python -m classifier.quality_train"
_START, _END = 0x02, 0x03
_B = np.uint64(21)  # code points fit in 21 bits
_B2 = np.uint64(42)
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


_INDEXES: dict[int, KeyIndex] = {}  # a cache of derived data, keyed by the table's id


def _index_of(table: np.ndarray) -> KeyIndex:
    index = _INDEXES.get(id(table))
    if index is None:  # the entry leaves with its table, so an id is never reused stale
        index = _INDEXES[id(table)] = KeyIndex(table)
        weakref.finalize(table, _INDEXES.pop, id(table), None)
    return index


def _positions(keys: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Where each key stands in a sorted table of unique keys, -1 where it is absent: by the
    table's hash index for big look-ups, by a sorted search for small ones."""
    if len(table) == 0:
        return np.full(len(keys), -1, dtype=np.int64)
    if len(table) >= 4096 and len(keys) >= 1024:
        return _index_of(table).find(keys)
    at = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    at[table[at] != keys] = -1
    return at


def _lookup(keys: np.ndarray, table: np.ndarray, *values: np.ndarray) -> list[np.ndarray]:
    """Values of ``keys`` in a sorted key ``table`` (0 where a key is absent)."""
    at = _positions(keys, table)
    found = at >= 0  # an absent key reads the last value, which ``where`` replaces by 0
    return [np.where(found, v[at], 0.0) if len(v) else np.zeros(len(keys)) for v in values]


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

    def evidence(self, context: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, ...]:
        """(count of each key, total and backoff weight of its context)."""
        (count,) = _lookup(key, self.keys, self.counts)
        return (count, *_lookup(context, self.contexts, self.totals, self.backoff))

    def prob(self, context: np.ndarray, key: np.ndarray, lower: np.ndarray) -> np.ndarray:
        return self.combine(*self.evidence(context, key), lower)

    def combine(self, count: np.ndarray, total: np.ndarray, backoff: np.ndarray,
                lower: np.ndarray) -> np.ndarray:
        """The interpolated probability from ``evidence`` and the lower order's."""
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


def word_hashes(tokens: list[str]) -> np.ndarray:
    """A deterministic 64-bit hash of each word (of its first 32 code points)."""
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    codes = np.frombuffer("".join(tokens).encode("utf-32-le"), dtype=np.uint32)
    return hash_words(codes, lengths, _MAX_WORD)


class Words:
    """The jieba words of a batch of paragraphs (white space dropped), flat: ``flat`` the
    words, ``counts`` how many each paragraph has, ``lengths``, ``codes`` (their code points,
    concatenated) and ``hashes`` (see ``word_hashes``)."""

    def __init__(self, flat: list[str], counts: np.ndarray, lengths: np.ndarray | None = None,
                 codes: np.ndarray | None = None):
        self.flat = flat
        self.counts = np.asarray(counts, dtype=np.int64)
        self.lengths = (np.fromiter(map(len, flat), dtype=np.int64, count=len(flat))
                        if lengths is None else lengths)
        self.codes = (np.frombuffer("".join(flat).encode("utf-32-le"), dtype=np.uint32)
                      if codes is None else codes)
        self.hashes = (hash_words(self.codes, self.lengths, _MAX_WORD) if flat
                       else np.zeros(0, dtype=np.uint64))

    @classmethod
    def of_cut(cls, cut: Cut, n_paragraphs: int, selected: np.ndarray | None = None) -> Words:
        """The words of the paragraphs ``cut_batch`` cut, or of the ``selected`` ones (a mask
        over the paragraphs), in paragraph order."""
        tokens, codes, lengths, rows = cut
        keep = rows >= 0
        if selected is not None:
            keep &= selected[np.maximum(rows, 0)]
        counts = np.bincount(rows[keep], minlength=n_paragraphs)
        return cls(list(compress(tokens, keep)),
                   counts if selected is None else counts[selected],
                   lengths[keep], codes[np.repeat(keep, lengths)])

    @cached_property
    def first(self) -> np.ndarray:
        """Which words open a paragraph."""
        return self._edge(np.cumsum(self.counts) - self.counts)

    @cached_property
    def last(self) -> np.ndarray:
        """Which words close a paragraph."""
        return self._edge(np.cumsum(self.counts) - 1)

    def _edge(self, positions: np.ndarray) -> np.ndarray:
        mask = np.zeros(len(self.hashes), dtype=bool)
        mask[positions[self.counts > 0]] = True
        return mask

    def __add__(self, other: Words) -> Words:
        """The paragraphs of both, these first."""
        return Words(self.flat + other.flat, np.r_[self.counts, other.counts],
                     np.r_[self.lengths, other.lengths], np.r_[self.codes, other.codes])

    def by_paragraph(self) -> list[list[str]]:
        """The words of each paragraph."""
        ends = np.cumsum(self.counts)
        return [self.flat[e - n : e] for n, e in zip(self.counts.tolist(), ends.tolist())]


def tokenize(paragraphs: list[str]) -> Words:
    """jieba words of each paragraph (rjieba, the whole batch in one call), white space
    dropped."""
    return Words.of_cut(cut_batch(paragraphs), len(paragraphs))


_W_START = np.uint64(0x5354415254)  # "START"
_W_END = np.uint64(0x454E44)  # "END"


def _word_sequence(words: Words) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hashes of ``<s> words </s>`` for every paragraph, and which positions are paragraph
    starts and ends."""
    sizes = words.counts
    n = len(words.hashes) + 2 * len(sizes)
    seq = np.empty(n, dtype=np.uint64)
    ends = np.cumsum(sizes + 2)
    starts = ends - sizes - 2
    is_start = np.zeros(n, dtype=bool)
    is_start[starts] = True
    is_end = np.zeros(n, dtype=bool)
    is_end[ends - 1] = True
    seq[is_start] = _W_START
    seq[is_end] = _W_END
    seq[~(is_start | is_end)] = words.hashes
    return seq, is_start, is_end


class WordBigramLM:
    """P(w | v) over hashed jieba words: absolute discounting to an add-one unigram model."""

    def __init__(self, discount: float = 0.75, min_count: int = 1):
        self.discount = discount
        self.min_count = min_count

    def fit(self, words: Words) -> WordBigramLM:
        seq, is_start, _ = _word_sequence(words)
        idx = np.flatnonzero(~is_start)
        v, w = seq[idx - 1], seq[idx]
        self.unigrams_, counts = np.unique(w, return_counts=True)
        self.unigram_counts_ = counts.astype(np.uint32)
        self.total_ = float(counts.sum())
        with np.errstate(over="ignore"):
            keys = _mix(v * _PRIME + w)
        self.bigram_ = _Level(v, keys, self.discount, self.min_count)
        return self

    def evidence(self, words: Words) -> WordEvidence:
        """Counts of each word of a batch, as a word and as a context, and of the pair it forms
        with the word before (``<s>`` before a paragraph's first)."""
        keys = np.r_[words.hashes, np.array([_W_START, _W_END], dtype=np.uint64)]
        (count,) = _lookup(keys, self.unigrams_, self.unigram_counts_)
        total, backoff = _lookup(keys, self.bigram_.contexts, self.bigram_.totals,
                                 self.bigram_.backoff)
        previous = _shift(words.hashes, 1, words.first, _W_START)
        (pair,) = _lookup(_pair_keys(previous, words.hashes), self.bigram_.keys,
                          self.bigram_.counts)
        return WordEvidence(count, total, backoff, pair)

    def surprise(self, words: Words, evidence: WordEvidence | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per word (end marks left out): ``-log P(w)``, ``-log P(w | v)``, whether ``w`` was
        never seen, whether ``w`` and ``v`` are common but never seen together; flattened.
        ``evidence``: the batch's ``evidence``, if the caller has it already."""
        e = self.evidence(words) if evidence is None else evidence
        n = len(words.hashes)
        count = e.count[:n]
        p1 = (count + 1.0) / (self.total_ + len(self.unigrams_) + 1.0)
        total = _shift(e.total[:n], 1, words.first, e.total[n])  # the word before's, as context
        backoff = _shift(e.backoff[:n], 1, words.first, e.backoff[n])
        p2 = self.bigram_.combine(e.pair, total, backoff, p1)
        # a pair of two common words never seen together: the trace of a swapped word
        frequent_unseen = (total >= 20) & (count >= 20) & (e.pair == 0)
        return -np.log(p1), -np.log(p2), count == 0, frequent_unseen


@dataclass(frozen=True)
class WordEvidence:
    """What a :class:`WordBigramLM` counted of each word of a batch, looked up once for all
    the features that use it: ``count``, ``total`` and ``backoff`` (as a context) of every
    word, then of the start and the end mark; ``pair``: the count of each word after the word
    before it."""

    count: np.ndarray
    total: np.ndarray
    backoff: np.ndarray
    pair: np.ndarray


def _is_cjk(codes: np.ndarray) -> np.ndarray:
    return ((codes >= 0x4E00) & (codes < 0xA000)) | ((codes >= 0x3400) & (codes < 0x4DC0))


def _all_cjk(word: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in word)


def jieba_dictionary() -> Path:
    """jieba's main dictionary, shipped inside the jieba package (MIT): ``word count tag``."""
    import jieba  # noqa: PLC0415

    return Path(jieba.__file__).resolve().parent / "dict.txt"


# classes of the words jieba's dictionary does not tag, and the paragraph boundaries
EXTRA_TAGS = ("#num", "#latin", "#punct", "#unknown", "#start", "#end")


class Lexicon:
    """jieba's dictionary (~350 k words with counts from a large corpus and a part of speech)
    as arrays over word hashes: log relative frequency and tag. *Twins*: for every (length,
    position, character), the ``twins`` most frequent words (of relative frequency at least
    ``twin_min_freq``) of that length with that character there; the twins of a word are then
    the frequent words that share one of its characters in its place: for a two-character word
    those that differ from it in one place (资源/资本, 由于/位于), the substitutes a spinner
    picks; a three-character word's twins mostly differ from it in two places."""

    def __init__(self, twins: int = 4, twin_min_freq: float = 1e-6,
                 lengths: tuple[int, ...] = (2, 3)):
        self.twins = twins
        self.twin_min_freq = twin_min_freq
        self.lengths = lengths

    def fit(self, path: str | Path | None = None) -> Lexicon:
        words, counts, tags = [], [], []
        for line in Path(path or jieba_dictionary()).read_text("utf-8").splitlines():
            parts = line.split()
            if len(parts) == 3 and _all_cjk(parts[0]):
                words.append(parts[0])
                counts.append(int(parts[1]))
                tags.append(parts[2])
        self.tag_names = tuple(sorted(set(tags))) + EXTRA_TAGS
        tag_id = {t: i for i, t in enumerate(self.tag_names)}
        hashes, first = np.unique(word_hashes(words), return_index=True)
        counts = np.asarray(counts, dtype=np.float64)[first] + 1.0
        self.hashes = hashes
        self.logfreq = np.log(counts / counts.sum()).astype(np.float32)
        self.tags = np.array([tag_id[tags[i]] for i in first], dtype=np.uint8)
        self.floor = float(self.logfreq.min()) - 1.0
        groups: dict[int, list[int]] = {}
        floor = np.log(self.twin_min_freq)
        for i, j in enumerate(first):
            w = words[j]
            if len(w) in self.lengths and self.logfreq[i] >= floor:
                for p, ch in enumerate(w):
                    groups.setdefault(_twin_key(len(w), p, ord(ch)), []).append(i)
        keys = sorted(groups)
        lists = [sorted(groups[k], key=lambda i: (-self.logfreq[i], i))[: self.twins]
                 for k in keys]
        self.twin_keys = np.array(keys, dtype=np.int64)
        self.twin_offsets = np.r_[0, np.cumsum([len(x) for x in lists])].astype(np.int64)
        self.twin_words = np.array([i for x in lists for i in x], dtype=np.int32)
        return self

    def lookup(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(log frequency, tag, found) of each word hash; unknown words get ``floor`` and
        the tag ``#unknown``."""
        at = np.minimum(np.searchsorted(self.hashes, hashes), len(self.hashes) - 1)
        found = self.hashes[at] == hashes
        unknown = self.tag_names.index("#unknown")
        return (np.where(found, self.logfreq[at], self.floor),
                np.where(found, self.tags[at], unknown).astype(np.int64), found)

    def candidates(self, lengths: np.ndarray, first_code: np.ndarray, codes: np.ndarray,
                   eligible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(token index, twin slot) of every twin of every ``eligible`` token, sorted by
        token (``twin_words[slot]`` is the twin's lexicon index); ``first_code[i]`` is where
        token ``i``'s characters start in ``codes``."""
        tok, idx = [], []
        for p in range(max(self.lengths)):
            sel = eligible[lengths[eligible] > p]
            keys = _twin_key(lengths[sel], p, codes[first_code[sel] + p].astype(np.int64))
            at = _positions(keys, self.twin_keys)
            ok = at >= 0
            sel, at = sel[ok], at[ok]
            start, size = self.twin_offsets[at], self.twin_offsets[at + 1] - self.twin_offsets[at]
            tok.append(np.repeat(sel, size))
            inner = np.arange(size.sum()) - np.repeat(np.cumsum(size) - size, size)
            idx.append(np.repeat(start, size) + inner)
        tok, idx = np.concatenate(tok), np.concatenate(idx)
        order = np.argsort(tok, kind="stable")
        return tok[order], idx[order]


def _twin_key(length, position, code):
    return (np.asarray(length, dtype=np.int64) << 24) | (position << 21) | code


class _Tokens:
    """The words of a batch of paragraphs as arrays: hashes, lengths, code points, lexicon
    frequency and tag, and the hashes and tags of the neighbours (paragraph boundaries are
    start/end marks)."""

    def __init__(self, words: Words, lexicon: Lexicon):
        self.counts = words.counts
        n = len(words.lengths)
        self.n = n
        self.lengths = words.lengths
        self.codes = words.codes
        self.first_code = np.cumsum(self.lengths) - self.lengths
        self.hashes = words.hashes
        self.logfreq, tags, self.found = lexicon.lookup(self.hashes)
        if n:
            char_rows = np.repeat(np.arange(n), self.lengths)
            cjk = _is_cjk(self.codes)
            digit = (self.codes >= 0x30) & (self.codes <= 0x39)
            latin = ((self.codes | 0x20) >= 0x61) & ((self.codes | 0x20) <= 0x7A)
            per = [np.bincount(char_rows, v.astype(np.float64), n) for v in (cjk, digit, latin)]
            self.cjk = (per[0] == self.lengths) & (self.lengths > 0)
            names = lexicon.tag_names
            tags = np.where(self.found, tags, np.where(
                per[1] > 0, names.index("#num"), np.where(
                    per[2] > 0, names.index("#latin"), np.where(
                        per[0] > 0, names.index("#unknown"), names.index("#punct")))))
        else:
            self.cjk = np.zeros(0, dtype=bool)
        self.tags = tags
        start, end = lexicon.tag_names.index("#start"), lexicon.tag_names.index("#end")
        self.first, self.last = words.first, words.last
        self.prev_hash = _shift(self.hashes, 1, self.first, _W_START)
        self.next_hash = _shift(self.hashes, -1, self.last, _W_END)
        self.prev_tag = _shift(tags, 1, self.first, start)
        self.next_tag = _shift(tags, -1, self.last, end)
        self.prev2_tag = _shift(self.prev_tag, 1, self.first, start)
        self.next2_tag = _shift(self.next_tag, -1, self.last, end)


def _shift(values: np.ndarray, by: int, boundary: np.ndarray, fill) -> np.ndarray:
    out = np.empty_like(values)
    if len(values):
        if by > 0:
            out[1:] = values[:-1]
        else:
            out[:-1] = values[1:]
        out[boundary] = fill
    return out


def _pair_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return _mix(a.astype(np.uint64) * _PRIME + b.astype(np.uint64))


# per-word features of the twin model; g_* = best twin's score minus the word's own,
# post_* = -log P(the word | it or one of its twins), scored with the named parts
_PARTS = {"lf": ("lf",), "ww": ("lf", "wwl", "wwr"), "tw": ("lf", "twl", "wtr"),
          "all": ("lf", "wwl", "wwr", "twl", "wtr"),
          "all3": ("lf", "wwl", "wwr", "twl", "wtr", "t3"), "t3": ("lf", "t3")}
TOKEN_FEATURES = (
    "lf", "wwl", "wwr", "twl", "wtr", "t3",
    *(f"g_{name}" for name in _PARTS), *(f"post_{name}" for name in _PARTS if name != "lf"),
    "cjk", "in_lexicon", "has_twins",
)
SWAP_PRIOR = 0.05  # share of swapped words assumed by the paragraph's likelihood ratio


class TwinModel:
    """Is each word the wrong twin of the word genuine text would have there?

    Counts of genuine text (word/next part of speech, previous part of speech/word, a part of
    speech trigram model) and the word bigram counts of :class:`WordBigramLM` score a word
    and each of its twins in context, Dirichlet-smoothed towards the lexicon's frequency
    (``alpha``), so a word without evidence scores its frequency alone. A logistic regression
    (``set_classifier``) turns the gaps into a per-word log-odds of being a swap."""

    def __init__(self, lexicon: Lexicon, alpha: float = 10.0, min_count: int = 2):
        self.lexicon = lexicon
        self.alpha = alpha
        self.min_count = min_count
        self.coef_ = None
        self._twin_tables = None

    def fit(self, words: Words, word_lm: WordBigramLM) -> TwinModel:
        """Count genuine text (``words``, the text ``word_lm`` was fitted on)."""
        t = _Tokens(words, self.lexicon)
        nt = len(self.lexicon.tag_names)
        # what the twins' own scores need of the word model, looked up once per twin slot
        twin_hashes = self.lexicon.hashes[self.lexicon.twin_words]
        (total,) = _lookup(twin_hashes, word_lm.bigram_.contexts, word_lm.bigram_.totals)
        (own,) = _lookup(twin_hashes, word_lm.unigrams_, word_lm.unigram_counts_)
        self.twin_totals_ = total.astype(np.float32)
        self.twin_counts_ = own.astype(np.float32)
        # word/part-of-speech pairs seen once are dropped: it halves the model's size
        keys, counts = np.unique(_pair_keys(t.prev_tag, t.hashes), return_counts=True)
        keep = counts >= self.min_count
        self.tw_keys_, self.tw_counts_ = keys[keep], counts[keep].astype(np.uint32)
        keys, counts = np.unique(_pair_keys(t.hashes, t.next_tag), return_counts=True)
        keep = counts >= self.min_count
        self.wt_keys_, self.wt_counts_ = keys[keep], counts[keep].astype(np.uint32)
        self.prev_tag_totals_ = np.bincount(t.prev_tag, minlength=nt).astype(np.float64)
        tag_counts = np.bincount(t.tags, minlength=nt).astype(np.float64)
        self.tag_prob_ = (tag_counts + 1) / (tag_counts.sum() + nt)
        # the tag trigram model predicts every word and the end mark
        end = self.lexicon.tag_names.index("#end")
        a = np.r_[t.prev2_tag, t.prev_tag[t.last]]
        b = np.r_[t.prev_tag, t.tags[t.last]]
        c = np.r_[t.tags, np.full(t.last.sum(), end)]
        tri = np.bincount((a * nt + b) * nt + c, minlength=nt ** 3).reshape(nt, nt, nt)
        bi = tri.sum(0).astype(np.float64)
        p_bi = (bi + self.tag_prob_) / (bi.sum(1, keepdims=True) + 1)
        p_tri = (tri + 2 * p_bi[None]) / (tri.sum(2, keepdims=True) + 2)
        self.log_tri_ = np.log(p_tri).astype(np.float32)
        return self

    def set_classifier(self, mean, scale, coef, intercept, prior) -> None:
        """The per-word swap model: standardised features, linear weights, and the log-odds
        of a swap in its training data (removed from the log-odds to get a likelihood ratio)."""
        self.mean_, self.scale_ = np.asarray(mean), np.asarray(scale)
        self.coef_, self.intercept_, self.prior_ = np.asarray(coef), float(intercept), float(prior)

    def _prob(self, count: np.ndarray, logfreq: np.ndarray, found: np.ndarray,
              word_lm: WordBigramLM) -> np.ndarray:
        """P(word): the lexicon's frequency, else the language model's add-one estimate from
        the word's ``count``."""
        lm = (count + 1.0) / (word_lm.total_ + len(word_lm.unigrams_) + 1.0)
        return np.where(found, np.exp(logfreq), lm)

    def _tag_pairs(self, h, prev_tag, next_tag) -> tuple[np.ndarray, np.ndarray]:
        """Counts of (previous part of speech, word ``h``) and (``h``, next part of speech)."""
        (tw,) = _lookup(_pair_keys(prev_tag, h), self.tw_keys_, self.tw_counts_)
        (wt,) = _lookup(_pair_keys(h, next_tag), self.wt_keys_, self.wt_counts_)
        return tw, wt

    def _twin_tag_pairs(self, slot, prev_tag, next_tag) -> tuple[np.ndarray, np.ndarray]:
        """``_tag_pairs`` of the twins in lexicon ``slot``s, read from dense (twin word × part
        of speech) tables built on first use from the same counts (never saved): a twin is
        scored against every tag around it, so this is the hot look-up."""
        if self._twin_tables is None:
            words, word_of_slot = np.unique(self.lexicon.twin_words, return_inverse=True)
            h = self.lexicon.hashes[words]
            dtype = np.min_scalar_type(max(self.tw_counts_.max(initial=0),
                                           self.wt_counts_.max(initial=0)))
            shape = (len(words), len(self.lexicon.tag_names))
            tw, wt = np.zeros(shape, dtype=dtype), np.zeros(shape, dtype=dtype)
            for tag in range(len(self.lexicon.tag_names)):  # a column at a time: little memory
                tw[:, tag], wt[:, tag] = self._tag_pairs(h, np.full(len(h), tag),
                                                         np.full(len(h), tag))
            self._twin_tables = word_of_slot, tw, wt
        word_of_slot, tw, wt = self._twin_tables
        row = word_of_slot[slot]
        return tw[row, prev_tag].astype(np.float64), wt[row, next_tag].astype(np.float64)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_twin_tables": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update({"_twin_tables": None, **state})

    def _parts(self, h, lf, tag, p_next, prev_tag, next_tag, prev2_tag, next2_tag, p_word,
               left, right, left_total, right_total, own, tw, wt) -> dict[str, np.ndarray]:
        """Context scores of words ``h``; ``left``/``right``: counts of the word pairs they
        form with their neighbours; ``*_total``: counts of the left context and of the word
        as a context; ``own``: the word's count; ``tw``/``wt``: ``_tag_pairs``."""
        a = self.alpha
        log_p = np.log(p_word)
        p_tag = self.tag_prob_[next_tag]
        tri = self.log_tri_
        return {
            "lf": lf,
            "wwl": np.log((left + a * p_word) / (left_total + a)) - log_p,
            "wwr": np.log((right + a * p_next) / (right_total + a)) - np.log(p_next),
            "twl": np.log((tw + a * p_word) / (self.prev_tag_totals_[prev_tag] + a)) - log_p,
            "wtr": np.log((wt + a * p_tag) / (own + a)) - np.log(p_tag),
            "t3": (tri[prev2_tag, prev_tag, tag] + tri[prev_tag, tag, next_tag]
                   + tri[tag, next_tag, next2_tag]).astype(np.float64),
        }

    def _own_evidence(self, t: _Tokens, word_lm: WordBigramLM,
                      e: WordEvidence) -> dict[str, np.ndarray]:
        """What the word model says of each word and its neighbours (``e``: its
        ``evidence``): a word's right neighbour's values are the next word's own, shifted (the
        end mark after a paragraph's last word, the start mark before its first)."""
        logfreq, _, found = self.lexicon.lookup(np.array([_W_START, _W_END], dtype=np.uint64))
        p_word = self._prob(e.count[: t.n], t.logfreq, t.found, word_lm)
        p_end = self._prob(e.count[-1:], logfreq[1:], found[1:], word_lm)[0]
        bigram = word_lm.bigram_
        (last_right,) = _lookup(_pair_keys(t.hashes[t.last], t.next_hash[t.last]), bigram.keys,
                                bigram.counts)
        right = _shift(e.pair, -1, t.last, 0.0)
        right[t.last] = last_right
        return {"count": e.count[: t.n], "p_word": p_word,
                "p_next": _shift(p_word, -1, t.last, p_end), "left": e.pair, "right": right,
                "left_total": _shift(e.total[: t.n], 1, t.first, e.total[-2]),
                "right_total": e.total[: t.n]}

    def token_features(self, words: Words, word_lm: WordBigramLM,
                       evidence: WordEvidence | None = None) -> tuple[np.ndarray, _Tokens]:
        """Per word of every paragraph, the ``TOKEN_FEATURES``; and the words as arrays.
        ``evidence``: ``word_lm.evidence(words)``, if the caller has it already."""
        t = _Tokens(words, self.lexicon)
        lex = self.lexicon
        e = self._own_evidence(t, word_lm, word_lm.evidence(words) if evidence is None
                               else evidence)
        p_next, left_total = e["p_next"], e["left_total"]
        own = self._parts(t.hashes, t.logfreq, t.tags, p_next, t.prev_tag, t.next_tag,
                          t.prev2_tag, t.next2_tag, e["p_word"], e["left"], e["right"],
                          left_total, e["right_total"], e["count"],
                          *self._tag_pairs(t.hashes, t.prev_tag, t.next_tag))
        eligible = np.flatnonzero(t.cjk & np.isin(t.lengths, lex.lengths))
        tok, slot = lex.candidates(t.lengths, t.first_code, t.codes, eligible)
        idx = lex.twin_words[slot]
        h = lex.hashes[idx]
        keep = h != t.hashes[tok]
        tok, slot, idx, h = tok[keep], slot[keep], idx[keep], h[keep]
        lf = lex.logfreq[idx].astype(np.float64)
        bigram = word_lm.bigram_
        (left,) = _lookup(_pair_keys(t.prev_hash[tok], h), bigram.keys, bigram.counts)
        (right,) = _lookup(_pair_keys(h, t.next_hash[tok]), bigram.keys, bigram.counts)
        twin = self._parts(h, lf, lex.tags[idx].astype(np.int64), p_next[tok], t.prev_tag[tok],
                           t.next_tag[tok], t.prev2_tag[tok], t.next2_tag[tok], np.exp(lf),
                           left, right, left_total[tok], self.twin_totals_[slot],
                           self.twin_counts_[slot],
                           *self._twin_tag_pairs(slot, t.prev_tag[tok], t.next_tag[tok]))
        has = np.zeros(t.n, dtype=bool)
        has[tok] = True
        starts = np.flatnonzero(np.r_[True, tok[1:] != tok[:-1]]) if len(tok) else tok
        columns = [own[name] for name in ("lf", "wwl", "wwr", "twl", "wtr", "t3")]
        posts = []
        own_sums = {name: sum(own[p] for p in parts)  # per word, then read at its twins
                    for name, parts in _PARTS.items()}
        for name, parts in _PARTS.items():
            diff = sum(twin[p] for p in parts) - own_sums[name][tok]
            gap = np.full(t.n, -5.0)
            post = np.zeros(t.n)
            if len(tok):
                gap[tok[starts]] = np.maximum.reduceat(diff, starts)
                post[tok[starts]] = np.log1p(np.add.reduceat(
                    np.exp(np.clip(diff, -50, 50)), starts))
            columns.append(gap)
            if name != "lf":
                posts.append(post)
        columns += posts + [t.cjk.astype(np.float64), t.found.astype(np.float64),
                            has.astype(np.float64)]
        return np.clip(np.column_stack(columns), -30, 30), t

    def swap_logit(self, x: np.ndarray) -> np.ndarray:
        """Log-odds that each word (a row of ``token_features``) is a swap."""
        return np.einsum("ij,j->i", (x - self.mean_) / self.scale_, self.coef_) + self.intercept_

    def paragraph_features(self, words: Words, word_lm: WordBigramLM,
                           evidence: WordEvidence | None = None) -> np.ndarray:
        """Per paragraph, the ``TWIN_FEATURES`` (``evidence``: see ``token_features``)."""
        x, t = self.token_features(words, word_lm, evidence)
        n_par = len(t.counts)
        rows = np.repeat(np.arange(n_par), t.counts)
        sizes = np.maximum(t.counts, 1).astype(np.float64)
        cjk = np.maximum(np.bincount(rows, t.cjk.astype(np.float64), n_par), 1)
        col = {name: x[:, i] for i, name in enumerate(TOKEN_FEATURES)}

        def mean(values):
            return np.bincount(rows, values, n_par) / sizes

        def cjk_share(mask):
            return np.bincount(rows, (mask & t.cjk).astype(np.float64), n_par) / cjk

        columns = [mean(col[name]) for name in ("wwl", "wwr", "twl", "wtr", "t3")]
        columns.append(mean((col["t3"] < -8).astype(np.float64)))
        for name in ("ww", "tw", "all", "all3"):
            gap, post = col[f"g_{name}"], col[f"post_{name}"]
            columns += [cjk_share(gap > 1), cjk_share(gap > 2), cjk_share(gap > 3),
                        cjk_share(post > 2),
                        np.bincount(rows, np.where(t.cjk, post, 0.0), n_par) / cjk]
        logit = self.swap_logit(x)
        ratio = np.exp(np.clip(logit - self.prior_, -30, 30))
        mil = np.bincount(rows, np.log1p(SWAP_PRIOR * (ratio - 1)), n_par)
        prob = 1 / (1 + np.exp(-np.clip(logit, -30, 30)))
        columns += [mil / sizes, mil, mean(prob), mean((prob > 0.5).astype(np.float64))]
        return np.column_stack(columns)


TWIN_FEATURES = (
    "wwl_mean", "wwr_mean", "twl_mean", "wtr_mean", "t3_mean", "t3_below_8",
    *(f"{name}_{stat}" for name in ("ww", "tw", "all", "all3")
      for stat in ("gap_over_1", "gap_over_2", "gap_over_3", "post_over_2", "post_mean")),
    "swap_llr_mean", "swap_llr_sum", "swap_prob_mean", "swap_share",
)


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
                     word_lm: WordBigramLM, markers: re.Pattern | None = None,
                     twins: TwinModel | None = None, words: Words | None = None) -> np.ndarray:
    """Per normalised paragraph, the ``FEATURES`` and, given a twin model, the
    ``TWIN_FEATURES`` (all vectorised over the batch); ``words``: their ``tokenize``, if the
    caller has it already."""
    lengths = np.fromiter((len(p) for p in paragraphs), dtype=np.int64, count=len(paragraphs))
    rows = np.repeat(np.arange(len(paragraphs)), lengths)
    s1, s2, s3 = char_lm.surprise(paragraphs)
    codes = np.frombuffer("".join(paragraphs).encode("utf-32-le"), dtype=np.uint32)
    cjk = ((codes >= 0x4E00) & (codes < 0xA000)) | ((codes >= 0x3400) & (codes < 0x4DC0))
    if words is None:
        words = tokenize(paragraphs)
    counts = words.counts
    evidence = word_lm.evidence(words)
    w1, w2, oov, unseen = word_lm.surprise(words, evidence)
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
    if twins is not None:
        columns += list(twins.paragraph_features(words, word_lm, evidence).T)
    return np.column_stack(columns)


class QualityModel:
    """Two language models of genuine text and a logistic regression over their surprises.

    ``score(paragraphs)`` → P(genuine quality) per paragraph; ``threshold`` is the default
    cut-off under which a paragraph counts as low quality."""

    def __init__(self, char_lm: CharTrigramLM, word_lm: WordBigramLM, classifier,
                 threshold: float = 0.5, markers: list[str] | None = None,
                 twins: TwinModel | None = None):
        self.char_lm = char_lm
        self.word_lm = word_lm
        self.twins = twins
        self.markers = markers or []
        self._pattern = None
        self.classifier = classifier
        self.threshold = threshold

    def features(self, paragraphs: list[str], normalized: bool = False,
                 words: Words | None = None) -> np.ndarray:
        """``quality_features`` of the paragraphs (``words``: see there; normalised text's)."""
        if not normalized:
            paragraphs = [normalize(p) for p in paragraphs]
        if self._pattern is None and self.markers:
            self._pattern = re.compile("|".join(map(re.escape, self.markers)))
        return quality_features(paragraphs, self.char_lm, self.word_lm, self._pattern,
                                self.twins, words)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_pattern": None}

    def score(self, paragraphs: list[str], normalized: bool = False,
              words: Words | None = None) -> np.ndarray:
        """Probability of genuine quality of each paragraph (an empty one scores 1);
        ``words``: the jieba words of the normalised paragraphs, if already cut."""
        if not paragraphs:
            return np.zeros(0)
        x = self.features(paragraphs, normalized, words)
        scores = self.classifier.predict_proba(x)[:, 1]
        empty = np.fromiter((not p.strip() for p in paragraphs), dtype=bool,
                            count=len(paragraphs))
        return np.where(empty, 1.0, scores)

    def save(self, path: str | Path, sidecar: dict) -> Path:
        """Write the model and ``<path>.json``; returns the sidecar path."""
        fields = {"format_version": FORMAT_VERSION, "kind": "quality",
                  "threshold": self.threshold,
                  "features": list(FEATURES) + (list(TWIN_FEATURES) if self.twins else []),
                  **sidecar}
        return save_with_sidecar(self, path, fields, _LIBRARIES)


def in_context(scores: np.ndarray, lengths: np.ndarray,
               documents: np.ndarray, n_documents: int) -> tuple[np.ndarray, np.ndarray]:
    """(paragraph scores in their document, document scores) from paragraph ``scores``.

    A spinner rewrites whole articles, so one paragraph's evidence is weak alone but a
    document's is not: a document scores the length-weighted mean log-odds of its
    paragraphs, and a paragraph no better than its document (its own evidence of garbling
    stays). ``documents[i]`` is paragraph ``i``'s document; a document without paragraphs
    scores NaN.
    """
    p = np.clip(scores, 1e-9, 1 - 1e-9)
    weights = lengths.astype(np.float64)
    total = np.bincount(documents, weights, n_documents)
    mean = np.bincount(documents, weights * np.log(p / (1 - p)), n_documents)
    with np.errstate(invalid="ignore", divide="ignore"):
        document = 1 / (1 + np.exp(-mean / total))
    return np.minimum(scores, document[documents]), document


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
