"""Time as the database stores it: UTC, ISO-8601, one fixed width, so that text order is time order.

Code that decides by time (SLA, reopen window, purge) takes a `Clock` so tests can set the time instead of
sleeping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]
_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give a timezone")
    return moment.astimezone(dt.timezone.utc).strftime(_FORMAT)


def parse(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, _FORMAT).replace(tzinfo=dt.timezone.utc)


class FixedClock:
    """A clock that moves only when told (tests, and scripted maintenance runs)."""

    def __init__(self, start: dt.datetime):
        self.moment = start

    def __call__(self) -> dt.datetime:
        return self.moment

    def advance(self, **delta: float) -> dt.datetime:
        self.moment += dt.timedelta(**delta)
        return self.moment
