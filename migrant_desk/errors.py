"""Errors that carry a message meant for the person running the service."""


class StartupError(RuntimeError):
    """The service cannot start; the message says why and what to do."""
