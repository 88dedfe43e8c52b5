"""Fixed strings, human-written in every supported language: what a migrant sees (locales/messages.yaml) and the
labels of the reports page (locales/reports.yaml). One catalogue: a key is defined in exactly one file."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from .languages import BABEL_LOCALE, SUPPORTED_LANGUAGES

FALLBACK_LANG = "en"


CATALOGUE_FILES = ("messages.yaml", "reports.yaml")


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for name in CATALOGUE_FILES:
        part = yaml.safe_load((resources.files("migrant_desk") / "locales" / name).read_text(encoding="utf-8"))
        twice = set(part) & set(merged)
        if twice:
            raise ValueError(f"catalogue keys defined in two files: {sorted(twice)}")
        merged.update(part)
    return merged


def message(key: str, lang: str, **values: str) -> str:
    """The message in `lang` (English if a translation is missing), with {placeholders} filled."""
    variants = catalogue()[key]
    template = variants.get(lang) or variants[FALLBACK_LANG]
    return template.format(**values) if values else template


@lru_cache(maxsize=512)
def language_name(code: str, in_lang: str | None = None) -> str:
    """The language's own name ("Tiếng Việt"), or its name in `in_lang` ("អង់គ្លេស" for English in Khmer): a
    sentence in Khmer names English in Khmer script, not in Latin letters."""
    if in_lang and in_lang != code:
        from babel import Locale, UnknownLocaleError

        try:
            name = Locale.parse(BABEL_LOCALE.get(in_lang, in_lang)).languages.get(BABEL_LOCALE.get(code, code))
        except (UnknownLocaleError, ValueError):
            name = None
        if name:
            return name
    return SUPPORTED_LANGUAGES.get(code, code)
