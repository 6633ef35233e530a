"""Training report: where the model is wrong, as an HTML page with PNG plots (matplotlib).

For each evaluation (a set of labeled documents and the probabilities a model that never saw
them gave their paragraphs) the report shows precision–recall curves per class, the confusion
matrix, error counts per source collection, spam-score histograms of genuine vs spam
paragraphs, and the worst errors with their text, so a person can fix labels.

Two kinds of evaluation:

- ``held_out``: a trained model scores a labeled set it was not trained on (``data/heldout``);
- ``out_of_fold``: grouped k-fold over the training data; every paragraph is scored by a model
  trained without its document. This is where wrong training labels show up.

Build one without retraining the bundled model::

    python -m classifier.report --out /tmp/report          # bundled model, held-out set
    python -m classifier.report --cv --data data/labeled --out /tmp/r  # out-of-fold (slow)

``train.py --report DIR`` writes the same report for the model it trains.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import Config
from .dataset import LabeledDocument, load_documents
from .model import LABELS, SpamModel
from .scoring import decide
from .training import out_of_fold, score_documents

ROOT = Path(__file__).resolve().parent.parent
WORST = 50
THRESHOLDS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)  # spam thresholds of the trade-off table
_COLOURS = {"genuine": "#43a047", "spam": "#e53935", "boilerplate": "#757575"}
e = html.escape


@dataclass(frozen=True)
class Evaluation:
    """Labeled documents and held-out probabilities of their paragraphs (flattened in order)."""

    name: str  # shown as the section title
    slug: str  # file-name prefix of its plots
    documents: list[LabeledDocument]
    proba: np.ndarray  # (paragraphs, len(LABELS))

    @property
    def truth(self) -> np.ndarray:
        return np.array([label for d in self.documents for label in d.labels])


# ---------------------------------------------------------------------------------------------
# numbers


def source_key(group: str, source: str) -> str:
    """A paragraph's source, coarsely: its collection and the files its text came from.

    >>> source_key("gen", "generator + shared/data/lexicons/konsheng/色情词库.txt:L12")
    'gen · generator + 色情词库.txt'
    """
    parts = []
    for part in source.split(" + "):
        part = re.split(r"[:#]", part.strip(), maxsplit=1)[0].rstrip("/")
        parts.append(part.rsplit("/", 1)[-1] or part)
    return f"{group} · {' + '.join(sorted(set(parts)))}"


def error_table(ev: Evaluation, predicted: np.ndarray, top: int = 20) -> list[dict]:
    """Per source (collection · source files, see ``source_key``): paragraphs, errors and their
    kinds; the ``top`` sources with most errors, the rest summed as ``other``."""
    keys = [source_key(d.group, src) for d in ev.documents for src in d.sources]
    counts = Counter(k for k, t, p in zip(keys, ev.truth, predicted, strict=True) if t != p)
    kept = {k for k, _ in counts.most_common(top)}
    groups = np.array([k if k in kept else "other" for k in keys])
    truth = ev.truth
    rows = []
    for group in sorted(set(groups.tolist()), key=lambda g: (g == "other", -counts[g], g)):
        m = groups == group
        t, p = truth[m], predicted[m]
        rows.append({
            "source": group,
            "paragraphs": int(m.sum()),
            "errors": int((t != p).sum()),
            "spam_missed": int(((t == "spam") & (p != "spam")).sum()),
            "genuine_flagged": int(((t == "genuine") & (p == "spam")).sum()),
            "boilerplate_flagged": int(((t == "boilerplate") & (p == "spam")).sum()),
            "genuine_boilerplate_swapped": int((((t == "genuine") & (p == "boilerplate"))
                                                | ((t == "boilerplate") & (p == "genuine"))).sum()),
        })
    return rows


def worst_errors(ev: Evaluation, predicted: np.ndarray, n: int = WORST) -> list[dict]:
    """The ``n`` wrong paragraphs the model was surest about (lowest probability of the true
    label), with where to find them in the labeled data."""
    truth = ev.truth
    where = [(d, i) for d in ev.documents for i in range(len(d.paragraphs))]
    true_p = ev.proba[np.arange(len(truth)), [LABELS.index(t) for t in truth]] if len(truth) \
        else np.zeros(0)
    wrong = np.flatnonzero(truth != predicted)
    order = wrong[np.argsort(true_p[wrong], kind="stable")][:n]
    rows = []
    for k in order.tolist():
        doc, i = where[k]
        rows.append({
            "doc_id": doc.doc_id, "para": i, "source": doc.sources[i], "method": doc.methods[i],
            "label": str(truth[k]), "predicted": str(predicted[k]),
            "reason": doc.reasons[i], "p_label": round(float(true_p[k]), 4),
            "spam_score": round(float(ev.proba[k, LABELS.index("spam")]), 4),
            "text": doc.paragraphs[i],
        })
    return rows


def pr_curves(ev: Evaluation) -> dict[str, dict]:
    """Per class, one-vs-rest precision–recall curve and average precision."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    truth = ev.truth
    out = {}
    for c, label in enumerate(LABELS):
        y = truth == label
        if not y.any():
            continue
        precision, recall, thresholds = precision_recall_curve(y, ev.proba[:, c])
        out[label] = {"precision": precision, "recall": recall, "thresholds": thresholds,
                      "ap": float(average_precision_score(y, ev.proba[:, c]))}
    return out


def threshold_table(ev: Evaluation, thresholds: Sequence[float] = THRESHOLDS) -> list[dict]:
    """Spam precision, recall and F1 at each spam threshold, over all paragraphs and per
    source collection (``group``): what ``--spam-threshold`` trades on these documents."""
    spam = ev.truth == "spam"
    score = ev.proba[:, LABELS.index("spam")]
    groups = np.array([d.group for d in ev.documents for _ in d.labels])
    rows = []
    for group in ["all", *sorted(set(groups.tolist()))]:
        chosen = np.ones(len(groups), dtype=bool) if group == "all" else groups == group
        for threshold in thresholds:
            flagged = (score >= threshold) & chosen
            hits = int((flagged & spam).sum())
            precision = hits / max(int(flagged.sum()), 1)
            recall = hits / max(int((spam & chosen).sum()), 1)
            f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
            rows.append({"source": group, "spam_threshold": threshold,
                         "flagged": int(flagged.sum()), "precision": round(precision, 4),
                         "recall": round(recall, 4), "f1": round(f1, 4)})
    return rows


# ---------------------------------------------------------------------------------------------
# plots


def _pyplot():
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("the report needs matplotlib: pip install 'zh-spamfilter[report]'") \
            from exc
    matplotlib.use("Agg")
    import warnings

    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    # CJK file names and texts: fall back per glyph to a CJK font when one is installed
    installed = {f.name for f in font_manager.fontManager.ttflist}
    cjk = [n for n in ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei",
                       "Droid Sans Fallback", "AR PL UMing CN") if n in installed]
    plt.rcParams["font.family"] = ["DejaVu Sans", *cjk]
    warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
    return plt


def _save(fig, path: Path) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    _pyplot().close(fig)
    data = buffer.getvalue()
    path.write_bytes(data)
    return data


def plot_pr_curves(ev: Evaluation, curves: dict, threshold: float, path: Path) -> bytes:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4.6))
    for label, c in curves.items():
        ax.plot(c["recall"], c["precision"], color=_COLOURS[label], lw=2,
                label=f"{label} (AP {c['ap']:.3f}, n={int((ev.truth == label).sum())})")
    if "spam" in curves:
        c = curves["spam"]
        k = int(np.searchsorted(c["thresholds"], threshold))
        if k < len(c["thresholds"]):
            ax.plot(c["recall"][k], c["precision"][k], "o", color="black",
                    label=f"spam at threshold {threshold:g}")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1.01), ylim=(0, 1.02),
           title=f"Precision–recall per class: {ev.name}")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    return _save(fig, path)


def plot_confusion(ev: Evaluation, predicted: np.ndarray, path: Path) -> tuple[bytes, list]:
    from sklearn.metrics import confusion_matrix

    plt = _pyplot()
    matrix = confusion_matrix(ev.truth, predicted, labels=list(LABELS))
    share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(4.8, 4))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(LABELS)):
        for j in range(len(LABELS)):
            ax.text(j, i, f"{matrix[i, j]}\n{share[i, j]:.1%}", ha="center", va="center",
                    color="white" if share[i, j] > 0.5 else "black", fontsize=9)
    ax.set_xticks(range(len(LABELS)), LABELS)
    ax.set_yticks(range(len(LABELS)), LABELS)
    ax.set(xlabel="predicted", ylabel="label", title="Confusion matrix (rows = label)")
    return _save(fig, path), matrix.tolist()


def plot_sources(table: list[dict], path: Path) -> bytes:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 0.45 * len(table) + 1.4))
    names = [r["source"] for r in table]
    left = np.zeros(len(table))
    for key, colour in (("spam_missed", "#e53935"), ("genuine_flagged", "#fb8c00"),
                        ("boilerplate_flagged", "#8e24aa"),
                        ("genuine_boilerplate_swapped", "#90a4ae")):
        values = np.array([r[key] for r in table], dtype=float)
        ax.barh(names, values, left=left, color=colour, label=key.replace("_", " "))
        left += values
    for y, r in enumerate(table):
        ax.text(left[y], y, f"  {r['errors']}/{r['paragraphs']}", va="center", fontsize=8)
    ax.set(xlabel="wrong paragraphs", title="Errors per source")
    ax.set_xlim(0, max(left.max(initial=1), 1) * 1.25)
    ax.invert_yaxis()
    ax.legend(fontsize=7, loc="lower right")
    return _save(fig, path)


def plot_histogram(ev: Evaluation, threshold: float, path: Path) -> bytes:
    plt = _pyplot()
    spam = ev.proba[:, LABELS.index("spam")]
    truth = ev.truth
    fig, ax = plt.subplots(figsize=(6, 3.6))
    bins = np.linspace(0, 1, 41)
    for label in ("genuine", "spam"):
        if (truth == label).any():
            ax.hist(spam[truth == label], bins=bins, alpha=0.6, color=_COLOURS[label],
                    label=f"labeled {label} ({int((truth == label).sum())})")
    ax.axvline(threshold, color="black", ls="--", lw=1, label=f"threshold {threshold:g}")
    ax.set_yscale("log")
    ax.set(xlabel="spam score", ylabel="paragraphs (log)", title="Spam score: genuine vs spam")
    ax.legend(fontsize=8)
    return _save(fig, path)


# ---------------------------------------------------------------------------------------------
# page

_CSS = """
body{font:14px/1.45 system-ui,"Noto Sans CJK SC",sans-serif;margin:0 24px 40px;color:#222}
h1{font-size:20px}h2{border-top:3px solid #263238;padding-top:8px;font-size:18px}
table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 8px;border-bottom:1px solid #ddd;
 vertical-align:top;text-align:left}th{background:#eceff1}td.num{text-align:right}
.plots{display:flex;flex-wrap:wrap;gap:12px}.plots img{max-width:100%;border:1px solid #eee}
td.text{white-space:pre-wrap;word-break:break-all;max-width:720px}
.spam{color:#c62828}.genuine{color:#2e7d32}.boilerplate{color:#616161}
"""


def _img(data: bytes, alt: str) -> str:
    return f'<img alt="{e(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'


def _table(rows: list[dict], columns: Sequence[str]) -> str:
    head = "".join(f"<th>{e(c)}</th>" for c in columns)
    body = []
    for r in rows:
        cells = []
        for c in columns:
            v = r[c]
            cls = "num" if isinstance(v, (int, float)) else ("text" if c == "text" else
                                                             e(str(v)) if v in LABELS else "")
            cells.append(f'<td class="{cls}">{e("" if v is None else str(v))}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def evaluation_section(ev: Evaluation, out_dir: Path, config: Config) -> tuple[str, dict]:
    """One evaluation's plots (written as PNG next to the page) and its HTML section."""
    predicted = decide(ev.proba, config.spam_threshold).astype(str)
    curves = pr_curves(ev)
    table = error_table(ev, predicted)
    worst = worst_errors(ev, predicted)
    images = [
        (plot_pr_curves(ev, curves, config.spam_threshold, out_dir / f"{ev.slug}_pr_curves.png"),
         "precision-recall curves"),
    ]
    confusion_png, confusion = plot_confusion(ev, predicted, out_dir / f"{ev.slug}_confusion.png")
    images.append((confusion_png, "confusion matrix"))
    images.append((plot_sources(table, out_dir / f"{ev.slug}_sources.png"), "errors per source"))
    images.append((plot_histogram(ev, config.spam_threshold,
                                  out_dir / f"{ev.slug}_histogram.png"), "spam score histogram"))
    summary = {
        "documents": len(ev.documents), "paragraphs": int(len(ev.truth)),
        "errors": int((ev.truth != predicted).sum()),
        "average_precision": {k: round(v["ap"], 4) for k, v in curves.items()},
        "confusion": confusion, "per_source": table, "worst_errors": worst,
        "spam_by_threshold": threshold_table(ev),
    }
    section = (
        f'<section id="{e(ev.slug)}"><h2>{e(ev.name)}</h2>'
        f"<p>{summary['documents']} documents, {summary['paragraphs']} paragraphs, "
        f"{summary['errors']} wrong at spam threshold {config.spam_threshold:g}. Average "
        "precision: " + ", ".join(f"{k} {v:.3f}" for k, v in
                                  summary["average_precision"].items()) + "</p>"
        f'<div class="plots">{"".join(_img(d, alt) for d, alt in images)}</div>'
        "<h3>Spam precision and recall by threshold</h3>"
        + _table([r for r in summary["spam_by_threshold"] if r["source"] == "all"],
                 list(summary["spam_by_threshold"][0]))
        + "<h3>Errors per source</h3>"
        + _table(table, list(table[0]) if table else ["source"])
        + f"<h3>The {len(worst)} worst errors</h3><p>Sorted by the probability the model gave "
        "the label (lowest first): a confident disagreement is often a wrong label. Fix a "
        "label in the file named by <code>doc_id</code>/<code>para</code>.</p>"
        + _table(worst, ["doc_id", "para", "label", "predicted", "p_label", "spam_score",
                         "method", "source", "text"])
        + "</section>"
    )
    return section, summary


def write_report(out_dir: str | Path, evaluations: Sequence[Evaluation],
                 config: Config | None = None, title: str = "spamfilter training report",
                 notes: str = "") -> Path:
    """Write ``index.html``, ``report.json`` and the PNG plots of every evaluation into
    ``out_dir``; returns the HTML path. The page embeds its plots, so it stands alone."""
    config = config or Config()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sections, summaries = [], {}
    for ev in evaluations:
        section, summary = evaluation_section(ev, out_dir, config)
        sections.append(section)
        summaries[ev.slug] = summary
    contents = "".join(f'<li><a href="#{e(ev.slug)}">{e(ev.name)}</a></li>' for ev in evaluations)
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        'style-src \'unsafe-inline\'; img-src data:">'
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body><h1>{e(title)}</h1>"
        f"{notes}<ul>{contents}</ul>{''.join(sections)}</body></html>\n"
    )
    path = out_dir / "index.html"
    path.write_text(page, "utf-8")
    (out_dir / "report.json").write_text(
        json.dumps({"spam_threshold": config.spam_threshold, "evaluations": summaries},
                   ensure_ascii=False, indent=1) + "\n", "utf-8")
    return path


def require_matplotlib() -> None:
    """Raise a clear ImportError when matplotlib (the ``report`` extra) is missing."""
    _pyplot()


def write_training_report(out_dir: str | Path, model: SpamModel,
                          documents: list[LabeledDocument], heldout: Path | None,
                          config: Config, folds: int, oof_proba: np.ndarray | None) -> Path:
    """The report ``train.py --report`` writes: ``model`` on the held-out set (if it exists)
    and the out-of-fold probabilities ``oof_proba`` of the training ``documents`` (if given,
    from the cross-validation ``train.py`` already ran)."""
    evaluations = []
    if heldout is not None and Path(heldout).exists():
        held = load_documents(heldout)
        evaluations.append(Evaluation(f"trained model on the held-out set {heldout}",
                                      "held_out", held,
                                      score_documents(model, held, config=config)))
    if oof_proba is not None:
        evaluations.append(Evaluation(
            f"out-of-fold on the training data ({folds}-fold grouped CV: each paragraph scored "
            "by a model trained without its document)", "out_of_fold", documents, oof_proba))
    if not evaluations:
        raise ValueError("nothing to report: no held-out set and no cross-validation")
    return write_report(out_dir, evaluations, config)


def main(argv: list[str] | None = None) -> int:
    from . import bundled_model_path
    from .model import load_spam_model

    parser = argparse.ArgumentParser(prog="python -m classifier.report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="report directory")
    parser.add_argument("--model", type=Path, help="model to evaluate (default: bundled)")
    parser.add_argument("--data", type=Path, help="labeled data (default: data/heldout, or "
                        "data/labeled with --cv)")
    parser.add_argument("--cv", action="store_true", help="out-of-fold scores: retrain K "
                        "times on --data without each fold (ignores --model)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--spam-threshold", type=float, default=Config.spam_threshold)
    args = parser.parse_args(argv)
    config = Config(spam_threshold=args.spam_threshold)
    data = args.data or ROOT / "data" / ("labeled" if args.cv else "heldout")
    shown = data.resolve().relative_to(ROOT) if data.resolve().is_relative_to(ROOT) else data
    documents = load_documents(data)
    if args.cv:
        ev = Evaluation(f"out-of-fold ({args.folds}-fold grouped CV) on {shown}", "out_of_fold",
                        documents, out_of_fold(documents, args.seed, args.folds, args.jobs))
    else:
        model_path = args.model or bundled_model_path()
        model, _ = load_spam_model(model_path)
        ev = Evaluation(f"{model_path.name} on {shown}", "held_out", documents,
                        score_documents(model, documents, config=config))
    path = write_report(args.out, [ev], config)
    rows = threshold_table(ev)
    print("| " + " | ".join(rows[0]) + " |\n|" + "---:|" * len(rows[0]))
    for row in rows:
        print("| " + " | ".join(f"{v:g}" if isinstance(v, float) else str(v)
                                for v in row.values()) + " |")
    print(f"report written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
