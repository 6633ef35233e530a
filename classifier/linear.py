"""A linear classifier for wide hashed feature spaces."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression


class SparseLogistic:
    """Logistic regression fitted on the hashed columns the training rows use, then spread back
    to the full hashed width for scoring: same model, several times faster to train."""

    def __init__(self, c: float, seed: int):
        self.c = c
        self.seed = seed

    def fit(self, x: sp.csr_matrix, y: np.ndarray) -> SparseLogistic:
        self.classes_ = np.unique(y)
        rows = 1 if len(self.classes_) <= 2 else len(self.classes_)
        self.coef_ = np.zeros((rows, x.shape[1]), dtype=np.float32)
        self.intercept_ = np.zeros(len(self.coef_), dtype=np.float32)
        if len(self.classes_) > 1:
            active = np.unique(x.indices)
            fitted = LogisticRegression(C=self.c, max_iter=3000, random_state=self.seed)
            fitted.fit(x[:, active], y)
            self.coef_[:, active] = fitted.coef_
            self.intercept_[:] = fitted.intercept_
        return self

    def decision_function(self, x: sp.csr_matrix) -> np.ndarray:
        return np.asarray(x @ self.coef_.T) + self.intercept_

    def predict_proba(self, x: sp.csr_matrix) -> np.ndarray:
        if len(self.classes_) == 1:
            return np.ones((x.shape[0], 1))
        z = self.decision_function(x).astype(np.float64)
        if z.shape[1] == 1:
            positive = 1 / (1 + np.exp(-z))
            return np.hstack([1 - positive, positive])
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, x: sp.csr_matrix) -> np.ndarray:
        return self.classes_[self.predict_proba(x).argmax(axis=1)]
