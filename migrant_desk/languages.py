"""The languages migrant-desk serves, and identification of the language a question is written in.

Identification uses py3langid (its model ships in the package) restricted to our languages. Short texts are
unreliable, so a language the client declares always wins, and a short or low-confidence guess falls back to
the declared or default language; the result says which happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# Korean and English first, then by number of speakers in Korea (shared/README.md). ISO 639-1.
SUPPORTED_LANGUAGES: dict[str, str] = {
    "ko": "한국어",
    "en": "English",
    "zh": "中文",
    "vi": "Tiếng Việt",
    "th": "ภาษาไทย",
    "uz": "Oʻzbekcha",
    "tl": "Tagalog",
    "ru": "Русский",
    "id": "Bahasa Indonesia",
    "ne": "नेपाली",
    "km": "ភាសាខ្មែរ",
    "mn": "Монгол",
    "ja": "日本語",
    "my": "မြန်မာ",
    "si": "සිංහල",
}
# Babel's locale for a code where it differs from ours (Babel names Filipino "fil").
BABEL_LOCALE = {"tl": "fil"}
# Every entry is written in English and Korean first. When the asker's language has no human-written variant, an
# answer (or an office's name) falls back to English, then Korean; machine translation starts from them in the same
# order (Argos models are trained English-centred and its Korean models are weak); other variants derive from
# English. Defined once: service.py, translation/ and editorial/ read it from here.
FALLBACK_ORDER: tuple[str, ...] = ("en", "ko")
MIN_CHARS_FOR_DETECTION = 4
MIN_PROBABILITY = 0.6


@dataclass(frozen=True)
class LanguageChoice:
    lang: str
    reason: str  # "declared" | "detected" | "fallback-short" | "fallback-uncertain"
    detected: str | None = None
    probability: float | None = None


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    known = set(ident.labels)
    ident.set_languages([code for code in SUPPORTED_LANGUAGES if code in known])
    return ident


def detect(text: str) -> tuple[str, float]:
    lang, prob = _identifier().classify(text)
    return str(lang), float(prob)


def choose_language(text: str, declared: str | None, default: str, hint: str | None = None) -> LanguageChoice:
    """`declared` (the client forces a language) wins; a text too short or too uncertain to identify uses the
    `hint` (the language the page is showing), then the default; the reason says which."""
    if declared:
        return LanguageChoice(lang=declared, reason="declared")
    fallback, prefix = (hint, "hint") if hint else (default, "fallback")
    stripped = "".join(text.split())
    if len(stripped) < MIN_CHARS_FOR_DETECTION:
        return LanguageChoice(lang=fallback, reason=f"{prefix}-short")
    lang, prob = detect(text)
    if prob < MIN_PROBABILITY:
        return LanguageChoice(lang=fallback, reason=f"{prefix}-uncertain", detected=lang, probability=prob)
    return LanguageChoice(lang=lang, reason="detected", detected=lang, probability=prob)
