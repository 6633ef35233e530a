"""Shared pieces of the data builder: licences, paragraphs with exact spans, row writing, counts."""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from pathlib import Path

import orjson

# Licence of every input, keyed by its path under shared/data (or the generator tag); short
# because it is repeated on every row. Details: shared/data/SOURCES.md and data/labeled/README.md.
# "⚠" marks research-only, unknown or missing licences.
LICENCES = {
    "chinesewebtext": "⚠ none (ChineseWebText, Common Crawl text)",
    "seeds": "⚠ unknown (crawled page)",
    "c4_repeated_lines": "MIT",
    "news/sighan2005": "⚠ research only (SIGHAN 2005)",
    "news/peoplesdaily1998_ner": "⚠ research only (ChineseNER/PD1998)",
    "news/sogou_ca_mini": "⚠ research only (SogouCA)",
    "wiki/cmrc2018_zh_cn": "CC-BY-SA-4.0",
    "wiki/drcd_zh_tw": "CC-BY-SA-3.0",
    "fiction_pd": "public domain (⚠ repo unlicensed)",
    "lexicons/gpt4o_strange_tokens": "⚠ none (GPT4o-Strange-Chinese-Tokens)",
    "lexicons/casia_chinesewebtext_dict.txt": "⚠ none (ChineseWebText dict)",
    "lexicons/konsheng_sensitive_lexicon": "MIT",
    "lexicons/shjwudp_c4_badwords_zh.txt": "MIT",
    "generator": "generated (data/build.py)",
}

LABELS = ("genuine", "spam", "boilerplate")
REASONS = ("keyword_list", "headline_list", "injected_keywords", "spliced_text", "promotion")


def licence_of(source: str) -> str:
    """The licence of a source tag: the longest LICENCES key that the tag starts with."""
    keys = [k for k in LICENCES if source.startswith(k)]
    if not keys:
        raise KeyError(f"no licence known for source {source!r}")
    return LICENCES[max(keys, key=len)]


@dataclass
class Para:
    """A paragraph under construction: genuine and injected segments, each with its source tag.

    ``segments`` are (text, injected, source); the row's spans are the injected segments'
    offsets, so they are exact by construction whatever conversion is applied per segment.
    """

    label: str
    segments: list[tuple[str, bool, str]]
    reason: str | None = None
    whole: bool = False  # the whole line is spam: spans stay []
    extra_sources: list[str] = field(default_factory=list)
    convert: bool = True  # False keeps the line in its own script inside a converted document

    @classmethod
    def of(cls, label: str, text: str, source: str, reason: str | None = None) -> Para:
        """A one-segment paragraph; a spam one is whole-line spam."""
        return cls(label, [(text, False, source)], reason, whole=label == "spam")


def merge_spans(spans: list[tuple[int, int]]) -> list[list[int]]:
    """Sort spans and merge overlapping or adjacent ones."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def render(para: Para, convert=None) -> tuple[str, list[list[int]]]:
    """Text and spans of a paragraph, each segment converted separately (OpenCC is per character
    or phrase, so a segment's converted length is what it is; offsets are counted afterwards)."""
    pieces, spans, pos = [], [], 0
    for text, injected, _ in para.segments:
        text = convert(text) if convert else text
        if injected and text:
            spans.append((pos, pos + len(text)))
        pieces.append(text)
        pos += len(text)
    text = "".join(pieces)
    if text != text.strip() or not text or "\n" in text or "\r" in text:
        raise ValueError(f"paragraph is not a clean stripped line: {text!r}")
    if para.label != "spam" or para.whole:
        return text, []
    if not spans:
        raise ValueError(f"partial spam paragraph without injected text: {text!r}")
    merged = merge_spans(spans)
    for (start, end), piece in zip(merged, _injected_runs(para, convert)):
        if text[start:end] != piece:
            raise AssertionError(f"span {start}:{end} of {text!r} is not {piece!r}")
    return text, merged


def _injected_runs(para: Para, convert) -> list[str]:
    """Concatenated runs of consecutive injected segments (what each merged span must equal)."""
    runs, current = [], ""
    for text, injected, _ in para.segments:
        text = convert(text) if convert else text
        if injected:
            current += text
        elif text:
            if current:
                runs.append(current)
            current = ""
    if current:
        runs.append(current)
    return runs


def para_sources(para: Para) -> list[str]:
    """The distinct source tags of a paragraph, in order of appearance."""
    tags = [s for _, _, s in para.segments] + para.extra_sources
    return list(dict.fromkeys(tags))


def make_row(doc_id: str, n: int, text: str, label: str, reason, spans, source: str,
             method: str, licence: str, sep: str | None = None) -> dict:
    """One row in SCHEMA.md field order (``sep`` only on generated rows)."""
    if label not in LABELS or (label == "spam") != (reason in REASONS):
        raise ValueError(f"{doc_id}#{n}: bad label/reason {label!r}/{reason!r}")
    row = {"doc_id": doc_id, "para": n, "text": text, "label": label, "reason": reason,
           "spans": spans, "source": source, "method": method, "license": licence}
    if sep is not None:
        row["sep"] = sep
    return row


def write_rows(path: Path, rows: list[dict]) -> None:
    """Write rows sorted by (doc_id, para), one JSON object per line, UTF-8 unescaped."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ordered = sorted(rows, key=lambda r: (r["doc_id"], r["para"]))
    with open(path, "wb") as f:
        for row in ordered:
            f.write(orjson.dumps(row) + b"\n")


def count_table(rows: list[dict]) -> dict:
    """Documents, rows, rows per label and spam rows per reason of one output file."""
    labels = collections.Counter(r["label"] for r in rows)
    reasons = collections.Counter(r["reason"] for r in rows if r["reason"])
    return {
        "docs": len({r["doc_id"] for r in rows}),
        "rows": len(rows),
        "labels": {k: labels[k] for k in LABELS},
        "reasons": {k: reasons[k] for k in REASONS},
        "methods": dict(sorted(collections.Counter(r["method"] for r in rows).items())),
        "with_spans": sum(1 for r in rows if r["spans"]),
    }
