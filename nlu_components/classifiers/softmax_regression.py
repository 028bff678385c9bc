"""Multinomial logistic regression fitted by L-BFGS on a design matrix split into dense and sparse columns.

Why not ``sklearn.linear_model.LogisticRegression.fit``: it takes one CSR matrix,
so the sentence-embedding columns (full in every row, most of the non-zeros) go
through SciPy's single-threaded sparse product twice per iteration: about 0.4 s
an iteration, about 60 s a fit on this project's training data, and training
fits twice. Here the mostly-full columns are a NumPy array multiplied through
BLAS and only the n-gram columns stay sparse.

The objective is scikit-learn 1.1's for ``LogisticRegression(C=C)`` with the
lbfgs solver, written out: the summed softmax cross-entropy plus
``||W||^2 / (2 C)``, intercepts unpenalised, from zero, minimised by SciPy's
L-BFGS-B with the same ``gtol`` and ``maxiter``. With two classes it is
scikit-learn's binomial model (one free row, the other fixed at zero), so the
fitted weights match ``LogisticRegression``'s up to the optimiser's tolerance;
``tests/unit/test_softmax_regression.py`` holds it to that.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.optimize
import scipy.sparse

logger = logging.getLogger(__name__)

# A column filled in at least this share of rows is multiplied as a dense array.
DENSE_COLUMN_SHARE = 0.25


@dataclass(frozen=True)
class SoftmaxFit:
    """Fitted weights in softmax form: ``coefficients`` is (classes x features), one row and intercept per class.

    For three or more classes that is scikit-learn's ``coef_``; for two, its single row is class 1's and class 0's
    row is zeros, so a caller never has to tell the cases apart.
    """

    coefficients: np.ndarray
    intercepts: np.ndarray
    classes: list[str]
    iterations: int
    converged: bool


@dataclass(frozen=True)
class SplitDesign:
    """The design matrix as its mostly-full columns (dense) and the rest (CSR), with where each came from."""

    dense: np.ndarray
    sparse: scipy.sparse.csr_matrix
    dense_columns: np.ndarray
    sparse_columns: np.ndarray

    @classmethod
    def from_matrix(cls, features: scipy.sparse.spmatrix, dense_share: float = DENSE_COLUMN_SHARE) -> SplitDesign:
        csc = scipy.sparse.csc_matrix(features, dtype=np.float64)
        filled = np.diff(csc.indptr) / max(csc.shape[0], 1)
        dense_columns = np.flatnonzero(filled >= dense_share)
        sparse_columns = np.flatnonzero(filled < dense_share)
        return cls(
            dense=np.ascontiguousarray(csc[:, dense_columns].toarray()),
            sparse=csc[:, sparse_columns].tocsr(),
            dense_columns=dense_columns,
            sparse_columns=sparse_columns,
        )

    def times(self, weights: np.ndarray) -> np.ndarray:
        """X @ W for W stacked as (dense columns' rows, then sparse columns' rows)."""
        split = len(self.dense_columns)
        return self.dense @ weights[:split] + self.sparse @ weights[split:]

    def transposed_times(self, residuals: np.ndarray) -> np.ndarray:
        """X.T @ R, stacked the same way as ``times`` expects W."""
        return np.vstack([self.dense.T @ residuals, np.asarray(self.sparse.T @ residuals)])

    def unstack(self, stacked: np.ndarray) -> np.ndarray:
        """Rows of a stacked (features x k) array back in the original column order."""
        original = np.empty_like(stacked)
        original[np.concatenate([self.dense_columns, self.sparse_columns])] = stacked
        return original


def fit_softmax_regression(
    features: scipy.sparse.spmatrix, labels: Sequence[str], C: float, max_iter: int, tol: float = 1e-4
) -> SoftmaxFit:
    """Fit on (examples x features) and string labels; see the module docstring for the objective."""
    classes, targets = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"Logistic regression needs at least two intents, got {len(classes)}")
    design = SplitDesign.from_matrix(features)
    n_examples, n_features = features.shape
    # Two classes: scikit-learn's binomial model, i.e. the first class's scores fixed at zero.
    free_classes = 1 if len(classes) == 2 else len(classes)
    one_hot = np.zeros((n_examples, len(classes)))
    one_hot[np.arange(n_examples), targets] = 1.0
    penalty = 1.0 / C

    def unpack(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        weights = theta[: n_features * free_classes].reshape(n_features, free_classes)
        return weights, theta[n_features * free_classes :]

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        weights, intercepts = unpack(theta)
        free_scores = design.times(weights) + intercepts
        scores = free_scores if free_classes > 1 else np.hstack([np.zeros((n_examples, 1)), free_scores])
        top = scores.max(axis=1, keepdims=True)
        log_normaliser = top + np.log(np.exp(scores - top).sum(axis=1, keepdims=True))
        loss = float((log_normaliser.ravel() - scores[np.arange(n_examples), targets]).sum())
        loss += 0.5 * penalty * float(np.dot(weights.ravel(), weights.ravel()))
        residuals = np.exp(scores - log_normaliser) - one_hot
        free_residuals = residuals if free_classes > 1 else residuals[:, 1:]
        gradient_weights = design.transposed_times(free_residuals) + penalty * weights
        return loss, np.concatenate([gradient_weights.ravel(), free_residuals.sum(axis=0)])

    result = scipy.optimize.minimize(
        loss_and_gradient,
        np.zeros(n_features * free_classes + free_classes),
        method="L-BFGS-B",
        jac=True,
        options={"gtol": tol, "maxiter": max_iter},
    )
    if not result.success:
        logger.warning("Logistic regression did not converge in %d iterations: %s", result.nit, result.message)
    stacked_weights, intercepts = unpack(result.x)
    coefficients = design.unstack(stacked_weights).T
    if free_classes == 1:  # the binomial model's fixed class 0, as a softmax row of zeros
        coefficients = np.vstack([np.zeros_like(coefficients), coefficients])
        intercepts = np.concatenate([[0.0], intercepts])
    return SoftmaxFit(
        coefficients=np.ascontiguousarray(coefficients),
        intercepts=np.asarray(intercepts).copy(),
        classes=[str(c) for c in classes],
        iterations=int(result.nit),
        converged=bool(result.success),
    )
