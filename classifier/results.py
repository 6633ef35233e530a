"""Result objects: frozen, with character offsets into the original text."""

from __future__ import annotations

from dataclasses import dataclass

Span = tuple[int, int]


@dataclass(frozen=True)
class ParagraphResult:
    """One paragraph: where it is, what it is, how sure, and which parts are injected."""

    start: int
    end: int
    label: str  # "genuine" | "spam" | "boilerplate"
    reason: str | None  # spam reason code, None unless label == "spam"
    spam_score: float  # probability of "spam", in [0, 1]
    boilerplate_score: float  # probability of "boilerplate", in [0, 1]
    spans: tuple[Span, ...]  # injected parts, offsets into the document text
    # content quality in [0, 1] of the text the cleaner keeps here, in document context (None:
    # no quality model, boilerplate, or removed whole)
    quality: float | None = None

    def to_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "reason": self.reason,
            "spam_score": round(self.spam_score, 4),
            "boilerplate_score": round(self.boilerplate_score, 4),
            "spans": [list(s) for s in self.spans],
            "quality": None if self.quality is None else round(self.quality, 4),
        }


@dataclass(frozen=True)
class DocumentResult:
    """A scored document: its paragraphs in order, a document label and the cleaned text."""

    text: str
    paragraphs: tuple[ParagraphResult, ...]
    label: str  # "clean" | "injected" | "spam"
    spam_ratio: float  # injected characters / paragraph characters
    clean_text: str
    quality: float | None = None  # pooled quality of the kept paragraphs (quality.in_context)

    def to_dict(self) -> dict:
        """The JSON-ready form written by the CLI (the text itself is left out)."""
        return {
            "label": self.label,
            "spam_ratio": round(self.spam_ratio, 4),
            "quality": None if self.quality is None else round(self.quality, 4),
            "paragraphs": [p.to_dict() for p in self.paragraphs],
        }
