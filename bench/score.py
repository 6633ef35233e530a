"""Score a JSONL corpus with a baseline, end to end, as the product's CLI does: read JSONL, split
paragraphs, label each, write JSONL (the record plus a ``baseline`` list of paragraph labels).

    python -m bench.score {keywords,fasttext,naive} CORPUS --model-dir DIR [-o OUT] [-j JOBS]

With several jobs, batches of raw lines go to worker processes (each loads the baseline once),
at most two per worker in flight, and come back as output bytes in input order.
"""

from __future__ import annotations

import argparse
from collections import deque
from itertools import islice
from multiprocessing import Pool
from pathlib import Path

import orjson

from classifier.text import split_paragraphs

from .baselines import BASELINES

BATCH = 64  # documents per batch, as the product's CLI
_labeler = None


def _load(system: str, model_dir: Path) -> None:
    global _labeler
    _labeler = BASELINES[system].load(model_dir)


def annotate(lines: list[bytes]) -> bytes:
    """JSONL lines in, the same records with their paragraph labels out."""
    records = [orjson.loads(line) for line in lines]
    offsets = [split_paragraphs(r["text"]) for r in records]
    labels = iter(_labeler.predict(
        [r["text"][s:e] for r, spans in zip(records, offsets, strict=True) for s, e in spans]
    ))
    return b"".join(
        orjson.dumps({**r, "baseline": [[s, e, next(labels)] for s, e in spans]},
                     option=orjson.OPT_APPEND_NEWLINE)
        for r, spans in zip(records, offsets, strict=True)
    )


def batches(path: Path):
    with open(path, "rb") as f:
        while batch := [line for line in islice(f, BATCH) if line.strip()]:
            yield batch


def run(system: str, corpus: Path, model_dir: Path, out: Path, jobs: int = 1) -> None:
    with open(out, "wb") as sink:
        if jobs <= 1:
            _load(system, model_dir)
            for batch in batches(corpus):
                sink.write(annotate(batch))
            return
        with Pool(jobs, initializer=_load, initargs=(system, model_dir)) as pool:
            pending: deque = deque()
            for batch in batches(corpus):
                pending.append(pool.apply_async(annotate, (batch,)))
                if len(pending) >= 2 * jobs:
                    sink.write(pending.popleft().get())
            while pending:
                sink.write(pending.popleft().get())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("system", choices=sorted(BASELINES))
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("-o", "--output", type=Path, default=Path("/dev/null"))
    parser.add_argument("-j", "--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    run(args.system, args.corpus, args.model_dir, args.output, args.jobs)


if __name__ == "__main__":
    main()
