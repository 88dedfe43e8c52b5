"""Publishing without downtime: rebuild the index from the published entries in a worker thread and swap it in.

Only changed texts are embedded (the embedding cache holds the rest), the new index is saved atomically, and
the service swaps entries and index together in one assignment, so a question asked meanwhile is answered
from the previous index, never from a half-built one and never with an error.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from pydantic import BaseModel

from .. import index as index_store
from ..embedding.embedder import Embedder
from ..index import EntryIndex
from ..knowledge_base import Entry

log = logging.getLogger(__name__)


class PublishResult(BaseModel):
    build_id: str
    entries: int
    vectors: int
    embedded_texts: int  # texts that were not in the embedding cache
    seconds: float  # from the publish call until the new index answers


class Publisher:
    """One rebuild at a time; a publish that arrives during a rebuild is folded into the next one."""

    def __init__(self, load_entries: Callable[[], list[Entry]], embedder: Embedder,
                 swap: Callable[[list[Entry], EntryIndex], None], index_root, index_name: str):
        self._load_entries = load_entries
        self._embedder = embedder
        self._swap = swap
        self._root, self._name = index_root, index_name
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="publisher")
        self._lock = threading.Lock()
        self.last: PublishResult | None = None

    def publish(self) -> Future:
        """Schedule a rebuild from the currently published entries; the future gives a PublishResult."""
        requested = time.perf_counter()
        return self._executor.submit(self._rebuild, requested)

    def _rebuild(self, requested: float) -> PublishResult:
        with self._lock:
            entries = self._load_entries()
            misses_before = getattr(self._embedder, "misses", 0)
            built = index_store.build(entries, self._embedder)
            index_store.save(built, self._root, self._name)
            self._swap(entries, built)
            result = PublishResult(
                build_id=built.manifest.build_id, entries=len(entries), vectors=built.manifest.vector_count,
                embedded_texts=getattr(self._embedder, "misses", 0) - misses_before,
                seconds=round(time.perf_counter() - requested, 3),
            )
            self.last = result
            log.info("published index %s: %d entries, %d texts embedded, %.3fs", result.build_id, result.entries,
                     result.embedded_texts, result.seconds)
            return result
