"""Linear classifiers kept as numpy arrays: scikit-learn trains them, scoring needs only numpy
(so importing the package for scoring does not import scikit-learn)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


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
        from sklearn.linear_model import SGDClassifier

        self.classes_ = np.unique(y)
        if len(self.classes_) == 1:
            self.coef_ = np.zeros((1, x.shape[1]), dtype=np.float32)
            self.intercept_ = np.zeros(1, dtype=np.float32)
            return self
        fitted = SGDClassifier(
            loss="log_loss", alpha=self.alpha, max_iter=self.epochs, tol=None,
            random_state=self.seed,
        ).fit(x, y, sample_weight=weight)
        # Fortran order: ``coef_.T`` is then C-contiguous, which the sparse product reads in place
        self.coef_ = np.asfortranarray(fitted.coef_, dtype=np.float32)
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


class StandardLogistic:
    """Multinomial logistic regression over standardised dense features."""

    def __init__(self, c: float):
        self.c = c

    def fit(self, x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> StandardLogistic:
        from sklearn.linear_model import LogisticRegression

        self.mean_ = x.mean(axis=0)
        self.scale_ = x.std(axis=0)
        self.scale_[self.scale_ == 0] = 1.0
        fitted = LogisticRegression(C=self.c, max_iter=1000)
        fitted.fit((x - self.mean_) / self.scale_, y, sample_weight=weight)
        self.coef_, self.intercept_ = fitted.coef_, fitted.intercept_
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        # einsum, not a BLAS product: these products are small, and BLAS threads only spin
        z = np.einsum("ij,kj->ik", (x - self.mean_) / self.scale_, self.coef_) + self.intercept_
        if z.shape[1] == 1:  # two classes: one column of log-odds for the second
            z = np.hstack([np.zeros_like(z), z])
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)
