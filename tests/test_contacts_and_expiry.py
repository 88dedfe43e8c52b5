"""Issue 11: contacts that say when and in which languages; facts that expire (clock injected); numbers
written in each language's own format."""

import datetime as dt
import re

import pytest
from babel.numbers import get_group_symbol
from fastapi.testclient import TestClient

from migrant_desk import auth, contacts
from migrant_desk.api import create_app
from migrant_desk.knowledge_base import Contact
from migrant_desk.messages import message


def test_hours_and_languages_read_in_the_askers_language():
    c = Contact(agency="Immigration Contact Center", phone="1345", hours="mon-fri 09:00-22:00",
                languages=["ko", "en", "zh", "vi"])
    assert contacts.summary(c, "en") == "1345 · Mon–Fri 09:00–22:00 · 4 languages"
    assert contacts.summary(c, "ko") == "1345 · 월–금 09:00–22:00 · 4개 언어"
    assert contacts.hours_text("24h", "vi") == message("open_24h", "vi")
    assert contacts.hours_text("mon-fri 09:00-18:00; sat 09:00-13:00", "en") == "Mon–Fri 09:00–18:00, Sat 09:00–13:00"
    for lang in ("tl", "my", "si", "km"):  # every language has day names (Tagalog through Babel's "fil")
        assert "09:00–22:00" in contacts.summary(c, lang)


def test_every_bundled_entry_has_a_contact_with_a_phone_or_site(bundled_entries):
    for e in bundled_entries:
        assert e.contact is not None and (e.contact.phone or e.contact.url), e.id
        assert e.contact.languages, e.id


@pytest.fixture
def client(runtime):
    with TestClient(create_app(runtime=runtime)) as c:
        yield c
    runtime.service.today = dt.date.today


def _ask_minimum_wage(client):
    return client.post("/v1/ask", json={"text": "최저임금 시급 얼마예요?", "lang": "ko"}).json()


def test_an_expired_fact_carries_a_notice_after_its_date_only(client, runtime):
    entry = runtime.service.entries["minimum-wage"]
    assert entry.valid_until is not None
    runtime.service.today = lambda: entry.valid_until
    before = _ask_minimum_wage(client)
    assert before["answer"]["id"] == "minimum-wage" and not (before["notice"] or "").startswith(
        message("expired_notice", "ko", date=entry.valid_until.isoformat(), phone=entry.contact.phone)[:10])
    runtime.service.today = lambda: entry.valid_until + dt.timedelta(days=1)
    after = _ask_minimum_wage(client)
    assert after["notice"].startswith(message("expired_notice", "ko", date=entry.valid_until.isoformat(),
                                              phone=entry.contact.phone))
    _, token = auth.create_user(runtime.store.db, "dates-editor", "editor")
    listed = client.get("/v1/editor/expiring", headers={"authorization": f"Bearer {token}"}).json()
    assert {"id": "minimum-wage", "reason": "expired"}.items() <= next(d for d in listed if d["id"] == "minimum-wage").items()


def test_the_answer_shows_hours_and_languages(client):
    body = client.post("/v1/ask", json={"text": "1345 상담 시간 언제예요?", "lang": "ko"}).json()
    contact = (body["answer"] or {}).get("contact")
    assert contact and contact["summary"].startswith(contact["phone"])


AMOUNT = re.compile(r"\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+(?![\d])")


def test_amounts_use_each_languages_grouping(bundled_entries):
    """10,320 is 10.320 in Vietnamese and Indonesian and 10 320 in Russian and Uzbek (Babel's CLDR data)."""
    for e in bundled_entries:
        for lang, v in e.translations.items():
            group = get_group_symbol(locale={"tl": "fil"}.get(lang, lang))
            for amount in AMOUNT.findall(v.answer):
                separators = set(re.sub(r"\d", "", amount))
                if separators <= {"-"}:
                    continue
                assert separators <= {group, "\u00a0", "\u202f", " "} if group in "\u00a0\u202f " else separators == {group}, (
                    e.id, lang, amount, repr(group))
