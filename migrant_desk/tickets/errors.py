"""The ticket queue's refusals: a `DomainError` with a code (errors.py); the API layer picks the HTTP status."""

from __future__ import annotations

from ..errors import DomainError, ErrorCode


class TicketError(DomainError):
    """A refused ticket operation: a machine code and a sentence (the API returns both as they are)."""


__all__ = ["ErrorCode", "TicketError"]
