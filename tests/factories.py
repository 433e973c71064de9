"""What the tests build again and again, said once: the fixed moment `NOW`, downtimes as the
client reads them, with everything a test does not care about filled in, and the demo org's
monitors that tests pick out.

A test file that wants other defaults binds them with `functools.partial` rather than writing
its own builder, so the fields a downtime has are listed here only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from downtimes_app.core.domain import (
    ACTIVE,
    SCHEDULED,
    Downtime,
    OneTimeSchedule,
    Recurrence,
    RecurringSchedule,
    Window,
)
from sandbox.models import SandboxMonitor

# A fixed, ordinary moment: a Monday morning, well away from daylight-saving changes.
NOW = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)
EVERY_STATE = ("alert", "no data", "warn")


def downtime(
    downtime_id: str = "d1",
    *,
    scope: str = "env:prod",
    monitor_id: int | None = None,
    tags: tuple[str, ...] = (),
    start: datetime = NOW - HOUR,
    end: datetime | None = NOW + HOUR,
    status: str = ACTIVE,
    **fields,
) -> Downtime:
    """A one-time downtime from `start` to `end` (None: no end), created at its start."""
    fields.setdefault("created", start)
    fields.setdefault("monitor_tags", tags)
    return Downtime(
        id=downtime_id,
        status=status,
        scope=scope,
        schedule=OneTimeSchedule(start, end),
        monitor_id=monitor_id,
        **fields,
    )


def one_time(start: datetime, end: datetime | None, status: str = ACTIVE, **fields) -> Downtime:
    """The same, its window first."""
    return downtime(start=start, end=end, status=status, **fields)


def recurring(
    downtime_id: str = "d2",
    *,
    zone: str = "UTC",
    rrule: str = "FREQ=DAILY",
    duration: str = "2h",
    start: datetime | None = None,
    current: Window | None = None,
    scope: str = "env:prod",
    tags: tuple[str, ...] = (),
    status: str = SCHEDULED,
    **fields,
) -> Downtime:
    """A downtime with one recurrence (`start` is wall time in `zone`; None: from its creation)."""
    schedule = RecurringSchedule(
        zone, (Recurrence(rrule, duration, start),), current_downtime=current
    )
    return Downtime(
        id=downtime_id, status=status, scope=scope, schedule=schedule, monitor_tags=tags, **fields
    )


# --- the demo org's monitors ---------------------------------------------------------------


def grouped(state: str = "Alert") -> SandboxMonitor:
    """A monitor with three or more groups, the second of them in `state` (so the monitor is),
    set before any page has loaded the monitors."""
    monitor = next(
        m for m in SandboxMonitor.objects.order_by("id") if len(m.groups) > 2 and "by {" in m.query
    )
    for index, group in enumerate(monitor.groups):
        group["status"] = state if index == 1 else "OK"
    monitor.overall_state = state
    monitor.save()
    return monitor


def payments_db() -> SandboxMonitor:
    """The monitor the demo org's incident downtime mutes by its id."""
    return next(m for m in SandboxMonitor.objects.order_by("id") if "[prod] payments-db" in m.name)


# --- the list -------------------------------------------------------------------------------------
