"""Benchmark the product's annotate path against three baselines: throughput and accuracy.

    python -m bench.run [--size-mb 50] [--model PATH] [--jobs 1,2] [--out bench/results/latest.md]

Every system scores the same seeded corpus end to end (read JSONL → score every paragraph →
write JSONL to /dev/null) in its own process, timed ``--repeat`` times in rounds (every system
once per round, so drifting load on a shared machine falls on all of them; median reported),
with the peak RSS of its largest process. Accuracy is paragraph-level on the held-out split:
the product with its model, the baselines trained here on the labeled rows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sklearn.metrics import f1_score, precision_recall_fscore_support

from classifier import LABELS, bundled_model_path, kernels, load_model
from classifier.scoring import QUALITY_MODEL

from . import corpus
from .baselines import BASELINES
from .data import HELDOUT, LABELED, ROOT, WORKDIR, document_text, documents, read_rows

PRODUCT = "product"
QUALITY = "product+quality"  # the product with content-quality scoring on (--quality)
SYSTEMS = (PRODUCT, QUALITY, "fasttext", "naive", "keywords")
MB = corpus.MB


@dataclass(frozen=True)
class Run:
    wall: float  # seconds, median over repeats
    cpu: float  # user + system seconds of all its processes, median over repeats
    rss_mb: float  # peak RSS of the largest process, max over repeats


# Runs a command and reports its wall time, CPU time and peak RSS. A child's peak RSS starts at
# its parent's RSS at fork, so the command is started from this small interpreter, not from the
# benchmark, which holds the baseline models by then.
_LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(json.dumps({"wall": time.perf_counter() - start, "code": os.waitstatus_to_exitcode(status),
                  "cpu": usage.ru_utime + usage.ru_stime, "rss_kib": usage.ru_maxrss}))
"""


def cores() -> int:
    return len(os.sched_getaffinity(0))


def timed(cmd: list[str]) -> dict:
    """Wall and CPU seconds and peak RSS (KiB, largest process of the tree) of one command."""
    launched = subprocess.run([sys.executable, "-c", _LAUNCHER, *cmd], cwd=ROOT, check=True,
                              stdout=subprocess.PIPE, text=True)
    result = json.loads(launched.stdout)
    if result["code"]:
        raise RuntimeError(f"`{shlex.join(cmd)}` exited with {result['code']}")
    return result


def measure(commands: dict[tuple[str, int], list[str]], repeat: int
            ) -> dict[tuple[str, int], Run]:
    """Time every command ``repeat`` times, in rounds (each command once per round), so a
    change of load on a shared machine falls on all systems alike instead of on whichever ran
    then; median wall and CPU time, largest RSS."""
    results: dict[tuple[str, int], list[dict]] = {key: [] for key in commands}
    for i in range(repeat):
        for (name, jobs), cmd in commands.items():
            results[name, jobs].append(timed(cmd))
            print(f"  {name} -j {jobs} run {i + 1}/{repeat}: "
                  f"{results[name, jobs][-1]['wall']:.1f} s", file=sys.stderr)
    return {
        key: Run(
            statistics.median(r["wall"] for r in timings),
            statistics.median(r["cpu"] for r in timings),
            max(r["rss_kib"] for r in timings) * 1024 / MB,
        )
        for key, timings in results.items()
    }


def throughput_command(system: str, jobs: int, corpus_path: Path, model: Path,
                       model_dir: Path) -> list[str]:
    if system in (PRODUCT, QUALITY):
        cli = Path(sys.executable).with_name("spamfilter")
        return [str(cli), "annotate", "--silent", *(["--quality"] if system == QUALITY else []),
                "-j", str(jobs), "--model", str(model), str(corpus_path), "-o", os.devnull]
    return [sys.executable, "-m", "bench.score", system, str(corpus_path), "--model-dir",
            str(model_dir), "-j", str(jobs), "-o", os.devnull]


def cold_start(model: Path, repeat: int) -> float:
    """Median seconds to import the package and load the model, in a fresh interpreter."""
    code = ("import time; t = time.perf_counter(); import classifier; "
            f"classifier.load_model({str(model)!r}); print(time.perf_counter() - t)")
    return statistics.median(
        float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                             text=True).stdout)
        for _ in range(repeat)
    )


def product_labels(model: Path, docs: list[tuple[str, list[dict]]]) -> list[str]:
    """The product's paragraph labels of whole documents, checked to align with the rows."""
    classifier = load_model(model)
    labels = []
    for i in range(0, len(docs), 64):
        chunk = docs[i : i + 64]
        results = classifier.predict_batch([document_text(rows) for _, rows in chunk])
        for (doc_id, rows), result in zip(chunk, results, strict=True):
            if len(result.paragraphs) != len(rows):
                raise ValueError(f"{doc_id}: {len(rows)} rows but {len(result.paragraphs)} "
                                 "paragraphs scored")
            labels += [p.label for p in result.paragraphs]
    return labels


def accuracy(truth: list[str], predicted: list[str]) -> dict:
    p, r, f, _ = precision_recall_fscore_support(
        truth, predicted, labels=["spam"], zero_division=0
    )
    macro = f1_score(truth, predicted, labels=list(LABELS), average="macro", zero_division=0)
    return {"precision": p[0], "recall": r[0], "f1": f[0], "macro_f1": macro}


def train_baselines(names: list[str], labeled: Path, model_dir: Path) -> dict[str, float | None]:
    """Train and save each baseline; returns the model file size in MB (None if it has none)."""
    rows = read_rows(labeled)
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    model_dir.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for name in names:
        start = time.perf_counter()
        path = BASELINES[name]().fit(texts, labels).save(model_dir)
        print(f"trained {name} on {len(rows)} paragraphs in {time.perf_counter() - start:.1f} s",
              file=sys.stderr)
        sizes[name] = path.stat().st_size / MB if path else None
    return sizes


def evaluate(names: list[str], heldout: Path, model: Path, model_dir: Path) -> tuple[dict, int]:
    """Held-out metrics of every system, and the number of held-out paragraphs."""
    docs = documents(read_rows(heldout))
    truth = [row["label"] for _, rows in docs for row in rows]
    texts = [row["text"] for _, rows in docs for row in rows]
    scores = {}
    for name in names:
        if name == QUALITY:  # quality leaves the labels as they are
            continue
        predicted = (product_labels(model, docs) if name == PRODUCT
                     else BASELINES[name].load(model_dir).predict(texts))
        scores[name] = accuracy(truth, predicted)
    if QUALITY in names:
        scores[QUALITY] = scores.get(PRODUCT) or accuracy(truth, product_labels(model, docs))
    return scores, len(truth)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def shown(path: Path) -> str:
    """A path relative to the repo when it is inside it."""
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def report(args, stats: corpus.CorpusStats, runs: dict, scores: dict, sizes: dict,
           cold: float | None, heldout_paragraphs: int, command: str) -> str:
    """The results as markdown: context, one table, and the product's targets."""
    lines = [
        "# spamfilter benchmark",
        "",
        f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- machine: {cores()} cores, {cpu_model()}, Python {platform.python_version()}; "
        f"1-minute load average {args.load[0]:.2f} at start, {args.load[1]:.2f} at end",
        f"- corpus: {stats.bytes / MB:.1f} MB, {stats.docs} documents, {stats.paragraphs} "
        f"paragraphs (seed {args.seed})",
        f"- accuracy: {heldout_paragraphs} paragraphs of {shown(args.heldout)}; baselines "
        f"trained on {shown(args.labeled)}",
        f"- product model: {shown(args.model)} (sha256 {args.model_sha[:12]}…); scoring "
        f"kernels: {'compiled (classifier/_kernels.c)' if kernels.COMPILED else 'numpy'}"
        if args.model_sha else "- product: not measured",
        f"- timing: median of {args.repeat} runs of the whole process, in rounds of one run per "
        "system (start, load, read, "
        "score, write to /dev/null); MB/CPU-s: input MB per CPU second of all its processes "
        "(less sensitive than MB/s to other load on the machine); peak RSS of its largest "
        "process (a worker when jobs > 1); MB = 10^6 bytes",
        f"- command: `{command}`",
        "",
        "| system | jobs | MB/s | MB/CPU-s | docs/s | paragraphs/s | peak RSS MB | spam P "
        "| spam R | spam F1 | macro F1 | model MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (name, jobs), run in runs.items():
        s = scores[name]
        lines.append(
            f"| {name} | {jobs} | {stats.bytes / MB / run.wall:.2f} | "
            f"{stats.bytes / MB / run.cpu:.2f} | "
            f"{stats.docs / run.wall:,.0f} | {stats.paragraphs / run.wall:,.0f} | "
            f"{run.rss_mb:.0f} | {fmt(s['precision'])} | {fmt(s['recall'])} | "
            f"{fmt(s['f1'])} | {fmt(s['macro_f1'])} | {fmt(sizes.get(name), 1)} |"
        )
    lines += ["", *targets(runs, scores, sizes, cold, stats), ""]
    return "\n".join(lines)


def targets(runs: dict, scores: dict, sizes: dict, cold: float | None,
            stats: corpus.CorpusStats) -> list[str]:
    """The issue's targets for the product, where this run measured them."""
    def mbps(name, jobs):
        return stats.bytes / MB / runs[name, jobs].wall if (name, jobs) in runs else None

    def row(target, value, met):
        return f"| {target} | {value} | {'yes' if met else 'no'} |"

    one = mbps(PRODUCT, 1)
    lines = ["| product target | measured | met |", "|---|---|:-:|"]
    if one is not None:
        lines.append(row("≥ 15 MB/s per core (annotate, 1 job)", f"{one:.2f} MB/s", one >= 15))
        if (fast := mbps("fasttext", 1)) is not None:
            lines.append(row("≥ 1.0× fastText's throughput (1 job)", f"{one / fast:.2f}×",
                             one >= fast))
        for name, jobs in runs:
            if name == PRODUCT and jobs > 1:
                gain = mbps(PRODUCT, jobs) / one
                lines.append(row(f"near-linear scaling, {jobs} jobs (≥ {0.8 * jobs:.1f}×)",
                                 f"{gain:.2f}×", gain >= 0.8 * jobs))
    if PRODUCT in scores and "fasttext" in scores:
        mine, theirs = scores[PRODUCT], scores["fasttext"]
        lines.append(row("held-out spam F1 and macro F1 ≥ fastText's",
                         f"{mine['f1']:.3f} / {mine['macro_f1']:.3f} vs "
                         f"{theirs['f1']:.3f} / {theirs['macro_f1']:.3f}",
                         mine["f1"] >= theirs["f1"] and mine["macro_f1"] >= theirs["macro_f1"]))
    if one is not None and (quality := mbps(QUALITY, 1)) is not None:
        lines.append(row("with --quality, ≥ 0.5× the product's throughput (1 job)",
                         f"{quality / one:.2f}× ({quality:.2f} MB/s)", quality >= 0.5 * one))
    for name in (PRODUCT, QUALITY):
        peaks = [run.rss_mb for (system, _), run in runs.items() if system == name]
        if peaks:
            lines.append(row(f"peak RSS ≤ 300 MB per worker ({name})", f"{max(peaks):.0f} MB",
                             max(peaks) <= 300))
    if PRODUCT in sizes:
        lines.append(row("model file ≤ 50 MB", f"{sizes[PRODUCT]:.1f} MB", sizes[PRODUCT] <= 50))
    if cold is not None:
        lines.append(row("cold start (import + model load) ≤ 1 s", f"{cold:.2f} s", cold <= 1))
    return lines


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=50, help="corpus size (default 50)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--model", type=Path, default=bundled_model_path(),
                        help="the product's model (default: the bundled one)")
    parser.add_argument("--jobs", default=f"1,{cores()}",
                        help="comma-separated job counts (default: 1 and all cores)")
    parser.add_argument("--systems", default=",".join(SYSTEMS),
                        help=f"comma-separated subset of {', '.join(SYSTEMS)}")
    parser.add_argument("--repeat", type=int, default=3, help="timings per measurement")
    parser.add_argument("--labeled", type=Path, default=LABELED, help="baselines' training rows")
    parser.add_argument("--heldout", type=Path, default=HELDOUT, help="held-out rows")
    parser.add_argument("--workdir", type=Path, default=WORKDIR,
                        help="corpus and baseline models (default /tmp/spamfilter-bench)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.md")
    args = parser.parse_args(argv)
    args.jobs = sorted({int(j) for j in args.jobs.split(",")})
    args.systems = [s for s in args.systems.split(",") if s]
    unknown = set(args.systems) - set(SYSTEMS)
    if unknown:
        parser.error(f"unknown system(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    command = shlex.join(["python", "-m", "bench.run", *(sys.argv[1:] if argv is None else argv)])
    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]
    stats = corpus.build(args.workdir / "corpus.jsonl", args.size_mb, args.seed,
                         corpus.source_documents(args.labeled, args.heldout))
    print(f"corpus: {stats.bytes / MB:.1f} MB, {stats.docs} documents", file=sys.stderr)
    baselines = [s for s in args.systems if s not in (PRODUCT, QUALITY)]
    model_dir = args.workdir / "baselines"
    sizes = train_baselines(baselines, args.labeled, model_dir)
    cold = args.model_sha = None
    if PRODUCT in args.systems or QUALITY in args.systems:
        args.model_sha = hashlib.sha256(args.model.read_bytes()).hexdigest()
        sizes[PRODUCT] = args.model.stat().st_size / MB
        quality_model = args.model.with_name(QUALITY_MODEL)
        sizes[QUALITY] = sizes[PRODUCT] + quality_model.stat().st_size / MB
        cold = cold_start(args.model, args.repeat)
    scores, heldout_paragraphs = evaluate(args.systems, args.heldout, args.model, model_dir)
    commands = {(name, jobs): throughput_command(name, jobs, stats.path, args.model, model_dir)
                for name in args.systems for jobs in args.jobs}
    runs = measure(commands, args.repeat)
    args.load = (load_at_start, os.getloadavg()[0])
    text = report(args, stats, runs, scores, sizes, cold, heldout_paragraphs, command)
    text += f"\nWhole benchmark: {time.perf_counter() - started:.0f} s.\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, "utf-8")
    print(text)


if __name__ == "__main__":
    main()
