"""Text normalisation and paragraph splitting, always with offsets into the original text.

Normalisation is length-preserving (one character in, one character out), so an offset into the
normalised text is also an offset into the original: traditional characters are folded to
simplified with OpenCC's character table, full-width ASCII to half-width, Latin to lower case.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

_CJK_BLOCKS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))
_PARAGRAPH = re.compile(r"[^\n]+")


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """The translation table behind :func:`normalize`, built once per process."""
    chars = [chr(c) for lo, hi in _CJK_BLOCKS for c in range(lo, hi)]
    simplified = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    table = {
        ord(t): s for t, s in zip(chars, simplified, strict=True) if len(s) == 1 and s != t
    }
    table.update({c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)})
    table[0x3000] = " "
    table.update({c: chr(c + 32) for c in range(ord("A"), ord("Z") + 1)})
    for c in range(ord("Ａ"), ord("Ｚ") + 1):
        table[c] = chr(c - 0xFEE0 + 32)
    return table


def normalize(text: str) -> str:
    """Fold traditional to simplified, full-width to half-width and Latin to lower case.

    >>> normalize("國度衛生ＡＢＣ")
    '国度卫生abc'
    """
    return text.translate(_fold_table())


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """Offsets ``(start, end)`` of the paragraphs of ``text``: its non-blank lines, stripped.

    Lines end at "\\n"; a trailing "\\r" and surrounding white space (including the
    ideographic space) are not part of the paragraph.

    >>> split_paragraphs("標題\\r\\n\\n  正文。 \\n")
    [(0, 2), (7, 10)]
    """
    spans = []
    for match in _PARAGRAPH.finditer(text):
        line = match.group()
        stripped = line.strip()
        if stripped:
            start = match.start() + (len(line) - len(line.lstrip()))
            spans.append((start, start + len(stripped)))
    return spans
