"""Ticket settings: environment variables with the MIGRANT_DESK_TICKETS_ prefix.

Kept apart from config.Settings so the queue's knobs live next to the code that reads them; the database file is
the shared `Settings.db_path`. Dicts are read from JSON, e.g.
MIGRANT_DESK_TICKETS_FIRST_RESPONSE_MINUTES='{"urgent": 15, "high": 60, "normal": 240, "low": 1440}'.
"""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ..languages import SUPPORTED_LANGUAGES
from .models import PRIORITIES


class TicketSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MIGRANT_DESK_TICKETS_", extra="ignore")

    first_response_minutes: dict[str, int] = Field(
        default_factory=lambda: {"urgent": 30, "high": 120, "normal": 480, "low": 1440},
        description="minutes from handoff to the first counselor reply, by priority")
    resolution_minutes: dict[str, int] = Field(
        default_factory=lambda: {"urgent": 480, "high": 1440, "normal": 4320, "low": 10080},
        description="minutes from handoff to resolved, by priority (the clock stops while waiting on the migrant)")
    reopen_window_days: int = Field(7, ge=0, description="a migrant who writes this soon after resolved reopens")
    spill_after_minutes: int = Field(
        30, ge=0, description="a new ticket in a language another counselor speaks is offered to anyone after this")
    staff_lang: str = Field("ko", description="the desk's working language: migrants' messages are translated to it")
    long_poll_max_seconds: int = Field(30, ge=1, le=120)

    @model_validator(mode="after")
    def _complete(self) -> "TicketSettings":
        for name in ("first_response_minutes", "resolution_minutes"):
            table = getattr(self, name)
            missing = [p for p in PRIORITIES if p not in table]
            if missing or any(v <= 0 for v in table.values()):
                raise ValueError(f"{name} needs a positive number of minutes for each of {', '.join(PRIORITIES)}")
        if self.staff_lang not in SUPPORTED_LANGUAGES:
            raise ValueError(f"staff_lang {self.staff_lang!r} is not a supported language")
        return self
