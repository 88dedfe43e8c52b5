"""How ticket messages get translated: a small Protocol, so the queue does not depend on how translation works.

The real translator is migrant_desk.translation (issue 4: local argostranslate models, a translation memory and
a confidence gate). `default_translator` uses it when it is importable and has a model for the pair; otherwise
every message is stored with status "unavailable" and a reason, and both sides see the original. The queue
never makes up a translation.
"""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from pydantic import BaseModel

from .models import TranslationStatus

log = logging.getLogger("migrant_desk.tickets")


class TranslationOutcome(BaseModel):
    status: TranslationStatus
    target_lang: str
    text: str | None = None  # the translation ("machine", and "rejected" when the gate refused it)
    score: float | None = None  # the gate's measure, when there is one
    reason: str | None = None  # why "unavailable" or "rejected", for counselors and logs


@runtime_checkable
class MessageTranslator(Protocol):
    def translate(self, text: str, source_lang: str, target_lang: str) -> TranslationOutcome:
        """Never raises for a missing model: returns status "unavailable" with a reason instead."""
        ...


class NoTranslator:
    """Used when no translation backend is available: says so, and keeps the original."""

    def __init__(self, reason: str = "no machine translation is installed"):
        self.reason = reason

    def translate(self, text: str, source_lang: str, target_lang: str) -> TranslationOutcome:
        return TranslationOutcome(status="unavailable", target_lang=target_lang, reason=self.reason)


def translate_for(translator: MessageTranslator, text: str, source_lang: str,
                  target_lang: str) -> TranslationOutcome:
    """Same language: nothing to do. A translator that fails is logged and recorded as unavailable, so a
    broken model never loses a message."""
    if source_lang == target_lang:
        return TranslationOutcome(status="not_needed", target_lang=target_lang)
    try:
        return translator.translate(text, source_lang, target_lang)
    except Exception as exc:  # noqa: BLE001 — a message must be stored even when translation breaks
        log.warning("translation %s->%s failed: %s", source_lang, target_lang, exc)
        return TranslationOutcome(status="unavailable", target_lang=target_lang,
                                  reason=f"translation failed: {type(exc).__name__}")


def default_translator(runtime=None) -> MessageTranslator:
    """migrant_desk.translation's message API when it exists, else NoTranslator."""
    try:
        from ..translation import tickets_adapter  # type: ignore[attr-defined]
    except ImportError as exc:
        log.info("ticket messages will not be translated: %s", exc)
        return NoTranslator()
    return tickets_adapter(runtime)
