"""Readers and writers. A reader yields every input record, broken ones included: a line that
cannot be used becomes an ``InputRecord`` with an ``error``, never an exception or a gap."""

from __future__ import annotations

import gzip
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import orjson
import zstandard

_BOM = b"\xef\xbb\xbf"
_TEXT_SUFFIXES = {".txt", ".text"}
_WARC_SUFFIXES = {".warc", ".wet"}


@dataclass(frozen=True)
class InputRecord:
    """One input record: where it came from, its fields, its text, or what is wrong with it."""

    source: str
    line: int
    fields: dict
    text: str | None
    error: str | None = None  # stable code: bad_utf8, bad_json, not_an_object, …
    message: str | None = None


_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
               int: "a number", float: "a number", type(None): "null"}


def _bad(source: str, line: int, code: str, message: str, fields: dict) -> InputRecord:
    return InputRecord(source, line, fields, None, code, message)


def parse_jsonl_line(raw: bytes, source: str, line: int, text_field: str) -> InputRecord:
    """One JSONL line → a record (with an error code if it cannot be scored)."""
    try:
        decoded = raw.removeprefix(_BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        return _bad(source, line, "bad_utf8", f"invalid UTF-8 at byte {exc.start}",
                    {"raw": raw.decode("utf-8", "replace").rstrip("\r\n")})
    try:
        fields = orjson.loads(decoded)
    except orjson.JSONDecodeError as exc:
        return _bad(source, line, "bad_json", f"not JSON: {exc}", {"raw": decoded.rstrip("\r\n")})
    if not isinstance(fields, dict):
        return _bad(source, line, "not_an_object", f"{_JSON_TYPES[type(fields)]}, not an "
                    "object", {"raw": fields})
    if text_field not in fields:
        keys = ", ".join(sorted(fields)) or "none"
        return _bad(source, line, "missing_field", f"no field {text_field!r} (fields: {keys})",
                    fields)
    text = fields[text_field]
    if not isinstance(text, str):
        return _bad(source, line, "not_a_string", f"field {text_field!r} is "
                    f"{_JSON_TYPES[type(text)]}, not a string", fields)
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


def read_warc(stream: BinaryIO, source: str, text_field: str) -> Iterator[InputRecord]:
    """Documents of a WARC/WET file (plain or gzipped): WET ``conversion`` records and
    ``text/plain`` responses are scored; other responses (HTML…) pass through as ``not_text``.
    Request, metadata and warcinfo records are not documents."""
    from warcio.archiveiterator import ArchiveIterator

    for n, record in enumerate(ArchiveIterator(stream), 1):
        if record.rec_type not in {"conversion", "response", "resource"}:
            continue
        fields = {
            "url": record.rec_headers.get_header("WARC-Target-URI"),
            "warc_record_id": record.rec_headers.get_header("WARC-Record-ID"),
        }
        content_type = (record.http_headers.get_header("Content-Type", "") if record.http_headers
                        else record.rec_headers.get_header("Content-Type", "")) or ""
        if record.rec_type != "conversion" and not content_type.startswith("text/plain"):
            yield _bad(source, n, "not_text", f"a {content_type or 'untyped'} record, not text",
                       fields)
            continue
        text = record.content_stream().read().decode("utf-8", "replace")
        yield InputRecord(source, n, {**fields, text_field: text}, text)


def _suffixes(path: str) -> tuple[str, str]:
    """(format suffix, compression suffix) of a file name: ``a.jsonl.gz`` → (.jsonl, .gz)."""
    name = Path(path)
    compression = name.suffix.lower() if name.suffix.lower() in {".gz", ".zst"} else ""
    return (name.with_suffix("").suffix if compression else name.suffix).lower(), compression


def input_format(path: str, requested: str) -> str:
    """``jsonl``, ``text`` or ``warc``: as requested, or from the file name (stdin is JSONL)."""
    if requested != "auto":
        return requested
    suffix = _suffixes(path)[0] if path != "-" else ""
    return "text" if suffix in _TEXT_SUFFIXES else "warc" if suffix in _WARC_SUFFIXES else "jsonl"


def open_input(path: str, decompress: bool = True) -> BinaryIO:
    """A binary stream for a path (``-`` is standard input), decompressed by file extension."""
    if path == "-":
        return sys.stdin.buffer
    compression = _suffixes(path)[1] if decompress else ""
    if compression == ".gz":
        return gzip.open(path, "rb")
    if compression == ".zst":
        file = open(path, "rb")  # noqa: SIM115 (closed by the reader: closefd)
        raw = zstandard.ZstdDecompressor().stream_reader(file, closefd=True)
        return io.BufferedReader(raw)
    return open(path, "rb")


def open_output(path: str) -> BinaryIO:
    """A binary stream to write to (``-`` is standard output), compressed by file extension."""
    if path == "-":
        return sys.stdout.buffer
    compression = _suffixes(path)[1]
    if compression == ".gz":
        return gzip.open(path, "wb")
    if compression == ".zst":
        return zstandard.ZstdCompressor().stream_writer(open(path, "wb"), closefd=True)
    return open(path, "wb")


_READERS = {"jsonl": read_jsonl, "text": read_text, "warc": read_warc}


def read_inputs(paths: list[str], text_field: str, fmt: str = "auto") -> Iterator[InputRecord]:
    """Records of all inputs in order. An input that cannot be opened or decompressed, or that
    ends early (a truncated gzip), becomes an error record and the next input follows."""
    for path in paths:
        source = "<stdin>" if path == "-" else path
        fmt_of_path = input_format(path, fmt)
        line = 0
        stream = None
        try:
            # warcio reads gzipped WARC members itself
            stream = open_input(path, decompress=fmt_of_path != "warc")
            for record in _READERS[fmt_of_path](stream, source, text_field):
                line = record.line
                yield record
        except (OSError, EOFError, zstandard.ZstdError) as exc:
            # nothing read and no early end: not the format its name says (or not there at all)
            started = line > 0 or isinstance(exc, EOFError)
            code = "truncated_input" if started else "unreadable_input"
            yield _bad(source, line + 1, code, f"{type(exc).__name__}: {exc}", {})
        finally:
            if stream is not None and stream is not sys.stdin.buffer:
                stream.close()


def dumps(record: dict) -> bytes:
    """One JSONL line."""
    return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
