import sqlite3
import threading

import pytest

from migrant_desk import db


def test_migrations_apply_once_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(db, "_MIGRATIONS", [])
    calls = []

    @db.register("a-001")
    def first(d):
        calls.append("a-001")
        d["a"].create({"id": int}, pk="id")

    @db.register("b-001")
    def second(d):
        calls.append("b-001")
        d["a"].add_column("note", str)

    store = db.Store(tmp_path / "x.db")
    assert calls == ["a-001", "b-001"]
    assert db.migrate(store.db) == [] and calls == ["a-001", "b-001"]
    assert {r["name"] for r in store.db["schema_migrations"].rows} == {"a-001", "b-001"}
    with pytest.raises(ValueError, match="twice"):
        db.register("a-001")(first)


def test_failed_migration_is_rolled_back(tmp_path, monkeypatch):
    monkeypatch.setattr(db, "_MIGRATIONS", [])

    @db.register("bad-001")
    def bad(d):
        d["t"].create({"id": int}, pk="id")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        db.Store(tmp_path / "x.db")
    conn = db.connect(tmp_path / "x.db")
    assert not conn["t"].exists()
    assert [r for r in conn["schema_migrations"].rows] == []


def test_wal_mode_and_per_thread_connections(tmp_path, monkeypatch):
    monkeypatch.setattr(db, "_MIGRATIONS", [])
    store = db.Store(tmp_path / "x.db")
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    seen = []
    t = threading.Thread(target=lambda: seen.append(store.db))
    t.start()
    t.join()
    assert seen[0] is not store.db
