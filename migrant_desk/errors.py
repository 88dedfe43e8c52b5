"""Errors that carry a message meant for the person running the service."""


class StartupError(RuntimeError):
    """The service cannot start; the message says why and what to do."""


class ApiError(Exception):
    """A refused HTTP request: api.py turns it into {"code": ..., "message": ...} with this status. It lives here
    (not in api.py) so routers in other modules can raise it without importing the app."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
