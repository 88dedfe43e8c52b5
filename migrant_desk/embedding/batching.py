"""Micro-batching of concurrent queries: one forward pass for every question that is waiting.

A single short query costs ~20 ms of model time on our 2-core machines, and most of that is per-call overhead:
embedded together, short texts run at ~230/s. So when requests arrive concurrently, a worker thread takes
everything queued (up to `max_batch`) and embeds it at once. It never waits for more to arrive, so a lone
request pays only a thread hand-off.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np

from .embedder import Embedder, Kind


class BatchingEmbedder:
    def __init__(self, inner: Embedder, max_batch: int = 32):
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.max_batch = max_batch
        self.observe: Callable[[int, float], None] | None = None  # (batch size, seconds): /metrics sets it
        self._queue: queue.Queue[tuple[str, Future]] = queue.Queue()
        self._worker = threading.Thread(target=self._run, name="query-embedder", daemon=True)
        self._worker.start()

    def embed(self, texts: list[str], kind: Kind) -> np.ndarray:
        if kind != "query" or len(texts) != 1:
            return self.inner.embed(texts, kind)
        future: Future = Future()
        self._queue.put((texts[0], future))
        return future.result()[None, :]

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            started = time.perf_counter()
            try:
                vectors = self.inner.embed([text for text, _ in batch], "query")
            except Exception:  # noqa: BLE001 - one request's bad text must not fail the others in its batch
                self._one_by_one(batch)
                continue
            if self.observe is not None:
                self.observe(len(batch), time.perf_counter() - started)
            for (_, future), vector in zip(batch, vectors):
                future.set_result(vector)

    def _one_by_one(self, batch: list[tuple[str, Future]]) -> None:
        for text, future in batch:
            try:
                future.set_result(self.inner.embed([text], "query")[0])
            except Exception as exc:  # noqa: BLE001 - goes to the one request it belongs to
                future.set_exception(exc)
