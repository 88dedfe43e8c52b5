"""Errors that carry a message meant for a person: a refusal with a machine code, or a reason not to start.

Services and stores raise `DomainError(ErrorCode.X, "a sentence")` and know nothing of HTTP; the API layer
(http_errors.py) maps each code to its HTTP status in one table and answers {"code", "message"}. A code is a
stable part of the API: clients branch on it, so a member is never renamed.
"""

from __future__ import annotations

from enum import StrEnum


class StartupError(RuntimeError):
    """The service cannot start; the message says why and what to do."""


class ErrorCode(StrEnum):
    # the request itself (most are produced by the API layer: validation, routing, the body limit)
    MALFORMED_JSON = "malformed_json"
    INVALID_REQUEST = "invalid_request"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    HTTP_ERROR = "http_error"  # any other status the framework itself refuses with (its status is kept)
    BODY_TOO_LARGE = "body_too_large"
    EMPTY_TEXT = "empty_text"
    TEXT_TOO_LONG = "text_too_long"
    UNKNOWN_LANGUAGE = "unknown_language"
    RATE_LIMITED = "rate_limited"
    TOO_MANY_WAITS = "too_many_waits"
    # who is calling
    UNAUTHORIZED = "unauthorized"
    INVALID_TOKEN = "invalid_token"
    FORBIDDEN = "forbidden"
    # answers and offices
    ENTRY_NOT_FOUND = "entry_not_found"
    REGION_NOT_FOUND = "region_not_found"
    REGION_AMBIGUOUS = "region_ambiguous"
    OFFICE_NOT_FOUND = "office_not_found"
    # tickets and staff
    TICKET_NOT_FOUND = "ticket_not_found"
    USER_NOT_FOUND = "user_not_found"
    UNKNOWN_USER = "unknown_user"
    UNKNOWN_TEAM = "unknown_team"
    CONSENT_REQUIRED = "consent_required"
    INVALID_IDEMPOTENCY_KEY = "invalid_idempotency_key"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    CONVERSATION_HAS_TICKET = "conversation_has_ticket"
    NOT_IN_QUEUE = "not_in_queue"
    AT_CAPACITY = "at_capacity"
    NOT_A_COUNSELOR = "not_a_counselor"
    NOT_YOUR_TICKET = "not_your_ticket"
    INVALID_TRANSITION = "invalid_transition"
    NOT_ASSIGNED = "not_assigned"
    TICKET_CLOSED = "ticket_closed"
    # editing the knowledge base, and the content-gap report
    INVALID_ENTRY = "invalid_entry"
    ID_MISMATCH = "id_mismatch"
    DUPLICATE_ID = "duplicate_id"
    REVISION_NOT_FOUND = "revision_not_found"
    VARIANT_NOT_FOUND = "variant_not_found"
    VARIANT_REQUIRED = "variant_required"
    REVIEW_REQUIRED = "review_required"
    SELF_REVIEW = "self_review"
    NOT_MACHINE = "not_machine"
    GAP_NOT_FOUND = "gap_not_found"
    # editing office records (an unknown record is OFFICE_NOT_FOUND, as in GET /v1/offices)
    INVALID_OFFICE = "invalid_office"
    UNKNOWN_DISTRICT = "unknown_district"
    DISTRICT_CLAIMED = "district_claimed"
    # reports and translation
    CHART_NOT_FOUND = "chart_not_found"
    INVALID_RANGE = "invalid_range"
    TRANSLATION_UNAVAILABLE = "translation_unavailable"


class DomainError(Exception):
    """A refused operation: a machine code and a sentence for the person. `retry_after` (seconds), when set,
    says when the same request may succeed (a rate limit)."""

    def __init__(self, code: ErrorCode, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.code, self.message, self.retry_after = ErrorCode(code), message, retry_after
