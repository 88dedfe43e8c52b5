"""Fixed strings a migrant sees, human-written in every supported language (locales/messages.yaml)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from .languages import SUPPORTED_LANGUAGES

FALLBACK_LANG = "en"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    text = (resources.files("migrant_desk") / "locales" / "messages.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def message(key: str, lang: str, **values: str) -> str:
    """The message in `lang` (English if a translation is missing), with {placeholders} filled."""
    variants = catalogue()[key]
    template = variants.get(lang) or variants[FALLBACK_LANG]
    return template.format(**values) if values else template


def language_name(code: str) -> str:
    return SUPPORTED_LANGUAGES.get(code, code)
