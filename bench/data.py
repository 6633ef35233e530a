"""Where the benchmark's inputs live, and the labeled rows grouped back into documents."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
LABELED = ROOT / "data" / "labeled"
HELDOUT = ROOT / "data" / "heldout" / "generated.jsonl"
SOGOU = SHARED / "data" / "news" / "sogou_ca_mini" / "sogou_ca_mini.jsonl"
WORKDIR = Path("/tmp/spamfilter-bench")


def jsonl_files(path: Path) -> list[Path]:
    """The ``*.jsonl`` files of a directory (sorted), or the file itself."""
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise FileNotFoundError(f"no JSONL data at {path} (is `python data/build.py` done?)")
    return files


def read_rows(path: Path) -> list[dict]:
    """Every paragraph row of a labeled file or directory, in file order."""
    rows = []
    for file in jsonl_files(path):
        with open(file, "rb") as f:
            rows += [orjson.loads(line) for line in f if line.strip()]
    return rows


def documents(rows: Iterable[dict]) -> list[tuple[str, list[dict]]]:
    """Rows grouped by ``doc_id`` (sorted) and ordered by ``para``: one entry per document."""
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["doc_id"], []).append(row)
    return [(d, sorted(grouped[d], key=lambda r: r["para"])) for d in sorted(grouped)]


def document_text(rows: list[dict]) -> str:
    """A document as the schema defines it: its paragraphs joined with "\\n"."""
    return "\n".join(row["text"] for row in rows)
