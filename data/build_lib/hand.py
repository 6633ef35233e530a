"""Hand-labeled real pages → rows (method ``hand``, or ``hand+rule`` when a spam reason is missing
and :func:`rule_reason` supplies it)."""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

from .common import LICENCES, REASONS, make_row

KEYWORD_HEADER = re.compile(r"^(本文)?(关键词|關鍵詞|关键字|标签|標籤|tags?)\s*[:：]", re.I)
SEPARATORS = re.compile(r"[,，、|｜_\s]+")
SENTENCE_PUNCT = re.compile(r"[。！？!?“”\"：:；;]")
SEO_TAG = re.compile(r"(今日?|天天|每日|实时|實時|热点|熱點|最新|快|头条|頭條|焦点|焦點|环球|環球|全球|世界|当前|當前)"
                     r"(资讯|資訊|头条|頭條|快报|快報|看点|看點|速递|速遞|播报|播報|快讯|快訊|要闻|要聞|精选|精選|热文|熱文|"
                     r"新闻|新聞|亮点|亮點|快播|速看|视讯|視訊)")


def warn(message: str) -> None:
    """A warning on stderr (stdout stays the count report)."""
    print(f"warning: {message}", file=sys.stderr)


def rule_reason(text: str, spans: list, run_length: int) -> str:
    """The reason of a hand-labeled spam line when no person gave one (tuned on the hand reasons of
    the ChineseWebText pages):

    - spans present: ``spliced_text`` if any span is ≥ 20 characters (a sentence was spliced in),
      else ``injected_keywords``;
    - a "关键词/标签:" line, or ≥ 4 separator-split items of ≥ 2 characters averaging ≤ 10 with
      no sentence punctuation: ``keyword_list``;
    - a line carrying a content-farm tag (天天快讯, 环球精选 …): ``headline_list``;
    - a short line (≤ 15 chars, no sentence punctuation) in a run of ≥ 3 whole-line spam lines
      (keywords one per line): ``keyword_list``;
    - anything else (a spam site's own lines, a page body replaced by rewritten text): ``promotion``.
    """
    if spans:
        return "spliced_text" if max(e - s for s, e in spans) >= 20 else "injected_keywords"
    items = [x for x in SEPARATORS.split(text) if x]
    if KEYWORD_HEADER.match(text) or (
        len(items) >= 4 and min(map(len, items)) >= 2 and sum(map(len, items)) / len(items) <= 10
        and not SENTENCE_PUNCT.search(text)
    ):
        return "keyword_list"
    if SEO_TAG.search(text):
        return "headline_list"
    if len(text) <= 15 and run_length >= 3 and not SENTENCE_PUNCT.search(text):
        return "keyword_list"
    return "promotion"


def _spam_runs(labels: list[str]) -> list[int]:
    """For each line, the length of the run of consecutive spam lines it belongs to."""
    runs, i = [0] * len(labels), 0
    while i < len(labels):
        j = i
        while j < len(labels) and labels[j] == "spam":
            j += 1
        for k in range(i, j):
            runs[k] = j - i
        i = max(j, i + 1)
    return runs


def label_rows(doc_id: str, text: str, label: dict, reasons: dict, source: str,
               licence: str) -> list[dict]:
    """Rows of one document from its raw text and a label file ({"lines": [{"n","label","spans"}]}).

    ``reasons`` maps the 1-based line number (str) to a hand-given reason; a line entry may also
    carry its own "reason". Asserts that the labels cover exactly the non-blank lines.
    """
    lines = text.split("\n")
    nonblank = [n for n, line in enumerate(lines, 1) if line.strip()]
    entries = sorted(label["lines"], key=lambda x: x["n"])
    if [x["n"] for x in entries] != nonblank:
        raise AssertionError(f"{doc_id}: labels cover lines {[x['n'] for x in entries]}, "
                             f"non-blank lines are {nonblank}")
    runs = _spam_runs([x["label"] for x in entries])
    rows = []
    for para, (entry, run) in enumerate(zip(entries, runs)):
        line = lines[entry["n"] - 1].strip()
        spans = [list(s) for s in entry.get("spans", [])]
        reason, method = None, "hand"
        if entry["label"] == "spam":
            reason = entry.get("reason") or reasons.get(str(entry["n"]))
            if reason not in REASONS:
                reason, method = rule_reason(line, spans, run), "hand+rule"
        rows.append(make_row(doc_id, para, line, entry["label"], reason, spans,
                             f"{source}:L{entry['n']}", method, licence))
    return rows


def _read_json(path: Path, what: str):
    """A JSON file, or None (with a warning) when it does not exist yet."""
    if not path.exists():
        warn(f"{what}: {path} is missing, skipped")
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def chinesewebtext_rows(shared: Path, hand: Path) -> list[dict]:
    """The 100 ChineseWebText documents with the shared line labels and hand-given reasons."""
    base = shared / "data" / "chinesewebtext"
    reasons = _read_json(hand / "chinesewebtext_reasons.json", "chinesewebtext reasons") or {}
    rows = []
    with open(base / "2021-43_cleared1.jsonl", encoding="utf-8", newline="") as f:
        docs = [json.loads(line) for line in f if line.strip()]
    for doc, record in enumerate(docs):
        label = json.loads((base / "labels" / f"ccnet_{doc}.json").read_text(encoding="utf-8"))
        rows += label_rows(f"cwt/{doc}", record["raw_content"], label, reasons.get(str(doc), {}),
                           f"shared/data/chinesewebtext/2021-43_cleared1.jsonl#doc{doc}",
                           LICENCES["chinesewebtext"])
    return rows


def seed_rows(shared: Path, hand: Path) -> list[dict]:
    """The seed pages with their hand label files (skipped, with a warning, until they exist)."""
    rows = []
    for path in sorted((shared / "seeds").glob("*.txt")):
        label = _read_json(hand / "seeds" / f"{path.stem}.json", f"seed {path.stem}")
        if label is None:
            continue
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
        rows += label_rows(f"seed/{path.stem[:3]}", text, label, {}, f"shared/seeds/{path.name}",
                           LICENCES["seeds"])
    return rows


def casia_fasttext_rows(shared: Path, hand: Path) -> list[dict]:
    """The 10 + 10 documents of the CASIA quality-classifier samples that have hand labels."""
    rows = []
    for kind in ("clean", "dirty"):
        path = shared / "data" / "chinesewebtext" / f"fasttext_data_{kind}.jsonl"
        with open(path, encoding="utf-8", newline="") as f:
            docs = [json.loads(line) for line in f if line.strip()]
        for i, record in enumerate(docs):
            label = _read_json(hand / "casia_fasttext" / f"{kind}_{i}.json", f"casia {kind}_{i}")
            if label is not None:
                rows += label_rows(f"cft/{kind}_{i}", record["text"], label, {},
                                   f"shared/data/chinesewebtext/{path.name}#doc{i}",
                                   LICENCES["chinesewebtext"])
    return rows


def c4_rows(shared: Path, hand: Path) -> tuple[list[dict], int]:
    """The repeated C4 lines with a hand label, each its own one-paragraph document; also returns
    how many of them the labeler marked as spun (synonym-rewritten) text."""
    labels = _read_json(hand / "c4_repeated_lines.json", "c4 repeated lines") or []
    path = shared / "data" / "c4_repeated_lines" / "Chinese_Remove-Duplicated-Text_samples.txt"
    with open(path, encoding="utf-8", newline="") as f:
        records = [ast.literal_eval(line) for line in f.read().split("\n") if line.strip()]
    rows = []
    for entry in sorted(labels, key=lambda x: int(x["i"])):
        i = int(entry["i"])
        text = records[i][1].strip()
        if not text:
            continue
        reason, method = None, "hand"
        if entry["label"] == "spam":
            reason = entry.get("reason")
            if reason not in REASONS:
                reason, method = rule_reason(text, [], 1), "hand+rule"
        rows.append(make_row(f"c4/{i}", 0, text, entry["label"], reason, [],
                             f"shared/data/c4_repeated_lines/{path.name}:L{i + 1}", method,
                             LICENCES["c4_repeated_lines"]))
    return rows, sum(1 for x in labels if x.get("spun"))
