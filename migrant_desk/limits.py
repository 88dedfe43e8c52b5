"""Limits for anonymous traffic: request body size, request rates (token buckets) and concurrent long-polls.

Why: anonymous callers could put 500 handoffs in the counselors' queue in 18 s, or hold 3,000 long-polls open
with one token and slow every migrant's /v1/ask twenty-fold (issue 12). Limits are per process and per client
address (behind a proxy, run uvicorn with --proxy-headers so the address is the client's, not the proxy's).
A refusal is `rate_limited` or `too_many_waits` with the seconds to wait (HTTP 429 with Retry-After).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager


from .errors import DomainError, ErrorCode
from .http_errors import error_response, status_of

MAX_KEYS = 100_000  # the oldest buckets are forgotten beyond this: memory stays bounded under address churn


class RateLimiter:
    """A token bucket per key: `burst` requests at once, refilled at `per_minute`."""

    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = per_minute / 60.0
        self.burst = burst
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> float | None:
        """None when a request by `key` may go ahead now (and counts it); else seconds until it may."""
        now = self.clock()
        with self._lock:
            tokens, stamp = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - stamp) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
            while len(self._buckets) > MAX_KEYS:
                self._buckets.popitem(last=False)
        return None if allowed else (1.0 - tokens) / self.rate

    def check(self, key: str, what: str) -> None:
        wait = self.retry_after(key)
        if wait is not None:
            raise RateLimited(f"Too many {what} from this address; try again in {math.ceil(wait)} s.", wait)


class ConcurrencyLimiter:
    """At most `per_key` at once for one key (a ticket token) and `total` at once overall."""

    def __init__(self, per_key: int, total: int):
        self.per_key, self.total = per_key, total
        self._open: dict[str, int] = {}
        self._count = 0
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._lock:
            if self._count >= self.total or self._open.get(key, 0) >= self.per_key:
                raise RateLimited("Too many waiting requests; poll again in a few seconds.", 5.0,
                                  code=ErrorCode.TOO_MANY_WAITS)
            self._open[key] = self._open.get(key, 0) + 1
            self._count += 1
        try:
            yield
        finally:
            with self._lock:
                self._count -= 1
                self._open[key] -= 1
                if not self._open[key]:
                    del self._open[key]

    @property
    def open(self) -> int:
        return self._count


class RateLimited(DomainError):
    def __init__(self, message: str, retry_after: float, code: ErrorCode = ErrorCode.RATE_LIMITED):
        super().__init__(code, message, retry_after=retry_after)


class Limits:
    """The service's limits, built once from settings."""

    def __init__(self, ask_per_minute: float, ask_burst: int, handoff_per_hour: float, handoff_burst: int,
                 long_polls_per_token: int, long_polls_total: int):
        self.ask = RateLimiter(ask_per_minute, ask_burst)
        self.handoff = RateLimiter(handoff_per_hour / 60.0, handoff_burst)
        self.long_polls = ConcurrencyLimiter(long_polls_per_token, long_polls_total)


class BodyLimitAndNoStore:
    """ASGI middleware. Refuses a request body over `max_body_bytes` before it is read into memory (413
    body_too_large: by Content-Length, or by counting a chunked body as it arrives), and marks /v1 responses
    `Cache-Control: no-store` (they carry migrants' answers and ticket tokens; no proxy or browser keeps them)."""

    def __init__(self, app, max_body_bytes: int):
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        too_large = error_response(status_of(ErrorCode.BODY_TOO_LARGE), ErrorCode.BODY_TOO_LARGE,
                                   f"The request body is over {self.max_body_bytes} bytes.")
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            return await too_large(scope, receive, send)
        seen = 0
        refused = False  # the 413 has been sent: whatever the app says after that is dropped

        async def limited_receive():
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes and not refused:
                    refused = True
                    await too_large(scope, receive, send)
                    raise _BodyTooLarge  # stops the endpoint; FastAPI may turn it into a 400 we then drop
            return message

        async def marking_send(message):
            if refused:
                return
            if message["type"] == "http.response.start" and scope["path"].startswith("/v1/"):
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                message = {**message, "headers": [*headers, (b"cache-control", b"no-store")]}
            await send(message)

        try:
            await self.app(scope, limited_receive, marking_send)
        except _BodyTooLarge:
            pass


class _BodyTooLarge(Exception):
    pass


def client_key(request) -> str:
    return request.client.host if request.client else "unknown"
