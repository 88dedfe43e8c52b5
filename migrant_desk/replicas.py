"""Several `migrant-desk serve` processes on one database: each notices what the others wrote.

What is shared lives in the database: tickets, messages, users, revisions, what is published (and its version,
live_versions.py), the translation memory. What each process keeps for itself: the loaded index and entries
(its snapshot), the office directory, the in-process wake-ups of long-polls (tickets/notify.py), rate limits
and metrics. A `ReplicaWatcher` thread keeps the per-process part in step with the shared part; every
`interval` seconds it runs three cheap queries:

- the live versions: the knowledge base's differs from the one this process serves → `Publisher.catch_up`
  rebuilds from the database's published entries (the embedding cache embeds only texts new to it) while the
  previous snapshot keeps answering; the offices' differs → the office directory is reloaded;
- the ticket audit events written since the last look → the long-polls waiting on those tickets in this
  process are woken (a reply written through another replica reaches the migrant within one interval). Writes
  made here wake them at once as before; the watcher only adds the other processes' writes.

The polling works the same on SQLite (several processes on one file in WAL mode, on one machine) and on
PostgreSQL (replicas on several machines): on both, write transactions run one at a time (BEGIN IMMEDIATE;
pg.py's advisory lock) and every event is written inside one, so `events` ids follow commit order and
`id > last` misses nothing. On PostgreSQL the same `check` could also run when a LISTEN connection receives a
NOTIFY sent by the writing transaction, with the timer kept as a fallback.
"""

from __future__ import annotations

import logging
import threading
import time

from . import live_versions
from .db import Store
from .editorial.offices_files import go_live
from .editorial.offices_store import OfficeStore, known_districts
from .editorial.publish import Publisher
from .service import DeskService
from .tickets.notify import Notifier
from .tickets.store import TicketStore

log = logging.getLogger(__name__)
ERROR_LOG_SECONDS = 60.0  # a database that stays unreadable is logged once a minute, not at every look


class ReplicaWatcher:
    def __init__(self, store: Store, publisher: Publisher, desk: DeskService, tickets: TicketStore,
                 notifier: Notifier, offices_version: int, interval: float):
        self.store, self.publisher, self.desk = store, publisher, desk
        self.tickets, self.notifier = tickets, notifier
        self.offices_version = offices_version  # the version the office directory was loaded at
        self.interval = interval
        self.last_event = tickets.last_event_id()  # older writes were there before anyone could wait on them
        self.checks = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._logged_error_at = -ERROR_LOG_SECONDS

    def check(self) -> None:
        """One look at the database: catch up with publishes and wake long-polls for other processes' writes."""
        live = live_versions.read(self.store.db)
        if live.get(live_versions.KB, 0) != self.publisher.served_version:
            self.publisher.catch_up()  # no-op while one runs; it reads the newest version itself
        offices = live.get(live_versions.OFFICES, 0)
        if offices != self.offices_version:
            self._reload_offices()
            self.offices_version = offices  # read before the records, so a later publish is seen next time
        self.last_event, changed = self.tickets.changed_since(self.last_event)
        for ticket_id in changed:
            self.notifier.notify(ticket_id)
        self.checks += 1

    def _reload_offices(self) -> None:
        directory = self.desk.offices
        if directory is None:
            return
        go_live(OfficeStore(self.store.db, known_districts(directory.districts)), self.desk)
        log.info("office directory reloaded: another process published office records")

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:  # noqa: BLE001 - a locked or unreachable database must not end the watching
                if time.monotonic() - self._logged_error_at >= ERROR_LOG_SECONDS:
                    self._logged_error_at = time.monotonic()
                    log.exception("could not read the database's changes; retrying every %ss", self.interval)

    def start(self) -> ReplicaWatcher:
        self._thread = threading.Thread(target=self._run, name="replica-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def watch(store: Store, publisher: Publisher, desk: DeskService, tickets: TicketStore, notifier: Notifier,
          offices_version: int, interval: float) -> ReplicaWatcher | None:
    """Started when the app starts (api.py); None when MIGRANT_DESK_REPLICA_POLL_SECONDS is 0 (one process
    that wants no background reads: publishes by others then show after a restart)."""
    if interval <= 0:
        return None
    return ReplicaWatcher(store, publisher, desk, tickets, notifier, offices_version, interval).start()
