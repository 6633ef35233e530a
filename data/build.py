"""Build the labeled paragraph set of the spam filter from shared/ (see data/labeled/README.md).

    python data/build.py [--seed 13] [--shared ../shared]

Writes, one row per paragraph (schema: data/labeled/SCHEMA.md):
  data/labeled/chinesewebtext.jsonl   100 hand-labeled Common Crawl pages (cwt/<doc>)
  data/labeled/seeds.jsonl            the seed pages with hand labels (seed/<nnn>)
  data/labeled/casia_fasttext.jsonl   CASIA quality-classifier samples with hand labels (cft/…)
  data/labeled/c4_lines.jsonl         hand-labeled repeated C4 lines, one per document (c4/<i>)
  data/labeled/generated.jsonl        generated training documents (gen/<i>)
  data/heldout/generated.jsonl        generated held-out documents from disjoint sources (held/<i>)
Hand label files that do not exist yet are skipped with a warning. The same seed gives
byte-identical files. Counts per file and label are printed at the end.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # keep data/ free of __pycache__

from build_lib.common import LABELS, REASONS, count_table, write_rows  # noqa: E402
from build_lib.generate import generated_rows  # noqa: E402
from build_lib.hand import c4_rows, casia_fasttext_rows, chinesewebtext_rows, seed_rows  # noqa: E402

TRAIN_DOCS = 1500
HELD_DOCS = 400


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=13, help="seed of the generator (default 13)")
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared",
                        help="the shared data folder (default: shared/ next to the repository)")
    parser.add_argument("--out", type=Path, default=HERE, help="the data folder to write into (default: data/)")
    return parser.parse_args(argv)


def build(shared: Path, seed: int, out: Path) -> dict[str, dict]:
    """Write every output file; return the count table of each, keyed by its path under data/."""
    hand = HERE / "hand"
    c4, spun = c4_rows(shared, hand)
    outputs = {
        "labeled/chinesewebtext.jsonl": chinesewebtext_rows(shared, hand),
        "labeled/seeds.jsonl": seed_rows(shared, hand),
        "labeled/casia_fasttext.jsonl": casia_fasttext_rows(shared, hand),
        "labeled/c4_lines.jsonl": c4,
        "labeled/generated.jsonl": generated_rows(shared, "train", seed, TRAIN_DOCS, "gen"),
        "heldout/generated.jsonl": generated_rows(shared, "held", seed, HELD_DOCS, "held"),
    }
    counts = {}
    for name, rows in outputs.items():
        write_rows(out / name, rows)
        counts[name] = count_table(rows)
    counts["labeled/c4_lines.jsonl"]["spun"] = spun
    return counts


def report(counts: dict[str, dict]) -> str:
    """A Markdown table of documents, rows, labels and spam reasons per file."""
    head = ["file", "docs", "rows", *LABELS, *REASONS, "with spans"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, c in counts.items():
        cells = [f"`{name}`", c["docs"], c["rows"], *c["labels"].values(), *c["reasons"].values(), c["with_spans"]]
        lines.append("| " + " | ".join(str(x) for x in cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.shared.is_dir():
        print(f"Error: shared data folder {args.shared} not found (use --shared)", file=sys.stderr)
        return 1
    start = time.time()
    counts = build(args.shared, args.seed, args.out)
    print(report(counts))
    print(json.dumps({k: v["methods"] for k, v in counts.items()}, ensure_ascii=False))
    print(f"spun c4 lines: {counts['labeled/c4_lines.jsonl']['spun']}; seed {args.seed}; "
          f"{time.time() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
