"""Fit the retrieval fusion and the three-band gate (see retrieval.py and abstention.py) on tuning queries.

Everything is fitted on the tune split only, in this order:
1. The lexical weight per query language: the value of LEXICAL_GRID with the best MRR@10 on that language's
   tuning questions (ties go to the smaller weight; 0 switches the lexical channel off for that language).
2. The usual best cosine of a right top entry per language pair (query language > matched language), shrunk
   towards the same-language or cross-language mean: e5's cosine level depends on the pair, so the gate reads
   a cosine relative to its pair rather than a raw one.
3. The gate: a logistic model of "the top entry is right" (a null expected answer, or a wrong top entry, should
   not be answered) over FEATURES, fitted on the tuning questions asked of several knowledge bases at once:
   the given one, and the same entries with only their Korean, and only their English variants. A gate fitted
   on one knowledge base's score levels did not carry over to another (issue 10); pooling makes it see both.
   5-fold cross-validated accuracy is reported.
4. The bands: `threshold` (answer, framed as a guess) is 0.5; `high_from` is the lowest probability at which
   the tuning answers at or above it are right at least HIGH_PRECISION of the time.
`migrant-desk eval` then reports every figure on the report split and on knowledge bases the gate was not
fitted on (README).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .abstention import FEATURES, Calibration, probability_right
from .evaluation import Query
from .index import build
from .knowledge_base import Entry, normalise_text
from .retrieval import (DEFAULT_CROSS_LANG_COSINE, DEFAULT_SAME_LANG_COSINE, FusionParams, Retrieved,
                        Retriever)
from .service import DeskService

LEXICAL_GRID = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5)
PAIR_SHRINK = 5  # pseudo-count towards the same-/cross-language mean for pairs with few tuning questions
FOLDS = 5
L2 = 1.0
THRESHOLD = 0.5
HIGH_PRECISION = 0.9


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


def restricted(entries: Sequence[Entry], langs: set[str]) -> list[Entry]:
    """The same entries with only the variants in `langs` (entries with none of them are left out)."""
    out = []
    for e in entries:
        kept = {l: v for l, v in e.translations.items() if l in langs}
        if kept:
            out.append(e.model_copy(update={"translations": kept}))
    return out


def _mrr(retrieved: list[Retrieved], queries: Sequence[Query]) -> float:
    total = 0.0
    for r, q in zip(retrieved, queries):
        ranks = [i for i, c in enumerate(r.candidates[:10]) if q.is_right(c.entry_id)]
        total += 1.0 / (ranks[0] + 1) if ranks else 0.0
    return total / max(len(queries), 1)


def _lexical_weights(retriever: Retriever, vectors, queries: Sequence[Query], langs: list[str]) -> dict[str, float]:
    weights = {}
    for lang in langs:
        rows = [i for i, q in enumerate(queries) if q.lang == lang and q.expected is not None]
        if not rows:
            continue
        best = (-1.0, 0.0)
        for w in LEXICAL_GRID:
            params = FusionParams({lang: w})
            got = [retriever.retrieve(vectors[i], queries[i].text, lang, params) for i in rows]
            score = round(_mrr(got, [queries[i] for i in rows]), 4)
            if score > best[0]:
                best = (score, w)
        weights[lang] = best[1]
    return weights


def _pair_cosines(retrieved: list[Retrieved], queries: Sequence[Query]) -> tuple[dict[str, float], float, float]:
    pairs: dict[str, list[float]] = {}
    for r, q in zip(retrieved, queries):
        top = r.candidates[0] if r.candidates else None
        if top is not None and q.is_right(top.entry_id) and np.isfinite(top.best_cosine):
            pairs.setdefault(f"{r.lang}>{top.matched_lang}", []).append(top.best_cosine)
    same = [c for k, v in pairs.items() if k.split(">")[0] == k.split(">")[1] for c in v]
    cross = [c for k, v in pairs.items() if k.split(">")[0] != k.split(">")[1] for c in v]
    same_mean = float(np.mean(same)) if same else DEFAULT_SAME_LANG_COSINE
    cross_mean = float(np.mean(cross)) if cross else DEFAULT_CROSS_LANG_COSINE
    table = {}
    for key, values in pairs.items():
        prior = same_mean if key.split(">")[0] == key.split(">")[1] else cross_mean
        table[key] = round((sum(values) + PAIR_SHRINK * prior) / (len(values) + PAIR_SHRINK), 6)
    return table, round(same_mean, 6), round(cross_mean, 6)


def fit(service: DeskService, queries: Sequence[Query], tuned_on: str) -> Calibration:
    vectors = service.embedder.embed([normalise_text(q.text) for q in queries], "query")
    entries = list(service.entries.values())
    langs = sorted({q.lang for q in queries if q.lang})
    main = service.snapshot.retriever
    lexical_weights = _lexical_weights(main, vectors, queries, langs)
    zero_pairs = FusionParams(lexical_weights)
    retrieved = [main.retrieve(v, q.text, q.lang or service.default_lang, zero_pairs)
                 for v, q in zip(vectors, queries)]
    pair_cosine, same_cos, cross_cos = _pair_cosines(retrieved, queries)
    fusion = FusionParams(lexical_weights, pair_cosine, same_cos, cross_cos)
    retrievers = [main] + [Retriever(kb, build(kb, service.embedder)) for kb in
                           (restricted(entries, {"ko"}), restricted(entries, {"en"}))]
    rows, y = [], []
    for retriever in retrievers:
        for v, q in zip(vectors, queries):
            r = retriever.retrieve(v, q.text, q.lang or service.default_lang, fusion)
            rows.append([r.features[name] for name in FEATURES])
            y.append(float(bool(r.candidates) and q.is_right(r.candidates[0].entry_id)))
    x, target = np.array(rows), np.array(y)
    mean, scale, weights, bias = _fit(x, target)
    cal = Calibration(
        features=list(FEATURES), mean=mean.round(6).tolist(), scale=scale.round(6).tolist(),
        weights=weights.round(6).tolist(), bias=round(bias, 6), threshold=THRESHOLD, high_from=THRESHOLD,
        lexical_weights=lexical_weights, pair_cosine=pair_cosine, same_lang_cosine=same_cos,
        cross_lang_cosine=cross_cos, model_id=service.embedder.model_id, tuned_on=tuned_on,
        cross_validated_accuracy=round(_cross_validated(x, target), 4),
    )
    p = _predict(x, mean, scale, weights, bias)
    cal.tuning_accuracy = round(float(((p >= THRESHOLD) == (target == 1)).mean()), 4)
    cal.high_from = _high_from(p, target)
    return cal


def _high_from(p: np.ndarray, y: np.ndarray) -> float:
    """The lowest cut-off >= THRESHOLD at which the answers at or above it are right HIGH_PRECISION of the time."""
    for cut in np.round(np.arange(THRESHOLD, 0.99, 0.01), 2):
        shown = p >= cut
        if shown.sum() >= 20 and y[shown].mean() >= HIGH_PRECISION:
            return float(cut)
    return 0.99


__all__ = ["fit", "restricted", "probability_right"]
