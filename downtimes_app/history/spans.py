"""When a version of a downtime could mute, as one span, and the span's class (pure).

A version mutes, at most, while it is Datadog's version (`valid_from` until the next one) and
its schedule runs (a one-time window; a recurring series from its first start until its rule
runs out). That intersection is stored with each version (`mutes_from`, `mutes_until`).

Finding every span that contains a moment, among a million, is the moment page's whole cost. A
span's class (`reach`) is the power of two of hours that bounds its length, so spans of class c
that contain moment T all start within 2**c hours before T: the query reads, per class, an index
range about twice as long as what it finds, whatever the length of the history. Open spans and
ones longer than `LONGEST` hours are of class `LONG`, read in full (few: the versions still
Datadog's whose schedule has no end).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from downtimes_app.core import schedules, status
from downtimes_app.core.domain import Downtime, RecurringSchedule, Window

HOUR = timedelta(hours=1)
LONGEST_CLASS = 15  # 2**15 hours: over three years
LONG = 99
CLASSES = tuple(range(LONGEST_CLASS + 1))
Span = tuple[datetime, datetime | None]


def schedule_span(downtime: Downtime, seen_at: datetime) -> Span | None:
    """From when until when (None: no end) its schedule could mute, a cancel ending it; None
    when it never can."""
    span = _schedule_span(downtime, seen_at)
    canceled = downtime.canceled
    if span is None or canceled is None:
        return span
    if canceled <= span[0]:
        return None
    return span[0], canceled if span[1] is None else min(span[1], canceled)


def _schedule_span(downtime: Downtime, seen_at: datetime) -> Span | None:
    schedule = downtime.schedule
    if not isinstance(schedule, RecurringSchedule):
        start = schedule.start or downtime.created or seen_at
        return start, schedule.end
    specs = status.recurrence_specs(schedule, downtime.created or seen_at)
    if not specs:
        return None
    zone_name = schedule.timezone or "UTC"
    zone = schedules.get_zone(zone_name)
    start = min(schedules.to_utc(spec.start, zone) for spec in specs)
    if not schedules.has_run_its_course(specs, zone_name, seen_at):
        return start, None
    last = [w for s in specs if (w := schedules.last_window_before(s, zone_name, seen_at))]
    ends = [w.end for w in last if w.end is not None]
    if not ends:
        return None
    return start, max(ends)


def reach(start: datetime, end: datetime | None) -> int:
    """The class of a span: the smallest c with length <= 2**c hours, or LONG."""
    if end is None:
        return LONG
    hours = (end - start) / HOUR
    if hours <= 1:
        return 0
    c = math.ceil(math.log2(hours))
    return c if c <= LONGEST_CLASS else LONG


def lookback(c: int) -> timedelta:
    return HOUR * (2**c)


def mutes(
    valid_from: datetime,
    valid_until: datetime | None,
    span: tuple[datetime, datetime | None] | None,
) -> tuple[datetime | None, datetime | None, int | None]:
    """(from, until, class) of the time a version could mute; all None when it cannot."""
    if span is None:
        return None, None, None
    start = max(valid_from, span[0])
    ends = [e for e in (valid_until, span[1]) if e is not None]
    end = min(ends) if ends else None
    if end is not None and end <= start:
        return None, None, None
    return start, end, reach(start, end)


def window_at(downtime: Downtime, moment: datetime) -> Window | None:
    """The window of `downtime` (as one version had it) that mutes at `moment`, if one does."""
    if downtime.canceled is not None and downtime.canceled <= moment:
        return None
    schedule = downtime.schedule
    if isinstance(schedule, RecurringSchedule):
        specs = status.recurrence_specs(schedule, downtime.created or moment)
        window = schedules.current_window(specs, schedule.timezone or "UTC", moment)
    else:
        start = schedule.start or downtime.created
        window = Window(start, schedule.end) if start else None
    if window is None or window.start > moment:
        return None
    if window.end is not None and window.end <= moment:
        return None
    return window


def target_key(downtime: Downtime) -> str:
    """What it targets, as one string: "monitor:123", "tags:a,b" (sorted), or "all"."""
    if downtime.monitor_id is not None:
        return f"monitor:{downtime.monitor_id}"
    tags = sorted({t for t in downtime.monitor_tags if t})
    if not tags or tags == ["*"]:
        return "all"
    return ("tags:" + ",".join(tags))[:500]
