"""The replica watcher in one process, step by step: two runtimes on one database (a SQLite file, and a
PostgreSQL database) stand for two replicas, and each look (`ReplicaWatcher.check`) is called by hand, so every
step is deterministic. The same behaviour over HTTP with two real server processes is tests/test_replicas.py."""

from __future__ import annotations

import asyncio
import copy
import threading
import uuid

import pytest

from migrant_desk import live_versions
from migrant_desk.config import Settings
from migrant_desk.replicas import ReplicaWatcher
from migrant_desk.runtime import start
from migrant_desk.tickets.models import HandoffIn
from migrant_desk.tickets.service import TicketService
from migrant_desk.users import create_user
from tests.conftest import write_entry


@pytest.fixture
def pair(tmp_path, cache_dir, database_url):
    kb = tmp_path / "kb"
    kb.mkdir()
    for entry_id in ("alpha", "beta"):
        write_entry(kb, entry_id)

    def replica(name: str):
        rt = start(Settings(kb_path=kb, index_dir=tmp_path / name, cache_dir=cache_dir,
                            database_url=database_url, translation_dir=tmp_path / "translation",
                            pretranslate_on_start=False))
        tickets = TicketService(rt.store)
        watcher = ReplicaWatcher(rt.store, rt.publisher, rt.service, tickets.tickets, tickets.notifier,
                                 rt.offices_version, interval=0.5)  # not started: checks are called by hand
        return rt, tickets, watcher

    return replica("a"), replica("b")


def edit_and_mark(rt, entry_id: str, answer: str) -> None:
    data = copy.deepcopy(rt.editorial.state(entry_id).draft)
    data["translations"]["en"]["answer"] = answer
    rt.editorial.save(data, "user:1")
    rt.editorial.mark_published(entry_id, require_review=False, by="user:1")


def test_a_publish_on_one_replica_is_caught_up_by_the_other_at_its_next_look(pair):
    (a, _, watch_a), (b, _, watch_b) = pair
    text = f"Alpha is now published from replica A ({uuid.uuid4().hex[:8]})."  # new to the embedding cache
    edit_and_mark(a, "alpha", text)
    result = a.publisher.publish().result(timeout=60)
    version = live_versions.version(a.store.db, live_versions.KB)
    assert a.publisher.served_version == version and result.embedded_texts == 1
    assert b.service.entries["alpha"].translations["en"].answer != text

    watch_a.check()  # A published it itself: its look finds nothing to do
    assert a.service.index.manifest.build_id == result.build_id
    watch_b.check()
    b.publisher.catch_up().result(timeout=60)  # the catch-up the look started (or it, if already done)
    assert b.service.entries["alpha"].translations["en"].answer == text
    assert b.publisher.served_version == version
    assert b.service.index.manifest.kb_hash == a.service.index.manifest.kb_hash  # same entries, its own build
    hits = b.service.rank(text, "en").hits
    assert hits[0].entry_id == "alpha"

    a.editorial.set_archived("beta", True, "user:1")  # an archive is a change to what is live, too
    watch_b.check()
    b.publisher.catch_up().result(timeout=60)
    assert sorted(b.service.entries) == ["alpha"]


def test_a_publish_that_finds_its_entries_already_served_does_not_build_twice(pair):
    """The look may see a local publish's new version before the publish call's rebuild runs: the catch-up
    builds it, and the publish call then names that build instead of building again."""
    (a, _, watch_a), _ = pair
    before = a.service.index.manifest.build_id
    edit_and_mark(a, "beta", "Beta changed while the watcher looked.")
    watch_a.check()  # the look comes first and starts a catch-up
    a.publisher.catch_up().result(timeout=60)  # queued behind it on the one worker: it is done after this
    caught_up = a.service.index.manifest.build_id
    assert caught_up != before and "Beta changed" in a.service.entries["beta"].translations["en"].answer
    result = a.publisher.publish().result(timeout=60)
    assert result.build_id == caught_up == a.service.index.manifest.build_id and result.embedded_texts == 0


def test_a_write_through_one_replica_wakes_a_long_poll_waiting_on_the_other(pair):
    (a, tickets_a, _), (_, tickets_b, watch_b) = pair
    counselor, _ = create_user(a.store.db, "mai", "counselor", ["vi"])
    ticket, _, _ = tickets_a.handoff(HandoffIn(conversation_id="c-1", lang="vi", consent=True))
    watch_b.check()  # B's feed starts after the handoff

    async def wait_on_b() -> bool:
        with tickets_b.notifier.listen(ticket["id"]) as written:
            def write_on_a_then_look_on_b() -> None:
                tickets_a.claim(ticket["id"], counselor)  # A's own notifier is told; B's is not
                watch_b.check()  # B's next look reads the audit events A wrote

            threading.Thread(target=write_on_a_then_look_on_b).start()
            try:
                await asyncio.wait_for(written.wait(), 10)
                return True
            except TimeoutError:
                return False

    assert asyncio.run(wait_on_b())
    assert watch_b.last_event == tickets_b.tickets.last_event_id()
