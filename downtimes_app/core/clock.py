"""The dashboard's "now": real time, or the clock `DASHBOARD_CLOCK` names.

In the core so that the copies (`store`), the worker and the pages all read one clock without
reaching the request middleware.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string


def _real_time() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=4)
def _clock(path: str) -> Callable[[], datetime]:
    return import_string(path) if path else _real_time


def now() -> datetime:
    """The org's time: real time, or the clock DASHBOARD_CLOCK names (the sandbox's, which tests
    may set, in sandbox mode)."""
    return _clock(settings.DASHBOARD_CLOCK)()
