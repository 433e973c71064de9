"""The dashboard's "now", and the viewer's time zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.module_loading import import_string

from . import schedules

TZ_COOKIE = "tz"


def _real_time() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=4)
def _clock(path: str) -> Callable[[], datetime]:
    return import_string(path) if path else _real_time


def now() -> datetime:
    """The org's time: real time, or the clock DASHBOARD_CLOCK names (the sandbox's, which tests
    may set, in sandbox mode)."""
    return _clock(settings.DASHBOARD_CLOCK)()


def viewer_zone(chosen: str, cookie: str | None) -> ZoneInfo:
    """The zone a viewer reads times in: one chosen in the link, else the browser's, else UTC."""
    for name in (chosen, unquote(cookie or "")):
        if name:
            try:
                return schedules.get_zone(name)
            except schedules.ScheduleError:
                continue
    return schedules.get_zone("UTC")
