"""When a window's reminder is due: a pure function of a downtime, "now" and the lead time.

A reminder is due `DASHBOARD_REMINDER_MINUTES` before a window ends, or when the window starts
if it is shorter than that. The windows are the ones `schedules` finds (a recurrence's next
occurrence, across daylight-saving changes, is its `upcoming_windows`): nothing here expands a
rule by hand. A window with no end has no reminder; a canceled downtime has none at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from downtimes_app.core import schedules
from downtimes_app.core.domain import (
    CANCELED,
    Downtime,
    OneTimeSchedule,
    RecurringSchedule,
    Schedule,
    Window,
)
from downtimes_app.core.status import recurrence_specs

# A reminder with less time than this left helps nobody act on it.
LEAST_NOTICE = timedelta(seconds=30)


@dataclass(frozen=True)
class Due:
    window: Window  # with an end
    at: datetime  # when its reminder is due

    @property
    def end(self) -> datetime:
        assert self.window.end is not None
        return self.window.end


def windows_ahead(downtime: Downtime, now: datetime) -> list[Window]:
    """The ongoing window and the next ones that end (one-time: at most one), in start order."""
    if downtime.canceled is not None or downtime.status == CANCELED:
        return []
    schedule = downtime.schedule
    if isinstance(schedule, RecurringSchedule):
        try:
            specs = recurrence_specs(schedule, downtime.created or now)
            found = schedules.upcoming_windows(
                specs, schedule.timezone, now, limit=max(2, 2 * len(specs))
            )
        except schedules.ScheduleError:
            return []  # an unknown zone: Datadog would not have stored it
    else:
        window = downtime.window
        found = [window] if window is not None else []
    return [w for w in found if w.end is not None and w.end > now]


def due_of(window: Window, lead: timedelta) -> Due:
    assert window.end is not None
    return Due(window, max(window.end - lead, window.start))


def due_now(downtime: Downtime, now: datetime, lead: timedelta) -> list[Due]:
    """The reminders to send at `now`: due, with their window not within moments of its end
    (a window ended now through the dashboard ends seconds later: no reminder for that)."""
    return [
        d
        for w in windows_ahead(downtime, now)
        if (d := due_of(w, lead)).at <= now and d.end - now >= LEAST_NOTICE
    ]


def next_due(downtime: Downtime, now: datetime, lead: timedelta) -> Due | None:
    """The first reminder still to come or due now (for the page, and to wake a worker)."""
    ahead = [due_of(w, lead) for w in windows_ahead(downtime, now)]
    return min(ahead, key=lambda d: d.at) if ahead else None


def window_ending(downtime: Downtime, end: datetime, now: datetime) -> Window | None:
    """The window of `downtime` that ends at `end`, if it still does (not moved, not canceled)."""
    return next((w for w in windows_ahead(downtime, now) if w.end == end), None)


def default_on(schedule: Schedule | None) -> bool:
    """The form's default: on for a one-time window with an end."""
    return isinstance(schedule, OneTimeSchedule) and schedule.end is not None
