"""Profile the product's annotate path (read JSONL → score → write JSONL) in one process.

    python -m bench.profiling [--size-mb 5] [--model PATH] [--quality] [--top 25] [--stats FILE]

Prints the functions with the most cumulative and the most own time, under cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
from pathlib import Path

from classifier import bundled_model_path, load_model
from classifier.config import Config
from classifier.io import read_inputs
from classifier.stream import StreamOptions, process

from . import corpus
from .data import WORKDIR


def annotate(path: Path, model: Path, quality: bool) -> int:
    """What ``spamfilter annotate -j 1 [--quality] PATH -o /dev/null`` does, model load
    included; the number of records written."""
    classifier = load_model(model, Config(quality=quality))
    written = 0
    with open(os.devnull, "wb") as out:
        for routed in process(read_inputs([str(path)], "text"), classifier, StreamOptions()):
            out.write(routed.line)
            written += 1
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", type=Path, default=bundled_model_path())
    parser.add_argument("--quality", action="store_true", help="content-quality scoring on")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--stats", type=Path, help="also save the raw cProfile stats here")
    args = parser.parse_args(argv)
    stats = corpus.build(WORKDIR / "profile-corpus.jsonl", args.size_mb, args.seed)
    print(f"corpus: {stats.bytes / corpus.MB:.1f} MB, {stats.docs} documents, "
          f"{stats.paragraphs} paragraphs")
    profiler = cProfile.Profile()
    profiler.runcall(annotate, stats.path, args.model, args.quality)
    if args.stats:
        profiler.dump_stats(args.stats)
    for order in ("cumulative", "tottime"):
        pstats.Stats(profiler).strip_dirs().sort_stats(order).print_stats(args.top)


if __name__ == "__main__":
    main()
