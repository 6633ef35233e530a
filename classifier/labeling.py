"""`spamfilter label`: the loop that adapts the model to your crawl.

1. ``spamfilter label export scored.jsonl -o to_label.jsonl`` turns documents (scored by
   ``spamfilter annotate``, or plain JSONL/.txt, which are scored here) into a labeling file:
   one row per paragraph with the model's guess (``model_label``, ``model_reason``,
   ``model_spam_score``, ``model_spans``), an empty ``label`` for the person, ``reason`` and
   ``spans`` pre-filled with the model's guess, and ``source`` = input file:line.
2. A person fills in ``label`` on every row (and corrects ``reason``/``spans`` of spam rows).
3. ``spamfilter label merge to_label.jsonl --into data/labeled/user.jsonl`` checks the rows
   against the labeled-set schema, sets ``method: "hand"``, keeps the provenance, and writes
   complete documents into that one file (and no other). Rows without a human label are
   refused: a document is merged only when every paragraph of it has a label.
4. ``python train.py`` retrains with them.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import orjson

from .dataset import _check
from .io import dumps, read_inputs
from .model import LABELS, REASONS

MODEL_FIELDS = ("model_label", "model_reason", "model_spam_score", "model_spans")
DEFAULT_LICENSE = "unknown (user data)"


class LabelError(ValueError):
    """A labeling file or target that cannot be merged; the message names file and line."""


def _doc_id(prefix: str, fields: dict, id_field: str, source: str, line: int) -> str:
    name = fields.get(id_field)
    if name is None or name == "":
        name = f"{Path(source).name}:{line}"
    return f"{prefix}/{name}"


def export_rows(inputs: list[str], text_field: str = "text", result_field: str = "spamfilter",
                id_field: str = "id", prefix: str = "user", classifier=None,
                fmt: str = "auto", errors: list | None = None) -> Iterator[dict]:
    """Labeling rows for every paragraph of every readable input record, in order. Records
    without a ``result_field`` are scored with ``classifier`` (the bundled model if None).
    Unreadable records are skipped and appended to ``errors`` as (source, line, message)."""
    from .text import split_paragraphs

    for record in read_inputs(inputs, text_field, fmt):
        if record.error:
            if errors is not None:
                errors.append((record.source, record.line, f"{record.error}: {record.message}"))
            continue
        result = record.fields.get(result_field)
        if not isinstance(result, dict) or "paragraphs" not in result:
            if classifier is None:
                from . import load_model

                classifier = load_model()
            result = classifier.predict(record.text).to_dict()
        text = record.text
        paragraphs = result["paragraphs"]
        if [(p["start"], p["end"]) for p in paragraphs] != split_paragraphs(text):
            if errors is not None:
                errors.append((record.source, record.line,
                               "result offsets do not match the text's paragraphs"))
            continue
        doc_id = _doc_id(prefix, record.fields, id_field, record.source, record.line)
        for i, p in enumerate(paragraphs):
            start = p["start"]
            spans = [[s - start, e - start] for s, e in p.get("spans", [])]
            if spans == [[0, p["end"] - start]]:
                spans = []  # the whole paragraph: the schema writes that as []
            yield {
                "doc_id": doc_id,
                "para": i,
                "text": text[start : p["end"]],
                "label": "",
                "reason": p.get("reason"),
                "spans": spans,
                "model_label": p["label"],
                "model_reason": p.get("reason"),
                "model_spam_score": p.get("spam_score"),
                "model_spans": spans,
                "source": f"{record.source}:{record.line}",
                "offset": [start, p["end"]],
            }


def export(inputs: list[str], output: str, **kwargs) -> tuple[int, list]:
    """Write the labeling file; returns (rows written, input errors)."""
    errors: list = []
    count = 0
    out = sys.stdout.buffer if output == "-" else open(output, "wb")  # noqa: SIM115
    try:
        for row in export_rows(inputs, errors=errors, **kwargs):
            out.write(dumps(row))
            count += 1
    finally:
        if out is not sys.stdout.buffer:
            out.close()
        else:
            out.flush()
    return count, errors


def _read_jsonl(path: Path) -> list[tuple[int, dict]]:
    rows = []
    with open(path, "rb") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise LabelError(f"{path}:{n}: not JSON: {exc}") from None
            if not isinstance(row, dict):
                raise LabelError(f"{path}:{n}: not a JSON object")
            rows.append((n, row))
    return rows


def labeled_row(row: dict, where: str, license: str, labeled_at: str) -> dict:
    """A human-labeled labeling row → a labeled-set row (checked against the schema)."""
    label = row.get("label")
    if label not in LABELS:
        raise LabelError(f"{where}: label {label!r} is not one of {LABELS}")
    if label == "spam":
        reason = row.get("reason")
        if reason not in REASONS:
            raise LabelError(f"{where}: a spam row needs a reason, one of {REASONS}; "
                             f"got {reason!r}")
        spans = [list(s) for s in row.get("spans") or []]
    else:
        reason, spans = None, []  # reason and spans only mean something on spam
    out = {
        "doc_id": row.get("doc_id"),
        "para": row.get("para"),
        "text": row.get("text"),
        "label": label,
        "reason": reason,
        "spans": spans,
        "source": row.get("source"),
        "method": "hand",
        "license": row.get("license") or license,
        "labeled_from": where,
        "labeled_at": labeled_at,
    }
    out.update({k: row[k] for k in MODEL_FIELDS if k in row})
    if not isinstance(out["doc_id"], str) or not out["doc_id"]:
        raise LabelError(f"{where}: doc_id must be a non-empty string")
    if not isinstance(out["para"], int) or out["para"] < 0:
        raise LabelError(f"{where}: para must be a non-negative integer")
    if not isinstance(out["text"], str) or not out["text"].strip():
        raise LabelError(f"{where}: text must be a non-blank string")
    if not isinstance(out["source"], str):
        raise LabelError(f"{where}: source must be a string (where the text came from)")
    try:
        _check(out, where)
    except (ValueError, TypeError) as exc:
        raise LabelError(str(exc)) from None
    return out


def merge(labeling: str | Path, into: str | Path, license: str = DEFAULT_LICENSE,
          now: str | None = None) -> dict:
    """Merge the labeled documents of ``labeling`` into the JSONL file ``into``.

    Complete documents (every row labeled, ``para`` 0…n-1) are written; documents with an
    unlabeled row are refused and reported. A document already in ``into`` is replaced by the
    new labels; a ``doc_id`` that another file of ``into``'s directory holds is an error. Only
    ``into`` is written (atomically). Returns counts and the refused documents.
    """
    labeling, into = Path(labeling), Path(into)
    if into.suffix != ".jsonl":
        raise LabelError(f"--into must be a .jsonl file, not {into}")
    if into.resolve() == labeling.resolve():
        raise LabelError("--into must not be the labeling file itself")
    labeled_at = now or datetime.now(timezone.utc).isoformat(timespec="seconds")
    documents: dict[str, list[tuple[int, dict]]] = {}
    for n, row in _read_jsonl(labeling):
        documents.setdefault(str(row.get("doc_id")), []).append((n, row))
    merged: dict[str, list[dict]] = {}
    refused: dict[str, str] = {}
    for doc_id, rows in documents.items():
        unlabeled = [n for n, r in rows if not r.get("label")]
        if unlabeled:
            lines = ", ".join(map(str, unlabeled[:5])) + (" …" if len(unlabeled) > 5 else "")
            refused[doc_id] = f"{len(unlabeled)} of {len(rows)} rows have no label " \
                              f"(lines {lines})"
            continue
        checked = sorted((labeled_row(r, f"{labeling}:{n}", license, labeled_at)
                          for n, r in rows), key=lambda r: r["para"])
        if [r["para"] for r in checked] != list(range(len(checked))):
            raise LabelError(f"{labeling}: document {doc_id} has paragraphs "
                             f"{[r['para'] for r in checked]}, expected 0…{len(checked) - 1}")
        merged[doc_id] = checked
    existing = _read_jsonl(into) if into.exists() else []
    if into.parent.is_dir():
        others = [p for p in sorted(into.parent.glob("*.jsonl")) if p.resolve() != into.resolve()]
        for path in others:
            for n, row in _read_jsonl(path):
                if row.get("doc_id") in merged:
                    raise LabelError(f"document {row['doc_id']} already exists in {path}:{n}; "
                                     "doc_id must be unique across the labeled set")
    kept = [row for _, row in existing if row.get("doc_id") not in merged]
    replaced = len({row.get("doc_id") for _, row in existing} & set(merged))
    rows = kept + [r for doc in merged.values() for r in doc]
    if merged:
        into.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{into.name}.", dir=into.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                for row in rows:
                    f.write(dumps(row))
            os.replace(tmp, into)
        except BaseException:
            os.unlink(tmp)
            raise
    return {"documents": len(merged), "rows": sum(len(d) for d in merged.values()),
            "replaced": replaced, "refused": refused}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="spamfilter label",
        description="Export paragraphs for hand labeling, and merge the labels back into the "
        "labeled set (then retrain with `python train.py`).")
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("export", help="scored JSONL → labeling file (one row per paragraph)")
    ex.add_argument("inputs", nargs="*", default=["-"], metavar="FILE",
                    help="JSONL (scored by `spamfilter annotate`, or not: then scored here) "
                    "or .txt files; '-' or none reads standard input")
    ex.add_argument("-o", "--output", default="-", help="labeling JSONL (default: stdout)")
    ex.add_argument("--field", default="text", help="the text field of JSONL records")
    ex.add_argument("--result-field", default="spamfilter", help="field holding the result")
    ex.add_argument("--id-field", default="id", help="field naming a document")
    ex.add_argument("--prefix", default="user", help="doc_id prefix (the source collection)")
    ex.add_argument("--model", type=Path, help="model for unscored records (default: bundled)")
    mg = sub.add_parser("merge", help="labeled rows → a file of the labeled set")
    mg.add_argument("labeling", type=Path, help="the labeling file, with `label` filled in")
    mg.add_argument("--into", type=Path, required=True,
                    help="the labeled-set file to write, e.g. data/labeled/user.jsonl")
    mg.add_argument("--license", default=DEFAULT_LICENSE, help="licence of the texts")
    args = parser.parse_args(argv)
    if args.command == "export":
        classifier = None
        if args.model:
            from . import load_model

            classifier = load_model(args.model)
        try:
            count, errors = export(args.inputs, args.output, text_field=args.field,
                                   result_field=args.result_field, id_field=args.id_field,
                                   prefix=args.prefix, classifier=classifier)
        except OSError as exc:
            print(f"Error: {exc}", file=sys.stderr)
            return 2
        for source, line, message in errors:
            print(f"spamfilter label: {source}:{line}: {message}", file=sys.stderr)
        print(f"spamfilter label: {count} paragraphs to label → {args.output}; fill in `label` "
              "(and `reason`/`spans` of spam rows), then `spamfilter label merge`",
              file=sys.stderr)
        return 1 if errors else 0
    try:
        outcome = merge(args.labeling, args.into, args.license)
    except (LabelError, OSError) as exc:
        print(f"Error: {exc} (nothing written)", file=sys.stderr)
        return 2
    for doc_id, why in outcome["refused"].items():
        print(f"spamfilter label: refused {doc_id}: {why}", file=sys.stderr)
    print(f"spamfilter label: merged {outcome['documents']} documents ({outcome['rows']} rows, "
          f"{outcome['replaced']} replaced) into {args.into}; refused "
          f"{len(outcome['refused'])}", file=sys.stderr)
    return 1 if outcome["refused"] else 0
