"""One rule for what a downtime is doing at a moment: its status by its window and the clock.

Datadog's `status` in a cached copy can be minutes old, so every page, the calendar, the
reminders and the sandbox ask here: canceled before anything else, then ended (no window left,
or the window is over), scheduled (it has not started), else active. A recurring downtime's
recurrences are read here too (`recurrence_specs`), once for every part that walks them.
"""

from __future__ import annotations

from datetime import datetime

from downtimes_app.core import domain, schedules
from downtimes_app.core.domain import Downtime, RecurringSchedule, Window


def status_at(start: datetime, end: datetime | None, now: datetime, *, canceled: bool) -> str:
    """The status of a window from `start` to `end` (None: no end) at `now`."""
    if canceled:
        return domain.CANCELED
    if start > now:
        return domain.SCHEDULED
    if end is not None and end <= now:
        return domain.ENDED
    return domain.ACTIVE


def window_status(window: Window | None, now: datetime, canceled: datetime | None) -> str:
    """Status of a downtime whose current (or only) window is `window`."""
    if canceled is not None:
        return domain.CANCELED
    if window is None:
        return domain.ENDED
    return status_at(window.start, window.end, now, canceled=False)


def live_status(downtime: Downtime, now: datetime) -> str:
    """The status by the window and the clock: a cached copy's status can be minutes old."""
    return window_status(downtime.window, now, downtime.canceled)


def recurrence_specs(
    schedule: RecurringSchedule, fallback_start: datetime
) -> list[schedules.RecurrenceSpec]:
    """Evaluable recurrences; one without a start begins at `fallback_start` (its creation)."""
    zone = schedules.get_zone(schedule.timezone)
    specs = []
    for recurrence in schedule.recurrences:
        try:
            duration = schedules.parse_duration(recurrence.duration)
            schedules.check_rrule(recurrence.rrule)
        except schedules.ScheduleError:
            continue
        start = recurrence.start or schedules.to_local(fallback_start, zone).replace(microsecond=0)
        specs.append(schedules.RecurrenceSpec(start, recurrence.rrule, duration))
    return specs
