import threading

import pytest

from migrant_desk import db, schema


def test_migrations_apply_once_in_order(tmp_path):
    calls = []
    first_domain, second_domain = db.Migrations("a"), db.Migrations("b")

    @first_domain("a-001")
    def first(d):
        calls.append("a-001")
        d["a"].create({"id": int}, pk="id")

    @second_domain("b-001")
    def second(d):
        calls.append("b-001")
        d["a"].add_column("note", str)

    store = db.Store(tmp_path / "x.db", [first_domain, second_domain])
    assert calls == ["a-001", "b-001"]
    assert db.migrate(store.db, [first_domain, second_domain]) == [] and calls == ["a-001", "b-001"]
    assert {r["name"] for r in store.db["schema_migrations"].rows} == {"a-001", "b-001"}
    with pytest.raises(ValueError, match="twice"):
        first_domain("a-001")(first)
    again = db.Migrations("c")
    again("a-001")(first)
    with pytest.raises(ValueError, match="twice"):
        db.steps_of([first_domain, again])


def test_failed_migration_is_rolled_back(tmp_path):
    bad_domain = db.Migrations("bad")

    @bad_domain("bad-001")
    def bad(d):
        d["t"].create({"id": int}, pk="id")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        db.Store(tmp_path / "x.db", [bad_domain])
    conn = db.connect(tmp_path / "x.db")
    assert not conn["t"].exists()
    assert [r for r in conn["schema_migrations"].rows] == []


def test_the_declared_order_creates_every_table_without_importing_anything_else(tmp_path):
    """A fresh database gets every domain's tables in the order schema.DOMAINS gives, whatever the caller
    imported (before, the tickets' tables needed auth imported first, and a store opened early missed tables)."""
    import subprocess
    import sys

    code = ("from pathlib import Path; from migrant_desk.db import Store; "
            f"s = Store(Path({str(tmp_path / 'fresh.db')!r})); "
            "print(','.join(r[0] for r in s.db.execute('SELECT name FROM schema_migrations ORDER BY rowid')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out.split(",") == [name for name, _ in db.steps_of(schema.DOMAINS)]
    assert out.split(",")[0] == "auth-001-users" and "tickets-001-create" in out


def test_wal_mode_and_per_thread_connections(tmp_path):
    store = db.Store(tmp_path / "x.db", [])
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    seen = []
    t = threading.Thread(target=lambda: seen.append(store.db))
    t.start()
    t.join()
    assert seen[0] is not store.db
