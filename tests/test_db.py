import threading

import pytest

from migrant_desk import db, pg, schema


def test_migrations_apply_once_in_order(empty_database_url):
    calls = []
    first_domain, second_domain = db.Migrations("a"), db.Migrations("b")

    @first_domain("a-001")
    def first(d):
        calls.append("a-001")
        d.execute(d.dialect.ddl("CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT)"))

    @second_domain("b-001")
    def second(d):
        calls.append("b-001")
        d.execute("ALTER TABLE a ADD COLUMN note TEXT")

    store = db.Store(empty_database_url, [first_domain, second_domain])
    assert calls == ["a-001", "b-001"]
    assert db.migrate(store.db, [first_domain, second_domain]) == [] and calls == ["a-001", "b-001"]
    assert {r["name"] for r in store.db.query("SELECT name FROM schema_migrations")} == {"a-001", "b-001"}
    assert store.db.insert_row("a", {"note": "x"}) == 1 and store.db.insert_row("a", {"note": "y"}) == 2
    with pytest.raises(ValueError, match="twice"):
        first_domain("a-001")(first)
    again = db.Migrations("c")
    again("a-001")(first)
    with pytest.raises(ValueError, match="twice"):
        db.steps_of([first_domain, again])


def test_failed_migration_is_rolled_back(empty_database_url):
    bad_domain = db.Migrations("bad")

    @bad_domain("bad-001")
    def bad(d):
        d.execute(d.dialect.ddl("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        db.Store(empty_database_url, [bad_domain])
    conn = db.Store(empty_database_url, []).db
    assert not conn.table_exists("t")
    assert list(conn.query("SELECT * FROM schema_migrations")) == []


def test_a_domain_for_one_engine_is_applied_only_there(empty_database_url):
    only_pg = db.Migrations("only-pg", dialects=("postgresql",))
    only_pg("only-pg-001")(lambda d: d.execute("CREATE TABLE only_pg (id INTEGER)"))
    store = db.Store(empty_database_url, [only_pg])
    assert store.db.table_exists("only_pg") == (store.dialect.name == "postgresql")


def test_the_declared_order_creates_every_table_without_importing_anything_else(empty_database_url):
    """A fresh database gets every domain's tables in the order schema.DOMAINS gives, whatever the caller
    imported (before, the tickets' tables needed auth imported first, and a store opened early missed tables)."""
    import subprocess
    import sys

    order = "rowid" if empty_database_url.startswith("sqlite") else "applied_at"
    code = ("from migrant_desk.db import Store; "
            f"s = Store({empty_database_url!r}); "
            f"print(','.join(r[0] for r in s.db.execute('SELECT name FROM schema_migrations ORDER BY {order}')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    dialect = "sqlite" if empty_database_url.startswith("sqlite") else "postgresql"
    assert out.split(",") == [name for name, _ in db.steps_of(schema.DOMAINS, dialect)]
    assert out.split(",")[0] == "auth-001-users" and "tickets-001-create" in out


def test_replicas_starting_at_once_apply_each_migration_once(empty_database_url):
    """Several processes (replicas) may open a new database at the same moment: every step runs once, in order,
    and every opener ends up with all tables."""
    results, errors = [], []
    barrier = threading.Barrier(4)

    def open_store():
        try:
            barrier.wait()
            store = db.Store(empty_database_url)
            results.append(store.db.table_names())
            store.close()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = db.Store(empty_database_url)
    names = [r[0] for r in store.db.execute("SELECT name FROM schema_migrations")]
    assert sorted(names) == sorted(n for n, _ in db.steps_of(schema.DOMAINS, store.dialect.name))
    assert all(set(tables) == set(results[0]) and "tickets" in tables for tables in results)


def test_per_thread_connections(database_url):
    store = db.Store(database_url, [])
    seen = []
    t = threading.Thread(target=lambda: seen.append(store.db))
    t.start()
    t.join()
    assert seen[0] is not store.db and store.db is store.db


def test_wal_mode(tmp_path):
    store = db.Store(tmp_path / "x.db", [])
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_write_transaction_waits_for_another_on_postgresql(pg_cluster):
    """BEGIN IMMEDIATE's promise on PostgreSQL: a second write transaction starts only once the first ended,
    in another connection of the same process or of another process."""
    import time

    url = pg_cluster.new_database()
    store = db.Store(url)
    entered, order = threading.Event(), []

    def second():
        entered.wait()
        with store.transaction():
            order.append("second")

    t = threading.Thread(target=second)
    t.start()
    with store.transaction():
        entered.set()
        time.sleep(0.3)  # the other thread is now waiting for the lock, not running
        order.append("first")
    t.join()
    assert order == ["first", "second"]
    store.close()
    pg_cluster.drop_database(url)


def test_placeholders_translate_outside_strings_only():
    assert pg.translate("SELECT * FROM t WHERE a = ? AND b = :name") == "SELECT * FROM t WHERE a = %s AND b = %(name)s"
    assert pg.translate("SELECT '?', 'a:b', \"c?\", x::text, 5 % 2 FROM t -- what?\nWHERE y = ?") == (
        "SELECT '?', 'a:b', \"c?\", x::text, 5 %% 2 FROM t -- what?\nWHERE y = %s")
    assert pg.translate("SELECT 'it''s ?' WHERE z = ?") == "SELECT 'it''s ?' WHERE z = %s"


def test_store_opens_a_file_a_sqlite_url_or_a_postgresql_url(tmp_path):
    assert db.sqlite_path(tmp_path / "a.db") == tmp_path / "a.db"
    assert db.sqlite_path(f"sqlite:///{tmp_path}/a.db") == tmp_path / "a.db"
    assert db.sqlite_path("postgresql://u:secret@host/desk") is None
    store = db.Store(f"sqlite:///{tmp_path}/b.db", [])
    assert store.path == tmp_path / "b.db" and store.dialect.name == "sqlite"
    assert store.describe() == str(tmp_path / "b.db")


def test_the_ddl_of_each_engine():
    sql = "CREATE TABLE x (id INTEGER PRIMARY KEY AUTOINCREMENT, t TEXT NOT NULL, r REAL, b BLOB, n INTEGER)"
    assert db.SQLITE.ddl(sql) == sql
    assert db.POSTGRESQL.ddl(sql) == ('CREATE TABLE x (id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, '
                                      't TEXT COLLATE "C" NOT NULL, r DOUBLE PRECISION, b BYTEA, n INTEGER)')


def test_connections_of_ended_threads_are_closed_on_postgresql(pg_cluster):
    """A server's worker threads come and go; each had its own connection, which must not stay open on the
    database server after its thread ended: it is closed when the next thread opens its own."""
    url = pg_cluster.new_database()
    store = db.Store(url)  # this thread's connection (the migrations ran on it)
    for _ in range(5):
        t = threading.Thread(target=lambda: store.db.execute("SELECT 1").fetchone())
        t.start()
        t.join()
    # Open: this thread's and the last thread's (closed when the next thread comes), not five.
    assert store._pg.count() == 2
    others = store.db.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                              "AND pid <> pg_backend_pid()").fetchone()[0]
    assert others == 1
    store.close()
    assert store._pg.count() == 0
    pg_cluster.drop_database(url)


def test_the_sqlite_set_up_needs_no_psycopg(tmp_path):
    """psycopg is the optional extra `postgres`: without it the SQLite set-up opens, migrates, backs up and
    builds the app exactly as before."""
    import subprocess
    import sys

    code = ("import sys; sys.modules['psycopg'] = None\n"  # import psycopg now raises ImportError
            "from pathlib import Path\n"
            "from migrant_desk import api, cli\n"
            "from migrant_desk.backup import backup\n"
            "from migrant_desk.db import Store\n"
            f"store = Store(Path({str(tmp_path / 'desk.db')!r}))\n"
            "assert 'tickets' in store.db.table_names()\n"
            f"print(backup(store.path, Path({str(tmp_path / 'copy.db')!r})).tables)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 10
