"""Choosing the gate's similarity threshold from a labelled set (`migrant-desk translate calibrate-gate`).

The labelled set (tests/data/translation_gate.jsonl) is a small parallel corpus written by hand for this
purpose: service-desk sentences in English and Korean, each with a translation into the languages we serve,
plus two out-of-domain sentences. From it we derive labelled (source, output) pairs:

* good       — the source and its own translation;
* drift      — the source and the translation of the *next* sentence of the corpus (same domain, often sharing
               words such as "14 days": a fluent translation of something else, the hardest case);
* truncated  — the source and the first ~45% of its translation (a model that stopped early);
* unrelated  — the source and an out-of-domain sentence (a hallucination);
* negated    — a few translations with the meaning reversed. Reported, never used to choose the threshold:
               sentence embeddings barely see negation, and we say so instead of hiding it.

The threshold maximises balanced accuracy (mean of the good pass rate and the bad reject rate) over
good vs. drift/truncated/unrelated; among equally good thresholds the middle one is taken (of two, the higher,
i.e. the stricter gate). Leave-one-source-out cross-validation (each source sentence with all its pairs held
out in turn) estimates how it generalises.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .gate import GateCalibration, GateInput, TranslationGate

BAD_CATEGORIES = ("drift", "truncated", "unrelated")
_SPACELESS = {"zh", "ja", "th", "km", "my"}


@dataclass(frozen=True)
class LabelledPair:
    group: str  # id of the source sentence
    category: str  # good | drift | truncated | unrelated | negated
    source: str
    output: str
    target_lang: str

    @property
    def good(self) -> bool:
        return self.category == "good"


def read_parallel(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            row = json.loads(line)
            if not {"id", "lang", "text", "translations"} <= set(row):
                raise ValueError(f"{path}:{n}: needs id, lang, text and translations")
            rows.append(row)
    return rows


def truncate(text: str, lang: str, share: float = 0.45) -> str:
    cut = max(1, int(len(text) * share))
    if lang not in _SPACELESS and " " in text[:cut]:
        cut = text[:cut].rstrip().rfind(" ")
    return text[:cut].strip()


def labelled_pairs(rows: list[dict]) -> list[LabelledPair]:
    in_domain = [r for r in rows if not r["id"].startswith("o")]
    ood = [r for r in rows if r["id"].startswith("o")]
    by_lang: dict[str, list[dict]] = defaultdict(list)
    for r in in_domain:
        by_lang[r["lang"]].append(r)
    pairs = []
    for r in rows:
        for lang, text in r["translations"].items():
            pairs.append(LabelledPair(r["id"], "good", r["text"], text, lang))
        for lang, text in r.get("negated", {}).items():
            pairs.append(LabelledPair(r["id"], "negated", r["text"], text, lang))
    for group in by_lang.values():
        for i, r in enumerate(group):
            nxt = group[(i + 1) % len(group)]
            for lang, text in r["translations"].items():
                if lang in nxt["translations"]:
                    pairs.append(LabelledPair(r["id"], "drift", r["text"], nxt["translations"][lang], lang))
                pairs.append(LabelledPair(r["id"], "truncated", r["text"], truncate(text, lang), lang))
                other = ood[i % len(ood)] if ood else None
                if other and lang in other["translations"]:
                    pairs.append(LabelledPair(r["id"], "unrelated", r["text"], other["translations"][lang], lang))
    return pairs


def balanced_accuracy(scores: Sequence[float], good: Sequence[bool], threshold: float) -> float:
    pos = [s >= threshold for s, g in zip(scores, good) if g]
    neg = [s < threshold for s, g in zip(scores, good) if not g]
    return (sum(pos) / max(len(pos), 1) + sum(neg) / max(len(neg), 1)) / 2


def choose_threshold(scores: Sequence[float], good: Sequence[bool]) -> float:
    values = sorted(set(scores))
    candidates = [(a + b) / 2 for a, b in zip(values, values[1:])] or values
    # one sweep: how many good / bad scores lie below each candidate
    ordered = sorted(zip(scores, good))
    n_good = sum(good) or 1
    n_bad = (len(good) - sum(good)) or 1
    accuracies, i, good_below, bad_below = [], 0, 0, 0
    for t in candidates:
        while i < len(ordered) and ordered[i][0] < t:
            good_below += ordered[i][1]
            bad_below += not ordered[i][1]
            i += 1
        accuracies.append(((n_good - good_below) / n_good + bad_below / n_bad) / 2)
    best = max(accuracies)
    ties = [t for t, a in zip(candidates, accuracies) if a >= best - 1e-12]
    return ties[len(ties) // 2]


def cross_validate(pairs: Sequence[LabelledPair], scores: Sequence[float]) -> float:
    """Leave-one-source-out: fit on the other sources, count right decisions on the held-out one."""
    right = total = 0
    groups = sorted({p.group for p in pairs})
    for held in groups:
        train = [(s, p.good) for p, s in zip(pairs, scores) if p.group != held]
        t = choose_threshold([s for s, _ in train], [g for _, g in train])
        for p, s in zip(pairs, scores):
            if p.group == held:
                right += (s >= t) == p.good
                total += 1
    return right / max(total, 1)


def rate(flags: Sequence[bool]) -> float:
    return round(sum(flags) / max(len(flags), 1), 4)


def fit(gate: TranslationGate, parallel_path: Path, model_id: str) -> tuple[GateCalibration, dict]:
    """Returns the calibration (kind and threshold chosen) and a report of everything measured."""
    rows = read_parallel(parallel_path)
    all_pairs = labelled_pairs(rows)
    fitting = [p for p in all_pairs if p.category != "negated"]
    report: dict = {"pairs": {c: sum(p.category == c for p in all_pairs)
                              for c in ("good", *BAD_CATEGORIES, "negated")}}
    best: tuple[float, str, float] | None = None
    scores_by_kind: dict[str, list[float]] = {}
    for kind in ("query", "passage"):
        gate.calibration = GateCalibration(kind=kind)
        scores = gate.similarities([(p.source, p.output) for p in all_pairs])
        scores_by_kind[kind] = scores
        fit_scores = [s for p, s in zip(all_pairs, scores) if p.category != "negated"]
        threshold = choose_threshold(fit_scores, [p.good for p in fitting])
        cv = cross_validate(fitting, fit_scores)
        report[kind] = {"threshold": round(threshold, 4),
                        "balanced_accuracy": round(balanced_accuracy(fit_scores, [p.good for p in fitting],
                                                                     threshold), 4),
                        "cross_validated_accuracy": round(cv, 4),
                        "median_score": {c: round(statistics.median(s for p, s in zip(all_pairs, scores)
                                                                    if p.category == c), 4)
                                         for c in ("good", *BAD_CATEGORIES, "negated")}}
        # prefer "query" (see gate.py) unless "passage" is clearly better out of sample
        key = cv + (0.01 if kind == "query" else 0.0)
        if best is None or key > best[0]:
            best = (key, kind, threshold)
    assert best is not None
    _, kind, threshold = best
    scores = scores_by_kind[kind]
    per_category = {c: rate([(s >= threshold) == (c == "good") for p, s in zip(all_pairs, scores)
                             if p.category == c]) for c in ("good", *BAD_CATEGORIES, "negated")}
    per_language = {lang: rate([s >= threshold for p, s in zip(all_pairs, scores)
                                if p.good and p.target_lang == lang])
                    for lang in sorted({p.target_lang for p in all_pairs})}
    fit_scores = [s for p, s in zip(all_pairs, scores) if p.category != "negated"]
    calibration = GateCalibration(
        kind=kind, threshold=round(threshold, 4), model_id=model_id,
        tuned_on=f"{parallel_path.name}: {report['pairs']['good']} good and "
                 f"{sum(report['pairs'][c] for c in BAD_CATEGORIES)} bad pairs from {len(rows)} sentences",
        method="similarity threshold maximising balanced accuracy of good vs drift/truncated/unrelated pairs; "
               "middle of the tied optimum; see migrant_desk/translation/calibrate.py",
        good_pass_rate=per_category["good"],
        bad_reject_rate=rate([s < threshold for p, s in zip(fitting, fit_scores) if not p.good]),
        cross_validated_accuracy=round(cross_validate(fitting, fit_scores), 4),
        per_category=per_category,
    )
    # The whole gate (failure detectors + threshold), as it runs in the service.
    gate.calibration = calibration
    verdicts = gate.check_many([GateInput(p.source, p.output, p.target_lang) for p in all_pairs])
    report["chosen"] = {"kind": kind, "threshold": calibration.threshold,
                        "similarity_only": per_category, "good_pass_rate_by_language": per_language,
                        "full_gate": {c: rate([v.passed == (c == "good") for p, v in zip(all_pairs, verdicts)
                                               if p.category == c])
                                      for c in ("good", *BAD_CATEGORIES, "negated")}}
    return calibration, report
