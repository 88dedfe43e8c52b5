"""How ticket messages get translated: a small Protocol, so the queue does not depend on how translation works.

The real translator is migrant_desk.translation (issue 4: local argostranslate models, a translation memory and
a confidence gate); `message_translator` adapts it, and the dependency goes one way only (tickets -> translation).
Without it every message is stored with status "unavailable" and a reason, and both sides see the original. The
queue never makes up a translation.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from pydantic import BaseModel

from .models import TranslationStatus

if TYPE_CHECKING:
    from ..translation.translator import Translator

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


class TicketMessageTranslator:
    """The queue's `MessageTranslator` over migrant_desk.translation's `Translator` (its statuses mapped to the
    queue's: a translation the gate failed is kept as "rejected", for staff only)."""

    STATUS = {"machine": "machine", "unreliable": "rejected", "same_language": "not_needed",
              "unavailable": "unavailable"}

    def __init__(self, translator: Translator):
        self.translator = translator

    def translate(self, text: str, source_lang: str, target_lang: str) -> TranslationOutcome:
        result = self.translator.translate_message(text, source_lang, target_lang)
        return TranslationOutcome(status=self.STATUS[result.status], target_lang=target_lang, text=result.text,
                                  score=result.gate.score if result.gate else None, reason=result.reason)


def message_translator(translator: Translator | None) -> MessageTranslator:
    """The queue's translator: the runtime's machine translation when there is one, else NoTranslator."""
    if translator is None:
        return NoTranslator("machine translation is not set up in this runtime")
    return TicketMessageTranslator(translator)
