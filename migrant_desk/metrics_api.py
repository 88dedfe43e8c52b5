"""GET /metrics: the app's registry (metrics.py) in Prometheus' text format, behind MIGRANT_DESK_METRICS_TOKEN
when it is set."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .deps import MetricsDep, SettingsDep
from .errors import DomainError, ErrorCode

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, settings: SettingsDep, registry: MetricsDep) -> Response:
    token = settings.metrics_token
    if token and request.headers.get("authorization") != f"Bearer {token}":
        raise DomainError(ErrorCode.UNAUTHORIZED, "Send the metrics token as 'Authorization: Bearer <token>'.")
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)
