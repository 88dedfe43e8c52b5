"""Startup: the database is seeded once from the files; a stale index is rebuilt or refused with a clear
message; invalid seed entries are skipped and reported."""

import pytest

from migrant_desk import db, knowledge_base
from migrant_desk import index as index_store
from migrant_desk.editorial.store import EditorialStore
from migrant_desk.config import Settings
from migrant_desk.errors import StartupError
from migrant_desk.runtime import start
from tests.conftest import write_entry


def small_kb(tmp_path, *ids):
    kb = tmp_path / "kb"
    kb.mkdir(exist_ok=True)
    for entry_id in ids:
        write_entry(kb, entry_id)
    return kb


def settings(tmp_path, cache_dir, **extra):
    return Settings(kb_path=tmp_path / "kb", index_dir=tmp_path / "idx", cache_dir=cache_dir,
                    db_path=tmp_path / "db.sqlite", **extra)


def test_first_start_builds_then_reuses(tmp_path, cache_dir):
    small_kb(tmp_path, "alpha", "beta")
    first = start(settings(tmp_path, cache_dir))
    assert first.rebuilt and first.index.manifest.entry_count == 2
    second = start(settings(tmp_path, cache_dir))
    assert not second.rebuilt and second.index.manifest.build_id == first.index.manifest.build_id


def import_more(tmp_path, *ids):
    """What `migrant-desk kb import` does: the database, not the seed files, is the source of truth."""
    more = tmp_path / "more"
    more.mkdir(exist_ok=True)
    for entry_id in ids:
        write_entry(more, entry_id)
    store = EditorialStore(db.Store(tmp_path / "db.sqlite").db)
    store.import_entries(knowledge_base.load(more).entries, author="test")


def test_seed_files_are_read_only_into_an_empty_database(tmp_path, cache_dir):
    small_kb(tmp_path, "alpha")
    start(settings(tmp_path, cache_dir))
    small_kb(tmp_path, "gamma")  # editing the seed files after the first start changes nothing served
    again = start(settings(tmp_path, cache_dir))
    assert not again.rebuilt and [e.id for e in again.entries] == ["alpha"]


def test_changed_knowledge_base_serves_the_previous_index_and_rebuilds_in_the_background(tmp_path, cache_dir):
    """What a restart after a crash mid-publish finds: published entries ahead of the index. The previous index
    answers at once; the rebuild runs in the background and is swapped in."""
    small_kb(tmp_path, "alpha")
    old = start(settings(tmp_path, cache_dir)).index.manifest.build_id
    import_more(tmp_path, "gamma")
    again = start(settings(tmp_path, cache_dir))
    assert not again.rebuilt and again.started_build == old and again.pending_rebuild is not None
    result = again.pending_rebuild.result(timeout=120)
    assert result.entries == 2 and again.service.index.manifest.build_id == result.build_id != old
    assert index_store.current_build_id(tmp_path / "idx", "default") == result.build_id
    third = start(settings(tmp_path, cache_dir))  # and the next start finds it current
    assert not third.rebuilt and third.pending_rebuild is None and third.index.manifest.build_id == result.build_id


def test_an_index_for_another_model_is_rebuilt_before_serving(tmp_path, cache_dir):
    small_kb(tmp_path, "alpha")
    first = start(settings(tmp_path, cache_dir))
    manifest_path = tmp_path / "idx" / "default" / "builds" / first.index.manifest.build_id / "manifest.json"
    manifest_path.write_text(manifest_path.read_text().replace(first.index.manifest.model_id, "some/other-model"))
    again = start(settings(tmp_path, cache_dir))
    assert again.rebuilt and again.pending_rebuild is None


def test_refuse_mode_names_the_reason_and_keeps_the_old_index(tmp_path, cache_dir):
    small_kb(tmp_path, "alpha")
    old = start(settings(tmp_path, cache_dir)).index.manifest.build_id
    import_more(tmp_path, "gamma")
    with pytest.raises(StartupError, match="knowledge base changed.*migrant-desk index build"):
        start(settings(tmp_path, cache_dir, on_stale_index="refuse"))
    assert index_store.current_build_id(tmp_path / "idx", "default") == old


def test_invalid_entries_are_skipped_and_reported(tmp_path, cache_dir):
    small_kb(tmp_path, "alpha")
    write_entry(tmp_path / "kb", "broken", translations={"en": {"question": "q"}})
    rt = start(settings(tmp_path, cache_dir))
    assert [e.id for e in rt.entries] == ["alpha"]
    assert [(p.entry_id, p.field) for p in rt.problems] == [("broken", "translations.en.answer")]


def test_no_valid_entry_at_all_is_a_startup_error(tmp_path, cache_dir):
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "x.yaml").write_text("id: [\n")
    with pytest.raises(StartupError, match="no valid entries"):
        start(settings(tmp_path, cache_dir))
