"""When to answer and when to say "I'm not sure": the probability that the top entry is right.

Why not one cosine cut-off: e5 packs cosines into a narrow band, and cross-lingual scores sit well below
same-language ones, so a cut-off that suits Korean questions abstains on nearly every Thai one. The gate is a
small logistic model over features that travel across languages (how far the top entry stands out from all
entries, in standard deviations; the raw cosine of its best-matching text; the margin to the runner-up). It is
fitted by `migrant-desk calibrate` on the tuning half of tests/data/dev_queries.jsonl only (calibrate.py says
how), and it answers when the estimated probability that the top entry is right reaches the threshold.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, model_validator

from .index import EntryHit

Band = Literal["high", "medium", "low"]


def _zscore(hits: Sequence[EntryHit]) -> float:
    scores = np.array([h.score for h in hits], dtype=np.float64)
    return float((scores[0] - scores.mean()) / (scores.std() + 1e-6))


def _margin(hits: Sequence[EntryHit]) -> float:
    return hits[0].score - hits[1].score if len(hits) > 1 else hits[0].score


FEATURES: dict[str, Callable[[Sequence[EntryHit]], float]] = {
    "zscore": _zscore,
    "top_score": lambda hits: hits[0].score,
    "margin": _margin,
    "best_cosine": lambda hits: hits[0].best_cosine,
}


class Calibration(BaseModel):
    features: list[str] = ["zscore", "best_cosine"]
    mean: list[float] = [0.0, 0.0]
    scale: list[float] = [1.0, 1.0]
    weights: list[float] = [1.0, 1.0]
    bias: float = 0.0
    threshold: float = 0.5  # answer when P(top entry right) >= threshold
    high_from: float = 0.75  # P at or above this is "high" confidence; between threshold and this, "medium"
    model_id: str = ""
    tuned_on: str = "uncalibrated default"
    tuning_accuracy: float | None = None  # right gate decisions on the tuning queries
    cross_validated_accuracy: float | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "Calibration":
        unknown = set(self.features) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown calibration feature(s) {sorted(unknown)}")
        if not len(self.features) == len(self.mean) == len(self.scale) == len(self.weights):
            raise ValueError("features, mean, scale and weights must have the same length")
        return self


def bundled_calibration_path() -> Path:
    return Path(str(resources.files("migrant_desk") / "calibration.json"))


def load_calibration(path: Path | None = None) -> Calibration:
    path = path or bundled_calibration_path()
    if not path.exists():
        return Calibration()
    return Calibration.model_validate_json(path.read_text())


def save_calibration(cal: Calibration, path: Path) -> None:
    path.write_text(json.dumps(cal.model_dump(), indent=2, ensure_ascii=False) + "\n")


def feature_vector(hits: Sequence[EntryHit], names: Sequence[str]) -> list[float]:
    return [FEATURES[name](hits) for name in names]


def probability_right(hits: Sequence[EntryHit], cal: Calibration) -> float:
    if not hits:
        return 0.0
    x = feature_vector(hits, cal.features)
    logit = cal.bias + sum(w * (v - m) / s for w, v, m, s in zip(cal.weights, x, cal.mean, cal.scale))
    return 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))


@dataclass(frozen=True)
class Decision:
    answered: bool
    band: Band
    value: float  # P(top entry right)
    threshold: float


def decide(hits: Sequence[EntryHit], cal: Calibration) -> Decision:
    p = probability_right(hits, cal)
    if p < cal.threshold:
        return Decision(False, "low", p, cal.threshold)
    return Decision(True, "high" if p >= cal.high_from else "medium", p, cal.threshold)
