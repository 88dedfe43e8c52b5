"""`migrant-desk backup` and `restore`: a round trip keeps every row of every table; a backup taken while a
writer keeps writing is one consistent moment; a restore refuses a database a running server holds and a file
that is not a migrant-desk database, naming the file."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from migrant_desk import auth, db, knowledge_base
from migrant_desk.backup import BackupError, backup, check_database, restore
from migrant_desk.editorial import gaps
from migrant_desk.editorial.offices_files import open_directory
from migrant_desk.editorial.store import EditorialStore
from migrant_desk.embedding.cache import SharedEmbeddingCache
from migrant_desk.feedback.store import record as record_feedback
from migrant_desk.reports.counts import OutcomeCounter
from migrant_desk.schema import DOMAINS
from migrant_desk.tickets.models import HandoffIn
from migrant_desk.tickets.service import TicketService
from migrant_desk.tickets.store import TicketStore
from migrant_desk.translation.memory import TranslationMemory
from tests.conftest import BUNDLED_KB, write_entry

TRANSCRIPT = [{"role": "migrant", "text": "Công ty giữ hộ chiếu của tôi."}, {"role": "bot", "text": "..."}]


def tables(path: Path) -> dict[str, list[tuple]]:
    """Every table of the file (SQLite's own sqlite_sequence included: purged ticket ids must never come back),
    with its rows in rowid order and its CREATE statement."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        out = {}
        for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            out[name] = [("schema", sql)] + conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall()
        return out
    finally:
        conn.close()


def filled_database(path: Path | str, kb_dir: Path) -> Path | str:
    """A database with rows in every table, written by the code that writes them in the service (a SQLite file,
    or a PostgreSQL URL: tests/test_backup_pg.py)."""
    store = db.Store(path)
    counselor, _ = auth.create_user(store.db, "minh", "counselor", ["vi", "ko"], ["labor"])
    auth.create_user(store.db, "ed", "editor")
    with store.transaction() as d:
        TicketStore.ensure_teams(d, ["labor"], "2026-01-01T00:00:00.000000Z")
    tickets = TicketService(store)
    ticket, _, _ = tickets.handoff(HandoffIn(conversation_id="c-1", lang="vi", consent=True, team="labor",
                                             transcript=TRANSCRIPT), "9f1c2d3e-0000-4000-8000-000000000001")
    tickets.claim_next(counselor)
    tickets.add_counselor_message(ticket["id"], counselor, "Xin chào, tôi là Minh.", "vi")
    for entry_id in ("alpha", "beta"):
        write_entry(kb_dir, entry_id)
    editorial = EditorialStore(store)
    editorial.import_entries(knowledge_base.load(kb_dir).entries, author="seed")
    data = editorial.revision_data("alpha", 1)
    data["tags"] = ["t", "edited"]
    editorial.save(data, "user:2", "an edit")
    editorial.mark_published("alpha", require_review=False, by="user:2")  # logged in kb_publishes
    gaps.log_question(store.db, "강아지 광견병 주사 어디서 맞아요?", "ko", "abstained",
                      np.linspace(-1, 1, 384).astype(np.float32), "alpha", 0.2)
    open_directory(store.db, BUNDLED_KB)  # seeds the office records from knowledge_base/offices
    TranslationMemory(store).put("What is alpha?", "en", "vi", "toy-en-vi", "Alpha là gì?", gate_passed=True,
                                 gate_score=0.91, ref="kb:alpha:question")
    record_feedback(store.db, "vi", "alpha", "medium", False)
    counter = OutcomeCounter(store)
    counter.add("vi", "test", "medium", "alpha")
    counter.flush()
    if store.dialect.name == "postgresql":  # the replicas' shared embedding cache lives in the database there
        SharedEmbeddingCache(store).put([("k" * 64, "toy-model", np.ones(4, dtype=np.float32).tobytes())])
    store.close()  # on PostgreSQL a connected process is a running server to restore()
    return path


@pytest.fixture
def source(tmp_path) -> Path:
    (tmp_path / "kb").mkdir()
    return filled_database(tmp_path / "live.db", tmp_path / "kb")


def test_round_trip_keeps_every_row_of_every_table(source, tmp_path):
    before = tables(source)
    empty = [name for name, rows in before.items() if len(rows) < 2]
    assert not empty, f"the fixture left tables without a row to compare: {empty}"
    report = backup(source, tmp_path / "backups" / "desk.db")
    assert report.tables == len(before) - 1 and report.rows == sum(len(r) - 1 for n, r in before.items()
                                                                   if n != "sqlite_sequence")
    assert report.migrations == [name for name, _ in db.steps_of(DOMAINS, "sqlite")]  # the schema version, complete
    copy = Path(report.target)
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600  # tickets hold migrants' conversations
    assert tables(copy) == before
    # into a database that has other content: afterwards it holds exactly the backup's
    (tmp_path / "other-kb").mkdir()
    other = filled_database(tmp_path / "other.db", tmp_path / "other-kb")
    extra = db.Store(other)
    auth.create_user(extra.db, "someone-else", "admin")
    extra.db.conn.close()
    restored = restore(copy, other)
    assert restored.applied_now == [] and tables(other) == before
    fresh = restore(copy, tmp_path / "new" / "desk.db")
    assert tables(Path(fresh.target)) == before
    assert stat.S_IMODE(Path(fresh.target).stat().st_mode) == 0o600


def backup_while_handing_off(source: str | Path, target: Path):
    """Runs `backup(source, target)` while another connection keeps handing off (one transaction each): waits
    for 20 commits before and 20 after. Returns (report, started, finished, commit times)."""
    stop, commits = threading.Event(), []

    def write() -> None:
        store = db.Store(source)  # its own connection, as another process's (or replica's) would be
        service = TicketService(store)
        n = 0
        while not stop.is_set():
            service.handoff(HandoffIn(conversation_id=f"w-{n}", lang="vi", consent=True, transcript=TRANSCRIPT))
            commits.append(time.perf_counter())
            n += 1
        store.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(commits) < 20:
            time.sleep(0.01)
        started = time.perf_counter()
        report = backup(source, target)
        finished = time.perf_counter()
        while sum(t > finished for t in commits) < 20:
            time.sleep(0.01)
    finally:
        stop.set()
        writer.join(30)
    return report, started, finished, commits


def test_a_backup_during_writes_is_one_consistent_moment(source, tmp_path):
    """A writer keeps handing off (ticket, two transcript messages and an event in one transaction) while the
    backup runs. The copy holds a prefix of the handoffs, each complete, with nothing dangling."""
    store = db.Store(source)
    with db.transaction(store.db) as d:  # ~25 MB more, so the one-step copy lasts while the writer writes
        d.conn.executemany("INSERT INTO question_log (created_at, lang, text, outcome, vector) VALUES (?, ?, ?, ?, ?)",
                           [("2026-11-01T00:00:00.000000Z", "en", f"q{i}", "abstained", os.urandom(1536))
                            for i in range(16_000)])
    report, started, finished, commits = backup_while_handing_off(source, tmp_path / "during.db")
    during = sum(started < t < finished for t in commits)
    assert during > 0, f"no handoff committed during the {finished - started:.3f} s backup: nothing was tested"
    copy = sqlite3.connect(report.target)
    assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert copy.execute("PRAGMA foreign_key_check").fetchall() == []
    ids = [r[0] for r in copy.execute("SELECT id FROM tickets ORDER BY id")]
    assert ids == list(range(1, len(ids) + 1))  # a prefix: no later handoff without an earlier one
    live_total = sqlite3.connect(source).execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
    assert 1 + sum(t < started for t in commits) <= len(ids) < live_total  # the fixture's ticket is id 1
    per_ticket = dict(copy.execute("SELECT ticket_id, COUNT(*) FROM messages GROUP BY ticket_id"))
    created = dict(copy.execute("SELECT ticket_id, COUNT(*) FROM events WHERE action = 'created' GROUP BY ticket_id"))
    for ticket_id in ids[1:]:  # every handoff whole: its ticket, both transcript turns, its event
        assert per_ticket.get(ticket_id) == len(TRANSCRIPT) and created.get(ticket_id) == 1, ticket_id


def test_restore_refuses_a_database_a_running_server_holds(runtime, tmp_path):
    from fastapi.testclient import TestClient

    from tests.ticket_helpers import app_with_db

    (tmp_path / "kb").mkdir()
    saved = backup(filled_database(tmp_path / "old.db", tmp_path / "kb"), tmp_path / "saved.db")
    live = tmp_path / "desk.db"
    with TestClient(app_with_db(runtime, f"sqlite:///{live}")) as client:
        client.post("/v1/handoff", json={"conversation_id": "live-1", "lang": "vi", "consent": True})
        with pytest.raises(BackupError) as refused:
            restore(Path(saved.target), live)
        assert str(live) in str(refused.value) and "--force" in str(refused.value)
        assert sqlite3.connect(live).execute("SELECT conversation_id FROM tickets").fetchall() == [("live-1",)]
        forced = restore(Path(saved.target), live, force=True)  # one transaction under the running server
        assert forced.rows == saved.rows
    restore(Path(saved.target), live)  # the server has stopped: no --force needed
    assert tables(live) == tables(Path(saved.target))


def test_files_that_are_not_a_migrant_desk_database_are_refused_by_name(source, tmp_path):
    target = tmp_path / "target.db"
    missing = tmp_path / "nope.db"
    with pytest.raises(BackupError, match=f"{missing}: no such file"):
        restore(missing, target)
    text = tmp_path / "notes.db"
    text.write_text("not a database")
    with pytest.raises(BackupError, match=f"{text} is not an SQLite database"):
        restore(text, target)
    foreign = tmp_path / "foreign.db"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)")
    with pytest.raises(BackupError, match=f"{foreign} is not a migrant-desk database"):
        restore(foreign, target)
    newer = Path(backup(source, tmp_path / "newer.db").target)
    with sqlite3.connect(newer) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES ('tickets-099-from-the-future', '2030-01-01')")
    with pytest.raises(BackupError, match=f"{newer} was written by a newer migrant-desk.*tickets-099"):
        restore(newer, target)
    assert not target.exists()  # nothing was written for any of them
    with pytest.raises(BackupError, match="exists"):
        backup(source, newer)
    assert check_database(Path(backup(source, newer, overwrite=True).target))


def test_an_older_backup_gets_the_newer_migrations_on_restore(source, tmp_path):
    old = Path(backup(source, tmp_path / "old.db").target)
    with sqlite3.connect(old) as conn:  # as if written before the reports domain existed
        conn.execute("DROP TABLE daily_entry_outcomes")
        conn.execute("DELETE FROM schema_migrations WHERE name = 'reports-002-daily-entry-outcomes'")
    restored = restore(old, tmp_path / "desk.db")
    assert restored.applied_now == ["reports-002-daily-entry-outcomes"]
    assert check_database(tmp_path / "desk.db")[-1] == "reports-002-daily-entry-outcomes"


def test_command_line(source, tmp_path):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "migrant_desk.cli", *args], capture_output=True, text=True,
                              timeout=120)

    out = tmp_path / "cli-backup.db"
    done = cli("backup", str(out), "--db", str(source))
    assert done.returncode == 0 and f"backed up {source} to {out}" in done.stdout, done.stderr
    target = tmp_path / "cli-restored.db"
    with db.serving(target):  # what a running server holds
        refused = cli("restore", str(out), "--db", str(target))
    assert refused.returncode == 1 and f"{target} is in use by a running migrant-desk server" in refused.stderr
    done = cli("restore", str(out), "--db", str(target))
    assert done.returncode == 0 and f"restored {target} from {out}" in done.stdout, done.stderr
    assert tables(target) == tables(source)
