"""The migrant's yes/no under an answer: stored anonymously (store.py), posted and summarised over HTTP (api.py)."""

from .api import router

__all__ = ["router"]
