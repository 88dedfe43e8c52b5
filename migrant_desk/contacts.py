"""How an entry's contact reads in the asker's language: "1345 · Mon–Fri 09:00–22:00 · 8 languages".

Hours are stored machine-readable ("24h", "mon-fri 09:00-22:00; sat 09:00-13:00"); day names come from
Babel's data for the language, and the fixed words from the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from .knowledge_base import Contact, Entry
from .languages import BABEL_LOCALE
from .messages import catalogue, message

# A Korean service or phone number as it appears in text: 112, 1345, 1588-0075, 02-123-4567, 010-1234-5678.
# tests/test_kb_coverage.py holds every such number in an answer to the vetted list.
# Not part of a longer number: "100,000 won" and "1.560" are amounts.
PHONE_IN_TEXT = re.compile(r"(?<![\d\-])(?<!\d[.,\u00a0\u202f])(?:0\d{1,2}-\d{3,4}-\d{4}|1\d{3}-\d{4}|1\d{2,3})(?![\d\-]|[.,\u00a0\u202f]\d)")

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@lru_cache(maxsize=32)
def _day_names(lang: str) -> tuple[str, ...]:
    from babel.dates import get_day_names

    try:
        names = get_day_names("abbreviated", locale=BABEL_LOCALE.get(lang, lang))
    except Exception:  # noqa: BLE001 - an unknown locale reads in English rather than failing the answer
        names = get_day_names("abbreviated", locale="en")
    return tuple(names[i] for i in range(7))


def hours_text(hours: str, lang: str) -> str:
    if hours == "24h":
        return message("open_24h", lang)
    names = dict(zip(_DAYS, _day_names(lang)))
    spans = []
    for span in hours.split("; "):
        days, times = span.split(" ")
        first, _, last = days.partition("-")
        label = names[first] + (f"–{names[last]}" if last else "")
        spans.append(f"{label} {times.replace('-', '–')}")
    return ", ".join(spans)


def summary(contact: Contact, lang: str) -> str:
    parts = [contact.phone or contact.agency]
    if contact.hours:
        parts.append(hours_text(contact.hours, lang))
    if contact.languages:
        parts.append(message("contact_languages", lang, count=str(len(contact.languages))))
    return " · ".join(parts)


def phone_numbers(entries: Iterable[Entry]) -> list[str]:
    """Every phone number the desk itself gives (contacts, answers, catalogue sentences such as the emergency
    banner): the chat page makes these tappable wherever they appear, and leaves other numbers ("180 days")."""
    found = {e.contact.phone for e in entries if e.contact and e.contact.phone}
    texts = [v.answer for e in entries for v in e.translations.values()]
    texts += [text for variants in catalogue().values() for text in variants.values()]
    for text in texts:
        found.update(PHONE_IN_TEXT.findall(text))
    return sorted(found)
