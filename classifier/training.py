"""Training and honest evaluation: grouped cross-validation, leave-one-seed-out, held-out set."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    precision_recall_fscore_support,
)
from sklearn.model_selection import GroupKFold

from .config import Config
from .dataset import LabeledDocument
from .model import LABELS, SpamModel
from .scoring import Classifier, decide
from .span_eval import span_report

HAND_WEIGHT = 4.0


def fit(documents: list[LabeledDocument], seed: int = 0) -> SpamModel:
    """A model trained on ``documents``. Hand-labeled real pages weigh ``HAND_WEIGHT`` times a
    generated document: they are the domain the filter works in, and far fewer."""
    return SpamModel(seed=seed).fit(
        [list(d.paragraphs) for d in documents],
        [list(d.labels) for d in documents],
        [list(d.reasons) for d in documents],
        [list(d.spans) for d in documents],
        [HAND_WEIGHT if d.hand_labeled else 1.0 for d in documents],
    )


def score_documents(model: SpamModel, documents: Sequence[LabeledDocument],
                    batch: int = 256, config: Config | None = None) -> np.ndarray:
    """Class probabilities of every paragraph of ``documents`` (in order) as the product
    decides them at ``config``'s threshold (``Classifier.paragraph_proba``), in batches."""
    classifier = Classifier(model, {}, config)
    parts = [classifier.paragraph_proba([list(d.paragraphs) for d in documents[i : i + batch]])
             for i in range(0, len(documents), batch)]
    return np.vstack(parts) if parts else np.zeros((0, len(LABELS)))


def labels_of(proba: np.ndarray, config: Config) -> list[str]:
    """The label each row of class probabilities gets at the configured spam threshold."""
    return [str(label) for label in decide(proba, config.spam_threshold)]


def predict_labels(model: SpamModel, documents: list[LabeledDocument], config: Config) -> list[str]:
    """Predicted label of every paragraph of ``documents``, flattened in order."""
    return labels_of(score_documents(model, documents, config=config), config)


def paragraph_metrics(truth: list[str], predicted: list[str]) -> dict:
    """Per-class precision, recall, F1 and support, and the confusion matrix (rows = truth)."""
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=list(LABELS), zero_division=0
    )
    return {
        "per_class": {
            label: {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
                "support": int(s),
            }
            for label, p, r, f, s in zip(LABELS, precision, recall, f1, support)
        },
        "confusion": confusion_matrix(truth, predicted, labels=list(LABELS)).tolist(),
    }


def _fold_proba(train, test, documents, seed):
    model = fit([documents[i] for i in train], seed)
    return test, score_documents(model, [documents[i] for i in test])


def out_of_fold(
    documents: list[LabeledDocument], seed: int = 0, folds: int = 5, jobs: int = 1
) -> np.ndarray:
    """Probabilities of every paragraph (flattened in order) from a model trained without its
    document: grouped k-fold by document."""
    splits = GroupKFold(n_splits=folds).split(documents, groups=[d.doc_id for d in documents])
    outcomes = Parallel(n_jobs=jobs)(
        delayed(_fold_proba)(train, test, documents, seed) for train, test in splits
    )
    starts = np.cumsum([0] + [len(d.paragraphs) for d in documents])
    proba = np.zeros((starts[-1], len(LABELS)))
    for test, scores in outcomes:
        cursor = 0
        for i in test:
            n = len(documents[i].paragraphs)
            proba[starts[i] : starts[i] + n] = scores[cursor : cursor + n]
            cursor += n
    return proba


def cross_validate(
    documents: list[LabeledDocument], proba: np.ndarray, config: Config, folds: int
) -> dict:
    """Metrics of out-of-fold probabilities (see ``out_of_fold``), overall and per collection
    (seed, cwt, gen …)."""
    labels = labels_of(proba, config)
    starts = np.cumsum([0] + [len(d.paragraphs) for d in documents])
    report = {"folds": folds,
              "overall": _metrics_of(documents, labels, proba, starts, range(len(documents)))}
    for group in sorted({d.group for d in documents}):
        members = [i for i, d in enumerate(documents) if d.group == group]
        report[group] = _metrics_of(documents, labels, proba, starts, members)
    return report


def _metrics_of(documents, labels, proba, starts, indices) -> dict:
    """Paragraph metrics and spam average precision of the documents at ``indices`` (their
    rows of ``labels`` and ``proba`` run from ``starts[i]`` to ``starts[i + 1]``)."""
    truth = [label for i in indices for label in documents[i].labels]
    at = [row for i in indices for row in range(starts[i], starts[i + 1])]
    metrics = paragraph_metrics(truth, [labels[r] for r in at])
    flagged = ["spam" in labels[starts[i] : starts[i + 1]] for i in indices]
    has_spam = ["spam" in documents[i].labels for i in indices]
    metrics["documents"] = {
        "with_spam": sum(has_spam),
        "with_spam_flagged": sum(f and h for f, h in zip(flagged, has_spam)),
        "spam_free": len(has_spam) - sum(has_spam),
        "spam_free_flagged": sum(f and not h for f, h in zip(flagged, has_spam)),
    }
    return _with_average_precision(metrics, truth, proba[at])


def _with_average_precision(metrics: dict, truth: list[str], proba: np.ndarray) -> dict:
    """``metrics`` with the spam average precision of ``proba`` (how well it ranks spam,
    whatever the threshold), when the truth holds both spam and other paragraphs."""
    is_spam = np.array([label == "spam" for label in truth])
    if 0 < is_spam.sum() < len(is_spam):
        metrics["spam_average_precision"] = round(float(average_precision_score(
            is_spam, proba[:, LABELS.index("spam")])), 4)
    return metrics


def leave_one_out(
    documents: list[LabeledDocument], held_out: list[str], seed: int, config: Config, jobs: int = 1
) -> dict:
    """For each named document: trained without it, how much of its spam is caught and how many
    of its genuine paragraphs are flagged."""

    def one(doc_id: str) -> tuple[str, dict]:
        target = next(d for d in documents if d.doc_id == doc_id)
        model = fit([d for d in documents if d.doc_id != doc_id], seed)
        guess = predict_labels(model, [target], config)
        pairs = Counter(zip(target.labels, guess))
        return doc_id, {
            "spam_caught": pairs[("spam", "spam")],
            "spam_total": target.labels.count("spam"),
            "genuine_flagged": pairs[("genuine", "spam")],
            "genuine_total": target.labels.count("genuine"),
            "boilerplate_flagged": pairs[("boilerplate", "spam")],
            "boilerplate_total": target.labels.count("boilerplate"),
            "accuracy": round(sum(a == b for a, b in zip(target.labels, guess)) / len(guess), 4),
        }

    return dict(Parallel(n_jobs=jobs)(delayed(one)(doc_id) for doc_id in held_out))


def held_out_metrics(model: SpamModel, documents: list[LabeledDocument], config: Config) -> dict:
    """Paragraph metrics of a trained model on documents it never saw, with its spam average
    precision (how well it ranks spam, whatever the threshold)."""
    truth = [label for d in documents for label in d.labels]
    proba = score_documents(model, documents, config=config)
    return _with_average_precision(paragraph_metrics(truth, labels_of(proba, config)), truth,
                                   proba)


def cleaning_metrics(model: SpamModel, documents: list[LabeledDocument], config: Config) -> dict:
    """What cleaning the documents with a trained model removes, against their labels (see
    ``classifier.span_eval``)."""
    return span_report(Classifier(model, {}, config), documents)


def format_metrics(title: str, metrics: dict) -> str:
    """A plain-text table of per-class metrics and the confusion matrix."""
    lines = [title, f"{'':12} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"]
    for label, m in metrics["per_class"].items():
        lines.append(
            f"{label:12} {m['precision']:9.3f} {m['recall']:7.3f} {m['f1']:6.3f} {m['support']:8d}"
        )
    lines.append("confusion (rows = truth, columns = predicted; " + ", ".join(LABELS) + ")")
    lines += ["  " + " ".join(f"{v:6d}" for v in row) for row in metrics["confusion"]]
    if "spam_average_precision" in metrics:
        lines.append(f"spam average precision {metrics['spam_average_precision']}")
    if "documents" in metrics:
        d = metrics["documents"]
        lines.append(f"pages with a paragraph flagged: {d['with_spam_flagged']} of "
                     f"{d['with_spam']} with spam, {d['spam_free_flagged']} of {d['spam_free']} "
                     "spam-free")
    return "\n".join(lines)


def markdown_report(metrics: dict) -> str:
    """The metrics of a training run as the markdown tables the README quotes."""
    lines = ["| evaluation | genuine F1 | spam P | spam R | spam F1 | spam AP | boilerplate F1 "
             "| paragraphs |",
             "|---|---|---|---|---|---|---|---|"]
    rows = [(f"grouped CV: {group}", report)
            for group, report in metrics.get("cross_validation", {}).items() if group != "folds"]
    if "held_out" in metrics:
        rows.append(("held-out generated set (disjoint sources)", metrics["held_out"]))
    for name, report in rows:
        c = report["per_class"]
        support = sum(m["support"] for m in c.values())
        lines.append(
            f"| {name} | {c['genuine']['f1']:.3f} | {c['spam']['precision']:.3f} | "
            f"{c['spam']['recall']:.3f} | {c['spam']['f1']:.3f} | "
            f"{report.get('spam_average_precision', '—')} | {c['boilerplate']['f1']:.3f} "
            f"| {support} |"
        )
    groups = {g: r["documents"] for g, r in metrics.get("cross_validation", {}).items()
              if g != "folds" and "documents" in r}
    if groups:
        lines += ["", "| grouped CV, pages | with spam: a paragraph flagged | spam-free: "
                  "a paragraph flagged |", "|---|---|---|"]
        lines += [f"| {g} | {d['with_spam_flagged']} of {d['with_spam']} | "
                  f"{d['spam_free_flagged']} of {d['spam_free']} |" for g, d in groups.items()]
    cleaned = [(name, metrics[key]) for key, name in (("held_out_cleaning", "held-out set"),
                                                      ("seeds_cleaning", "seeds (in training)"))
               if key in metrics]
    if cleaned:
        lines += ["", "| cleaned | injected spans P / R / F1 | labeled spans whole / in part / "
                  "missed | all spam characters P / R / F1 | genuine characters removed | "
                  "spam-free documents untouched | fiction chapters with a spam paragraph |",
                  "|---|---|---|---|---|---|---|"]
    for name, c in cleaned:
        spans = c["labeled_spans"]
        lines.append(
            f"| {name}, {c['documents']} documents | "
            f"{_prf(c['injected_spans_in_mixed_paragraphs'])} | {spans['removed_whole']} / "
            f"{spans['removed_in_part']} / {spans['missed']} | {_prf(c['all_spam_chars'])} | "
            f"{c['genuine_chars_removed']:.2%} | {c['spam_free_documents_untouched']:.1%} "
            f"(of {c['spam_free_documents']}) | {c['fiction_chapters_with_a_spam_paragraph']} "
            f"of {c['fiction_chapters']} |")
    if "leave_one_seed_out" in metrics:
        lines += ["", "| seed (trained without it) | spam caught | genuine flagged | "
                  "boilerplate flagged | accuracy |", "|---|---|---|---|---|"]
        for doc_id, m in metrics["leave_one_seed_out"].items():
            lines.append(
                f"| {doc_id} | {m['spam_caught']}/{m['spam_total']} | "
                f"{m['genuine_flagged']}/{m['genuine_total']} | "
                f"{m['boilerplate_flagged']}/{m['boilerplate_total']} | {m['accuracy']:.3f} |"
            )
    return "\n".join(lines) + "\n"


def _prf(report: dict) -> str:
    return f"{report['precision']:.3f} / {report['recall']:.3f} / {report['f1']:.3f}"
