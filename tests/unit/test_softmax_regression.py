"""The split dense/sparse logistic-regression fit optimises scikit-learn's objective: same weights, same predictions."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from sklearn.linear_model import LogisticRegression

from nlu_components.classifiers.softmax_regression import SplitDesign, fit_softmax_regression


def mixed_design(n_classes: int, seed: int = 3) -> tuple[scipy.sparse.csr_matrix, list[str]]:
    """Rows like the classifier's: a full 'embedding' block beside rare 'n-gram' counts, labels tied to both."""
    rng = np.random.default_rng(seed)
    n_examples = 60 * n_classes
    labels = rng.integers(0, n_classes, n_examples)
    centres = rng.normal(size=(n_classes, 8))
    embedding = centres[labels] + rng.normal(scale=1.5, size=(n_examples, 8))
    ngrams = (rng.random((n_examples, 40)) < 0.05).astype(float)
    ngrams[np.arange(n_examples), labels] += rng.random(n_examples) < 0.5  # a column that hints at the label
    features = scipy.sparse.csr_matrix(np.hstack([ngrams[:, :20], embedding, ngrams[:, 20:]]))
    return features, [f"intent_{label}" for label in labels]


def test_the_split_keeps_full_columns_dense_and_puts_products_back_in_column_order() -> None:
    features, _ = mixed_design(3)
    design = SplitDesign.from_matrix(features)
    assert design.dense_columns.tolist() == list(range(20, 28))
    weights = np.random.default_rng(0).normal(size=(features.shape[1], 3))
    stacked = weights[np.concatenate([design.dense_columns, design.sparse_columns])]
    assert np.allclose(design.times(stacked), features @ weights)
    residuals = np.random.default_rng(1).normal(size=(features.shape[0], 3))
    assert np.allclose(design.unstack(design.transposed_times(residuals)), features.T @ residuals)


@pytest.mark.parametrize("n_classes", [2, 4])
def test_the_fit_reaches_scikit_learns_optimum(n_classes: int) -> None:
    features, labels = mixed_design(n_classes)
    reference = LogisticRegression(C=4.0, max_iter=5000, tol=1e-9).fit(features, labels)
    fit = fit_softmax_regression(features, labels, C=4.0, max_iter=5000, tol=1e-9)
    assert fit.converged
    assert fit.classes == list(reference.classes_)
    assert fit.coefficients.shape == (n_classes, features.shape[1])
    if n_classes == 2:  # scikit-learn's one binomial row is class 1's; class 0's softmax row is zeros
        assert not fit.coefficients[0].any() and fit.intercepts[0] == 0.0
        coefficients, intercepts = fit.coefficients[1:], fit.intercepts[1:]
    else:
        coefficients, intercepts = fit.coefficients, fit.intercepts
    assert np.allclose(coefficients, reference.coef_, atol=1e-5)
    assert np.allclose(intercepts, reference.intercept_, atol=1e-5)
    scores = np.asarray(features @ fit.coefficients.T + fit.intercepts)
    assert [fit.classes[w] for w in scores.argmax(axis=1)] == list(reference.predict(features))


def test_at_the_default_tolerance_it_predicts_as_scikit_learn_does() -> None:
    features, labels = mixed_design(5, seed=11)
    reference = LogisticRegression(C=16.0, max_iter=3000).fit(features, labels)
    fit = fit_softmax_regression(features, labels, C=16.0, max_iter=3000)
    probabilities = reference.predict_proba(features)
    scores = np.asarray(features @ fit.coefficients.T + fit.intercepts)
    ours = np.exp(scores - scores.max(axis=1, keepdims=True))
    ours /= ours.sum(axis=1, keepdims=True)
    assert np.abs(ours - probabilities).max() < 1e-3


def test_one_intent_is_refused_by_name() -> None:
    features, _ = mixed_design(2)
    with pytest.raises(ValueError, match="at least two intents"):
        fit_softmax_regression(features, ["only"] * features.shape[0], C=1.0, max_iter=10)


def test_a_fit_cut_short_says_so(caplog: pytest.LogCaptureFixture) -> None:
    features, labels = mixed_design(3)
    fit = fit_softmax_regression(features, labels, C=16.0, max_iter=2)
    assert not fit.converged and fit.iterations == 2
    assert "did not converge in 2 iterations" in caplog.text
