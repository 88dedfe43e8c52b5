"""The edge between domain errors and HTTP: the one table of error code -> HTTP status, and the exception
handlers that answer every refusal as {"code", "message"}.

Services and stores raise `DomainError` with an `ErrorCode` (errors.py) and never choose a status; a route that
must answer one code with another status than this table's (the chat page's strings, 404 for an unknown
language) builds its response with `error_response` itself.
"""

from __future__ import annotations

import math

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .errors import DomainError, ErrorCode

E = ErrorCode
STATUS: dict[ErrorCode, int] = {
    E.MALFORMED_JSON: 400, E.EMPTY_TEXT: 400, E.INVALID_IDEMPOTENCY_KEY: 400,
    E.UNAUTHORIZED: 401, E.INVALID_TOKEN: 401,
    E.FORBIDDEN: 403, E.NOT_YOUR_TICKET: 403,
    E.NOT_FOUND: 404, E.ENTRY_NOT_FOUND: 404, E.REGION_NOT_FOUND: 404, E.OFFICE_NOT_FOUND: 404,
    E.TICKET_NOT_FOUND: 404, E.USER_NOT_FOUND: 404, E.REVISION_NOT_FOUND: 404, E.VARIANT_NOT_FOUND: 404,
    E.GAP_NOT_FOUND: 404, E.CHART_NOT_FOUND: 404,
    E.METHOD_NOT_ALLOWED: 405,
    E.REGION_AMBIGUOUS: 409, E.IDEMPOTENCY_CONFLICT: 409, E.CONVERSATION_HAS_TICKET: 409, E.NOT_IN_QUEUE: 409,
    E.AT_CAPACITY: 409, E.INVALID_TRANSITION: 409, E.NOT_ASSIGNED: 409, E.TICKET_CLOSED: 409, E.DUPLICATE_ID: 409,
    E.VARIANT_REQUIRED: 409, E.REVIEW_REQUIRED: 409, E.SELF_REVIEW: 409, E.NOT_MACHINE: 409,
    E.BODY_TOO_LARGE: 413, E.TEXT_TOO_LONG: 413,
    E.INVALID_REQUEST: 422, E.UNKNOWN_LANGUAGE: 422, E.UNKNOWN_USER: 422, E.UNKNOWN_TEAM: 422,
    E.CONSENT_REQUIRED: 422, E.NOT_A_COUNSELOR: 422, E.INVALID_ENTRY: 422, E.ID_MISMATCH: 422, E.INVALID_RANGE: 422,
    E.INVALID_OFFICE: 422, E.UNKNOWN_DISTRICT: 422, E.DISTRICT_CLAIMED: 422,
    E.RATE_LIMITED: 429, E.TOO_MANY_WAITS: 429,
    E.TRANSLATION_UNAVAILABLE: 503,
}
# Codes the framework's own refusals get (routing and method errors); any other status is "http_error".
FRAMEWORK_CODES = {404: E.NOT_FOUND, 405: E.METHOD_NOT_ALLOWED}


def status_of(code: ErrorCode | str) -> int:
    return STATUS[ErrorCode(code)]


def error_response(status: int, code: ErrorCode | str, message: str,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"code": str(code), "message": message}, headers=headers)


def install(app: FastAPI) -> None:
    """Every refusal the app sends, whoever raised it, as {"code", "message"} with its status."""

    @app.exception_handler(DomainError)
    async def _domain_error(_: Request, exc: DomainError):
        headers = {"Retry-After": str(max(1, math.ceil(exc.retry_after)))} if exc.retry_after else None
        return error_response(status_of(exc.code), exc.code, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError):
        errs = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errs):
            return error_response(status_of(E.MALFORMED_JSON), E.MALFORMED_JSON, "The request body is not valid JSON.")
        first = errs[0] if errs else {}
        field = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
        return error_response(status_of(E.INVALID_REQUEST), E.INVALID_REQUEST,
                              f"Field '{field}': {first.get('msg', 'invalid value')}.")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException):
        code = FRAMEWORK_CODES.get(exc.status_code, E.HTTP_ERROR)
        return error_response(exc.status_code, code, str(exc.detail), exc.headers)  # e.g. Allow on 405
