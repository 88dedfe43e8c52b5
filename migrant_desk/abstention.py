"""When to answer, when to ask "is this what you mean?", and when to say "I'm not sure": three bands.

Why not one cosine cut-off: e5 packs cosines into a narrow band, and cross-lingual scores sit well below
same-language ones, so a cut-off that suits Korean questions abstains on nearly every Thai one. The gate is a
small logistic model over features that are relative to the query and the knowledge base (retrieval.py), so
that it carries over to other knowledge bases and languages. It estimates P(the top entry is right):
- P >= high_from: "high", the answer;
- threshold <= P < high_from: "medium", the answer framed as "I think this is what you are asking about" with
  yes/no (no shows the alternatives and the counselor);
- P < threshold: "low", "not sure", alternatives and the counselor.
`migrant-desk calibrate` fits it (calibrate.py says how, and on what).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, model_validator

from .retrieval import DEFAULT_CROSS_LANG_COSINE, DEFAULT_SAME_LANG_COSINE, FusionParams, Retrieved

Band = Literal["high", "medium", "low"]
FEATURES = ("top_z", "margin", "pair_cos", "lex_per_token", "same_lang", "has_variant")


class Calibration(BaseModel):
    features: list[str] = ["top_z"]
    mean: list[float] = [0.0]
    scale: list[float] = [1.0]
    weights: list[float] = [1.0]
    bias: float = 0.0
    threshold: float = 0.5  # show an answer (medium band) when P(top entry right) >= threshold
    high_from: float = 0.8  # P at or above this is "high" confidence
    lexical_weights: dict[str, float] = {}  # per query language; missing = 0 (dense only)
    pair_cosine: dict[str, float] = {}  # "query>matched" language pair -> usual best cosine of a right answer
    same_lang_cosine: float = DEFAULT_SAME_LANG_COSINE
    cross_lang_cosine: float = DEFAULT_CROSS_LANG_COSINE
    model_id: str = ""
    tuned_on: str = "uncalibrated default"
    tuning_accuracy: float | None = None  # right gate decisions on the tuning queries
    cross_validated_accuracy: float | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "Calibration":
        unknown = set(self.features) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown calibration feature(s) {sorted(unknown)}; known: {list(FEATURES)}")
        if not len(self.features) == len(self.mean) == len(self.scale) == len(self.weights):
            raise ValueError("features, mean, scale and weights must have the same length")
        if not 0 < self.threshold <= self.high_from <= 1:
            raise ValueError("need 0 < threshold <= high_from <= 1")
        return self

    def fusion(self) -> FusionParams:
        return FusionParams(self.lexical_weights, self.pair_cosine, self.same_lang_cosine, self.cross_lang_cosine)


def bundled_calibration_path() -> Path:
    return Path(str(resources.files("migrant_desk") / "calibration.json"))


def load_calibration(path: Path | None = None) -> Calibration:
    path = path or bundled_calibration_path()
    if not path.exists():
        return Calibration()
    return Calibration.model_validate_json(path.read_text())


def save_calibration(cal: Calibration, path: Path) -> None:
    path.write_text(json.dumps(cal.model_dump(), indent=2, ensure_ascii=False) + "\n")


def probability_right(retrieved: Retrieved, cal: Calibration) -> float:
    if not retrieved.candidates:
        return 0.0
    x = [retrieved.features[name] for name in cal.features]
    logit = cal.bias + sum(w * (v - m) / s for w, v, m, s in zip(cal.weights, x, cal.mean, cal.scale))
    return 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))


@dataclass(frozen=True)
class Decision:
    answered: bool
    band: Band
    value: float  # P(top entry right)
    threshold: float


def band_of(p: float, cal: Calibration) -> Band:
    return "high" if p >= cal.high_from else "medium" if p >= cal.threshold else "low"


def decide(retrieved: Retrieved, cal: Calibration) -> Decision:
    p = probability_right(retrieved, cal)
    band = band_of(p, cal)
    return Decision(band != "low", band, p, cal.threshold)
