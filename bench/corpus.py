"""A seeded benchmark corpus: whole documents of the repo's data and Sogou news, resampled with
light variation until the JSONL file reaches the requested size.

    python -m bench.corpus [--size-mb 50] [--seed 0] [--out /tmp/spamfilter-bench/corpus.jsonl]

Each output line is ``{"id", "origin", "text"}``. A document is drawn at random from the pool, then
varied: its digits re-drawn (p = 0.3), one paragraph dropped (p = 0.2), a paragraph of another
document spliced in (p = 0.2). The same seed, size and inputs give the same bytes.
"""

from __future__ import annotations

import argparse
import random
import re
from dataclasses import dataclass
from pathlib import Path

import orjson

from classifier.text import split_paragraphs

from .data import HELDOUT, LABELED, SOGOU, WORKDIR, document_text, documents, read_rows

MB = 1_000_000
_DIGIT = re.compile(r"[0-9]")
_SOGOU_PARAGRAPH = "\ue40c"  # the paragraph mark left in SogouCA texts


@dataclass(frozen=True)
class CorpusStats:
    path: Path
    bytes: int
    docs: int
    paragraphs: int


def source_documents(labeled: Path = LABELED, heldout: Path = HELDOUT,
                     sogou: Path = SOGOU) -> list[tuple[str, list[str]]]:
    """The pool: (origin id, paragraphs) of every labeled, held-out and Sogou document."""
    pool = [(doc_id, document_text(rows).split("\n"))
            for path in (labeled, heldout) for doc_id, rows in documents(read_rows(path))]
    with open(sogou, "rb") as f:
        records = [orjson.loads(line) for line in f if line.strip()]
    for n, record in enumerate(records):
        body = [p.strip() for p in record["text"].split(_SOGOU_PARAGRAPH) if p.strip()]
        pool.append((f"sogou/{n}", [record["title"], *body] if record.get("title") else body))
    return pool


def vary(paragraphs: list[str], pool: list[tuple[str, list[str]]], rng: random.Random) -> list[str]:
    """A lightly varied copy of a document's paragraphs."""
    paragraphs = list(paragraphs)
    if rng.random() < 0.3:
        paragraphs = [_DIGIT.sub(lambda _: str(rng.randrange(10)), p) for p in paragraphs]
    if len(paragraphs) > 1 and rng.random() < 0.2:
        del paragraphs[rng.randrange(len(paragraphs))]
    if rng.random() < 0.2:
        donor = rng.choice(pool)[1]
        paragraphs.insert(rng.randrange(len(paragraphs) + 1), rng.choice(donor))
    return paragraphs


def build(out: Path, size_mb: float, seed: int = 0,
          pool: list[tuple[str, list[str]]] | None = None) -> CorpusStats:
    """Write documents to ``out`` until it holds at least ``size_mb`` MB (10^6 bytes)."""
    pool = pool if pool is not None else source_documents()
    rng = random.Random(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    size = docs = paragraphs = 0
    with open(out, "wb") as f:
        while size < size_mb * MB:
            origin, source = rng.choice(pool)
            text = "\n".join(vary(source, pool, rng))
            line = orjson.dumps({"id": f"bench/{docs}", "origin": origin, "text": text},
                                option=orjson.OPT_APPEND_NEWLINE)
            f.write(line)
            size += len(line)
            docs += 1
            paragraphs += len(split_paragraphs(text))
    return CorpusStats(out, size, docs, paragraphs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=WORKDIR / "corpus.jsonl")
    parser.add_argument("--labeled", type=Path, default=LABELED)
    parser.add_argument("--heldout", type=Path, default=HELDOUT)
    args = parser.parse_args(argv)
    stats = build(args.out, args.size_mb, args.seed, source_documents(args.labeled, args.heldout))
    print(f"{stats.path}: {stats.bytes / MB:.1f} MB, {stats.docs} documents, "
          f"{stats.paragraphs} paragraphs")


if __name__ == "__main__":
    main()
