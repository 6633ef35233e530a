"""Decision settings, one frozen object with documented defaults; CLI flags map onto it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    """How scores become decisions.

    spam_threshold: a paragraph is spam when its spam probability is at least this.
    spam_site_ratio: a document whose spam characters are at least this share of its
        paragraph characters is labeled ``spam`` (otherwise ``injected`` if it has any spam).
    quality: also score content quality (``p.quality``, ``doc.quality``) with the quality
        model next to the spam model; off by default because it halves throughput.
    """

    spam_threshold: float = 0.3
    spam_site_ratio: float = 0.8
    quality: bool = False

    def __post_init__(self) -> None:
        for name in ("spam_threshold", "spam_site_ratio"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value}")
