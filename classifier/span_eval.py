"""Character-level evaluation of injected-span location and cleaning.

    python -m classifier.span_eval [--model PATH] [--data data/heldout] [--data FILE …] [--join SEP]

A document is rebuilt from its labeled paragraphs (joined by "\\n", or by ``--join``: "" or " "
make a page flattened into one line) and scored as a whole. The truth is: the spans of a spam
paragraph that has them, all of a spam paragraph that has none.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from .dataset import LabeledDocument, load_documents
from .scoring import Classifier

FICTION = "fiction_pd"  # the source folder of the public-domain novels (data/labeled/README.md)


def _masks(doc: LabeledDocument, predicted_spans, sep: str) -> dict[str, np.ndarray]:
    """Per character of the document rebuilt with ``sep``: truly injected, predicted removed,
    genuine, and whether it sits in a paragraph that is part genuine, part injected."""
    text = sep.join(doc.paragraphs)
    n = len(text)
    injected, genuine, mixed, removed = (np.zeros(n, dtype=bool) for _ in range(4))
    cursor = 0
    for paragraph, label, spans in zip(doc.paragraphs, doc.labels, doc.spans):
        end = cursor + len(paragraph)
        if label == "spam" and spans:
            mixed[cursor:end] = True
            genuine[cursor:end] = True
            for s, e in spans:
                injected[cursor + s : cursor + e] = True
                genuine[cursor + s : cursor + e] = False
        elif label == "spam":
            injected[cursor:end] = True
        elif label == "genuine":
            genuine[cursor:end] = True
        cursor = end + len(sep)
    for s, e in predicted_spans:
        removed[s:e] = True
    return {"injected": injected, "genuine": genuine, "mixed": mixed, "removed": removed}


def _prf(truth: np.ndarray, guess: np.ndarray) -> dict:
    tp = int((truth & guess).sum())
    precision = tp / max(int(guess.sum()), 1)
    recall = tp / max(int(truth.sum()), 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "chars": int(truth.sum())}


def _labeled_spans_hit(doc: LabeledDocument, removed: np.ndarray, sep: str) -> list[float]:
    """The share of each labeled injected span (inside a part-genuine paragraph) removed."""
    shares, cursor = [], 0
    for paragraph, spans in zip(doc.paragraphs, doc.spans):
        shares += [float(removed[cursor + s : cursor + e].mean()) for s, e in spans]
        cursor += len(paragraph) + len(sep)
    return shares


def _auc(truth: np.ndarray, score: np.ndarray) -> float | None:
    return round(float(roc_auc_score(truth, score)), 4) if 0 < truth.sum() < len(truth) else None


def tagger_ranking(classifier: Classifier, documents: list[LabeledDocument]) -> dict:
    """How well the span tagger's smoothed character scores rank injected characters above
    genuine ones on every paragraph, flagged or not (spans are only looked for in paragraphs
    the paragraph model flags, so this separates the two stages): ROC AUC against the
    characters of genuine paragraphs and within part-genuine paragraphs; per paragraph (its
    strongest character) part-genuine against genuine, and the share of part-genuine
    paragraphs over the cut that 99 % of genuine paragraphs stay under."""
    scores = classifier.model.score([list(d.paragraphs) for d in documents])
    truth, score, mixed, strongest, is_mixed = [], [], [], [], []
    row = 0
    for doc in documents:
        for paragraph, label, spans in zip(doc.paragraphs, doc.labels, doc.spans):
            smoothed, _ = scores.characters(row)
            row += 1
            if not len(smoothed) or not (label == "genuine" or (label == "spam" and spans)):
                continue
            injected = np.zeros(len(paragraph), dtype=bool)
            for s, e in spans:
                injected[s:e] = True
            truth.append(injected)
            score.append(smoothed)
            mixed.append(np.full(len(paragraph), bool(spans)))
            strongest.append(smoothed.max())
            is_mixed.append(bool(spans))
    if not truth:
        return {}
    truth, score, mixed = (np.concatenate(a) for a in (truth, score, mixed))
    strongest, is_mixed = np.array(strongest), np.array(is_mixed)
    found = (float(np.mean(strongest[is_mixed] > np.quantile(strongest[~is_mixed], 0.99)))
             if is_mixed.any() and not is_mixed.all() else None)
    return {"char_auc_vs_genuine_paragraphs": _auc(truth, score),
            "char_auc_within_part_genuine_paragraphs": _auc(truth[mixed], score[mixed]),
            "paragraph_auc_strongest_character": _auc(is_mixed, strongest),
            "part_genuine_found_at_1pct_genuine_cut": None if found is None else round(found, 4)}


def is_fiction_chapter(doc: LabeledDocument) -> bool:
    """A spam-free page of at least five paragraphs of the public-domain fiction corpus: a
    novel chapter on a novel site, whose fiction is genuine and must not be cut to pieces."""
    return "spam" not in doc.labels and sum(FICTION in s for s in doc.sources) >= 5


def span_report(classifier: Classifier, documents: list[LabeledDocument],
                sep: str = "\n") -> dict:
    """Character precision/recall/F1 of injected spans, how many labeled spans are removed
    whole, in part or not at all, genuine characters removed, how many spam-free documents
    come out untouched, and how many fiction chapters have a paragraph called spam; documents
    rebuilt by joining their paragraphs with ``sep``."""
    results = classifier.predict_batch([sep.join(d.paragraphs) for d in documents])
    chapters = [any(p.label == "spam" for p in r.paragraphs)
                for d, r in zip(documents, results) if is_fiction_chapter(d)]
    masks = [_masks(d, [s for p in r.paragraphs for s in p.spans], sep)
             for d, r in zip(documents, results)]
    hits = np.array([h for d, m in zip(documents, masks)
                     for h in _labeled_spans_hit(d, m["removed"], sep)])
    joined = {k: np.concatenate([m[k] for m in masks]) for k in masks[0]}
    clean_docs = [m for m in masks if not m["injected"].any()]
    mixed = joined["mixed"]
    return {
        "documents": len(documents),
        "all_spam_chars": _prf(joined["injected"], joined["removed"]),
        "injected_spans_in_mixed_paragraphs": _prf(joined["injected"] & mixed,
                                                    joined["removed"] & mixed),
        "labeled_spans": {"total": len(hits), "removed_whole": int((hits == 1).sum()),
                          "removed_in_part": int(((hits > 0) & (hits < 1)).sum()),
                          "missed": int((hits == 0).sum())},
        "genuine_chars_removed": round(
            float((joined["genuine"] & joined["removed"]).sum() / max(joined["genuine"].sum(), 1)),
            4),
        "spam_free_documents": len(clean_docs),
        "spam_free_documents_untouched": round(
            sum(not m["removed"].any() for m in clean_docs) / max(len(clean_docs), 1), 4),
        "fiction_chapters": len(chapters),
        "fiction_chapters_with_a_spam_paragraph": sum(chapters),
    }


def main(argv: list[str] | None = None) -> int:
    from . import load_model

    parser = argparse.ArgumentParser(prog="python -m classifier.span_eval", description=__doc__)
    parser.add_argument("--model", type=Path, help="model file (default: the bundled model)")
    parser.add_argument("--data", type=Path, action="append",
                        help="labeled JSONL file or directory (repeatable; default: data/heldout)")
    parser.add_argument("--join", default="\n", metavar="SEP",
                        help="join each document's paragraphs with SEP instead of a line break "
                             "(--join '' or --join ' ': the page flattened into one line)")
    args = parser.parse_args(argv)
    classifier = load_model(args.model)
    for data in args.data or [Path("data/heldout")]:
        documents = load_documents(data)
        report = {**span_report(classifier, documents, args.join),
                  "tagger_ranking": tagger_ranking(classifier, documents)}
        print(data, json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
