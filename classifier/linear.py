"""A linear classifier for wide hashed feature spaces."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import SGDClassifier


class SparseLogistic:
    """Logistic regression trained by SGD (seeded, single-threaded, so deterministic), kept as
    float32 weights over the full hashed width so scoring is one sparse matrix product."""

    def __init__(self, alpha: float, seed: int, epochs: int = 30):
        self.alpha = alpha
        self.seed = seed
        self.epochs = epochs

    def fit(
        self, x: sp.csr_matrix, y: np.ndarray, weight: np.ndarray | None = None
    ) -> SparseLogistic:
        self.classes_ = np.unique(y)
        if len(self.classes_) == 1:
            self.coef_ = np.zeros((1, x.shape[1]), dtype=np.float32)
            self.intercept_ = np.zeros(1, dtype=np.float32)
            return self
        fitted = SGDClassifier(
            loss="log_loss", alpha=self.alpha, max_iter=self.epochs, tol=None,
            random_state=self.seed,
        ).fit(x, y, sample_weight=weight)
        self.coef_ = fitted.coef_.astype(np.float32)
        self.intercept_ = fitted.intercept_.astype(np.float32)
        return self

    def decision_function(self, x: sp.csr_matrix) -> np.ndarray:
        return np.asarray(x @ self.coef_.T) + self.intercept_

    def predict_proba(self, x: sp.csr_matrix) -> np.ndarray:
        if len(self.classes_) == 1:
            return np.ones((x.shape[0], 1))
        positive = 1 / (1 + np.exp(-self.decision_function(x).astype(np.float64)))
        if positive.shape[1] == 1:
            return np.hstack([1 - positive, positive])
        return positive / positive.sum(axis=1, keepdims=True)  # one-vs-rest, normalised

    def predict(self, x: sp.csr_matrix) -> np.ndarray:
        return self.classes_[self.predict_proba(x).argmax(axis=1)]
