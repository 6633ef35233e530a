"""Train and evaluate the content-quality model (``models/quality.joblib`` + ``.json``).

    python -m classifier.quality_train            # train (seeded, < 1 min), evaluate, save
    python -m classifier.quality_train --eval     # evaluate the saved model only

Genuine text: SIGHAN 2005 MSR news, People's Daily 1998 sentences, CMRC 2018 (simplified) and
DRCD (traditional) Wikipedia paragraphs from ``../shared/data``, normalised with
``classifier.text.normalize``. Every eighth paragraph is kept out of the language models: those
paragraphs (and spun and garbled versions of them) train the logistic regression, so it sees
surprises of text the language models never saw. A quarter of them is kept out again to choose
the threshold. Low quality: the same paragraphs run through ``data/spin.py`` with the *training*
substitution table at several rates (simplified and traditional), the real spun C4 lines marked
in ``data/hand/c4_repeated_lines.json``, mojibake, character soup and word salad. The twin
model's per-word swap classifier is trained first, on the same paragraphs spun with the training
table, each word labelled by whether the spinner replaced it; its lexicon is jieba's own
dictionary (``jieba/dict.txt``, shipped with the jieba package), read at training time.

Evaluation (never trained on): Sogou news paragraphs, genuine and spun with the *held-out*
table (no source word in common with the training table) at 10/20/30 %, and the seed pages.
See ``docs/quality.md``.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import rjieba
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from .linear import StandardLogistic
from .quality import (
    CharTrigramLM,
    Lexicon,
    QualityModel,
    TwinModel,
    WordBigramLM,
    in_context,
    load_quality_model,
    tokenize,
)
from .spans import remove_spans
from .text import normalize

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
DEFAULT_OUT = ROOT / "models" / "quality.joblib"
EVAL_RATES = (0.1, 0.2, 0.3)
TRAIN_RATES = (0.1, 0.2, 0.4)
MIN_CHARS = 20  # paragraphs shorter than this are left out of training and evaluation
BODY_CHARS = 20  # a seed "body paragraph" has at least this many characters
# the paragraph classifier's regularisation (docs/quality.md says how it was chosen)
PARAGRAPH_C = 0.1
TARGET_FPR = 0.005  # the threshold lets this share of validation genuine text fall under it


def _spin_module():
    sys.path.insert(0, str(ROOT / "data"))
    import spin  # noqa: PLC0415

    return spin


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def genuine_paragraphs(shared: Path = SHARED) -> list[str]:
    """Raw genuine paragraphs of the training sources, in a fixed order."""
    out = []
    for path in (shared / "news/sighan2005/msr_test.utf8",
                 shared / "news/peoplesdaily1998_ner/pd1998_sentences.txt"):
        out += [line.strip() for line in path.read_text("utf-8").splitlines()]
    for path in (shared / "wiki/cmrc2018_zh_cn/cmrc2018_paragraphs.jsonl",
                 shared / "wiki/drcd_zh_tw/drcd_paragraphs.jsonl"):
        out += [row["text"].strip() for row in _jsonl(path)]
    return [p for p in out if p and "\ufffd" not in p]


LM_FICTION = ("萧红经典全集.txt", "郁达夫大全集.txt", "鲁迅全集.txt")


def fiction_paragraphs(shared: Path = SHARED) -> list[str]:
    """Modern-vernacular prose that only widens the language models (not the classifier)."""
    out = []
    for name in LM_FICTION:
        lines = (shared / "fiction_pd" / name).read_text("utf-8").splitlines()
        out += [line.strip() for line in lines if len(line.strip()) >= 10]
    return [p for p in out if "\ufffd" not in p and "www" not in p.lower()]


def heldout_documents(shared: Path = SHARED) -> list[list[str]]:
    """Sogou news articles (never used in training) as their paragraphs of at least
    ``MIN_CHARS``; articles without one are left out."""
    out = []
    for row in _jsonl(shared / "news/sogou_ca_mini/sogou_ca_mini.jsonl"):
        paragraphs = []
        for line in (row.get("text") or "").replace("\ue40c", "\n").split("\n"):
            line = line.strip().strip("\u3000").strip()
            if len(line) >= MIN_CHARS and "\ufffd" not in line:
                paragraphs.append(line)
        if paragraphs:
            out.append(paragraphs)
    return out


def heldout_news(shared: Path = SHARED) -> list[str]:
    """The paragraphs of :func:`heldout_documents`, in order."""
    return [p for document in heldout_documents(shared) for p in document]


def real_spun_lines(root: Path = ROOT, shared: Path = SHARED) -> list[str]:
    """The C4 repeated lines marked ``"spun": true`` by hand."""
    marks = json.loads((root / "data/hand/c4_repeated_lines.json").read_text("utf-8"))
    lines = (shared / "c4_repeated_lines/Chinese_Remove-Duplicated-Text_samples.txt").read_text(
        "utf-8").splitlines()
    spun = {m["i"] for m in marks if m.get("spun")}
    return [ast.literal_eval(lines[i])[1] for i in sorted(spun)]


def seed_body_paragraphs(root: Path = ROOT) -> tuple[list[str], list[str]]:
    """(genuine body paragraphs of seeds 000–003, body paragraphs of the spun seed 004)."""
    genuine, spun = [], []
    for row in _jsonl(root / "data/labeled/seeds.jsonl"):
        text = row["text"]
        if len(text.strip()) < BODY_CHARS:
            continue
        if row["doc_id"] == "seed/004":
            if row["label"] == "genuine" or row["reason"] in ("injected_keywords",
                                                              "spliced_text"):
                spun.append(text)
        elif row["label"] == "genuine":
            genuine.append(text)
    return genuine, spun


def seed_kept_paragraphs(root: Path = ROOT) -> list[tuple[str, str, bool]]:
    """(document id, text, is a body paragraph) of what a perfect cleaner keeps of the seed
    pages by their hand labels: genuine paragraphs, and injected ones without their marked
    spans (body: at least ``BODY_CHARS``, as in :func:`seed_body_paragraphs`)."""
    out = []
    for row in _jsonl(root / "data/labeled/seeds.jsonl"):
        text, body = row["text"], len(row["text"].strip()) >= BODY_CHARS
        if row["label"] == "spam" and row["reason"] in ("injected_keywords", "spliced_text"):
            text = remove_spans(text, [tuple(span) for span in row["spans"]])[0]
            body = body and row["doc_id"] == "seed/004"
        elif row["label"] != "genuine":
            continue
        if text.strip():
            out.append((row["doc_id"], text, body))
    return out


def garble(paragraphs: list[str], alphabet: list[str], weights: list[float],
           rng: random.Random) -> list[str]:
    """One garbled version of each paragraph: mojibake, character soup or word salad."""
    spin = _spin_module()
    out = []
    for p in paragraphs:
        kind = rng.random()
        if kind < 0.25:
            out.append(spin.mojibake(p, rng))
        elif kind < 0.5:
            out.append(spin.char_soup(max(len(p), 10), alphabet, weights, rng))
        else:
            out.append(spin.word_salad(p, rng, window=rng.choice((3, 4, 6))))
    return out


def spun_versions(paragraphs: list[str], table: dict[str, str], rates, rng: random.Random,
                  traditional_share: float = 0.5) -> list[str]:
    """Spun versions (at least one word replaced) of ``paragraphs`` at each rate."""
    spin = _spin_module()
    out = []
    for rate in rates:
        for p in paragraphs:
            text, swaps, _ = spin.spin(p, table, rate, rng, rng.random() < traditional_share)
            if swaps:
                out.append(text)
    return out


def swapped_words(text: str, spans: list[tuple[int, int]]) -> list[bool]:
    """For each word of ``tokenize([text])``, whether it overlaps a replaced span."""
    marks = np.zeros(len(text) + 1, dtype=bool)
    for start, end in spans:
        marks[start:end] = True
    out, at = [], 0
    for w in rjieba.cut(text):
        if not w.isspace():
            out.append(bool(marks[at : at + len(w)].any()))
        at += len(w)
    return out


def fit_swap_classifier(twins: TwinModel, word_lm: WordBigramLM, genuine: list[str],
                        table: dict[str, str], rng: random.Random) -> dict:
    """Train the twin model's per-word swap classifier: words of ``genuine`` paragraphs
    (simplified, normalised) are not swaps; spun copies (``TRAIN_RATES``) label each word by
    whether the spinner replaced it."""
    spin = _spin_module()
    spun, labels = [], []
    for rate in TRAIN_RATES:
        for p in genuine:
            text, spans, _ = spin.spin_spans(p, table, rate, rng)
            if spans:
                spun.append(text)
                labels += swapped_words(text, spans)
    x_genuine, _ = twins.token_features(tokenize(genuine), word_lm)
    x_spun, _ = twins.token_features(tokenize(spun), word_lm)
    x = np.r_[x_genuine, x_spun]
    y = np.r_[np.zeros(len(x_genuine)), np.asarray(labels, dtype=np.float64)]
    scaler = StandardScaler().fit(x)
    lr = LogisticRegression(C=1.0, max_iter=2000).fit(scaler.transform(x), y)
    prior = float(np.log(y.mean() / (1 - y.mean())))
    twins.set_classifier(scaler.mean_, scaler.scale_, lr.coef_[0], lr.intercept_[0], prior)
    return {"words": len(y), "swapped": int(y.sum())}


def learned_markers(lm_text: list[str], spin) -> list[str]:
    """Spinner-output words of the hand-written training table that genuine text avoids: the
    target is at most a fifth as common as its source in the language-model text."""
    joined = "\n".join(lm_text)
    hand = spin._read_tsv(spin.TABLES / "train.tsv")
    return sorted(t for s, t in hand.items()
                  if len(t) >= 2 and joined.count(t) * 5 <= joined.count(s))


def build(
    seed: int = 0, shared: Path = SHARED, use_fiction: bool = False
) -> tuple[QualityModel, dict]:
    """Train the language models and the classifier; returns the model and its metrics."""
    start = time.time()
    spin = _spin_module()
    rng = random.Random(seed)
    raw = genuine_paragraphs(shared)
    norm = [normalize(p) for p in raw]
    lm_part = [p for i, p in enumerate(norm) if i % 8]
    if use_fiction:
        lm_part += [normalize(p) for p in fiction_paragraphs(shared)]
    held = [raw[i] for i in range(0, len(raw), 8) if len(raw[i]) >= MIN_CHARS]
    char_lm = CharTrigramLM().fit(lm_part)
    lm_words = tokenize(lm_part)
    word_lm = WordBigramLM().fit(lm_words)
    twins = TwinModel(Lexicon().fit()).fit(lm_words, word_lm)

    validation = held[::4]
    train = [p for i, p in enumerate(held) if i % 4]
    # simplified source text for the spinner: the spinner works on simplified words
    simplified = [normalize(p) for p in train]
    table = spin.load_table("train")
    codes = np.frombuffer("".join(lm_part).encode("utf-32-le"), dtype=np.uint32)
    chars, counts = np.unique(codes[codes >= 0x4E00], return_counts=True)
    alphabet = [chr(c) for c in chars]
    weights = counts.astype(float).tolist()

    swap_words = fit_swap_classifier(twins, word_lm, simplified, table, random.Random(seed + 1))
    s2t = spin._s2t()
    genuine = train + [s2t.convert(p) for p in simplified[::3]]
    bad = (spun_versions(simplified, table, TRAIN_RATES, rng)
           + real_spun_lines() * 3
           + garble(simplified[::2], alphabet, weights, rng))
    texts = genuine + bad
    y = np.r_[np.ones(len(genuine)), np.zeros(len(bad))]
    weight = np.where(y == 1, len(bad) / len(genuine), 1.0)
    model = QualityModel(char_lm, word_lm, None, markers=learned_markers(lm_part, spin),
                         twins=twins)
    x = model.features(texts)
    model.classifier = StandardLogistic(PARAGRAPH_C).fit(x, y, weight)

    val_scores = model.score(validation)
    model.threshold = float(np.quantile(val_scores, TARGET_FPR))
    info = {
        "seed": seed,
        "train_paragraphs": {"lm": len(lm_part), "genuine": len(genuine), "low_quality": len(bad)},
        "validation_paragraphs": len(validation),
        "swap_classifier_words": swap_words,
        "threshold_rule": f"{TARGET_FPR:.1%} quantile of validation genuine scores",
        "train_seconds": round(time.time() - start, 1),
        "data_sha256": hashlib.sha256("\n".join(raw).encode()).hexdigest(),
    }
    return model, info


def _spun_auc(model: QualityModel, simplified: list[str], genuine: np.ndarray,
              genuine_traditional: np.ndarray, table: dict[str, str], rate: float,
              rng: random.Random) -> dict:
    """AUC of genuine vs spun (simplified and traditional), paragraphs spun, words replaced and
    share flagged, for ``simplified`` spun with ``table`` at ``rate``."""
    spin = _spin_module()
    s2t = spin._s2t()
    spun, share = [], []
    for p in simplified:
        text, swaps, words = spin.spin(p, table, rate, rng)
        if swaps:
            spun.append(text)
            share.append(swaps / max(words, 1))
    scores = model.score(spun)
    traditional = model.score([s2t.convert(t) for t in spun])
    y = np.r_[np.ones(len(genuine)), np.zeros(len(spun))]
    return {"auc": float(roc_auc_score(y, np.r_[genuine, scores])),
            "auc_traditional": float(roc_auc_score(y, np.r_[genuine_traditional, traditional])),
            "spun_paragraphs": len(spun),
            "mean_words_replaced": float(np.mean(share)) if share else 0.0,
            "flagged_spun": float(np.mean(scores < model.threshold))}


def _timed(function, *args, **kwargs) -> float:
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def _in_context(model: QualityModel, documents: list[list[str]],
                scores: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(paragraph scores in context, document scores) of ``documents`` (lists of paragraphs)."""
    flat = [p for document in documents for p in document]
    sizes = [len(document) for document in documents]
    lengths = np.fromiter(map(len, flat), dtype=np.int64, count=len(flat))
    return in_context(model.score(flat) if scores is None else scores, lengths,
                      np.repeat(np.arange(len(documents)), sizes), len(documents))


def _spun_documents_auc(model: QualityModel, documents: list[list[str]],
                        genuine: tuple[np.ndarray, np.ndarray], table: dict[str, str],
                        rate: float, rng: random.Random) -> dict:
    """Whole articles spun with ``table`` at ``rate`` against the genuine ones, scored in
    document context: paragraph and document AUC, and the share of spun paragraphs flagged."""
    spin = _spin_module()
    spun = [[spin.spin(p, table, rate, rng)[0] for p in document] for document in documents]
    paragraphs, whole = _in_context(model, spun)
    y = np.r_[np.ones(len(genuine[0])), np.zeros(len(paragraphs))]
    y_documents = np.r_[np.ones(len(genuine[1])), np.zeros(len(whole))]
    return {"auc": float(roc_auc_score(y, np.r_[genuine[0], paragraphs])),
            "document_auc": float(roc_auc_score(y_documents, np.r_[genuine[1], whole])),
            "flagged_spun": float(np.mean(paragraphs < model.threshold))}


def _seed_ordering(genuine: np.ndarray, spun: np.ndarray, threshold: float) -> dict:
    return {"genuine_000_003": len(genuine), "spun_004": len(spun),
            "min_genuine": float(genuine.min()), "max_spun_004": float(spun.max()),
            "ordered": bool(spun.max() < genuine.min()),
            "spun_004_flagged": float(np.mean(spun < threshold)),
            "genuine_000_003_flagged": float(np.mean(genuine < threshold))}


def evaluate(model: QualityModel, seed: int = 1, shared: Path = SHARED) -> dict:
    """Held-out metrics: AUC spun vs genuine per rate (held-out table, and its hand-written
    spinner pairs alone), FPR on genuine held-out news at the model's threshold, the same for
    whole articles scored in document context, and the seed-ordering check (paragraphs alone,
    and in context after the hand-labelled injections are cut)."""
    spin = _spin_module()
    rng = random.Random(seed)
    documents = [[normalize(p) for p in document] for document in heldout_documents(shared)]
    simplified = [p for document in documents for p in document]
    genuine_scores = model.score(simplified, normalized=True)
    genuine_traditional = model.score([spin._s2t().convert(p) for p in simplified])
    seconds = min(_timed(model.score, simplified, normalized=True) for _ in range(3))
    genuine_context = _in_context(model, documents, genuine_scores)
    result = {"heldout_news_paragraphs": len(simplified),
              "heldout_news_documents": len(documents),
              "chars_per_second": sum(map(len, simplified)) / seconds,
              "fpr_at_threshold": float(np.mean(genuine_scores < model.threshold)),
              "fpr_in_context": float(np.mean(genuine_context[0] < model.threshold)),
              "threshold": model.threshold}
    tables = {"heldout": spin.load_table("heldout"),
              "heldout_hand": spin._read_tsv(spin.TABLES / "heldout.tsv")}
    for name, table in tables.items():
        result[name] = {f"{rate:.0%}": _spun_auc(model, simplified, genuine_scores,
                                                 genuine_traditional, table, rate, rng)
                        for rate in EVAL_RATES}
        result[f"{name}_in_context"] = {
            f"{rate:.0%}": _spun_documents_auc(model, documents, genuine_context, table, rate,
                                               rng)
            for rate in EVAL_RATES}
    seed_genuine, seed_spun = seed_body_paragraphs()
    result["seeds"] = _seed_ordering(model.score(seed_genuine), model.score(seed_spun),
                                     model.threshold)
    kept = sorted(seed_kept_paragraphs(), key=lambda row: row[0])
    ids = sorted({doc_id for doc_id, _, _ in kept})
    in_seed_context, _ = _in_context(
        model, [[text for doc_id, text, _ in kept if doc_id == i] for i in ids])
    body = np.array([is_body for _, _, is_body in kept])
    spun_004 = np.array([doc_id == "seed/004" for doc_id, _, _ in kept])
    result["seeds_in_context"] = _seed_ordering(in_seed_context[body & ~spun_004],
                                                in_seed_context[body & spun_004],
                                                model.threshold)
    return result


def report(result: dict) -> str:
    lines = [f"threshold {result['threshold']:.4f}",
             f"held-out genuine news paragraphs: {result['heldout_news_paragraphs']}, "
             f"flagged (FPR) {result['fpr_at_threshold']:.2%}; scored at "
             f"{result['chars_per_second'] / 1000:.0f} k characters/s (normalised text, one "
             f"process, best of 3)"]
    for name, title in (("heldout", "held-out table"),
                        ("heldout_hand", "its hand-written spinner pairs alone")):
        for rate, r in result[name].items():
            lines.append(
                f"{title}, rate {rate}: AUC {r['auc']:.4f} "
                f"(traditional {r['auc_traditional']:.4f}), "
                f"{r['spun_paragraphs']} spun paragraphs, "
                f"{r['mean_words_replaced']:.1%} of words replaced, "
                f"flagged {r['flagged_spun']:.1%}")
    lines.append(f"in document context ({result['heldout_news_documents']} articles, spun "
                 f"whole): genuine paragraphs flagged {result['fpr_in_context']:.2%}")
    for name, title in (("heldout_in_context", "held-out table"),
                        ("heldout_hand_in_context", "its hand-written spinner pairs alone")):
        for rate, r in result[name].items():
            lines.append(f"  {title}, rate {rate}: paragraph AUC {r['auc']:.4f}, article AUC "
                         f"{r['document_auc']:.4f}, spun paragraphs flagged "
                         f"{r['flagged_spun']:.1%}")
    for name, title in (("seeds", "seeds, paragraphs alone"),
                        ("seeds_in_context", "seeds in document context, hand-labelled "
                                             "injections cut")):
        s = result[name]
        lines.append(
            f"{title}: {s['spun_004']} body paragraphs of 004, max score "
            f"{s['max_spun_004']:.4f}; {s['genuine_000_003']} genuine body paragraphs of 000-003, "
            f"min score {s['min_genuine']:.4f}; every 004 paragraph below every genuine one: "
            f"{s['ordered']}; flagged: 004 {s['spun_004_flagged']:.0%}, 000-003 "
            f"{s['genuine_000_003_flagged']:.0%}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m classifier.quality_train",
                                     description="Train and evaluate the content-quality model.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="model file to write/read")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval", action="store_true", help="evaluate the saved model only")
    args = parser.parse_args(argv)
    if args.eval:
        model, _ = load_quality_model(args.out)
        print(report(evaluate(model)))
        return 0
    model, info = build(args.seed)
    result = evaluate(model)
    info["metrics"] = result
    sidecar = model.save(args.out, info)
    print(report(result))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) and {sidecar}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
