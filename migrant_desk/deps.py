"""The services a request handler may ask for, as FastAPI dependencies with typed aliases.

This is the only module that touches `app.state`: the app factory stores the services it built at start
(`install`), and handlers declare what they use, e.g.

    @router.get("/v1/languages")
    def languages(desk: DeskDep) -> list[LanguageOut]: ...

so a handler's signature says what it depends on, and a test can build the app on services of its own.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request

from .config import Settings
from .db import Store
from .editorial.publish import Publisher
from .editorial.store import EditorialStore
from .knowledge_base import EntryProblem
from .limits import Limits
from .metrics import Metrics
from .reports.counts import OutcomeCounter
from .runtime import Services
from .service import DeskService
from .tickets.service import TicketService
from .translation import Translator


def install(app: FastAPI, services: Services) -> None:
    app.state.services = services


def services_of(app: FastAPI) -> Services:
    """The services an app was started with (for the metrics collector, which runs outside a request, and tests)."""
    return app.state.services


def _services(request: Request) -> Services:
    return services_of(request.app)


def get_settings(request: Request) -> Settings:
    return _services(request).settings


def get_desk(request: Request) -> DeskService:
    return _services(request).desk


def get_store(request: Request) -> Store:
    return _services(request).store


def get_tickets(request: Request) -> TicketService:
    return _services(request).tickets


def get_editorial(request: Request) -> EditorialStore:
    return _services(request).editorial


def get_publisher(request: Request) -> Publisher:
    return _services(request).publisher


def get_outcomes(request: Request) -> OutcomeCounter:
    return _services(request).outcomes


def get_translation(request: Request) -> Translator | None:
    return _services(request).translation


def get_problems(request: Request) -> list[EntryProblem]:
    return _services(request).problems


def get_metrics(request: Request) -> Metrics:
    return _services(request).metrics


def get_limits(request: Request) -> Limits:
    return _services(request).limits


SettingsDep = Annotated[Settings, Depends(get_settings)]
DeskDep = Annotated[DeskService, Depends(get_desk)]
StoreDep = Annotated[Store, Depends(get_store)]
TicketsDep = Annotated[TicketService, Depends(get_tickets)]
EditorialDep = Annotated[EditorialStore, Depends(get_editorial)]
PublisherDep = Annotated[Publisher, Depends(get_publisher)]
OutcomesDep = Annotated[OutcomeCounter, Depends(get_outcomes)]
TranslationDep = Annotated[Translator | None, Depends(get_translation)]
ProblemsDep = Annotated[list[EntryProblem], Depends(get_problems)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
LimitsDep = Annotated[Limits, Depends(get_limits)]
