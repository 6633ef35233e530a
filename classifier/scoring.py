"""The scoring path: split → featurize → score → locate → results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import Config
from .model import LABELS, Scores, SpamModel, load_spam_model
from .quality import QualityModel, Words, in_context, load_quality_model, tokenize
from .results import DocumentResult, ParagraphResult, Span
from .spans import (
    INJECTION_REASONS,
    KEY_PARAGRAPHS,
    merge,
    recurring_injections,
    remove_spans,
)
from .text import split_long_line, split_paragraphs

QUALITY_MODEL = "quality.joblib"
_SPAM = LABELS.index("spam")
_BOILERPLATE = LABELS.index("boilerplate")


def decide(proba: np.ndarray, spam_threshold: float) -> np.ndarray:
    """Labels from probabilities: spam at or over the threshold, else the likelier of the rest."""
    other = np.where(proba[:, _BOILERPLATE] > proba[:, 0], "boilerplate", "genuine")
    return np.where(proba[:, _SPAM] >= spam_threshold, "spam", other)


@dataclass(frozen=True)
class _Columns:
    """What the model decided for every paragraph of a batch, as Python lists (read once per
    paragraph, so no numpy scalar is built per field)."""

    labels: list[str]
    reasons: list[str]
    spam_scores: list[float]
    boilerplate_scores: list[float]
    injected: dict[int, list[Span]]
    quality: list[float | None]

    def paragraph(self, start: int, end: int, row: int) -> ParagraphResult:
        label = self.labels[row]
        spans = self.injected.get(row)
        return ParagraphResult(  # by position: this runs once per paragraph
            start,
            end,
            label,
            self.reasons[row] if label == "spam" else None,
            self.spam_scores[row],
            self.boilerplate_scores[row],
            tuple((start + s, start + e) for s, e in spans) if spans else (),
            self.quality[row],
        )

    def segmented(self, start: int, end: int, segments: list[tuple[int, int, int]]
                  ) -> ParagraphResult:
        """A paragraph scored in two or more ``segments`` (start, end, row): spam if any
        segment is, with the reason and spam score of its strongest one and the spans of all;
        otherwise genuine if any segment is; its boilerplate score and quality are the
        segments', weighted by length."""
        rows = [row for _, _, row in segments]
        labels = {self.labels[row] for row in rows}
        label = next(x for x in ("spam", "genuine", "boilerplate") if x in labels)
        strongest = max(rows, key=self.spam_scores.__getitem__)
        weight = np.array([e - s for s, e, _ in segments], dtype=np.float64)
        scored = [(w, self.quality[row]) for w, row in zip(weight, rows)
                  if self.quality[row] is not None]
        return ParagraphResult(
            start=start,
            end=end,
            label=label,
            reason=self.reasons[strongest] if label == "spam" else None,
            spam_score=self.spam_scores[strongest],
            boilerplate_score=float(weight @ [self.boilerplate_scores[r] for r in rows]
                                    / weight.sum()),
            spans=tuple(merge([(s + a, s + b) for s, _, row in segments
                               for a, b in self.injected.get(row, ())])),
            quality=(float(sum(w * q for w, q in scored) / sum(w for w, _ in scored))
                     if scored else None),
        )


CHROME = 0.5  # a paragraph at least this likely to be boilerplate gains no recurring spans


def _spread_recurring(scores: Scores, labels: np.ndarray, reasons: np.ndarray,
                      injected: dict[int, list[Span]]
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, reasons and spam scores after each document's located injections are spread to
    where they recur in it (``spans.recurring_injections``, from the spans of its
    ``INJECTION_REASONS`` paragraphs that leave part of the paragraph), except into page chrome
    (boilerplate probability at least ``CHROME``). ``injected`` gains the new spans; a
    paragraph that was not spam becomes spam (``injected_keywords``) with the spam score of the
    document's strongest source paragraph, if that is higher than its own."""
    labels, reasons = labels.copy(), reasons.copy()
    spam_scores = scores.proba[:, _SPAM].copy()
    paragraphs, doc_index = scores.batch.paragraphs, scores.batch.doc_index
    sources: dict[int, list[int]] = {}
    for row, spans in injected.items():
        if reasons[row] in INJECTION_REASONS and spans != [(0, len(paragraphs[row]))]:
            sources.setdefault(int(doc_index[row]), []).append(row)
    bounds = np.searchsorted(doc_index, np.arange(doc_index[-1] + 2)) if sources else None
    for doc, rows in sources.items():
        if len(rows) < KEY_PARAGRAPHS:  # too few paragraphs for any key
            continue
        first, last = int(bounds[doc]), int(bounds[doc + 1])
        strongest = max(spam_scores[rows])
        found = recurring_injections(paragraphs[first:last],
                                     {row - first: injected[row] for row in rows})
        for index, spans in found.items():
            row = first + index
            if scores.proba[row, _BOILERPLATE] >= CHROME:
                continue
            if labels[row] != "spam":
                labels[row], reasons[row] = "spam", "injected_keywords"
                spam_scores[row] = max(spam_scores[row], strongest)
            injected[row] = merge(injected.get(row, []) + spans)
    return labels, reasons, spam_scores


class Classifier:
    """A loaded model with its sidecar and decision settings; ``predict`` scores text."""

    def __init__(self, model: SpamModel, info: dict, config: Config | None = None):
        self.model = model
        self.info = info
        self.config = config or Config()
        self.quality_path: Path | None = None  # quality model next to the spam model, if any
        self._quality: QualityModel | None | bool = False  # False: not loaded yet

    @property
    def quality_model(self) -> QualityModel | None:
        """The content-quality model (``quality.joblib`` next to the spam model), loaded on
        first use; ``None`` when there is none or ``config.quality`` is off. A broken one
        raises ``ModelError``."""
        if not self.config.quality:
            return None
        if self._quality is False:
            path = self.quality_path
            self._quality = (load_quality_model(path)[0]
                             if path is not None and path.is_file() else None)
        return self._quality

    @classmethod
    def from_path(cls, path: str | Path, config: Config | None = None) -> Classifier:
        model, info = load_spam_model(path)
        classifier = cls(model, info, config)
        classifier.quality_path = Path(path).with_name(QUALITY_MODEL)
        return classifier

    def predict(self, texts: str | Sequence[str]) -> DocumentResult | list[DocumentResult]:
        """Score one text (→ a result) or a list of texts (→ a list of results, same order)."""
        if isinstance(texts, str):
            return self.predict_batch([texts])[0]
        if isinstance(texts, (bytes, bytearray)):
            raise TypeError("predict() takes str, not bytes: decode it first, e.g. data.decode()")
        if not isinstance(texts, Sequence):
            raise TypeError(f"predict() takes a str or a list of str, not {type(texts).__name__}")
        return self.predict_batch(list(texts))

    def predict_batch(self, texts: list[str]) -> list[DocumentResult]:
        """Score a list of texts in one pass through the model."""
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"predict() takes str items; item {i} is {type(text).__name__}")
        offsets = [split_paragraphs(text) for text in texts]
        segments = [[split_long_line(text, s, e) for s, e in spans]
                    for text, spans in zip(texts, offsets)]
        scores = self.model.score([[text[a:b] for parts in paragraphs for a, b in parts]
                                   for text, paragraphs in zip(texts, segments)])
        labels, reasons, spam_scores, injected = self._decide(scores)
        quality, document_quality = self._kept_quality(scores, labels, injected, len(texts))
        columns = _Columns(labels.tolist(), reasons.tolist(), spam_scores.tolist(),
                           scores.proba[:, _BOILERPLATE].tolist(), injected, quality)
        results, row = [], 0
        for text, spans, paragraphs, quality_of_document in zip(texts, offsets, segments,
                                                                 document_quality):
            scored = []
            for (start, end), parts in zip(spans, paragraphs):
                if len(parts) == 1:
                    scored.append(columns.paragraph(start, end, row))
                else:
                    scored.append(columns.segmented(
                        start, end, [(a, b, row + k) for k, (a, b) in enumerate(parts)]))
                row += len(parts)
            results.append(self._document(text, scored, quality_of_document))
        return results

    def paragraph_proba(self, documents: list[list[str]]) -> np.ndarray:
        """Class probabilities of every paragraph of ``documents`` (lists of paragraphs; rows
        in order) as the product decides them: the model's, with the spam probability raised
        where a recurring injection was found (``_spread_recurring``)."""
        scores = self.model.score(documents)
        proba = scores.proba.copy()
        proba[:, _SPAM] = self._decide(scores)[2]
        return proba

    def _decide(self, scores: Scores
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, list[Span]]]:
        """Labels, reasons, spam scores and injected spans of every row of ``scores``."""
        labels = decide(scores.proba, self.config.spam_threshold)
        spam = np.flatnonzero(labels == "spam")
        reasons = self.model.reasons(scores, spam)
        injected = self._injected_spans(scores, spam, reasons)
        return (*_spread_recurring(scores, labels, reasons, injected), injected)

    def _injected_spans(self, scores: Scores, spam: np.ndarray, reasons: np.ndarray
                        ) -> dict[int, list[Span]]:
        """Spans inside each spam paragraph (rows ``spam``), relative to the paragraph, keyed
        by row."""
        rows = spam.tolist()
        located = self.model.first_stage_.tagger_.locate_rows(
            scores.char_scores, scores.char_logits, scores.char_starts, rows,
            [reasons[row] in INJECTION_REASONS for row in rows])
        return dict(zip(rows, located))

    def _kept_quality(self, scores: Scores, labels: np.ndarray, injected: dict[int, list[Span]],
                      n_documents: int) -> tuple[list[float | None], list[float | None]]:
        """Content quality of the text the cleaner keeps (genuine paragraphs, and spam
        paragraphs without their injected spans), scored in document context
        (:func:`quality.in_context`); boilerplate and paragraphs removed whole get None, and
        so do all paragraphs and documents without a quality model."""
        paragraph_quality: list[float | None] = [None] * len(labels)
        document_quality: list[float | None] = [None] * n_documents
        model = self.quality_model
        if model is None:
            return paragraph_quality, document_quality
        # paragraphs kept whole reuse the spam model's cut; those with spans removed are cut
        # again, and come after them
        batch = scores.batch
        rows, cut_rows, cut_texts = [], [], []
        for row, (label, text) in enumerate(zip(labels.tolist(), batch.paragraphs)):
            if label == "boilerplate" or not text.strip():
                continue
            if label == "spam" and injected[row]:
                text = remove_spans(text, injected[row])[0]
                if text.strip():
                    cut_rows.append(row)
                    cut_texts.append(text)
            else:
                rows.append(row)
        if not rows and not cut_rows:
            return paragraph_quality, document_quality
        whole = np.zeros(len(labels), dtype=bool)
        whole[rows] = True
        kept = [batch.paragraphs[row] for row in rows] + cut_texts
        words = Words.of_cut(batch.cut, len(labels), whole) + tokenize(cut_texts)
        rows += cut_rows
        lengths = np.fromiter(map(len, kept), dtype=np.int64, count=len(kept))
        paragraph, document = in_context(model.score(kept, normalized=True, words=words),
                                         lengths, batch.doc_index[rows], n_documents)
        for row, value in zip(rows, paragraph.tolist()):
            paragraph_quality[row] = value
        for i, value in enumerate(document.tolist()):
            document_quality[i] = None if np.isnan(value) else value
        return paragraph_quality, document_quality

    def _document(self, text: str, paragraphs: list[ParagraphResult],
                  quality: float | None) -> DocumentResult:
        spans = [s for p in paragraphs for s in p.spans]
        total = sum(p.end - p.start for p in paragraphs)
        spam_ratio = sum(e - s for s, e in spans) / total if total else 0.0
        if not spans:
            label = "clean"
        elif spam_ratio >= self.config.spam_site_ratio:
            label = "spam"
        else:
            label = "injected"
        clean_text, _ = remove_spans(text, spans)
        return DocumentResult(text, tuple(paragraphs), label, spam_ratio, clean_text, quality)
