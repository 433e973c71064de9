"""Where things sit on the timeline: the span of days shown, each downtime's windows in it,
the axis (days, hours, clock changes, now), and positions as whole steps of the track.

Pure functions of records, the span and "now". Windows come from `schedules` (bounded walks
from the span's start), never from expanding a rule here, so the timeline shows exactly what
the downtime's page and the form's preview show.

Positions are whole steps out of STEPS across the track, so the page can place a bar with a
class (`x-120 w-35`) from one static stylesheet: the Content-Security-Policy allows no inline
style. A step of a week is about twenty minutes; exact times are in each bar's title and in
the agenda.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from downtimes_app.core import schedules
from downtimes_app.core.domain import (
    Downtime,
    RecurringSchedule,
    Window,
)
from downtimes_app.core.status import status_at

STEPS = 500
# A downtime with a rule that fires every hour shows at most this many windows in one span.
MAX_WINDOWS = 800


@dataclass(frozen=True, slots=True)
class Span:
    """The days shown: from local midnight of `first_day`, `days` days, in the viewer's zone."""

    first_day: date
    days: int
    zone: ZoneInfo
    start: datetime  # UTC
    end: datetime  # UTC, exclusive

    @property
    def key(self) -> tuple[datetime, datetime]:
        """What the windows in it depend on (not the zone: windows are instants)."""
        return (self.start, self.end)

    def position(self, moment: datetime) -> float:
        """Where `moment` falls, from 0 (the start) to STEPS (the end), unclipped."""
        return (moment - self.start) / (self.end - self.start) * STEPS

    def step(self, moment: datetime) -> int:
        return min(STEPS, max(0, math.floor(self.position(moment))))

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first moment of `day` in `zone`, in UTC (a midnight skipped by a clock change moves
    forward by the gap, as every wall time here does)."""
    return schedules.to_utc(datetime.combine(day, time()), zone)


def make_span(first_day: date, days: int, zone: ZoneInfo) -> Span:
    return Span(
        first_day,
        days,
        zone,
        midnight(first_day, zone),
        midnight(first_day + timedelta(days), zone),
    )


# --- windows in the span ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One window of a downtime that meets the span.

    What it is doing (active, scheduled, ...) depends on "now", so it is asked for with
    `status(now)` rather than kept: the windows of a span are kept as long as the snapshot.
    """

    start: datetime
    end: datetime | None  # None: it never ends
    recurrence: int | None = None  # which recurrence made it; None for a one-time window
    canceled: bool = False  # it starts after its downtime was canceled: it mutes nothing

    def status(self, now: datetime) -> str:
        return status_at(self.start, self.end, now, canceled=self.canceled)


def specs_of(downtime: Downtime) -> list[schedules.RecurrenceSpec]:
    """A recurring downtime's evaluable recurrences (none for a one-time one)."""
    from downtimes_app.core.presenters import (
        recurrence_specs,  # the one reading of a schedule's recurrences
    )

    schedule = downtime.schedule
    if not isinstance(schedule, RecurringSchedule):
        return []
    try:
        return recurrence_specs(
            schedule, downtime.created or datetime.now(schedules.get_zone("UTC"))
        )
    except schedules.ScheduleError:
        return []  # an unknown zone: Datadog would not have stored it; show nothing


def windows_in(
    downtime: Downtime, specs: Sequence[schedules.RecurrenceSpec], start: datetime, end: datetime
) -> Iterator[tuple[Window, int | None]]:
    """The downtime's windows that meet [start, end), each with its recurrence's index."""
    schedule = downtime.schedule
    if not isinstance(schedule, RecurringSchedule):
        window = downtime.window
        if window is not None and window.start < end and (window.end is None or window.end > start):
            yield window, None
        return
    found = 0
    for index, spec in enumerate(specs):
        for window in schedules.windows_from(spec, schedule.timezone, start):
            if window.start >= end or found >= MAX_WINDOWS:
                break
            found += 1
            yield window, index


def occurrences(
    downtime: Downtime,
    specs: Sequence[schedules.RecurrenceSpec],
    start: datetime,
    end: datetime,
) -> tuple[Occurrence, ...]:
    """The downtime's windows in [start, end), in start order.

    A canceled downtime's windows from its cancellation on are canceled; one under way when it
    was canceled ends then, because canceling unmutes at once.
    """
    canceled = downtime.canceled
    found = []
    for window, index in windows_in(downtime, specs, start, end):
        window_end = window.end
        if canceled is not None and window.start < canceled:
            if window_end is None or window_end > canceled:
                window_end = canceled
            if window_end <= start:
                continue
        called_off = canceled is not None and window.start >= canceled
        found.append(Occurrence(window.start, window_end, index, called_off))
    found.sort(key=lambda o: o.start)
    return tuple(found)


# --- the axis -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tick:
    step: int
    label: str
    title: str
    major: bool  # a day's start (hours in a day view are minor)


@dataclass(frozen=True, slots=True)
class ClockChange:
    step: int
    at: datetime
    label: str  # "Clocks go forward 1 h (EST → EDT)"


def ticks(span: Span) -> list[Tick]:
    """A tick per day (a day view: per three hours), at local wall time."""
    found = []
    for offset in range(span.days):
        day = span.first_day + timedelta(offset)
        at = midnight(day, span.zone)
        label = f"{day:%a} {day.day}" if span.days <= 7 else f"{day.day}"
        if span.days > 7 and (day.day == 1 or offset == 0):
            label = f"{day.day} {day:%b}"
        found.append(Tick(span.step(at), label, f"{day:%A %d %B %Y}", True))
        if span.days == 1:
            for hour in range(3, 24, 3):
                moment = schedules.to_utc(datetime.combine(day, time(hour)), span.zone)
                found.append(Tick(span.step(moment), f"{hour:02d}:00", "", False))
    return found


def _offset(moment: datetime, zone: ZoneInfo) -> timedelta:
    return moment.astimezone(zone).utcoffset() or timedelta(0)


def _words(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    return (f"{hours} h" if hours else "") + (f" {rest} min" if rest else "")


def clock_changes(span: Span) -> list[ClockChange]:
    """The moments in the span when the viewer's zone changes its UTC offset."""
    found = []
    for offset in range(span.days):
        low = midnight(span.first_day + timedelta(offset), span.zone)
        high = min(midnight(span.first_day + timedelta(offset + 1), span.zone), span.end)
        before, after = _offset(low, span.zone), _offset(high, span.zone)
        if before == after:
            continue
        while high - low > timedelta(minutes=1):  # the change, to the minute
            middle = low + (high - low) / 2
            if _offset(middle, span.zone) == before:
                low = middle
            else:
                high = middle
        moment = high.replace(second=0, microsecond=0)
        names = f"{low.astimezone(span.zone):%Z} \u2192 {high.astimezone(span.zone):%Z}"
        way = "forward" if after > before else "back"
        label = f"Clocks go {way} {_words(after - before).strip()} ({names})"
        found.append(ClockChange(span.step(moment), moment, label))
    return found
