"""Text normalisation and paragraph splitting, always with offsets into the original text.

Normalisation is length-preserving (one character in, one character out), so an offset into the
normalised text is also an offset into the original: traditional characters are folded to
simplified with OpenCC's character table, full-width ASCII to half-width, Latin to lower case.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import opencc

_CJK_BLOCKS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))
# a non-blank line without its outer white space (``\s`` and ``str.strip`` agree on what white
# space is); a match never crosses a line break
_PARAGRAPH = re.compile(r"[^\S\n]*(\S(?:[^\n]*\S)?)")
# A paragraph longer than LONG_LINE characters (a page flattened into one line, or a very
# long paragraph: 0.1 % of the labeled paragraphs are longer) is scored in segments that close
# at the first sentence end or white-space run after SEGMENT characters (about the 90th
# percentile of labeled paragraph lengths), so they read like the paragraphs the model knows.
LONG_LINE = 600
SEGMENT = 150
_SEGMENT_END = re.compile(r"[。！？!?；;…]+[”’」』）)]*|\s+")


@lru_cache(maxsize=1)
def _fold_table() -> np.ndarray:
    """The code-point map behind :func:`normalize` (every folded character is in the BMP),
    built once per process."""
    chars = [chr(c) for lo, hi in _CJK_BLOCKS for c in range(lo, hi)]
    simplified = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    table = np.arange(0x10000, dtype=np.uint32)
    for t, s in zip(chars, simplified, strict=True):
        if len(s) == 1:
            table[ord(t)] = ord(s)
    table[0xFF01:0xFF5F] -= 0xFEE0
    table[0x3000] = ord(" ")
    table[ord("A") : ord("Z") + 1] += 32
    table[ord("Ａ") : ord("Ｚ") + 1] = np.arange(ord("a"), ord("z") + 1)
    table[0xD800:0xE000] = 0xFFFD  # a lone surrogate (Python's json lets them in) → U+FFFD
    return table


def normalize(text: str) -> str:
    """Fold traditional to simplified, full-width to half-width and Latin to lower case
    (and lone surrogates, which no encoder or tokenizer takes, to U+FFFD).

    >>> normalize("國度衛生ＡＢＣ")
    '国度卫生abc'
    """
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).copy()
    in_table = codes < 0x10000
    codes[in_table] = _fold_table()[codes[in_table]]
    return codes.tobytes().decode("utf-32-le")


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """Offsets ``(start, end)`` of the paragraphs of ``text``: its non-blank lines, stripped.

    Lines end at "\\n"; a trailing "\\r" and surrounding white space (including the
    ideographic space) are not part of the paragraph.

    >>> split_paragraphs("標題\\r\\n\\n  正文。 \\n")
    [(0, 2), (7, 10)]
    """
    return [match.span(1) for match in _PARAGRAPH.finditer(text)]


def split_long_line(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The units a paragraph ``text[start:end]`` is scored in: itself, or, when it is longer
    than ``LONG_LINE``, segments. Each segment closes after a sentence end (with its closing
    quotes) or before a run of white space, at the first such point at least ``SEGMENT``
    characters into it; the rest of the paragraph is the last one. Segments hold no outer
    white space.

    >>> split_long_line("甲。乙", 0, 3)
    [(0, 3)]
    """
    if end - start <= LONG_LINE:
        return [(start, end)]
    segments = []
    for match in _SEGMENT_END.finditer(text, start, end):
        if match.end() >= end:
            break
        cut = match.start() if match.group()[0].isspace() else match.end()
        if cut - start >= SEGMENT:
            segments.append((start, cut))
            start = match.end()
            while text[start].isspace():
                start += 1
    segments.append((start, end))
    return segments
