"""Locating injected spans and rebuilding the text without them."""

from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp

from .features import (
    char_context_ids,
    segment_moving_mean,
    surprise_codes,
    surprise_columns,
)
from .kernels import tagger_logits
from .linear import SparseLogistic
from .lm import CharBigramLM
from .results import Span


def merge(spans: list[Span]) -> list[Span]:
    """Sort spans and merge the ones that overlap or touch.

    >>> merge([(5, 8), (0, 2), (2, 3), (7, 9)])
    [(0, 3), (5, 9)]
    """
    merged: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def remove_spans(text: str, spans: list[Span]) -> tuple[str, list[Span]]:
    """``text`` without ``spans``, and the kept pieces as offsets into ``text``.

    A line that held text and is left blank by the removal is dropped with its line break, so
    cleaning never leaves holes; what stays is joined back exactly as it stood around the cut.

    >>> remove_spans("ab\\nXX\\ncd", [(3, 5)])
    ('ab\\ncd', [(0, 3), (6, 8)])
    """
    removed = merge(list(spans))
    emptied_lines = []
    for start, end in removed:
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        if _blank_after_removal(text, line_start, line_end, removed):
            emptied_lines.append((line_start, min(line_end + 1, len(text))))
    kept, cursor = [], 0
    for start, end in merge(removed + emptied_lines):
        if start > cursor:
            kept.append((cursor, start))
        cursor = max(cursor, end)
    if cursor < len(text):
        kept.append((cursor, len(text)))
    return "".join(text[s:e] for s, e in kept), kept


def _blank_after_removal(text: str, line_start: int, line_end: int, removed: list[Span]) -> bool:
    """Whether the line [line_start, line_end) holds only white space once ``removed`` is cut."""
    cursor = line_start
    for start, end in removed:
        if end <= line_start or start >= line_end:
            continue
        if text[cursor:start].strip():
            return False
        cursor = max(cursor, end)
    return not text[cursor:line_end].strip()


SPAN_FEATURES = 2**19  # 2 MB of weights, read from cache by the 16 gathers per character
_SURPRISE_COLUMNS = surprise_columns(SPAN_FEATURES)  # hashed once, not per batch
INJECTION_MARGIN = 2.0  # log-odds below an injected paragraph's strongest character
INJECTION_EDGE = 1  # characters added on each side of an injected run
INJECTION_RAW = 2.0  # unsmoothed log-odds over which a character of an injected paragraph counts
INJECTION_REASONS = ("injected_keywords", "spliced_text")


class SpanTagger:
    """Scores every character of a paragraph as injected or not, from the n-grams around it,
    and turns runs of injected characters into spans.

    Trained on paragraphs whose injected spans are known (generated injections and splices, hand
    spans) plus genuine paragraphs; it only runs on paragraphs the paragraph model calls spam, so
    a novel chapter on a novel site, which the paragraph model keeps, is never cut.
    """

    def __init__(self, lm: CharBigramLM, seed: int = 0, alpha: float = 1e-6, smoothing: int = 5,
                 min_length: int = 2,
                 max_gap: int = 2, whole_share: float = 0.7):
        self.lm = lm
        self.seed = seed
        self.alpha = alpha
        self.smoothing = smoothing
        self.min_length = min_length
        self.max_gap = max_gap
        self.whole_share = whole_share

    def fit(
        self, paragraphs: list[str], spans: list[list[Span]], weights: list[float]
    ) -> SpanTagger:
        """``paragraphs`` normalised; ``spans`` their injected parts (``[]`` when none); each
        paragraph's weight goes to all its characters."""
        x = self._features(paragraphs)
        y = np.zeros(x.shape[0], dtype=np.int8)
        offset = 0
        for paragraph, injected in zip(paragraphs, spans):
            for start, end in injected:
                y[offset + start : offset + end] = 1
            offset += len(paragraph)
        lengths = [len(p) for p in paragraphs]
        self.classifier_ = SparseLogistic(self.alpha, self.seed, epochs=5).fit(
            x, y, np.repeat(np.asarray(weights, dtype=np.float64), lengths)
        )
        return self

    def _surprise_codes(self, paragraphs: list[str]) -> np.ndarray:
        lengths = np.fromiter(map(len, paragraphs), dtype=np.int64, count=len(paragraphs))
        return surprise_codes(self.lm.paragraph_surprise(paragraphs), lengths)

    def _features(self, paragraphs: list[str]) -> sp.csr_matrix:
        """One row per character, binary features (repeats add up), for training: the n-grams
        around it and its surprise."""
        cols = np.concatenate([char_context_ids(paragraphs, SPAN_FEATURES),
                               _SURPRISE_COLUMNS[self._surprise_codes(paragraphs)]])
        rows = np.tile(np.arange(cols.shape[1]), cols.shape[0])
        return sp.csr_matrix((np.ones(cols.size, dtype=np.float32), (rows, cols.ravel())),
                             shape=(cols.shape[1], SPAN_FEATURES))

    def char_logits(self, paragraphs: list[str]) -> np.ndarray:
        """Unsmoothed log-odds of every character of the batch, flat. The same numbers as the
        classifier's decision function on ``_features``, summed by gathering weights instead of
        building the matrix (``kernels.tagger_logits``)."""
        return tagger_logits(paragraphs, self.classifier_.coef_[0],
                             self.classifier_.intercept_[0], self.lm)

    def char_scores(self, paragraphs: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Smoothed and unsmoothed log-odds that each character is injected (flat over the
        batch), and the paragraph lengths that cut them into paragraphs."""
        lengths = np.fromiter((len(p) for p in paragraphs), dtype=np.int64, count=len(paragraphs))
        raw = self.char_logits(paragraphs)
        return segment_moving_mean(raw, lengths, self.smoothing), raw, lengths

    def locate(self, scores: np.ndarray, raw: np.ndarray | None = None) -> list[Span]:
        """Spans of a spam paragraph from its character scores: runs of positive score, small
        gaps closed, tiny runs dropped; the whole paragraph when the runs cover most of it or
        nothing stands out (a keyword list or a spam title is spam through and through).

        ``raw``: the paragraph is text with something injected (its reason says so), and these
        are its unsmoothed character log-odds. Then the characters that stand out from the rest
        count too, those within ``INJECTION_MARGIN`` of its strongest (the tagger ranks
        characters within a paragraph better than it calibrates them across sources it has not
        seen), and so do those whose own log-odds exceed ``INJECTION_RAW`` (a two-character
        keyword is averaged below 0 by the smoothing window). Its runs are widened by
        ``INJECTION_EDGE`` characters on each side, which the smoothing window blurs into the
        genuine text next to them."""
        injection = raw is not None
        starts = np.array([0, len(scores)])
        return self.locate_rows(scores, raw if injection else scores, starts, [0], [injection])[0]

    def locate_rows(self, scores: np.ndarray, raw: np.ndarray, starts: np.ndarray,
                    rows: list[int], injection: list[bool]) -> list[list[Span]]:
        """``locate`` for the paragraphs ``rows`` of a batch at once: ``scores`` and ``raw``
        are flat over the batch, paragraph ``i``'s characters are ``starts[i]:starts[i + 1]``,
        and ``injection[k]`` says whether ``rows[k]`` is injected text (read its ``raw``). Runs
        are found for all of them in one pass, so the per-paragraph work is only on runs."""
        rows_at = np.asarray(rows, dtype=np.int64)
        lengths = starts[rows_at + 1] - starts[rows_at]
        offsets = np.cumsum(lengths) - lengths
        chars = np.repeat(starts[rows_at] - offsets, lengths) + np.arange(lengths.sum())
        smoothed, unsmoothed = scores[chars], raw[chars]
        hot = smoothed > 0
        injected = np.repeat(np.asarray(injection, dtype=bool), lengths)
        filled = lengths > 0
        if injected.any():
            strongest = np.zeros(len(rows_at), dtype=smoothed.dtype)
            strongest[filled] = np.maximum.reduceat(smoothed, offsets[filled])
            hot |= injected & ((smoothed > np.repeat(strongest, lengths) - INJECTION_MARGIN)
                               | (unsmoothed > INJECTION_RAW))
        # runs of hot characters, cut at paragraph edges
        before = np.concatenate([[False], hot[:-1]])
        before[offsets[filled]] = False
        after = np.concatenate([hot[1:], [False]])
        after[(offsets + lengths - 1)[filled]] = False
        run_starts = np.flatnonzero(hot & ~before)
        run_ends = np.flatnonzero(hot & ~after) + 1
        owner = np.searchsorted(offsets, run_starts, side="right") - 1
        base = offsets[owner]
        runs: list[list[Span]] = [[] for _ in rows]
        for k, start, end in zip(owner.tolist(), (run_starts - base).tolist(),
                                 (run_ends - base).tolist()):
            runs[k].append((start, end))
        return [self._spans_of(found, length, inj)
                for found, length, inj in zip(runs, lengths.tolist(), injection)]

    def _spans_of(self, runs: list[Span], length: int, injection: bool) -> list[Span]:
        """A paragraph's spans from its runs of hot characters (see ``locate``)."""
        closed: list[Span] = []
        for start, end in runs:
            if closed and start - closed[-1][1] <= self.max_gap:
                closed[-1] = (closed[-1][0], end)
            else:
                closed.append((start, end))
        kept = [(s, e) for s, e in closed if e - s >= self.min_length]
        if not kept or sum(e - s for s, e in kept) >= self.whole_share * length:
            return [(0, length)]
        if injection:
            return merge([(max(s - INJECTION_EDGE, 0), min(e + INJECTION_EDGE, length))
                          for s, e in kept])
        return kept


KEY_PARAGRAPHS = 3  # a document's injection key lies in located spans of this many paragraphs …
KEY_SHARE = 0.9  # … and this share of its occurrences in the document lie in those spans
_HAN_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")


def recurring_injections(paragraphs: list[str], located: dict[int, list[Span]]
                         ) -> dict[int, list[Span]]:
    """Where a document's located injections recur in it: its keys are the pairs of Han
    characters that lie inside the ``located`` spans (paragraph index → spans inside that
    paragraph) of at least ``KEY_PARAGRAPHS`` paragraphs, with at least ``KEY_SHARE`` of their
    occurrences in the document; every occurrence of a key is injected. Spam keywords are
    injected into one page over and over, and a two-character one in a long paragraph is too
    diluted for the paragraph model to flag; a pair the document also uses for its own text (a
    name a novel repeats) lies partly outside the spans and is no key.

    >>> page = [f"秒杀{i}" for i in range(9)] + ["今日秒杀"]
    >>> recurring_injections(page, {i: [(0, 2)] for i in range(9)})[9]
    [(2, 4)]
    """
    inside: dict[str, list[int]] = {}
    for index, spans in located.items():
        for start, end in spans:
            for run in _HAN_RUN.findall(paragraphs[index], start, end):
                for i in range(len(run) - 1):
                    inside.setdefault(run[i : i + 2], []).append(index)
    page = "\n".join(paragraphs)
    keys = [k for k, where in inside.items()
            if len(set(where)) >= KEY_PARAGRAPHS and len(where) >= KEY_SHARE * page.count(k)]
    found: dict[int, list[Span]] = {}
    if not keys:
        return found
    for index, text in enumerate(paragraphs):
        spans = []
        for key in keys:
            at = text.find(key)
            while at >= 0:
                spans.append((at, at + 2))
                at = text.find(key, at + 1)
        if spans:
            found[index] = merge(spans)
    return found
