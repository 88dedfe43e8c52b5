"""Coverage rules for the bundled knowledge base and the labelled question set, so they cannot silently regress."""

import difflib
import json
import re
from collections import Counter

import pytest

from migrant_desk.evaluation import read_queries
from migrant_desk.languages import SUPPORTED_LANGUAGES
from tests.conftest import DATA

EXTENDED = ["th", "tl", "uz", "ru", "id", "ne", "km", "mn"]
# Whole runs, so "10,320" (or "10 320" with a no-break space, as Russian and Uzbek group) is one number, not "320".
NUMBER_IN_TEXT = re.compile(r"\d[\d,.\-\u00a0\u202f]*\d|\d")
PHONE_LIKE = re.compile(r"1\d{2,3}(?:-\d{4})?|0\d{1,2}-\d{3,4}-\d{4}")
URL_IN_TEXT = re.compile(r"(?:https?://)?(www\.[a-z0-9.-]+\.[a-z]{2,}|home\.kepco\.co\.kr)", re.I)


@pytest.fixture(scope="module")
def contacts():
    return json.loads((DATA / "known_contacts.json").read_text())


def test_size_and_categories(bundled_entries):
    assert len(bundled_entries) >= 80
    assert len({e.category for e in bundled_entries}) >= 12


def test_korean_and_english_everywhere_with_three_alternates(bundled_entries):
    for e in bundled_entries:
        for lang in ("ko", "en"):
            v = e.translations.get(lang)
            assert v is not None, f"{e.id} has no {lang}"
            assert v.question and len(v.alternates) >= 3, f"{e.id}/{lang}: question and >= 3 alternates"


def test_every_entry_in_every_supported_language(bundled_entries):
    """Issue 11: a Nepali, Khmer or Sinhala worker gets every entry in their own language."""
    for e in bundled_entries:
        missing = sorted(set(SUPPORTED_LANGUAGES) - set(e.translations))
        assert not missing, (e.id, missing)
        for lang, v in e.translations.items():
            assert v.question and len(v.alternates) >= 3, (e.id, lang)


def test_every_variant_says_who_wrote_it_and_whether_a_native_speaker_checked_it(bundled_entries):
    counts = Counter(v.native_reviewed for e in bundled_entries for v in e.translations.values())
    assert all(v.written_by for e in bundled_entries for v in e.translations.values())
    assert counts[False] > 0  # README says which are unreviewed: all of them, so far


def test_english_answers_are_phone_sized(bundled_entries):
    for e in bundled_entries:
        words = len(e.translations["en"].answer.split())
        assert 40 <= words <= 130, (e.id, words)


def test_sources_and_contacts_are_vetted(bundled_entries, contacts):
    for e in bundled_entries:
        assert e.source.url.host in contacts["hosts"], (e.id, str(e.source.url))
        if e.contact:
            assert e.contact.phone is None or e.contact.phone in contacts["phones"], (e.id, e.contact.phone)
            assert e.contact.url is None or e.contact.url.host in contacts["hosts"], (e.id, str(e.contact.url))


def test_numbers_and_sites_named_in_answers_are_vetted(bundled_entries, contacts):
    """A phone number or web site written inside an answer must be on the vetted list too."""
    for e in bundled_entries:
        for lang, v in e.translations.items():
            for number in NUMBER_IN_TEXT.findall(v.answer):
                if PHONE_LIKE.fullmatch(number):
                    assert number in contacts["phones"], (e.id, lang, number)
            for host in URL_IN_TEXT.findall(v.answer):
                assert host.lower().rstrip(".") in contacts["hosts"], (e.id, lang, host)


@pytest.fixture(scope="module")
def queries():
    return read_queries(DATA / "dev_queries.jsonl")


def test_labelled_queries_size_languages_and_nulls(queries, bundled_entries):
    """Issue 10: at least 1,000 questions; every supported language with at least 40, of which at least 20%
    have no answer in the knowledge base."""
    assert len(queries) >= 1000
    for lang in SUPPORTED_LANGUAGES:
        mine = [q for q in queries if q.lang == lang]
        assert len(mine) >= 40, (lang, len(mine))
        assert sum(q.expected is None for q in mine) / len(mine) >= 0.20, lang
    ids = {e.id for e in bundled_entries}
    assert {i for q in queries if q.expected for i in q.expected} <= ids
    assert len({q.id for q in queries}) == len(queries)


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


def test_queries_are_not_copies_of_entry_questions(queries, bundled_entries):
    phrasings = {_norm(t) for e in bundled_entries for v in e.translations.values()
                 for t in [v.question, *v.alternates] if t}
    for q in queries:
        text = _norm(q.text)
        assert text not in phrasings, q.id
        close = difflib.get_close_matches(text, phrasings, n=1, cutoff=0.9)
        assert not close, (q.id, q.text, close)


def test_splits_are_fixed_halves(queries):
    tune = read_queries(DATA / "dev_queries.jsonl", "tune")
    report = read_queries(DATA / "dev_queries.jsonl", "report")
    assert abs(len(tune) - len(report)) <= len({q.lang for q in queries})
    for lang in {q.lang for q in queries}:
        assert {q.lang for q in tune} >= {lang} and {q.lang for q in report} >= {lang}
