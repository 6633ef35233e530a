"""Readers and writers. A reader yields every input record, broken ones included: a line that
cannot be used becomes an ``InputRecord`` with an ``error``, never an exception or a gap."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import orjson


@dataclass(frozen=True)
class InputRecord:
    """One input record: where it came from, its fields, its text, or what is wrong with it."""

    source: str
    line: int
    fields: dict
    text: str | None
    error: str | None = None  # stable code: bad_utf8, bad_json, not_an_object, …
    message: str | None = None


def _bad(source: str, line: int, code: str, message: str, fields: dict) -> InputRecord:
    return InputRecord(source, line, fields, None, code, message)


def parse_jsonl_line(raw: bytes, source: str, line: int, text_field: str) -> InputRecord:
    """One JSONL line → a record (with an error code if it cannot be scored)."""
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _bad(source, line, "bad_utf8", f"invalid UTF-8 at byte {exc.start}",
                    {"raw": raw.decode("utf-8", "replace").rstrip("\r\n")})
    try:
        fields = orjson.loads(decoded)
    except orjson.JSONDecodeError as exc:
        return _bad(source, line, "bad_json", f"not JSON: {exc}", {"raw": decoded.rstrip("\r\n")})
    if not isinstance(fields, dict):
        return _bad(source, line, "not_an_object", f"a JSON {type(fields).__name__}, not an "
                    "object", {"raw": fields})
    if text_field not in fields:
        keys = ", ".join(sorted(fields)) or "none"
        return _bad(source, line, "missing_field", f"no field {text_field!r} (fields: {keys})",
                    fields)
    text = fields[text_field]
    if not isinstance(text, str):
        return _bad(source, line, "not_a_string", f"field {text_field!r} is a "
                    f"{type(text).__name__}, not a string", fields)
    return InputRecord(source, line, fields, text)


def read_jsonl(stream: BinaryIO, source: str, text_field: str) -> Iterator[InputRecord]:
    """Records of a JSONL byte stream; blank lines are not records and are skipped."""
    for n, raw in enumerate(stream, 1):
        if raw.strip():
            yield parse_jsonl_line(raw, source, n, text_field)


def read_text(stream: BinaryIO, source: str, text_field: str) -> Iterator[InputRecord]:
    """A plain-text file is one document, with its name as ``id``."""
    raw = stream.read()
    fields = {"id": source}
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield _bad(source, 1, "bad_utf8", f"invalid UTF-8 at byte {exc.start}", fields)
        return
    yield InputRecord(source, 1, {**fields, text_field: text}, text)


def input_format(path: str, requested: str) -> str:
    """``jsonl`` or ``text``: as requested, or guessed from the file name (stdin is JSONL)."""
    if requested != "auto":
        return requested
    return "text" if path != "-" and Path(path).suffix.lower() in {".txt", ".text"} else "jsonl"


def open_input(path: str) -> BinaryIO:
    """A binary stream for a path; ``-`` is standard input."""
    return sys.stdin.buffer if path == "-" else open(path, "rb")


def read_inputs(paths: list[str], text_field: str, fmt: str = "auto") -> Iterator[InputRecord]:
    """Records of all inputs in order."""
    for path in paths:
        reader = read_text if input_format(path, fmt) == "text" else read_jsonl
        stream = open_input(path)
        try:
            yield from reader(stream, "<stdin>" if path == "-" else path, text_field)
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()


def dumps(record: dict) -> bytes:
    """One JSONL line."""
    return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
