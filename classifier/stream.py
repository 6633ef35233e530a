"""Records in, records out: score batches of input records and route each to an output.

Every input record yields exactly one output record, in input order: scored records go to the
output (or, in filter mode, to the rejects), broken ones are passed through with an ``error``.
With several jobs, batches are scored in worker processes, a bounded number at a time.
"""

from __future__ import annotations

import signal
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import islice

from .io import InputRecord, dumps
from .results import DocumentResult
from .scoring import Classifier
from .spans import remove_spans

MODES = ("annotate", "clean", "filter")
OUT, REJECT = "out", "reject"


@dataclass(frozen=True)
class StreamOptions:
    """What to do with each scored record.

    mode: ``annotate`` adds the result; ``clean`` replaces the text with the cleaned text;
        ``filter`` sends documents over ``max_spam_ratio`` to the rejects.
    min_quality: with a quality model, ``clean`` also removes paragraphs whose quality is
        under it and ``filter`` also rejects documents whose quality is under it (0: off).
    max_chars: a longer document is passed through unscored with the error ``too_long``, so
        one pathological page cannot stall or exhaust a worker (0: no limit).
    doc_timeout: seconds of scoring per document; a batch over its budget is rescored one
        document at a time and a document over it is passed through as ``timeout`` (0: off).
    """

    mode: str = "annotate"
    text_field: str = "text"
    result_field: str = "spamfilter"
    max_spam_ratio: float = 0.5
    keep_original: bool = False
    min_quality: float = 0.0  # clean: drop paragraphs under it; filter: drop documents under it
    max_chars: int = 1_000_000
    doc_timeout: float = 10.0


@dataclass(frozen=True)
class Routed:
    """What became of one input record: where it goes, its output line, and where it came from
    (the input record without its fields and text: workers send back only what is written)."""

    destination: str
    line: bytes
    source: InputRecord
    cleaned: bool  # clean mode changed its text


def error_record(record: InputRecord) -> dict:
    """The record as it came, with an ``error`` object saying what and where."""
    return {
        **record.fields,
        "error": {
            "code": record.error,
            "message": record.message,
            "source": record.source,
            "line": record.line,
        },
    }


def quality_cleaned(result: DocumentResult, min_quality: float) -> str:
    """The cleaned text, without the paragraphs whose quality is under ``min_quality`` too."""
    low = [(p.start, p.end) for p in result.paragraphs
           if p.quality is not None and p.quality < min_quality]
    if not low:
        return result.clean_text
    spans = [s for p in result.paragraphs for s in p.spans]
    return remove_spans(result.text, spans + low)[0]


def route(record: InputRecord, result: DocumentResult, options: StreamOptions) -> tuple[str, dict]:
    """Where a scored record goes, and what it looks like there."""
    fields = record.fields
    summary = {"label": result.label, "spam_ratio": round(result.spam_ratio, 4)}
    if result.quality is not None:
        summary["quality"] = round(result.quality, 4)
    if options.mode == "annotate":
        return OUT, {**fields, options.result_field: result.to_dict()}
    if options.mode == "clean":
        text = (quality_cleaned(result, options.min_quality) if options.min_quality > 0
                else result.clean_text)
        cleaned = {**fields, options.text_field: text, options.result_field: summary}
        if options.keep_original:
            cleaned[f"{options.text_field}_original"] = record.text
        return OUT, cleaned
    low_quality = (options.min_quality > 0 and result.quality is not None
                   and result.quality < options.min_quality)
    if result.spam_ratio > options.max_spam_ratio or low_quality:
        return REJECT, {**fields, options.result_field: result.to_dict()}
    return OUT, {**fields, options.result_field: summary}


def process_batch(
    batch: list[InputRecord], classifier: Classifier, options: StreamOptions
) -> list[Routed]:
    """Score a batch; every record comes back once, in order."""
    batch = [_guard(record, options.max_chars) for record in batch]
    try:
        with _budget(options.doc_timeout * len(batch)):
            results = iter(classifier.predict_batch([r.text for r in batch if r.error is None]))
    except _OverBudget:
        if len(batch) > 1:  # find the slow document(s): each alone, with its own budget
            return [routed for record in batch
                    for routed in process_batch([record], classifier, options)]
        timed_out = replace(batch[0], text=None, error="timeout",
                            message=f"not scored within --doc-timeout {options.doc_timeout} s")
        return [_routed(OUT, error_record(timed_out), timed_out, False)]
    routed = []
    for record in batch:
        if record.error is None:
            destination, output = route(record, next(results), options)
            cleaned = options.mode == "clean" and output[options.text_field] != record.text
            routed.append(_routed(destination, output, record, cleaned))
        else:
            routed.append(_routed(OUT, error_record(record), record, False))
    return routed


def _routed(destination: str, output: dict, record: InputRecord, cleaned: bool) -> Routed:
    return Routed(destination, dumps(output), replace(record, fields={}, text=None), cleaned)


class _OverBudget(BaseException):
    """Scoring took longer than its time budget (a BaseException, so that no `except
    Exception` on the way swallows it)."""


@contextmanager
def _budget(seconds: float):
    """Raise ``_OverBudget`` in the block after ``seconds`` of wall time (0: no budget). Uses
    SIGALRM, so it works in a process's main thread (the CLI and its worker processes)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise _OverBudget

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _guard(record: InputRecord, max_chars: int) -> InputRecord:
    """The record, or an error record when its text is over ``max_chars``."""
    if record.error is None and max_chars and len(record.text) > max_chars:
        return replace(record, text=None, error="too_long",
                       message=f"{len(record.text)} characters, over --max-chars {max_chars}")
    return record


def batches(records: Iterable[InputRecord], size: int) -> Iterator[list[InputRecord]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


_worker: tuple[Classifier, StreamOptions] | None = None


def _start_worker(classifier: Classifier, options: StreamOptions) -> None:
    """A worker scores with the parent's loaded model: a forked worker shares its pages instead
    of loading a copy (other start methods receive it pickled)."""
    global _worker
    _worker = (classifier, options)


def _work(batch: list[InputRecord]) -> list[Routed]:
    return process_batch(batch, *_worker)


def process(
    records: Iterable[InputRecord],
    classifier: Classifier,
    options: StreamOptions,
    batch_size: int = 64,
    jobs: int = 1,
) -> Iterator[Routed]:
    """Routed records in input order, scored in ``jobs`` processes (each with the model loaded
    here; models loaded lazily, such as the quality model, load once per worker)."""
    if jobs <= 1:
        for batch in batches(records, batch_size):
            yield from process_batch(batch, classifier, options)
        return
    with ProcessPoolExecutor(
        jobs, initializer=_start_worker, initargs=(classifier, options)
    ) as pool:
        pending: deque = deque()
        for batch in batches(records, batch_size):
            pending.append(pool.submit(_work, batch))
            if len(pending) >= 2 * jobs:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
