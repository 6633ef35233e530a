"""The labeled set: JSONL rows, one per paragraph, grouped back into documents."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import orjson

from .model import LABELS, REASONS

REQUIRED = ("doc_id", "para", "text", "label", "reason", "spans", "source", "method")


@dataclass(frozen=True)
class LabeledDocument:
    """One document of the labeled set: paragraphs with their labels, reasons and spans."""

    doc_id: str
    paragraphs: tuple[str, ...]
    labels: tuple[str, ...]
    reasons: tuple[str | None, ...]
    spans: tuple[tuple[tuple[int, int], ...], ...]
    sources: tuple[str, ...]
    methods: tuple[str, ...]

    @property
    def hand_labeled(self) -> bool:
        """Whether a person labeled this document (as opposed to the generator)."""
        return any(m.startswith("hand") for m in self.methods)

    @property
    def group(self) -> str:
        """The collection a document belongs to (``seed``, ``cwt``, ``gen`` …)."""
        return self.doc_id.split("/", 1)[0]


def _check(row: dict, where: str) -> None:
    missing = [k for k in REQUIRED if k not in row]
    if missing:
        raise ValueError(f"{where}: missing field(s) {', '.join(missing)}")
    if row["label"] not in LABELS:
        raise ValueError(f"{where}: label {row['label']!r} is not one of {LABELS}")
    if row["label"] == "spam" and row["reason"] not in REASONS:
        raise ValueError(f"{where}: spam reason {row['reason']!r} is not one of {REASONS}")
    for start, end in row["spans"]:
        if not 0 <= start < end <= len(row["text"]):
            raise ValueError(f"{where}: span [{start}, {end}) is outside the paragraph")


def read_rows(paths: list[Path]) -> list[dict]:
    """All rows of the given JSONL files, checked against the schema."""
    rows = []
    for path in paths:
        with open(path, "rb") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    row = orjson.loads(line)
                    _check(row, f"{path}:{n}")
                    rows.append(row)
    return rows


def labeled_files(data: str | Path) -> list[Path]:
    """The JSONL files of a labeled-data directory (or the file itself), sorted."""
    data = Path(data)
    files = sorted(data.glob("*.jsonl")) if data.is_dir() else [data]
    if not files:
        raise FileNotFoundError(f"no *.jsonl files in {data}")
    return files


def load_documents(data: str | Path) -> list[LabeledDocument]:
    """Documents of a labeled-data directory, sorted by id, paragraphs in order."""
    grouped: dict[str, list[dict]] = {}
    for row in read_rows(labeled_files(data)):
        grouped.setdefault(row["doc_id"], []).append(row)
    documents = []
    for doc_id in sorted(grouped):
        rows = sorted(grouped[doc_id], key=lambda r: r["para"])
        documents.append(
            LabeledDocument(
                doc_id=doc_id,
                paragraphs=tuple(r["text"] for r in rows),
                labels=tuple(r["label"] for r in rows),
                reasons=tuple(r["reason"] for r in rows),
                spans=tuple(tuple(tuple(s) for s in r["spans"]) for r in rows),
                sources=tuple(r["source"] for r in rows),
                methods=tuple(r["method"] for r in rows),
            )
        )
    return documents


def data_hash(data: str | Path) -> str:
    """sha256 over the labeled files' names and bytes: what the sidecar records."""
    digest = hashlib.sha256()
    for path in labeled_files(data):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
