"""The dashboard's "now", and the viewer's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from django.conf import settings

from . import schedules

TZ_COOKIE = "tz"


def now() -> datetime:
    """The org's time: real time, or the sandbox's clock (which tests may set) in sandbox mode."""
    if settings.DATADOG_SANDBOX:
        from .sandbox import clock

        return clock.now()
    return datetime.now(UTC)


def viewer_zone(chosen: str, cookie: str | None) -> ZoneInfo:
    """The zone a viewer reads times in: one chosen in the link, else the browser's, else UTC."""
    for name in (chosen, unquote(cookie or "")):
        if name:
            try:
                return schedules.get_zone(name)
            except schedules.ScheduleError:
                continue
    return schedules.get_zone("UTC")
