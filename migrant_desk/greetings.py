"""Greetings and thanks ("hi", "안녕하세요", "xin chào", "спасибо"): answered from the catalogue, never with a
knowledge-base entry (a lone "hi" used to get the HiKorea entry with high confidence).

A message counts only when all of it is one of the phrases in locales/greetings.yaml (case, punctuation and
emoji ignored); "hi, my boss did not pay me" is a question.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml

from .lexical import words

Kind = Literal["greeting", "thanks"]


def _key(text: str) -> str:
    return " ".join(words(text))


@lru_cache(maxsize=1)
def _phrases() -> dict[str, tuple[Kind, list[str]]]:
    raw = yaml.safe_load((resources.files("migrant_desk") / "locales" / "greetings.yaml").read_text("utf-8"))
    out: dict[str, tuple[Kind, list[str]]] = {}
    for kind in ("greeting", "thanks"):
        for lang, phrases in raw[kind].items():
            for phrase in phrases:
                key = _key(str(phrase))
                out.setdefault(key, (kind, []))[1].append(lang)
    return out


def recognise(text: str) -> tuple[Kind, list[str]] | None:
    """(kind, languages the phrase belongs to), or None when the message is more than a greeting or thanks."""
    return _phrases().get(_key(text))
