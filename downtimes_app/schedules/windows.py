"""Occurrences and their windows, across daylight-saving changes; and a downtime's status.

A recurrence's `start` is wall time in the schedule's zone, and so is every occurrence the RRULE
produces. Occurrences are turned into UTC one by one, so a 02:00 window stays at 02:00 local
across daylight-saving changes. A wall time that does not exist (the hour skipped in spring)
moves forward by the size of the gap, as zoneinfo's `fold=0` does.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..domain import ACTIVE, CANCELED, ENDED, SCHEDULED, Window
from .rules import cached_rule
from .times import Duration, get_zone, to_local, to_utc

# A guard against rules that never yield (e.g. BYMONTHDAY=31;BYMONTH=2) costing a full scan.
_MAX_SCAN = 100_000


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


def windows_from(spec: RecurrenceSpec, zone_name: str, after: datetime) -> Iterator[Window]:
    """Windows of one recurrence that end after `after` (ongoing first), in start order."""
    zone = get_zone(zone_name)
    rule = cached_rule(spec.rrule, spec.start, zone_name)
    # Any window ending after `after` starts after `after - duration` (plus a DST margin).
    probe = to_local(after, zone) - spec.duration.delta - timedelta(days=1)
    for scanned, local_start in enumerate(rule.xafter(probe, inc=True)):
        if scanned > _MAX_SCAN:
            return
        window = _window(local_start, spec, zone)
        if window.end is not None and window.end > after:
            yield window


def last_window_before(spec: RecurrenceSpec, zone_name: str, moment: datetime) -> Window | None:
    """The latest window of one recurrence that started at or before `moment`."""
    zone = get_zone(zone_name)
    rule = cached_rule(spec.rrule, spec.start, zone_name)
    local = rule.before(to_local(moment, zone), inc=True)
    return _window(local, spec, zone) if local is not None else None


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


def window_status(window: Window | None, now: datetime, canceled: datetime | None) -> str:
    """Status of a downtime whose current (or only) window is `window`."""
    if canceled is not None:
        return CANCELED
    if window is None:
        return ENDED
    if window.start > now:
        return SCHEDULED
    if window.end is not None and window.end <= now:
        return ENDED
    return ACTIVE
