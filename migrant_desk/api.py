"""The app factory (FastAPI's "bigger applications"): middleware, error handlers, one router per domain, and the
services built once at start and handed to the handlers through deps.py. Handlers stay thin: they validate
input, call a service, and let http_errors.py shape refusals as {"code", "message"}."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from . import __version__, db, deps, http_errors, openapi_errors, redaction, replicas
from .config import Settings
from .desk_api import router as desk_router
from .editorial.api import router as editor_router
from .editorial.offices_api import router as offices_editor_router
from .feedback import router as feedback_router
from .limits import BodyLimitAndNoStore, Limits
from .metrics import Metrics, RequestMetrics
from .metrics_api import router as metrics_router
from .reports.api import router as reports_router
from .runtime import Runtime, build_services, start
from .tickets.api import router as tickets_router
from .translation.api import translation_router
from .web import router as web_router


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """`runtime` lets tests share one loaded model; otherwise it is built at startup from `settings`."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Held while the app runs, so `migrant-desk restore` will not replace the database under it (backup.py).
        with db.serving(runtime.store.path if runtime is not None else db.sqlite_path(app_settings.database)):
            started = runtime or start(app_settings)
            services = build_services(started, metrics, limits)
            deps.install(app, services)
            redaction.install()  # after uvicorn set up its log handlers
            # Other replicas' publishes and ticket writes on the same database (replicas.py)
            watcher = replicas.watch(services.store, started.publisher, services.desk, services.tickets.tickets,
                                     services.tickets.notifier, started.offices_version,
                                     app_settings.replica_poll_seconds)
            yield
            if watcher is not None:
                watcher.stop()
            services.outcomes.flush()  # counts of the last seconds before shutdown

    app = FastAPI(title="migrant-desk", version=__version__, lifespan=lifespan,
                  description="Answers migrants' questions from a multilingual knowledge base, or hands them "
                              "to a counselor.")

    http_errors.install(app)  # every refusal as {"code", "message"}, its status from one table

    app_settings = runtime.settings if runtime is not None else (settings or Settings())
    app.add_middleware(BodyLimitAndNoStore, max_body_bytes=app_settings.max_body_bytes)
    metrics = Metrics()
    metrics.add_state_collector(lambda: deps.services_of(app))
    app.add_middleware(RequestMetrics, metrics=metrics, json_lines=app_settings.log_format == "json")
    limits = Limits(app_settings.ask_per_minute, app_settings.ask_burst, app_settings.handoff_per_hour,
                    app_settings.handoff_burst, app_settings.long_polls_per_token, app_settings.long_polls_total)

    app.include_router(desk_router)  # /v1/ask, /v1/languages, /v1/entries, /v1/offices, /healthz
    app.include_router(metrics_router)
    app.include_router(reports_router)
    app.include_router(feedback_router)
    app.include_router(tickets_router)
    app.include_router(editor_router)
    app.include_router(offices_editor_router)  # /v1/editor/offices
    app.include_router(translation_router())  # POST /v1/translate (staff roles, see translation/api.py)
    app.include_router(web_router)  # the chat page (/), /console and /editor (see docs/web.md)
    openapi_errors.document(app)
    return app
