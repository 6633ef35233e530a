"""`spamfilter`: score JSONL or text documents as a crawler-pipeline filter.

stdout carries data only; warnings, the progress bar and the closing summary go to stderr. The
exit code is 0 when every record was scored, 1 when any record had an error, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from tqdm import tqdm

from . import bundled_model_path, cached_model
from .config import Config
from .io import open_output, read_inputs
from .model import ModelError
from .stream import MODES, REJECT, StreamOptions, process


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="spamfilter",
        description="Score every paragraph of Chinese web documents as genuine, spam or "
        "boilerplate; annotate, clean or filter a JSONL stream.",
        epilog="Review tools: `spamfilter explain FILE -o page.html` (HTML view of the "
        "decisions) and `spamfilter label export|merge` (hand-labeling loop); see --help of each.",
    )
    parser.add_argument("mode", choices=MODES, help="annotate: add a result to each record; "
                        "clean: replace the text with the cleaned text; filter: drop documents "
                        "over --max-spam-ratio into --rejects")
    parser.add_argument("inputs", nargs="*", default=["-"], metavar="FILE",
                        help="JSONL, .txt or WARC/WET files, plain, .gz or .zst; '-' or none "
                        "reads standard input")
    parser.add_argument("-o", "--output", default="-", help="output JSONL (default: stdout); "
                        "a directory when the input is a directory of shards")
    parser.add_argument("--rejects", help="filter mode: JSONL file that receives the dropped "
                        "documents with their scores (required in filter mode)")
    parser.add_argument("--format", choices=("auto", "jsonl", "text", "warc"), default="auto",
                        help="input format (default: by file name; stdin is JSONL)")
    parser.add_argument("--field", default="text", help="the text field of JSONL records")
    parser.add_argument("--result-field", default="spamfilter",
                        help="field that receives the result (default: spamfilter)")
    parser.add_argument("--model", type=Path, help="model file (default: the bundled model)")
    parser.add_argument("--spam-threshold", type=float, default=Config.spam_threshold,
                        help="paragraph spam probability at which it counts as spam "
                        f"(default: {Config.spam_threshold})")
    parser.add_argument("--max-spam-ratio", type=float, default=StreamOptions.max_spam_ratio,
                        help="filter mode: drop documents whose spam share of characters is "
                        f"above this (default: {StreamOptions.max_spam_ratio})")
    parser.add_argument("--quality", action="store_true",
                        help="also score content quality (spun, garbled text; see "
                        "docs/quality.md); scoring takes about 2.5x as long with it")
    parser.add_argument("--min-quality", type=float, default=StreamOptions.min_quality,
                        help="content quality (0-1) under which clean mode also removes a "
                        "paragraph and filter mode also drops a document (default: 0, off; "
                        "implies --quality)")
    parser.add_argument("--keep-original", action="store_true",
                        help="clean mode: keep the original text in <field>_original")
    parser.add_argument("--max-chars", type=int, default=StreamOptions.max_chars,
                        help="longer documents pass through unscored with error too_long "
                        f"(default: {StreamOptions.max_chars}; 0: no limit)")
    parser.add_argument("--doc-timeout", type=float, default=StreamOptions.doc_timeout,
                        help="seconds of scoring per document; a slower one passes through "
                        f"unscored as timeout (default: {StreamOptions.doc_timeout}; 0: off)")
    parser.add_argument("--batch-size", type=int, default=64, help="documents per batch")
    parser.add_argument("-j", "--jobs", type=int, default=1,
                        help="worker processes (default: 1); output order is kept")
    parser.add_argument("--silent", action="store_true", help="no progress bar, no summary")
    args = parser.parse_intermixed_args(argv)
    if args.mode == "filter" and not args.rejects:
        parser.error("filter mode needs --rejects FILE so that no document is lost "
                     "(use --rejects /dev/null to discard them knowingly)")
    if not 0.0 <= args.min_quality <= 1.0:
        parser.error("--min-quality must be in [0, 1]")
    if args.jobs < 1 or args.batch_size < 1:
        parser.error("--jobs and --batch-size must be at least 1")
    return args


TOOLS = ("explain", "label")  # review tools, each with its own arguments


def _run_tool(name: str, argv: list[str]) -> int:
    if name == "explain":
        from .explain import main as tool
    else:
        from .labeling import main as tool
    return tool(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in TOOLS:
        return _run_tool(argv[0], argv[1:])
    args = parse_args(argv)
    try:
        config = Config(spam_threshold=args.spam_threshold,
                        quality=args.quality or args.min_quality > 0)
        model_path = args.model or bundled_model_path()
        classifier = cached_model(model_path, config)
    except (ModelError, ValueError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    options = StreamOptions(
        mode=args.mode,
        text_field=args.field,
        result_field=args.result_field,
        max_spam_ratio=args.max_spam_ratio,
        keep_original=args.keep_original,
        min_quality=args.min_quality,
        max_chars=args.max_chars,
        doc_timeout=args.doc_timeout,
    )
    counts: Counter = Counter()
    try:
        for inputs, output, rejects in _shards(args):
            records = read_inputs(inputs, args.field, args.format)
            routed = process(records, classifier, options, args.batch_size, args.jobs)
            show_progress = not args.silent and "-" not in inputs and sys.stderr.isatty()
            _write(tqdm(routed, disable=not show_progress, unit="doc", file=sys.stderr),
                   output, rejects, args, counts)
    except BrokenPipeError:
        _quiet_broken_pipe()
        return 0
    except BrokenProcessPool as exc:
        print(f"Error: a worker process died ({exc}); the output holds every record before "
              "the batch it was scoring, in order, and nothing after it", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("spamfilter: interrupted; the output holds every record written so far",
              file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    if not args.silent:
        print(
            "spamfilter: read {read}, kept {kept}, cleaned {cleaned}, dropped {dropped}, "
            "errors {errors}".format(**{k: counts[k] for k in
                                        ("read", "kept", "cleaned", "dropped", "errors")}),
            file=sys.stderr,
        )
    return 1 if counts["errors"] else 0


def _shards(args: argparse.Namespace) -> list[tuple[list[str], str, str | None]]:
    """(inputs, output, rejects) to run: the arguments as given, or, for one input directory,
    each of its files to the file of the same name in the output (and rejects) directory."""
    if len(args.inputs) != 1 or not Path(args.inputs[0]).is_dir():
        return [(args.inputs, args.output, args.rejects)]
    if args.output == "-":
        raise OSError("an input directory needs -o DIR for the output shards")
    shards = sorted(p for p in Path(args.inputs[0]).iterdir() if p.is_file())
    for directory in filter(None, (args.output, args.rejects)):
        Path(directory).mkdir(parents=True, exist_ok=True)
    return [([str(p)], str(Path(args.output) / p.name),
             str(Path(args.rejects) / p.name) if args.rejects else None) for p in shards]


def _write(routed, output: str, rejects_path: str | None, args, counts: Counter) -> None:
    """Write routed records to the output (and rejects) and count them; stderr gets errors."""
    out = open_output(output)
    rejects = open_output(rejects_path) if rejects_path else None
    try:
        for outcome in routed:
            source = outcome.source
            counts["read"] += 1
            if source.error:
                counts["errors"] += 1
                print(f"spamfilter: {source.source}:{source.line}: {source.error}: "
                      f"{source.message}", file=sys.stderr)
            elif outcome.destination == REJECT:
                counts["dropped"] += 1
            else:
                counts["kept"] += 1
                counts["cleaned"] += outcome.cleaned
            (rejects if outcome.destination == REJECT else out).write(outcome.line)
    finally:
        if rejects:
            rejects.close()
        if out is sys.stdout.buffer:
            out.flush()
        else:
            out.close()


def _quiet_broken_pipe() -> None:
    """The reader went away (``| head``): stop quietly, as Unix filters do, by pointing stdout
    at /dev/null so the interpreter's last flush does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
