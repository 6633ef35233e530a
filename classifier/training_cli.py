"""`python train.py`: train on the labeled set, evaluate honestly, save the model and sidecar."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from .config import Config
from .dataset import data_hash, load_documents
from .training import (
    cleaning_metrics,
    cross_validate,
    fit,
    format_metrics,
    held_out_metrics,
    leave_one_out,
    markdown_report,
    out_of_fold,
)

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="train.py", description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "labeled",
                        help="labeled JSONL file or directory (default: data/labeled)")
    parser.add_argument("--heldout", type=Path, default=ROOT / "data" / "heldout",
                        help="held-out labeled JSONL, never trained on (default: data/heldout)")
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "spamfilter.joblib",
                        help="where to write the model; the sidecar goes next to it as .json")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--folds", type=int, default=5, help="grouped CV folds (default: 5)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="parallel evaluation jobs (default: all cores)")
    parser.add_argument("--no-eval", action="store_true",
                        help="only fit and save (no cross-validation or leave-one-out)")
    parser.add_argument("--report", type=Path, metavar="DIR",
                        help="also write an HTML + PNG report into DIR (needs matplotlib: "
                        "pip install -e '.[report]'): the trained model on --heldout, and, "
                        "unless --no-eval, out-of-fold scores of the training data (one more "
                        "grouped CV)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report:
        from .report import require_matplotlib

        require_matplotlib()  # fail now, not after training
    config = Config()
    started = time.perf_counter()
    documents = load_documents(args.data)
    n_paragraphs = sum(len(d.paragraphs) for d in documents)
    print(f"{len(documents)} documents, {n_paragraphs} paragraphs from {args.data}")
    metrics: dict = {}
    oof_proba = None
    seeds = [d for d in documents if d.group == "seed"]
    if not args.no_eval:
        oof_proba = out_of_fold(documents, args.seed, args.folds, args.jobs)
        metrics["cross_validation"] = cross_validate(documents, oof_proba, config, args.folds)
        for group, report in metrics["cross_validation"].items():
            if group != "folds":
                print(format_metrics(f"\n[grouped {args.folds}-fold CV] {group}", report))
        metrics["leave_one_seed_out"] = leave_one_out(documents, [d.doc_id for d in seeds],
                                                      args.seed, config, args.jobs)
        print("\n[leave-one-seed-out] trained without the seed, scored on it")
        for doc_id, m in metrics["leave_one_seed_out"].items():
            print(f"{doc_id}: spam caught {m['spam_caught']}/{m['spam_total']}, genuine flagged "
                  f"{m['genuine_flagged']}/{m['genuine_total']}, boilerplate flagged "
                  f"{m['boilerplate_flagged']}/{m['boilerplate_total']}, accuracy {m['accuracy']}")
    model = fit(documents, args.seed)
    if not args.no_eval and args.heldout.exists():
        heldout = load_documents(args.heldout)
        metrics["held_out"] = held_out_metrics(model, heldout, config)
        print(format_metrics(f"\n[held-out set] {args.heldout}", metrics["held_out"]))
        metrics["held_out_cleaning"] = cleaning_metrics(model, heldout, config)
    if not args.no_eval and seeds:  # in training: what it cleans where the labels are by hand
        metrics["seeds_cleaning"] = cleaning_metrics(model, seeds, config)
    sidecar = model.save(args.out, {
        "seed": args.seed,
        "thresholds": {"spam_threshold": config.spam_threshold,
                       "spam_site_ratio": config.spam_site_ratio},
        "training_data": {"path": str(args.data.relative_to(ROOT)) if args.data.is_relative_to(ROOT)
                          else str(args.data), "sha256": data_hash(args.data),
                          "documents": len(documents), "paragraphs": n_paragraphs},
        "metrics": metrics,
    })
    if metrics:
        report = args.out.with_suffix(".metrics.md")
        report.write_text(markdown_report(metrics), "utf-8")
        print(f"\n{markdown_report(metrics)}\nmetrics table written to {report}")
    if args.report:
        from .report import write_training_report

        path = write_training_report(args.report, model, documents, args.heldout, config,
                                     args.folds, oof_proba)
        print(f"\nreport written to {path}")
    elapsed = time.perf_counter() - started
    print(f"\nmodel written to {args.out} (sidecar {sidecar}) in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
