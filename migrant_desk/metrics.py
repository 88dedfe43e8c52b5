"""Operators' view: Prometheus metrics (served at GET /metrics by metrics_api.py) and one access line per request
with a request id.

Counted, never stored: label values are route templates, languages, bands and statuses (no question text, no
ids of people). Queue depth, overdue tickets, long-polls and the index are read when Prometheus scrapes.
`MIGRANT_DESK_METRICS_TOKEN` makes /metrics require `Authorization: Bearer <token>`;
`MIGRANT_DESK_LOG_FORMAT=json` writes the access lines as JSON.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

from .clock import iso, utcnow

if TYPE_CHECKING:
    from .runtime import Services

access_log = logging.getLogger("migrant_desk.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class Metrics:
    """One registry per app, so that several apps in one process (tests) do not collide."""

    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter("migrant_desk_http_requests", "HTTP requests", ["route", "method", "status"],
                                registry=self.registry)
        self.latency = Histogram("migrant_desk_http_request_seconds", "HTTP request duration", ["route", "method"],
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30),
                                 registry=self.registry)
        self.asks = Counter("migrant_desk_ask_outcomes", "answers by language, band and kind",
                            ["lang", "band", "kind"], registry=self.registry)
        self.batch_size = Histogram("migrant_desk_embedding_batch_size", "questions per model call",
                                    buckets=(1, 2, 4, 8, 16, 32, 64), registry=self.registry)
        self.batch_seconds = Histogram("migrant_desk_embedding_batch_seconds", "model time per call",
                                       buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1), registry=self.registry)

        self.publish_seconds = Histogram("migrant_desk_publish_seconds", "publish call until the new index answers",
                                         buckets=(0.5, 1, 2, 5, 10, 30, 60, 120), registry=self.registry)

    def observe_batch(self, size: int, seconds: float) -> None:
        self.batch_size.observe(size)
        self.batch_seconds.observe(seconds)

    def add_state_collector(self, services: Callable[[], Services]) -> None:
        """`services` gives the app's services once it has started (the registry is made before that)."""
        self.registry.register(_StateCollector(services))


class _StateCollector:
    """Gauges read from the running service at scrape time."""

    def __init__(self, services: Callable[[], Services]):
        self.services = services

    def collect(self):
        services = self.services()
        manifest = services.desk.index.manifest
        vectors = GaugeMetricFamily("migrant_desk_index_vectors", "vectors in the serving index", labels=["build_id"])
        vectors.add_metric([manifest.build_id], manifest.vector_count)
        yield vectors
        polls = GaugeMetricFamily("migrant_desk_long_polls_open", "message long-polls waiting now")
        polls.add_metric([], services.limits.long_polls.open)
        yield polls
        depth = GaugeMetricFamily("migrant_desk_queue_depth", "active tickets", labels=["lang", "status"])
        overdue = GaugeMetricFamily("migrant_desk_tickets_overdue", "active tickets past an SLA", labels=["lang"])
        per_lang: dict[str, int] = {}
        for lang, status, count, late in services.tickets.tickets.queue_depth(iso(utcnow())):
            depth.add_metric([lang, status], count)
            per_lang[lang] = per_lang.get(lang, 0) + (late or 0)
        for lang, late in per_lang.items():
            overdue.add_metric([lang], late)
        yield depth
        yield overdue
        if services.translation is not None:  # machine translations kept, by the quality gate's verdict
            kept = GaugeMetricFamily("migrant_desk_translations", "machine translations in the memory by gate outcome",
                                     labels=["lang", "outcome"])
            for lang, by_status in services.translation.memory.counts().items():
                for status, count in by_status.items():
                    kept.add_metric([lang, status], count)
            yield kept


class RequestMetrics:
    """ASGI middleware: X-Request-ID on every response (the caller's, if it sent a sane one), the request counted
    and timed by route template, and one access line per request."""

    def __init__(self, app, metrics: Metrics, json_lines: bool):
        self.app, self.metrics, self.json_lines = app, metrics, json_lines

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = [500]

        async def with_id(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"x-request-id", request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, with_id)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            seconds = time.perf_counter() - started
            self.metrics.requests.labels(route, scope["method"], str(status[0])).inc()
            self.metrics.latency.labels(route, scope["method"]).observe(seconds)
            extra = scope["state"].get("log_extra", {})
            fields = {"request_id": request_id, "method": scope["method"], "route": route, "status": status[0],
                      "ms": round(seconds * 1000, 1), **extra}
            access_log.info(json.dumps(fields) if self.json_lines else
                            " ".join(f"{k}={v}" for k, v in fields.items()))
