"""Every error status an operation can return, in the OpenAPI schema, as the error body it really has.

Why: clients are generated from the schema, and the fuzz test (tests/test_fuzz_api.py) checks every response
against it; issue 12 found 401/403/404/409 missing on ~35 operations and 422 documented as FastAPI's
validation body, which this service never sends. The statuses are inferred from what an operation has, so a
new route is documented without anyone remembering to:

- a request body: 400 (malformed JSON), 413 (body too large, limits.py), 422;
- any parameter: 422; a path parameter: 404;
- a dependency marked with `raises(...)` (the auth dependencies): the statuses it raises (401, 403, ...);
- a write to tickets or knowledge-base entries: 409, the state conflicts those domains report;
- what a route declares itself in `responses=` (429 where a rate limit applies, 503, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Writes under these prefixes can meet a state conflict: a closed ticket, a stale revision, a duplicate id.
CONFLICT_PREFIXES = ("/v1/tickets", "/v1/editor", "/v1/handoff", "/v1/users")
DESCRIPTIONS = {
    400: "malformed JSON", 401: "no token, or a token that is not valid", 403: "the token's role may not do this",
    404: "no such resource", 409: "conflicts with the resource's current state", 413: "request body too large",
    422: "a field or parameter is invalid", 429: "rate limit or concurrency limit reached (see Retry-After)",
    503: "the feature is not available on this server",
}


class ErrorOut(BaseModel):
    code: str  # machine-readable, stable: e.g. "invalid_request", "not_found", "rate_limited"
    message: str  # a sentence for the person


ERROR_REF = "#/components/schemas/ErrorOut"  # present: the JSON routes use ErrorOut


def raises(*statuses: int) -> Callable[[Callable], Callable]:
    """Mark a dependency with the error statuses it raises, so every operation using it documents them."""
    def mark(dependency: Callable) -> Callable:
        dependency.error_statuses = frozenset(statuses)
        return dependency
    return mark


def statuses_of(route: APIRoute) -> set[int]:
    path_params, other_params, found = _walk(route.dependant)
    if route.body_field is not None:
        found |= {400, 413, 422}
    if path_params or other_params:
        found.add(422)
    if path_params:
        found.add(404)
    if route.methods & WRITE_METHODS and route.path.startswith(CONFLICT_PREFIXES):
        found.add(409)
    return found | {s for s in route.responses if isinstance(s, int) and s >= 400}


def _walk(dependant) -> tuple[bool, bool, set[int]]:
    """(has path parameters, has other parameters, statuses marked on its dependencies), over the whole tree."""
    path = bool(dependant.path_params)
    other = bool(dependant.query_params or dependant.header_params or dependant.cookie_params)
    marked = set(getattr(dependant.call, "error_statuses", ()))
    for sub in dependant.dependencies:
        sub_path, sub_other, sub_marked = _walk(sub)
        path, other, marked = path or sub_path, other or sub_other, marked | sub_marked
    return path, other, marked


def _api_routes(routes: Iterable) -> Iterable[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)  # FastAPI >= 0.16x includes routers lazily
        if included is not None:
            yield from _api_routes(included.routes)


def document(app: FastAPI) -> None:
    """Add the error responses to every route's OpenAPI entry; call once all routes are included."""
    for route in _api_routes(app.routes):
        json_route = "json" in str(getattr(route.response_class, "media_type", None) or "json")
        for status in sorted(statuses_of(route)):
            entry = route.responses.setdefault(status, {})
            entry.setdefault("description", DESCRIPTIONS.get(status, "error"))
            if json_route:
                entry.setdefault("model", ErrorOut)
            else:  # a CSV route: FastAPI would file the error model under text/csv; errors are JSON everywhere
                entry.setdefault("content", {"application/json": {"schema": {"$ref": ERROR_REF}}})
    app.openapi_schema = None  # rebuilt on the next request for it
