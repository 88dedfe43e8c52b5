"""The background pre-translation worker never leaves a request behind (issue 15).

Before, `_drain` decided under the lock that nothing was pending and returned, but the thread still reported
is_alive() for a moment after; a publish arriving in that moment saw a live worker, left its request pending
and started none, so the new entries were not translated until the next publish. The test holds the first
worker exactly there (after it released the lock on finding nothing to do) and makes the request then.
"""

from __future__ import annotations

import threading

from migrant_desk.db import Store
from migrant_desk.translation.backend import ArgosBackend
from migrant_desk.translation.memory import TranslationMemory
from migrant_desk.translation.translator import Translator


class PausingLock:
    """A lock that holds the first pre-translation worker right after its second release: the first release
    follows taking the request, the second follows finding nothing left. The worker thread is still alive
    there, which is the moment the old code got wrong."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.first_worker: threading.Thread | None = None
        self.releases = 0
        self.worker_stopping = threading.Event()
        self.request_made = threading.Event()

    def __enter__(self):
        self._lock.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self._lock.release()
        me = threading.current_thread()
        if me.name != "pretranslate" or self.first_worker not in (None, me):
            return
        self.first_worker = me
        self.releases += 1
        if self.releases == 2:
            self.worker_stopping.set()
            self.request_made.wait(30)


def test_a_request_arriving_as_the_worker_stops_is_run(tmp_path, translation_dir):
    backend = ArgosBackend(translation_dir / "packages")  # real installed packages: the worker runs its load
    translator = Translator(backend, TranslationMemory(Store(tmp_path / "t.db")), gate=None, targets=[])
    lock = translator._worker_lock = PausingLock()
    loads: list[str] = []

    def load(name):
        def entries():
            loads.append(name)
            return []  # nothing to translate: the test is about who runs the request, not the translating
        return entries

    translator.pretranslate_in_background(load("start"))
    assert lock.worker_stopping.wait(30), "the first worker never got to its last release"
    assert lock.first_worker.is_alive()  # the window: alive, but done deciding
    translator.pretranslate_in_background(load("publish"))
    lock.request_made.set()
    lock.first_worker.join(30)
    translator.wait()
    assert loads == ["start", "publish"]
    assert translator._pending is None
