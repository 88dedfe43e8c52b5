"""`migrant-desk backup` and `restore` on PostgreSQL (pg_dump / pg_restore, migrant_desk/pg_backup.py): a round
trip keeps every row of every table and the identity counters; a backup taken while a writer writes is one
consistent moment; a restore refuses a database migrant-desk processes are connected to, and files that are not
a migrant-desk dump, naming them."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from migrant_desk import db
from migrant_desk.backup import BackupError, backup, check_database, restore
from migrant_desk.schema import DOMAINS
from migrant_desk.tickets.models import HandoffIn
from migrant_desk.tickets.service import TicketService
from tests.test_backup import TRANSCRIPT, backup_while_handing_off, filled_database


def tables(url: str) -> dict[str, list]:
    """Every table with its columns' definitions and its rows (sorted), and every identity counter."""
    with psycopg.connect(url) as conn:
        out = {}
        for (name,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"):
            columns = conn.execute("SELECT column_name, data_type, is_nullable, is_identity, collation_name "
                                   "FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
                                   [name]).fetchall()
            rows = conn.execute(f'SELECT * FROM "{name}"').fetchall()
            out[name] = [("columns", columns)] + sorted(rows, key=repr)
        out["(identity counters)"] = conn.execute(
            "SELECT sequencename, last_value FROM pg_sequences ORDER BY 1").fetchall()
        return out


@pytest.fixture
def source(pg_cluster, tmp_path):
    (tmp_path / "kb").mkdir()
    url = filled_database(pg_cluster.new_database(empty=True), tmp_path / "kb")
    yield url
    pg_cluster.drop_database(url)


def test_round_trip_keeps_every_row_of_every_table(source, pg_cluster, tmp_path):
    before = tables(source)
    empty = [name for name, rows in before.items() if len(rows) < 2]
    assert not empty, f"the fixture left tables without a row to compare: {empty}"
    report = backup(source, tmp_path / "backups" / "desk.dump")
    assert report.tables == len(before) - 1
    assert report.rows == sum(len(rows) - 1 for name, rows in before.items() if name != "(identity counters)")
    assert report.migrations == [name for name, _ in db.steps_of(DOMAINS, "postgresql")]
    copy = Path(report.target)
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600  # tickets hold migrants' conversations
    assert check_database(copy) == report.migrations
    # into a database that has other content: afterwards it holds exactly the backup's
    (tmp_path / "other-kb").mkdir()
    other = filled_database(pg_cluster.new_database(empty=True), tmp_path / "other-kb")
    store = db.Store(other)
    store.db.execute("INSERT INTO teams (name, created_at) VALUES ('only-here', 'x')")
    store.close()
    restored = restore(copy, other)
    assert restored.applied_now == [] and restored.rows == report.rows and tables(other) == before
    fresh = pg_cluster.new_database(empty=True)
    restore(copy, fresh)
    assert tables(fresh) == before
    # purged ids never come back: the restored counters go on where the source's were
    service = TicketService(db.Store(other))
    ticket, _, _ = service.handoff(HandoffIn(conversation_id="after-restore", lang="vi", consent=True))
    assert ticket["id"] == max(row[0] for row in before["tickets"][1:]) + 1
    service.tickets.store.close()


def test_a_backup_during_writes_is_one_consistent_moment(source, pg_cluster, tmp_path):
    """A writer keeps handing off (ticket, two transcript messages and an event in one transaction) while
    pg_dump runs. The copy holds a prefix of the handoffs, each complete, and its counts are the file's."""
    store = db.Store(source)
    with store.transaction() as d:  # ~25 MB more, so the dump lasts while the writer writes
        d.executemany("INSERT INTO question_log (created_at, lang, text, outcome, vector) VALUES (?, ?, ?, ?, ?)",
                      [("2026-11-01T00:00:00.000000Z", "en", f"q{i}", "abstained", os.urandom(1536))
                       for i in range(16_000)])
    store.close()
    report, started, finished, commits = backup_while_handing_off(source, tmp_path / "during.dump")
    during = sum(started < t < finished for t in commits)
    assert during > 0, f"no handoff committed during the {finished - started:.3f} s backup: nothing was tested"
    copy = pg_cluster.new_database(empty=True)
    restored = restore(Path(report.target), copy)
    assert restored.rows == report.rows  # the counts were taken in the snapshot pg_dump read
    with psycopg.connect(copy) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM tickets ORDER BY id")]
        per_ticket = dict(conn.execute("SELECT ticket_id, COUNT(*) FROM messages GROUP BY ticket_id").fetchall())
        created = dict(conn.execute("SELECT ticket_id, COUNT(*) FROM events WHERE action = 'created' "
                                    "GROUP BY ticket_id").fetchall())
    with psycopg.connect(source) as conn:
        live_total = conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
    assert ids == list(range(1, len(ids) + 1))  # a prefix: no later handoff without an earlier one
    assert 1 + sum(t < started for t in commits) <= len(ids) < live_total  # the fixture's ticket is id 1
    for ticket_id in ids[1:]:  # every handoff whole: its ticket, both transcript turns, its event
        assert per_ticket.get(ticket_id) == len(TRANSCRIPT) and created.get(ticket_id) == 1, ticket_id
    pg_cluster.drop_database(copy)


def test_restore_refuses_a_database_replicas_are_connected_to(source, pg_cluster, tmp_path):
    saved = backup(source, tmp_path / "saved.dump")
    live = pg_cluster.new_database()
    replica = db.Store(live)  # a running server's connection (application_name=migrant-desk)
    replica.db.execute("INSERT INTO teams (name, created_at) VALUES ('live', 'x')")
    with pytest.raises(BackupError) as refused:
        restore(Path(saved.target), live)
    assert "in use by a running migrant-desk server" in str(refused.value) and "--force" in str(refused.value)
    assert replica.db.execute("SELECT name FROM teams").fetchall() == [("live",)]
    forced = restore(Path(saved.target), live, force=True)  # one transaction under the running replica
    assert forced.rows == saved.rows
    assert replica.db.execute("SELECT name FROM teams ORDER BY name").fetchall() == [("labor",)]
    replica.close()
    assert tables(live) == tables(source)


def test_files_that_are_not_a_migrant_desk_dump_are_refused_by_name(source, pg_cluster, tmp_path):
    target = pg_cluster.new_database(empty=True)
    text = tmp_path / "notes.dump"
    text.write_text("not a database")
    with pytest.raises(BackupError, match=f"{text} is not a PostgreSQL backup"):
        restore(text, target)
    sqlite_backup = backup(filled_database(tmp_path / "live.db", _kb(tmp_path)), tmp_path / "sqlite.db")
    with pytest.raises(BackupError, match="is not a PostgreSQL backup"):
        restore(Path(sqlite_backup.target), target)
    foreign = pg_cluster.new_database(empty=True)
    with psycopg.connect(foreign, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(BackupError, match="is not a migrant-desk database"):
        backup(foreign, tmp_path / "foreign.dump")
    newer_db = pg_cluster.new_database()
    with psycopg.connect(newer_db, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES ('tickets-099-from-the-future', '2030-01-01')")
    with pytest.raises(BackupError, match="was written by a newer migrant-desk.*tickets-099"):
        backup(newer_db, tmp_path / "newer.dump")
    with psycopg.connect(target) as conn:
        assert conn.execute("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0


def test_an_older_backup_gets_the_newer_migrations_on_restore(source, pg_cluster, tmp_path):
    with psycopg.connect(source, autocommit=True) as conn:  # as if written before the embedding cache existed
        conn.execute("DROP TABLE embedding_cache")
        conn.execute("DELETE FROM schema_migrations WHERE name = 'embeddings-001-cache'")
    old = Path(backup(source, tmp_path / "old.dump").target)
    target = pg_cluster.new_database()  # a current database: it has the table the backup lacks
    restored = restore(old, target)
    assert restored.applied_now == ["embeddings-001-cache"]
    assert "embeddings-001-cache" not in check_database(old)
    with psycopg.connect(target) as conn:
        last = conn.execute("SELECT name FROM schema_migrations ORDER BY applied_at DESC LIMIT 1").fetchone()[0]
    assert last == "embeddings-001-cache"


def test_command_line(source, pg_cluster, tmp_path):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "migrant_desk.cli", *args], capture_output=True, text=True,
                              timeout=120)

    out = tmp_path / "cli-backup.dump"
    done = cli("backup", str(out), "--db", source)
    assert done.returncode == 0 and f"to {out}" in done.stdout, done.stderr
    target = pg_cluster.new_database(empty=True)
    done = cli("restore", str(out), "--db", target)
    assert done.returncode == 0 and f"from {out}" in done.stdout, done.stderr
    assert tables(target) == tables(source)


def _kb(tmp_path: Path) -> Path:
    folder = tmp_path / "sqlite-kb"
    folder.mkdir()
    return folder
