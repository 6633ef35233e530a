"""The trained object: a paragraph model, a context model over its neighbours, save and load.

Stage one scores each paragraph from its own text (``ParagraphVectorizer`` → logistic
regression). Stage two rescores it from stage one's log-odds of the paragraph, its neighbours
and its whole document, so a headline inside a list of spam headlines, or a novel paragraph on a
page full of novel, is judged in context. Stage two is trained on out-of-fold stage-one scores,
grouped by document, so it never learns from scores the first stage made on its own training rows.
"""

from __future__ import annotations

import hashlib
import json
import platform
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from .features import Batch, shape_features
from .linear import SparseLogistic
from .vectorize import ParagraphVectorizer

LABELS = ("genuine", "spam", "boilerplate")
REASONS = ("keyword_list", "headline_list", "injected_keywords", "spliced_text", "promotion")
FORMAT_VERSION = 1
_LIBRARIES = ("scikit-learn", "numpy", "scipy", "rjieba", "jieba", "opencc")


class ModelError(RuntimeError):
    """A model file that cannot be used: missing, corrupt, or not matching its sidecar."""


def _log_odds(proba: np.ndarray) -> np.ndarray:
    clipped = np.clip(proba, 1e-4, 1 - 1e-4)
    return np.log(clipped / (1 - clipped))


def context_features(batch: Batch, proba: np.ndarray) -> np.ndarray:
    """Stage-two input: a paragraph's own scores, its neighbours', its document's, its shape."""
    own = _log_odds(proba)
    first = batch.position == 0
    last = batch.position == batch.doc_size - 1
    previous = np.roll(own, 1, axis=0)
    following = np.roll(own, -1, axis=0)
    previous[first] = 0
    following[last] = 0
    sizes = np.bincount(batch.doc_index).astype(np.float64)
    doc_mean = np.stack(
        [np.bincount(batch.doc_index, weights=own[:, k]) for k in range(own.shape[1])], axis=1
    ) / sizes[:, None]
    doc_max = np.full(len(sizes), -np.inf)
    np.maximum.at(doc_max, batch.doc_index, own[:, 1])
    return np.column_stack(
        [
            own,
            previous,
            following,
            first,
            last,
            doc_mean[batch.doc_index],
            doc_max[batch.doc_index],
            shape_features(batch),
        ]
    )


@dataclass(frozen=True)
class Scores:
    """What the model says of a batch: probabilities per label and a reason per paragraph."""

    batch: Batch
    proba: np.ndarray  # (paragraphs, labels), columns in ``LABELS`` order
    reasons: np.ndarray  # likeliest spam reason of each paragraph (used where it is spam)


@dataclass
class SpamModel:
    """Paragraph spam model. ``fit`` trains both stages; ``proba`` scores a batch."""

    seed: int = 0
    c_paragraph: float = 20.0
    c_context: float = 1.0
    folds: int = 5
    vectorizer: ParagraphVectorizer = field(default_factory=ParagraphVectorizer)
    labels: tuple[str, ...] = LABELS

    def _paragraph_classifier(self) -> SparseLogistic:
        return SparseLogistic(self.c_paragraph, self.seed)

    def fit(
        self, documents: list[list[str]], labels: list[list[str]], reasons: list[list[str | None]]
    ) -> SpamModel:
        """Train on documents given as lists of paragraphs, one label and reason per paragraph."""
        batch = Batch.from_documents(documents)
        y = np.array([self.labels.index(label) for doc in labels for label in doc])
        reason = np.array([r or "" for doc in reasons for r in doc])
        self.vectorizer.fit(batch)
        x = self.vectorizer.transform(batch)
        out_of_fold = np.zeros((len(y), len(self.labels)))
        for train, test in GroupKFold(n_splits=self.folds).split(x, y, batch.doc_index):
            fold_model = self._paragraph_classifier().fit(x[train], y[train])
            out_of_fold[test] = fold_model.predict_proba(x[test])
        self.paragraph_classifier_ = self._paragraph_classifier().fit(x, y)
        has_reason = np.isin(reason, REASONS)
        self.reason_classifier_ = self._paragraph_classifier().fit(
            x[has_reason], reason[has_reason]
        )
        self.context_classifier_ = LogisticRegression(
            C=self.c_context, max_iter=2000, random_state=self.seed
        ).fit(context_features(batch, out_of_fold), y)
        return self

    def score(self, documents: list[list[str]]) -> Scores:
        """Class probabilities and the likeliest spam reason of every paragraph of a batch."""
        batch = Batch.from_documents(documents)
        if not batch.paragraphs:
            return Scores(batch, np.zeros((0, len(self.labels))), np.zeros(0, dtype=object))
        x = self.vectorizer.transform(batch)
        first_stage = self.paragraph_classifier_.predict_proba(x)
        proba = self.context_classifier_.predict_proba(context_features(batch, first_stage))
        return Scores(batch, proba, self.reason_classifier_.predict(x))

    def save(self, path: str | Path, sidecar: dict) -> Path:
        """Write the model and its JSON sidecar (``<path>.json``); returns the sidecar path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path, compress=3)
        info = {
            "format_version": FORMAT_VERSION,
            "labels": list(self.labels),
            "model_sha256": _sha256(path),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "libraries": {name: metadata.version(name) for name in _LIBRARIES},
            **sidecar,
        }
        sidecar_path = sidecar_path_of(path)
        sidecar_path.write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", "utf-8")
        return sidecar_path


def sidecar_path_of(path: Path) -> Path:
    return path.with_suffix(".json")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_sidecar(path: str | Path) -> dict:
    """The checked sidecar of a model file; raises ``ModelError`` naming what is wrong."""
    path = Path(path)
    rebuild = "rebuild it with `python train.py --out {}`".format(path)
    sidecar_path = sidecar_path_of(path)
    if not path.is_file():
        raise ModelError(f"no model file at {path}; {rebuild}")
    if not sidecar_path.is_file():
        raise ModelError(f"model {path} has no sidecar {sidecar_path}; {rebuild}")
    info = json.loads(sidecar_path.read_text("utf-8"))
    if info.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"model {path} has format {info.get('format_version')}, this version reads "
            f"{FORMAT_VERSION}; {rebuild}"
        )
    if info.get("model_sha256") != _sha256(path):
        raise ModelError(f"model {path} does not match the hash in {sidecar_path}; {rebuild}")
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
