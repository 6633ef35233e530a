"""Locating injected spans and rebuilding the text without them."""

from __future__ import annotations

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


def paragraph_spans(start: int, end: int, is_spam: bool) -> tuple[Span, ...]:
    """Spans of a paragraph: all of it when it is spam."""
    return ((start, end),) if is_spam else ()
