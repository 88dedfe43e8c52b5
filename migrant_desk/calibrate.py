"""Fit the abstention gate (see abstention.py) on labelled tuning queries.

The target is "the top entry is the expected one": a query whose expected answer is null, or whose top entry is
wrong, should be abstained on (a wrong answer about a visa costs more than an honest "not sure"). Candidate
feature sets are compared by 5-fold cross-validated decision accuracy on the tuning queries; the best is refit
on all of them with L2-regularised logistic regression (plain numpy; no extra dependency). The threshold on the
probability is 0.5: the point where answering and abstaining are equally likely to be right.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .abstention import Calibration, feature_vector
from .evaluation import Query
from .knowledge_base import normalise_text
from .service import DeskService

FEATURE_SETS: tuple[tuple[str, ...], ...] = (
    ("zscore",),
    ("top_score",),
    ("best_cosine",),
    ("zscore", "best_cosine"),
    ("zscore", "best_cosine", "margin"),
    ("zscore", "top_score", "best_cosine", "margin"),
)
FOLDS = 5
L2 = 1.0
THRESHOLD = 0.5


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = 500) -> tuple[np.ndarray, float]:
    """Newton's method on the L2-regularised log-loss (the intercept is not penalised)."""
    xb = np.c_[np.ones(len(x)), x]
    w = np.zeros(xb.shape[1])
    penalty = np.r_[0.0, np.full(x.shape[1], l2)]
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) + penalty * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[1:], float(w[0])


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    weights, bias = fit_logistic((x - mean) / scale, y)
    return mean, scale, weights, bias


def _predict(x: np.ndarray, mean, scale, weights, bias) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(((x - mean) / scale) @ weights + bias)))


def _cross_validated(x: np.ndarray, y: np.ndarray) -> float:
    right = 0
    for k in range(FOLDS):
        held = np.arange(len(y)) % FOLDS == k
        params = _fit(x[~held], y[~held])
        right += int(((_predict(x[held], *params) >= THRESHOLD) == (y[held] == 1)).sum())
    return right / len(y)


def fit(service: DeskService, queries: Sequence[Query], tuned_on: str) -> Calibration:
    vectors = service.embedder.embed([normalise_text(q.text) for q in queries], "query")
    rankings = [service.index.search(v, k=len(service.entries)) for v in vectors]
    y = np.array([q.expected is not None and hits[0].entry_id == q.expected for q, hits in zip(queries, rankings)],
                 dtype=np.float64)
    best: tuple[float, Calibration] | None = None
    for names in FEATURE_SETS:
        x = np.array([feature_vector(hits, names) for hits in rankings])
        cv = _cross_validated(x, y)
        if best is not None and cv <= best[0]:
            continue
        mean, scale, weights, bias = _fit(x, y)
        p = _predict(x, mean, scale, weights, bias)
        best = (cv, Calibration(
            features=list(names), mean=mean.round(6).tolist(), scale=scale.round(6).tolist(),
            weights=weights.round(6).tolist(), bias=round(bias, 6), threshold=THRESHOLD,
            model_id=service.embedder.model_id, tuned_on=tuned_on,
            tuning_accuracy=round(float(((p >= THRESHOLD) == (y == 1)).mean()), 4),
            cross_validated_accuracy=round(cv, 4),
        ))
    assert best is not None
    return best[1]
