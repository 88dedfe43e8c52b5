"""Revisions, drafts, rollback, variant status and validation in the editorial store (real SQLite and
PostgreSQL)."""

import copy

import pytest

from migrant_desk import db
from migrant_desk.editorial.store import EditError, EditorialStore


@pytest.fixture
def store(database_url):
    return EditorialStore(db.Store(database_url).db)


@pytest.fixture
def seeded(store, bundled_entries):
    picked = [e for e in bundled_entries if e.id in {"severance-pay", "minimum-wage", "phone-plan"}]
    store.import_entries(picked, author="seed")
    return store


def test_import_publishes_and_a_second_import_changes_nothing(seeded, bundled_entries):
    assert [e.id for e in seeded.published_entries()] == ["minimum-wage", "phone-plan", "severance-pay"]
    picked = [e for e in bundled_entries if e.id in {"severance-pay", "minimum-wage", "phone-plan"}]
    assert seeded.import_entries(picked, author="seed") == {"created": 0, "updated": 0, "unchanged": 3}
    assert [r.number for r in seeded.revisions("severance-pay")] == [1]


def test_a_save_is_a_draft_until_published(seeded):
    data = copy.deepcopy(seeded.state("severance-pay").draft)
    data["translations"]["en"]["answer"] = "Updated answer about severance pay, for the test."
    number = seeded.save(data, author="user:1", note="fix")
    state = seeded.state("severance-pay")
    assert number == 2 and state.has_unpublished_changes and state.published_revision == 1
    live = {e.id: e for e in seeded.published_entries()}
    assert live["severance-pay"].translations["en"].answer != data["translations"]["en"]["answer"]
    seeded.mark_published("severance-pay", require_review=False)
    live = {e.id: e for e in seeded.published_entries()}
    assert live["severance-pay"].translations["en"].answer == data["translations"]["en"]["answer"]


def test_history_diff_and_rollback(seeded):
    original = copy.deepcopy(seeded.state("phone-plan").draft)
    changed = copy.deepcopy(original)
    changed["translations"]["ko"]["answer"] = "바뀐 답변입니다. 통신사에 문의하세요."
    seeded.save(changed, author="user:2")
    diff = seeded.diff("phone-plan", 1, 2)
    assert "-" in diff and "+" in diff and "바뀐 답변입니다" in diff
    number = seeded.rollback("phone-plan", 1, author="user:2")
    assert number == 3 and seeded.state("phone-plan").draft == original
    assert [(r.number, r.author) for r in seeded.revisions("phone-plan")] == [(1, "seed"), (2, "user:2"), (3, "user:2")]


def test_changing_english_marks_derived_variants_stale(seeded):
    state = seeded.state("minimum-wage")
    derived = [v.lang for v in state.variants if v.source_lang == "en"]
    assert derived and all(v.status == "human" for v in state.variants)
    data = copy.deepcopy(state.draft)
    data["translations"]["en"]["answer"] = "The minimum wage changes every year; check the current rate with 1350."
    seeded.save(data, author="user:1")
    statuses = {v.lang: v.status for v in seeded.state("minimum-wage").variants}
    assert {statuses[l] for l in derived} == {"stale"} and statuses["ko"] == "human" and statuses["en"] == "human"
    assert "minimum-wage" in seeded.translation_report("vi")["stale"]
    # rewriting the Vietnamese variant makes it current again
    vi = data["translations"]["vi"]
    seeded.save_variant("minimum-wage", "vi", {**vi, "answer": vi["answer"] + " (cập nhật)"}, author="user:1")
    assert {v.lang: v.status for v in seeded.state("minimum-wage").variants}["vi"] == "human"


def test_machine_translation_can_be_accepted_as_reviewed(seeded):
    seeded.save_variant("phone-plan", "th", {"question": "q", "alternates": [], "answer": "คำตอบ"},
                        author="translator", status="machine")
    assert "phone-plan" in seeded.translation_report("th")["machine"]
    seeded.accept_variant("phone-plan", "th", author="user:1")
    assert {v.lang: v.status for v in seeded.state("phone-plan").variants}["th"] == "reviewed"
    with pytest.raises(EditError) as exc:
        seeded.accept_variant("phone-plan", "ko", author="user:1")
    assert exc.value.code == "not_machine"


def test_missing_variants_are_listed(store, bundled_entries):
    entry = next(e for e in bundled_entries if e.id == "phone-plan")
    without_km = entry.model_copy(update={"translations": {k: v for k, v in entry.translations.items() if k != "km"}})
    store.import_entries([without_km], author="seed")
    assert store.translation_report("km")["missing"] == ["phone-plan"]
    assert store.translation_report("ko")["missing"] == []


@pytest.mark.parametrize(
    "change,field",
    [
        (lambda d: d["translations"]["en"].pop("answer"), "translations.en.answer"),
        (lambda d: d["translations"].update({"xx": {"answer": "hi"}}), "translations"),
        (lambda d: d["source"].update({"url": "not a url"}), "source.url"),
        (lambda d: d["translations"]["en"].update({"answer": "x" * 3001}), "translations.en.answer"),
    ],
)
def test_invalid_saves_are_refused_naming_the_field_and_change_nothing(seeded, change, field):
    data = copy.deepcopy(seeded.state("severance-pay").draft)
    change(data)
    with pytest.raises(EditError) as exc:
        seeded.save(data, author="user:1")
    assert exc.value.code == "invalid_entry" and field in [p.field for p in exc.value.problems]
    assert [r.number for r in seeded.revisions("severance-pay")] == [1]


def test_duplicate_id_is_refused(seeded):
    data = copy.deepcopy(seeded.state("severance-pay").draft)
    with pytest.raises(EditError) as exc:
        seeded.save(data, author="user:1", create=True)
    assert exc.value.code == "duplicate_id"


def test_second_editor_review(seeded):
    data = copy.deepcopy(seeded.state("phone-plan").draft)
    data["tags"] = ["phone", "changed"]
    seeded.save(data, author="user:1")
    with pytest.raises(EditError, match="review"):
        seeded.mark_published("phone-plan", require_review=True)
    with pytest.raises(EditError) as exc:
        seeded.approve("phone-plan", "user:1")
    assert exc.value.code == "self_review"
    seeded.approve("phone-plan", "user:2")
    assert seeded.mark_published("phone-plan", require_review=True) == 2


def test_archived_entries_leave_the_live_set(seeded):
    seeded.set_archived("phone-plan", True, author="user:1")
    assert "phone-plan" not in [e.id for e in seeded.published_entries()]
