"""Publishing without downtime: rebuild the index from the published entries in a worker thread and swap it in.

Only changed texts are embedded (the embedding cache holds the rest), the new index is saved atomically, and
the service swaps entries and index together in one assignment, so a question asked meanwhile is answered
from the previous index, never from a half-built one and never with an error.

With several replicas on one database, a publish made on another replica reaches this one through `catch_up`
(replicas.py calls it when the database's live version for the knowledge base differs from the one served
here): the same rebuild from the database's published entries, on the same worker, while the previous
snapshot keeps answering.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor

from pydantic import BaseModel

from .. import index as index_store
from ..embedding.embedder import Embedder
from ..index import EntryIndex
from ..knowledge_base import Entry, content_hash

log = logging.getLogger(__name__)
CATCH_UP_RETRY_SECONDS = 10.0  # after a failed catch-up (disk full, ...), instead of every look


class PublishResult(BaseModel):
    build_id: str
    entries: int
    vectors: int
    embedded_texts: int  # texts that were not in the embedding cache
    seconds: float  # from the publish call until the new index answers


class Publisher:
    """One rebuild at a time; a publish that arrives during a rebuild is folded into the next one.

    `live_version` reads the database's version of the published entries (live_versions.KB); the publisher
    records the version it read before loading the entries it serves (`served_version`), so a replica knows
    whether another one has published since."""

    def __init__(self, load_entries: Callable[[], list[Entry]], embedder: Embedder,
                 swap: Callable[[list[Entry], EntryIndex, bool], None], index_root, index_name: str,
                 serving: Callable[[], tuple[Mapping[str, Entry], EntryIndex]] | None = None,
                 live_version: Callable[[], int] = lambda: 0,
                 served_version: int = 0):
        self._load_entries = load_entries
        self._embedder = embedder
        self._swap = swap  # (entries, index, caught_up): caught_up when another replica made the change
        self._serving = serving  # the entries and the index answering now (unchanged entries' vectors are reused)
        self._live_version = live_version
        self._root, self._name = index_root, index_name
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="publisher")
        self._lock = threading.Lock()
        self._catching_up: Future | None = None
        self._failed_at = -CATCH_UP_RETRY_SECONDS
        self.served_version = served_version
        self.last: PublishResult | None = None

    def publish(self) -> Future:
        """Schedule a rebuild from the currently published entries; the future gives a PublishResult."""
        requested = time.perf_counter()
        return self._executor.submit(self._rebuild, requested, False)

    def catch_up(self) -> Future | None:
        """Another process changed the published entries: rebuild from the database, unless a catch-up is
        already queued or running (it will read the newest state), or the last one failed moments ago."""
        with self._lock:
            if self._catching_up is not None and not self._catching_up.done():
                return self._catching_up
            if time.monotonic() - self._failed_at < CATCH_UP_RETRY_SECONDS:
                return None
            self._catching_up = self._executor.submit(self._rebuild, time.perf_counter(), True)
            self._catching_up.add_done_callback(self._caught_up)
            return self._catching_up

    def _caught_up(self, future: Future) -> None:
        if future.exception() is not None:
            self._failed_at = time.monotonic()
            log.error("could not load another replica's publish (retrying in %ss)", CATCH_UP_RETRY_SECONDS,
                      exc_info=future.exception())

    def _rebuild(self, requested: float, caught_up: bool) -> PublishResult | None:
        version = self._live_version()  # before the entries: a publish landing in between is seen next time
        if caught_up and version == self.served_version:
            return None  # a local publish got there first
        entries = self._load_entries()
        served_entries, serving = self._serving() if self._serving is not None else (None, None)
        if serving is not None and serving.manifest.kb_hash == content_hash(entries):
            # Already answering from exactly these entries (a catch-up raced this publish, or nothing changed):
            # no second build, and the result names the build that answers.
            self.served_version = version
            m = serving.manifest
            return PublishResult(build_id=m.build_id, entries=m.entry_count, vectors=m.vector_count,
                                 embedded_texts=0, seconds=round(time.perf_counter() - requested, 3))
        misses_before = getattr(self._embedder, "misses", 0)
        built = index_store.build(entries, self._embedder, previous=serving, previous_entries=served_entries)
        if caught_up:  # the other replica's publish is live here first; saving only spares a rebuild at restart
            self._swap(entries, built, caught_up)
            self.served_version = version
            try:
                index_store.save(built, self._root, self._name)
            except OSError:
                log.exception("serving another replica's publish, but its index was not saved: a restart rebuilds")
        else:  # a local publish is live only once saved: a failed save leaves the previous index answering
            index_store.save(built, self._root, self._name)
            self._swap(entries, built, caught_up)
            self.served_version = version
        result = PublishResult(
            build_id=built.manifest.build_id, entries=len(entries), vectors=built.manifest.vector_count,
            embedded_texts=getattr(self._embedder, "misses", 0) - misses_before,
            seconds=round(time.perf_counter() - requested, 3),
        )
        self.last = result
        log.info("%s index %s: %d entries, %d texts embedded, %.3fs",
                 "caught up with another replica's publish:" if caught_up else "published", result.build_id,
                 result.entries, result.embedded_texts, result.seconds)
        return result
