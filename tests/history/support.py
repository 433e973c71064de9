"""What the history's tests share: a refresh as the worker runs one, and the sandbox's API."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

from downtimes_app import store
from sandbox import clock


def refresh() -> None:
    """One refresh of the copy, as the worker's every-30-seconds one (it finds the set new),
    and what it records (on the refresh's thread, where threads may see the test's data)."""
    store.invalidate()
    store.current()
    for thread in threading.enumerate():
        if thread.name.endswith("-refresh"):
            thread.join()


def iso(moment: datetime) -> str:
    return moment.isoformat()


def one_time(start: datetime, end: datetime | None, **attributes: Any) -> dict[str, Any]:
    attributes.setdefault("scope", "env:prod")
    attributes.setdefault("monitor_identifier", {"monitor_tags": ["team:payments"]})
    attributes["schedule"] = {"start": iso(start), "end": iso(end) if end else None}
    return {"data": {"type": "downtime", "attributes": attributes}}


def later(minutes: float) -> datetime:
    return clock.advance(timedelta(minutes=minutes))
