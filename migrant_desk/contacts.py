"""How an entry's contact reads in the asker's language: "1345 · Mon–Fri 09:00–22:00 · 8 languages".

Hours are stored machine-readable ("24h", "mon-fri 09:00-22:00; sat 09:00-13:00"); day names come from
Babel's data for the language, and the fixed words from the catalogue.
"""

from __future__ import annotations

from functools import lru_cache

from .knowledge_base import Contact
from .messages import message

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_BABEL_LOCALE = {"tl": "fil"}  # Babel names Filipino "fil"


@lru_cache(maxsize=32)
def _day_names(lang: str) -> tuple[str, ...]:
    from babel.dates import get_day_names

    try:
        names = get_day_names("abbreviated", locale=_BABEL_LOCALE.get(lang, lang))
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
