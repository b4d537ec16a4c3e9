"""How many reports of concern one address may send an hour, counted in Django's cache.

Written here rather than with django-ratelimit: that library's system checks
refuse every cache Django ships (local memory is "not shared", the database
cache "not atomic") and want Redis or memcached, which Sightline does not run.
A fixed window in Django's cache is all this needs: the count is a guard
against a script flooding the MASH worklist, not an exact quota.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60 * 60


@dataclass(frozen=True)
class Allowance:
    allowed: bool
    # When the window ends and reports are taken again from this address.
    resets_at: dt.datetime


def _window(now: float) -> tuple[int, float]:
    start = int(now // WINDOW_SECONDS)
    return start, (start + 1) * WINDOW_SECONDS


def _key(address: str, window: int) -> str:
    return f"concern-rate:{window}:{address}"


def concern_allowance(address: str, *, now: float | None = None) -> Allowance:
    """May ``address`` send another report this hour?"""
    window, ends = _window(time.time() if now is None else now)
    sent = cache.get(_key(address, window), 0)
    return Allowance(
        allowed=sent < settings.SIGHTLINE_CONCERN_RATE_LIMIT,
        resets_at=dt.datetime.fromtimestamp(ends, tz=dt.UTC),
    )


def concern_counted(address: str, *, now: float | None = None) -> None:
    """Count one report sent from ``address``."""
    window, _ = _window(time.time() if now is None else now)
    key = _key(address, window)
    # add() is a no-op when the key exists; incr() then counts atomically in one process.
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    cache.incr(key)
