"""Wake-ups for long-polls: a reader waiting on a ticket is woken as soon as this process writes to it.

Writers call `notify(ticket_id)` from any thread (FastAPI runs sync endpoints in a thread pool); readers are
coroutines on the event loop. A reader starts listening *before* it reads the database and clears its flag
before each read, so a write that lands between the read and the wait still wakes it. Writes from other
processes (the CLI, another replica) reach `notify` through replicas.py, which reads the audit events they wrote
every MIGRANT_DESK_REPLICA_POLL_SECONDS; a long-poll also re-reads every few seconds as a backstop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Notifier:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}

    def notify(self, ticket_id: int) -> None:
        with self._lock:
            listeners = list(self._listeners.get(ticket_id, ()))
        for loop, event in listeners:
            loop.call_soon_threadsafe(event.set)

    @contextmanager
    def listen(self, ticket_id: int) -> Iterator[asyncio.Event]:
        """An event set whenever the ticket is written to, while the block runs (call inside the event loop)."""
        listener = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._listeners.setdefault(ticket_id, set()).add(listener)
        try:
            yield listener[1]
        finally:
            with self._lock:
                remaining = self._listeners.get(ticket_id)
                if remaining is not None:
                    remaining.discard(listener)
                    if not remaining:
                        del self._listeners[ticket_id]

    def listeners(self, ticket_id: int) -> int:
        with self._lock:
            return len(self._listeners.get(ticket_id, ()))
