"""The trained object: a paragraph model, a context model over its neighbours, save and load.

Stage one scores each paragraph from its own text (``ParagraphVectorizer`` → logistic
regression). Stage two rescores it from stage one's log-odds of the paragraph, its neighbours
and its whole document, so a headline inside a list of spam headlines, or a novel paragraph on a
page full of novel, is judged in context. Stage two is trained on out-of-fold stage-one scores,
grouped by document, so it never learns from scores the first stage made on its own training rows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import joblib
import numpy as np
import scipy.sparse as sp

from .features import Batch
from .linear import SparseLogistic, StandardLogistic
from .lm import CharBigramLM
from .persist import ModelError, checked_sidecar, save_with_sidecar
from .results import Span
from .spans import SpanTagger
from .vectorize import ParagraphVectorizer

LABELS = ("genuine", "spam", "boilerplate")
REASONS = ("keyword_list", "headline_list", "injected_keywords", "spliced_text", "promotion")
FORMAT_VERSION = 4
_LIBRARIES = ("scikit-learn", "numpy", "scipy", "opencc")


def _log_odds(proba: np.ndarray) -> np.ndarray:
    clipped = np.clip(proba, 1e-4, 1 - 1e-4)
    return np.log(clipped / (1 - clipped))


def _per_document(values: np.ndarray, doc_index: np.ndarray) -> np.ndarray:
    """Mean of each column over each paragraph's document, repeated per paragraph."""
    sizes = np.maximum(np.bincount(doc_index), 1).astype(np.float64)
    sums = np.stack([np.bincount(doc_index, weights=v) for v in values.T], axis=1)
    return (sums / sizes[:, None])[doc_index]


def strongest_feature(x: sp.csr_matrix, weights: np.ndarray) -> np.ndarray:
    """Per row, the largest weight among the features it contains: one strongly spammy n-gram
    in a long paragraph counts, however diluted it is in the TF-IDF vector."""
    values = weights[x.indices]
    strongest = np.full(x.shape[0], weights.min(initial=0.0))
    filled = np.diff(x.indptr) > 0
    if values.size:
        strongest[filled] = np.maximum.reduceat(values, x.indptr[:-1][filled])
    return strongest


def local_evidence(scores: np.ndarray, lengths: np.ndarray, strongest: np.ndarray) -> np.ndarray:
    """Per paragraph, what stage one saw locally: its strongest spam feature, the span tagger's
    strongest character, the share of characters it calls injected, how many runs they form.
    ``scores`` are the tagger's character scores, flat; ``lengths`` cut them into paragraphs."""
    starts = np.cumsum(lengths) - lengths
    filled = lengths > 0
    hot = scores > 0
    previous = np.concatenate([[False], hot[:-1]])
    previous[starts[filled]] = False
    strongest_char = np.full(len(lengths), -10.0)
    share = np.zeros(len(lengths))
    runs = np.zeros(len(lengths))
    if scores.size:
        at = starts[filled]
        strongest_char[filled] = np.maximum.reduceat(scores, at)
        share[filled] = np.add.reduceat(hot, at) / lengths[filled]
        runs[filled] = np.add.reduceat(hot & ~previous, at)
    return np.column_stack([strongest, strongest_char, share, np.log1p(runs)])


def context_features(batch: Batch, proba: np.ndarray, local: np.ndarray) -> np.ndarray:
    """Stage-two input: a paragraph's own evidence, its neighbours', its document's, its shape."""
    own = np.column_stack([_log_odds(proba), local])
    first = batch.position == 0
    last = batch.position == batch.doc_size - 1
    previous = np.roll(own, 1, axis=0)
    following = np.roll(own, -1, axis=0)
    previous[first] = 0
    following[last] = 0
    return np.column_stack(
        [own, previous, following, _per_document(own, batch.doc_index), batch.shape]
    )


@dataclass(frozen=True)
class Scores:
    """What the model says of a batch: label probabilities, character scores, and the features
    its spam reasons are read from (``SpamModel.reasons``)."""

    batch: Batch
    proba: np.ndarray  # (paragraphs, labels), columns in ``LABELS`` order
    features: sp.csr_matrix  # stage one's input, one row per paragraph
    char_scores: np.ndarray  # span tagger's log-odds that each character is injected, flat
    char_logits: np.ndarray  # the same before smoothing
    char_starts: np.ndarray  # where each paragraph's characters start in them

    def characters(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """Smoothed and unsmoothed character log-odds of paragraph ``row``."""
        start, end = self.char_starts[row], self.char_starts[row + 1]
        return self.char_scores[start:end], self.char_logits[start:end]


def tagger_targets(
    paragraphs: list[str], labels: np.ndarray, reasons: np.ndarray, spans: list[list[Span]]
) -> list[list[Span] | None]:
    """What the span tagger learns from each paragraph: its injected spans; all of a keyword
    list; nothing of genuine text or chrome; ``None`` (left out) for other whole-paragraph spam,
    whose characters are ordinary text in a spam role (a headline, a promo sentence)."""
    spam = LABELS.index("spam")
    targets: list[list[Span] | None] = []
    for paragraph, label, reason, injected in zip(paragraphs, labels, reasons, spans):
        if label != spam:
            targets.append([])
        elif injected:
            targets.append(injected)
        elif reason == "keyword_list":
            targets.append([(0, len(paragraph))])
        else:
            targets.append(None)
    return targets


@dataclass
class FirstStage:
    """What a paragraph says on its own: label probabilities from its n-grams and words, and
    the span tagger's character scores."""

    seed: int
    alpha: float

    def fit(
        self, x, y, weight, paragraphs: list[str], targets: list[list[Span] | None]
    ) -> FirstStage:
        self.classifier_ = SparseLogistic(self.alpha, self.seed).fit(x, y, weight)
        # a contiguous copy: gathering from a row of the Fortran-ordered weights is ~5x slower
        self.spam_weights_ = np.ascontiguousarray(self.classifier_.coef_[LABELS.index("spam")])
        genuine = LABELS.index("genuine")
        lm = CharBigramLM().fit([p for p, label in zip(paragraphs, y) if label == genuine])
        chosen = [i for i, t in enumerate(targets) if t is not None]
        self.tagger_ = SpanTagger(lm, seed=self.seed).fit(
            [paragraphs[i] for i in chosen], [targets[i] for i in chosen], weight[chosen]
        )
        return self

    def evidence(self, x, paragraphs: list[str]) -> tuple[np.ndarray, ...]:
        """Label probabilities, local evidence (see ``local_evidence``), character scores
        smoothed and not (flat), and where each paragraph's characters start in them."""
        scores, raw, lengths = self.tagger_.char_scores(paragraphs)
        local = local_evidence(scores, lengths, strongest_feature(x, self.spam_weights_))
        starts = np.concatenate([[0], np.cumsum(lengths)])
        return self.classifier_.predict_proba(x), local, scores, raw, starts


@dataclass
class SpamModel:
    """Paragraph spam model. ``fit`` trains both stages; ``score`` scores a batch."""

    seed: int = 0
    alpha: float = 2e-6
    c_context: float = 1.0
    folds: int = 4
    vectorizer: ParagraphVectorizer = field(default_factory=ParagraphVectorizer)
    labels: tuple[str, ...] = LABELS

    def fit(
        self,
        documents: list[list[str]],
        labels: list[list[str]],
        reasons: list[list[str | None]],
        spans: list[list[list[Span]]],
        weights: list[float],
    ) -> SpamModel:
        """Train on documents given as lists of paragraphs, with a label, a reason and the
        injected spans of each paragraph, and a weight per document."""
        from sklearn.model_selection import GroupKFold

        batch = Batch.from_documents(documents)
        weight = np.asarray(weights, dtype=np.float64)[batch.doc_index]
        y = np.array([self.labels.index(label) for doc in labels for label in doc])
        reason = np.array([r or "" for doc in reasons for r in doc])
        self.vectorizer.fit(batch)
        x = self.vectorizer.transform(batch)
        paragraphs = batch.paragraphs
        targets = tagger_targets(paragraphs, y, reason, [list(s) for doc in spans for s in doc])
        out_of_fold = np.zeros((len(y), len(self.labels)))
        local = np.zeros((len(y), 4))
        for train, test in GroupKFold(n_splits=self.folds).split(x, y, batch.doc_index):
            stage = FirstStage(self.seed, self.alpha).fit(
                x[train], y[train], weight[train], [paragraphs[i] for i in train],
                [targets[i] for i in train],
            )
            proba, local[test], *_ = stage.evidence(x[test], [paragraphs[i] for i in test])
            out_of_fold[test] = proba
        self.first_stage_ = FirstStage(self.seed, self.alpha).fit(
            x, y, weight, paragraphs, targets
        )
        has_reason = np.isin(reason, REASONS)
        self.reason_classifier_ = SparseLogistic(self.alpha, self.seed).fit(
            x[has_reason], reason[has_reason], weight[has_reason]
        )
        self.context_classifier_ = StandardLogistic(self.c_context).fit(
            context_features(batch, out_of_fold, local), y, weight
        )
        return self

    def score(self, documents: list[list[str]]) -> Scores:
        """Class probabilities, reasons and character scores of every paragraph of a batch."""
        batch = Batch.from_documents(documents)
        if not batch.paragraphs:
            empty = np.zeros(0)
            return Scores(batch, np.zeros((0, len(self.labels))), sp.csr_matrix((0, 0)),
                          empty, empty, np.zeros(1, dtype=np.int64))
        x = self.vectorizer.transform(batch)
        proba, local, *characters = self.first_stage_.evidence(x, batch.paragraphs)
        features = context_features(batch, proba, local)
        return Scores(batch, self.context_classifier_.predict_proba(features), x, *characters)

    def reasons(self, scores: Scores, rows: np.ndarray) -> np.ndarray:
        """The likeliest spam reason of each paragraph of ``rows`` (only spam paragraphs have
        one, so the others are not scored); an empty string elsewhere."""
        classes = self.reason_classifier_.classes_
        reasons = np.full(len(scores.proba), "", dtype=classes.dtype)
        if len(rows):
            reasons[rows] = self.reason_classifier_.predict(scores.features[rows])
        return reasons

    def save(self, path: str | Path, sidecar: dict) -> Path:
        """Write the model and its JSON sidecar (``<path>.json``); returns the sidecar path."""
        fields = {"format_version": FORMAT_VERSION, "labels": list(self.labels), **sidecar}
        return save_with_sidecar(self, path, fields, _LIBRARIES)


def read_sidecar(path: str | Path) -> dict:
    """The checked sidecar of a model file; raises ``ModelError`` naming what is wrong."""
    path = Path(path)
    rebuild = f"rebuild it with `python train.py --out {path}`"
    info = checked_sidecar(path, "model", rebuild)
    if info.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"model {path} has format {info.get('format_version')}, this version reads "
            f"{FORMAT_VERSION}; {rebuild}"
        )
    if tuple(info.get("labels", ())) != LABELS:
        raise ModelError(f"model {path} has labels {info.get('labels')}, expected {LABELS}")
    trained_with = info.get("libraries", {}).get("scikit-learn")
    if trained_with and trained_with != metadata.version("scikit-learn"):
        warnings.warn(
            f"model {path} was trained with scikit-learn {trained_with}, "
            f"this is {metadata.version('scikit-learn')}; {rebuild} if scores look wrong",
            stacklevel=2,
        )
    return info


def load_spam_model(path: str | Path) -> tuple[SpamModel, dict]:
    """Load a model after checking its sidecar."""
    info = read_sidecar(path)
    model = joblib.load(path)
    if not isinstance(model, SpamModel):
        raise ModelError(f"{path} holds a {type(model).__name__}, not a SpamModel")
    return model, info
