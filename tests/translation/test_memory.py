"""The translation memory in the project's SQLite database: hit, miss, stale (and back), review."""

import pytest

from migrant_desk.db import Store
from migrant_desk.translation.memory import TranslationMemory, source_hash

TEXT = "Bring your passport, a photo and the application form."


@pytest.fixture
def memory(database_url) -> TranslationMemory:
    return TranslationMemory(Store(database_url))


def put(memory, text=TEXT, model="argos:en-vi@1#a", translation="Hãy mang theo hộ chiếu.", passed=True, **kw):
    return memory.put(text, "en", "vi", model, translation, gate_passed=passed, gate_score=0.9,
                      gate_reasons=[] if passed else ["low_similarity"], ref=kw.pop("ref", "kb:x:answer"), **kw)


def test_hit_and_miss_by_every_part_of_the_key(memory):
    put(memory)
    assert memory.get(TEXT, "en", "vi", "argos:en-vi@1#a").text == "Hãy mang theo hộ chiếu."
    assert memory.get("  Bring your passport,  a photo and the application form. ", "en", "vi",
                      "argos:en-vi@1#a") is not None  # whitespace does not make a new source
    assert memory.get(TEXT + "!", "en", "vi", "argos:en-vi@1#a") is None
    assert memory.get(TEXT, "ko", "vi", "argos:en-vi@1#a") is None
    assert memory.get(TEXT, "en", "th", "argos:en-vi@1#a") is None
    assert memory.get(TEXT, "en", "vi", "argos:en-vi@2#b") is None
    assert source_hash(TEXT) == source_hash(" " + TEXT)


def test_put_updates_a_machine_row_but_never_a_reviewed_one(memory):
    first = put(memory)
    again = put(memory, translation="Mang hộ chiếu.", passed=False)
    assert again.id == first.id and again.text == "Mang hộ chiếu." and not again.usable
    reviewed = memory.review(first.id, "editor-1", "Hãy mang theo hộ chiếu, ảnh và đơn đăng ký.")
    assert reviewed.status == "reviewed" and reviewed.usable and reviewed.reviewed_by == "editor-1"
    after = put(memory, translation="something else")
    assert after.text == "Hãy mang theo hộ chiếu, ảnh và đơn đăng ký." and after.status == "reviewed"


def test_best_prefers_reviewed_then_newest(memory):
    old = put(memory, model="argos:en-vi@1#a", translation="v1")
    new = put(memory, model="argos:en-vi@2#b", translation="v2")
    assert memory.best(TEXT, "en", "vi").id == new.id
    memory.review(old.id, "ed")
    assert memory.best(TEXT, "en", "vi").id == old.id
    assert memory.best(TEXT, "en", "th") is None


def test_stale_when_the_source_leaves_the_knowledge_base_and_back_when_it_returns(memory):
    row = put(memory)
    memory.review(row.id, "ed")
    other = put(memory, text="Another text.", ref=None)  # not knowledge-base content: never staled
    assert memory.sync_sources({(source_hash(TEXT), "en")}) == (0, 0)
    assert memory.sync_sources(set()) == (1, 0)
    stale = memory.by_id(row.id)
    assert stale.status == "stale" and not stale.usable
    assert memory.best(TEXT, "en", "vi") is None and memory.by_id(other.id).status == "machine"
    with pytest.raises(ValueError, match="stale"):
        memory.review(row.id, "ed")
    assert memory.sync_sources({(source_hash(TEXT), "en")}) == (0, 1)
    assert memory.by_id(row.id).status == "reviewed"  # the editor's acceptance is not lost


def test_counts_and_listing(memory):
    put(memory)
    put(memory, text="Rejected one.", passed=False)
    assert memory.counts() == {"vi": {"machine": 1, "machine-rejected": 1}}
    assert [r.source_text for r in memory.rows(status="machine", target_lang="vi")] == [TEXT, "Rejected one."]
    with pytest.raises(KeyError):
        memory.by_id(999)
    with pytest.raises(ValueError, match="empty"):
        memory.review(1, "ed", "   ")
