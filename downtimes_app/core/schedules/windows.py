"""Occurrences and their windows, across daylight-saving changes; and a downtime's status.

A recurrence's `start` is wall time in the schedule's zone, and so is every occurrence the RRULE
produces. Occurrences are turned into UTC one by one, so a 02:00 window stays at 02:00 local
across daylight-saving changes. A wall time that does not exist (the hour skipped in spring)
moves forward by the size of the gap, as zoneinfo's `fold=0` does.

Every search is a bounded walk (`scan.Walk`): windows are looked for up to HORIZON_YEARS past
the later of the moment asked about and the rule's own start, so a rule that never occurs costs a
few milliseconds, "no window" means none within that span, and a series that starts in 2042 is
found however far ahead that is.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from downtimes_app.core.domain import Window
from downtimes_app.core.parsing import add_or_edge
from downtimes_app.core.schedules.scan import HORIZON, HORIZON_YEARS, Walk, span_end
from downtimes_app.core.schedules.times import Duration, ScheduleError, get_zone, to_local, to_utc

NEVER_OCCURS = (
    f"This rule never occurs (within {HORIZON_YEARS} years of its start): check its BY parts "
    "and its UNTIL."
)
# How far back `last_window_before` looks, a step at a time: most rules are found in the first.
_LOOKBACKS = (timedelta(days=2), timedelta(days=40), timedelta(days=400), HORIZON)


@dataclass(frozen=True, slots=True)
class RecurrenceSpec:
    """One recurrence ready to evaluate: wall-time start, RRULE text, parsed duration."""

    start: datetime  # naive wall time in the schedule's zone
    rrule: str
    duration: Duration


def _window(local_start: datetime, spec: RecurrenceSpec, zone: ZoneInfo) -> Window:
    start = to_utc(local_start, zone)
    if spec.duration.is_calendar:
        end = to_utc(spec.duration.end_of(local_start), zone)
    else:
        end = start + spec.duration.delta
    return Window(start, end)


def _windows(
    local_starts: Iterable[datetime], spec: RecurrenceSpec, zone: ZoneInfo
) -> Iterator[Window]:
    for local_start in local_starts:
        try:
            yield _window(local_start, spec, zone)
        except (ScheduleError, OverflowError):
            return  # past the year 9999


def _walk_ahead(spec: RecurrenceSpec, zone_name: str, after: datetime) -> Walk:
    local = to_local(after, get_zone(zone_name))
    # Any window ending after `after` starts after `after - duration` (plus a DST margin).
    probe = add_or_edge(local, -(spec.duration.delta + timedelta(days=1)))
    # The span runs from the rule's start when that is later: counted from now, five years would
    # call a series that begins in 2042 ended before its first window.
    return Walk(spec.rrule, spec.start, zone_name, probe, span_end(max(local, spec.start)))


def windows_from(spec: RecurrenceSpec, zone_name: str, after: datetime) -> Iterator[Window]:
    """Windows of one recurrence that end after `after` (ongoing first), in start order, that
    start within HORIZON_YEARS of it or of the recurrence's start, whichever is later."""
    walk = _walk_ahead(spec, zone_name, after)
    for window in _windows(walk, spec, get_zone(zone_name)):
        if window.end is not None and window.end > after:
            yield window


def runs_out(spec: RecurrenceSpec, zone_name: str, after: datetime) -> bool:
    """Whether the rule itself ends (UNTIL, COUNT) before any window ending after `after`; False
    when it has one, or none within the span looked at."""
    walk = _walk_ahead(spec, zone_name, after)
    for window in _windows(walk, spec, get_zone(zone_name)):
        if window.end is not None and window.end > after:
            return False
    return walk.exhausted


def never_occurs(spec: RecurrenceSpec, zone_name: str) -> bool:
    """No occurrence within HORIZON_YEARS of the recurrence's start."""
    walk = Walk(spec.rrule, spec.start, zone_name, spec.start, span_end(spec.start))
    return next(iter(walk), None) is None


def last_window_before(spec: RecurrenceSpec, zone_name: str, moment: datetime) -> Window | None:
    """The latest window of one recurrence that started at or before `moment`, looking back at
    most HORIZON_YEARS (a rule with COUNT: from its start)."""
    zone = get_zone(zone_name)
    local = to_local(moment, zone)
    for lookback in _LOOKBACKS:
        walk = Walk(spec.rrule, spec.start, zone_name, add_or_edge(local, -lookback), local)
        last = None
        for last in walk:  # noqa: B007 - the last one is the answer
            continue
        if last is not None:
            return next(_windows(iter([last]), spec, zone), None)
        if not walk.shifted:
            return None  # walked from the rule's own start: there is none
    return None


def merge_windows(iterators: Iterable[Iterator[Window]], limit: int) -> list[Window]:
    """The first `limit` windows across several recurrences, in start order."""
    return list(_take(heapq.merge(*iterators, key=lambda w: w.start), limit))


def _take(iterator: Iterable[Window], limit: int) -> Iterator[Window]:
    for index, window in enumerate(iterator):
        if index >= limit:
            return
        yield window


def upcoming_windows(
    specs: Iterable[RecurrenceSpec], zone_name: str, now: datetime, limit: int = 10
) -> list[Window]:
    """The ongoing window (if any) and the next ones, across all recurrences."""
    return merge_windows((windows_from(s, zone_name, now) for s in specs), limit)


def has_run_its_course(specs: Iterable[RecurrenceSpec], zone_name: str, now: datetime) -> bool:
    """Every recurrence's rule has ended: no window will ever come (rather than none found)."""
    specs = list(specs)
    return bool(specs) and all(runs_out(s, zone_name, now) for s in specs)


def current_window(
    specs: Iterable[RecurrenceSpec],
    zone_name: str,
    now: datetime,
    canceled: datetime | None = None,
) -> Window | None:
    """Datadog's `current_downtime`: the ongoing window, else the next, else the last one.

    For a canceled downtime it is the window that occurred before the cancellation.
    """
    specs = list(specs)
    if canceled is not None:
        last = [w for s in specs if (w := last_window_before(s, zone_name, canceled))]
        return max(last, key=lambda w: w.start) if last else None
    ahead = upcoming_windows(specs, zone_name, now, limit=len(specs) * 2 or 1)
    ongoing = [w for w in ahead if w.start <= now]
    if ongoing:
        return min(ongoing, key=lambda w: w.start)
    if ahead:
        return ahead[0]
    last = [w for s in specs if (w := last_window_before(s, zone_name, now))]
    return max(last, key=lambda w: w.start) if last else None
