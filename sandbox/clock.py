"""The sandbox's clock: real time, unless a test sets it.

Status and `current_downtime` depend on "now"; tests move this clock to watch a downtime go from
scheduled to active to ended without waiting. It is process-wide on purpose, so that a live
server thread sees the same time as the test that set it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_lock = threading.Lock()
_fixed: datetime | None = None


def now() -> datetime:
    with _lock:
        fixed = _fixed
    return fixed if fixed is not None else datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    """Fix the clock at `moment` (aware), or return to real time with None."""
    global _fixed
    if moment is not None and moment.tzinfo is None:
        raise ValueError("the sandbox clock needs an aware datetime")
    with _lock:
        _fixed = moment.astimezone(UTC) if moment is not None else None


def advance(delta: timedelta) -> datetime:
    moment = now() + delta
    set_now(moment)
    return moment


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    with _lock:
        previous = _fixed
    set_now(moment)
    try:
        yield
    finally:
        set_now(previous)
