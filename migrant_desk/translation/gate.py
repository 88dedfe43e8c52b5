"""The confidence gate on machine translation: is this output fit to show a migrant as an answer?

argostranslate reports no usable confidence (its beam scores are not comparable across sentences or models),
so the gate measures two things itself:

1. **Known failure modes**, each a plain check with its own reason code: no text at all (`empty`), the input
   copied through (`identical_to_source`), a degenerate loop (`repetition`, `too_long`), output mostly in the
   wrong writing system for the target language (`wrong_script`), and a phone number or other 3+ digit number
   of the source missing from the output (`numbers_changed`: a wrong phone number is worse than no answer).
2. **Drift**: the cross-lingual cosine similarity of source and output under the multilingual embedding model
   the service already runs (multilingual-e5-small). Each sentence is compared with its own translation and the
   text scores as its weakest sentence, so one drifted sentence in a long answer is not averaged away. Below the
   calibrated threshold the output is `low_similarity`.

Both texts are embedded with the "query: " prefix: e5's model card prescribes it for symmetric tasks such as
bitext mining, and on our labelled set it separates good from bad translations at least as well as
"passage: " (calibrate.py prints both). It also keeps migrants' messages out of the on-disk embedding cache,
which stores "passage" vectors only. The threshold and how it was chosen live in gate_calibration.json.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from ..embedding.embedder import Embedder

Reason = Literal["empty", "identical_to_source", "repetition", "too_long", "wrong_script", "numbers_changed",
                 "low_similarity"]


class GateCalibration(BaseModel):
    kind: Literal["query", "passage"] = "query"
    threshold: float = 0.85
    model_id: str = ""
    tuned_on: str = "uncalibrated default"
    method: str = ""
    good_pass_rate: float | None = None
    bad_reject_rate: float | None = None
    cross_validated_accuracy: float | None = None
    per_category: dict[str, float] = Field(default_factory=dict)


class GateVerdict(BaseModel):
    passed: bool
    score: float | None = Field(None, description="weakest sentence's source/output cosine (e5, query prefix)")
    threshold: float
    reasons: list[Reason] = Field(default_factory=list, description="why it failed; empty when passed")


def bundled_gate_path() -> Path:
    return Path(str(resources.files("migrant_desk") / "translation" / "gate_calibration.json"))


def load_gate_calibration(path: Path | None = None) -> GateCalibration:
    path = path or bundled_gate_path()
    return GateCalibration.model_validate_json(path.read_text()) if path.exists() else GateCalibration()


# --- failure-mode detectors (pure functions of the two texts) ---------------------------------------------

_URLISH = re.compile(r"(https?://\S+|www\.\S+|\S+@\S+|\S+\.(?:kr|com|org|net|go\.kr)\S*)", re.I)
_SCRIPTS = {
    "hangul": ((0xAC00, 0xD7AF), (0x1100, 0x11FF), (0x3130, 0x318F)),
    "han": ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF)),
    "kana": ((0x3040, 0x30FF), (0x31F0, 0x31FF)),
    "thai": ((0x0E00, 0x0E7F),),
    "cyrillic": ((0x0400, 0x04FF),),
    "devanagari": ((0x0900, 0x097F),),
    "khmer": ((0x1780, 0x17FF), (0x19E0, 0x19FF)),
    "myanmar": ((0x1000, 0x109F), (0xAA60, 0xAA7F)),
    "sinhala": ((0x0D80, 0x0DFF),),
    "latin": ((0x0041, 0x005A), (0x0061, 0x007A), (0x00C0, 0x024F), (0x1E00, 0x1EFF)),
}
EXPECTED_SCRIPTS = {
    "ko": {"hangul"}, "en": {"latin"}, "zh": {"han"}, "vi": {"latin"}, "th": {"thai"}, "uz": {"latin", "cyrillic"},
    "tl": {"latin"}, "ru": {"cyrillic"}, "id": {"latin"}, "ne": {"devanagari"}, "km": {"khmer"},
    "mn": {"cyrillic"}, "ja": {"han", "kana"}, "my": {"myanmar"}, "si": {"sinhala"},
}
MIN_LETTERS_FOR_SCRIPT = 4
MIN_SCRIPT_SHARE = 0.5
# A unit of 2-60 characters repeated at least four times in a row (NMT's looping failure).
_LOOP = re.compile(r"(.{2,60}?)(?:\s*\1){3,}", re.S)
TOO_LONG_RATIO = 4.0
TOO_LONG_MIN_CHARS = 200
_NUMBERISH = re.compile(r"\d+(?:[-‐‑–]\d+)+|(?<![\d.,])\d{3,}(?![\d.,]*\d)")


def _script_of(ch: str) -> str | None:
    cp = ord(ch)
    for name, ranges in _SCRIPTS.items():
        if any(lo <= cp <= hi for lo, hi in ranges):
            return name
    return None


def _letters(text: str) -> list[str]:
    return [ch for ch in _URLISH.sub(" ", text) if ch.isalpha() or unicodedata.category(ch) in ("Mn", "Mc")]


def _normalise(text: str) -> str:
    kept = [ch.casefold() for ch in text if ch.isalnum()]
    return "".join(kept)


def ascii_digits(text: str) -> str:
    """Every decimal digit as ASCII (Devanagari १४, Burmese ၁၄, Khmer ១៤, Thai ๑๔ → 14)."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def is_empty(source: str, output: str) -> bool:
    return bool(_normalise(source)) and not _normalise(output)


def is_identical(source: str, output: str) -> bool:
    """The output is the input passed through untranslated (only meaningful when languages differ)."""
    src = _normalise(_URLISH.sub(" ", source))
    return len(src) >= 3 and any(not ch.isdigit() for ch in src) and src == _normalise(_URLISH.sub(" ", output))


def has_loop(source: str, output: str) -> bool:
    out = " ".join(output.split())
    return bool(_LOOP.search(out)) and not _LOOP.search(" ".join(source.split()))


def is_too_long(source: str, output: str) -> bool:
    return len(output) >= TOO_LONG_MIN_CHARS and len(output) > TOO_LONG_RATIO * max(len(source), 1)


def wrong_script(output: str, target_lang: str) -> bool:
    expected = EXPECTED_SCRIPTS.get(target_lang)
    letters = _letters(output)
    if not expected or len(letters) < MIN_LETTERS_FOR_SCRIPT:
        return False
    scripts = [_script_of(ch) for ch in letters]
    known = [s for s in scripts if s is not None]
    if not known:
        return False
    return sum(s in expected for s in known) / len(known) < MIN_SCRIPT_SHARE


def source_numbers(text: str) -> list[str]:
    """Phone-number-like and 3+ digit numbers, digits only ("02-2110-1234" → "0221101234")."""
    return [re.sub(r"\D", "", m) for m in _NUMBERISH.findall(ascii_digits(text))]


def numbers_changed(source: str, output: str) -> bool:
    out_digits = re.sub(r"[\s\-‐‑–.,:]", "", ascii_digits(output))
    return any(num not in out_digits for num in source_numbers(source))


def failure_reasons(source: str, output: str, target_lang: str) -> list[Reason]:
    if is_empty(source, output):
        return ["empty"]
    reasons: list[Reason] = []
    if is_identical(source, output):
        reasons.append("identical_to_source")
    if has_loop(source, output):
        reasons.append("repetition")
    if is_too_long(source, output):
        reasons.append("too_long")
    if wrong_script(output, target_lang) and "identical_to_source" not in reasons:
        reasons.append("wrong_script")
    if numbers_changed(source, output):
        reasons.append("numbers_changed")
    return reasons


# --- the gate ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GateInput:
    source: str
    output: str
    target_lang: str
    # (source sentence, its translation) pairs; defaults to the whole text as one pair
    segments: Sequence[tuple[str, str]] = ()

    def pairs(self) -> list[tuple[str, str]]:
        usable = [(s, o) for s, o in self.segments if s.strip()]
        return usable or [(self.source, self.output)]


class TranslationGate:
    def __init__(self, embedder: Embedder, calibration: GateCalibration | None = None):
        self.embedder = embedder
        self.calibration = calibration or load_gate_calibration()

    def similarities(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """Cosine of each (source, output) pair, embedded in one batch."""
        if not pairs:
            return []
        unique = list(dict.fromkeys(t for pair in pairs for t in pair))
        row = {t: i for i, t in enumerate(unique)}
        vectors = self.embedder.embed(unique, self.calibration.kind)
        return [float(np.dot(vectors[row[s]], vectors[row[o]])) for s, o in pairs]

    def check(self, source: str, output: str, target_lang: str,
              segments: Sequence[tuple[str, str]] = ()) -> GateVerdict:
        return self.check_many([GateInput(source, output, target_lang, segments)])[0]

    def check_many(self, items: Sequence[GateInput]) -> list[GateVerdict]:
        threshold = self.calibration.threshold
        reasons = []
        for item in items:
            found = failure_reasons(item.source, item.output, item.target_lang)
            for s, o in item.pairs():
                found += [r for r in failure_reasons(s, o, item.target_lang) if r not in found]
            reasons.append(found)
        to_embed = [(i, pair) for i, item in enumerate(items) if "empty" not in reasons[i] for pair in item.pairs()]
        sims = self.similarities([pair for _, pair in to_embed])
        weakest: dict[int, float] = {}
        for (i, _), sim in zip(to_embed, sims):
            weakest[i] = min(weakest.get(i, 1.0), sim)
        verdicts = []
        for i in range(len(items)):
            score = weakest.get(i)
            found = reasons[i]
            if score is not None and score < threshold:
                found.append("low_similarity")
            verdicts.append(GateVerdict(passed=not found, score=None if score is None else round(score, 4),
                                        threshold=threshold, reasons=found))
        return verdicts
