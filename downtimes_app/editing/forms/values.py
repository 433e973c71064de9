"""The form's vocabulary: its choices, how times and tags are written in it, and form data.

The form always works on *data* (what a browser would post): a new form starts from defaults,
a prefilled link or an existing downtime turned into data; a submit is the posted data. So a
link, a clone, a preview and a submit all go through the same validation. The helpers here
write that data; the other modules of this package read it.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.datastructures import MultiValueDict

from downtimes_app.core import parsing, schedules
from downtimes_app.core.domain import DEFAULT_NOTIFY_END_STATES, DEFAULT_NOTIFY_END_TYPES
from downtimes_app.editing.forms import repeat

TARGET_MONITOR, TARGET_TAGS, TARGET_ALL = "monitor", "tags", "all"
ONCE, RECURRING = "once", "recurring"
START_NOW, START_AT = "now", "at"
TARGET_CHOICES = (
    (TARGET_MONITOR, "One monitor"),
    (TARGET_TAGS, "Monitors with all of these tags"),
    (TARGET_ALL, "Every monitor"),
)
SCHEDULE_CHOICES = ((ONCE, "One time"), (RECURRING, "Recurring"))
START_CHOICES = ((START_NOW, "Now"), (START_AT, "At"))
END_NEVER, END_AT, END_AFTER = "never", "at", "after"
QUICK_DURATIONS = (
    ("30m", "30 min"),
    ("1h", "1 h"),
    ("2h", "2 h"),
    ("4h", "4 h"),
    ("8h", "8 h"),
    ("1d", "1 day"),
)
NOTIFY_END_STATES = (("alert", "Alert"), ("warn", "Warn"), ("no data", "No data"))
NOTIFY_END_TYPES = (("expired", "it ends on schedule"), ("canceled", "it is canceled early"))
WALL_FORMAT = "%Y-%m-%dT%H:%M"
# Recurrences are a formset: r-0-start, r-0-rrule, ..., r-TOTAL_FORMS.
PREFIX = "r"
MAX_RECURRENCES = schedules.MAX_RECURRENCES
WEEKDAY_CHOICES = [(d, schedules.WEEKDAY_SHORT[d]) for d in schedules.WEEKDAYS]
NTH_LABELS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
_TAG_SPLIT = re.compile(r"[\s,]+")
# The monitor selector's search text: enough for any name, checked on the server too.
MONITOR_QUERY_MAX = 200


def wall_text(moment: datetime) -> str:
    """A naive wall time as a datetime-local value; seconds only when there are some."""
    return moment.strftime(WALL_FORMAT + (":%S" if moment.second else ""))


def parse_wall(text: str, zone: ZoneInfo | None = None) -> datetime:
    """`2026-11-17T02:00` (local wall time), in the years a person may type
    (`parsing.TYPED_YEARS`). A time with an offset is turned into `zone`'s."""
    value = (text or "").strip()
    what = "a date and time; write it like 2026-11-17T02:00"
    moment = parsing.date_time(value.replace(" ", "T", 1), what=what)
    if moment.tzinfo is not None:
        moment = schedules.to_local(moment, zone or ZoneInfo("UTC"))
    return moment.replace(microsecond=0)


def split_tags(text: str) -> list[str]:
    """`team:db, env:prod` or `team:db env:prod` -> ["team:db", "env:prod"] (no repeats)."""
    return list(dict.fromkeys(t for t in _TAG_SPLIT.split(text or "") if t))


def next_hour(now: datetime, zone: ZoneInfo) -> datetime:
    local = schedules.to_local(now, zone)
    return local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def total_forms(data: Mapping[str, Any]) -> int:
    """How many recurrences the posted form says it has; a tampered count reads as none."""
    count = parsing.maybe_whole(str(data.get(f"{PREFIX}-TOTAL_FORMS") or "0"))
    return min(count, MAX_RECURRENCES + 1) if count is not None else 0


# --- writing form data -----------------------------------------------------------------------


def control_fields(c: repeat.RuleControls) -> dict[str, Any]:
    return {
        "freq": c.freq,
        "interval": str(c.interval),
        "weekdays": list(c.weekdays),
        "monthly": c.monthly,
        "month_day": "" if c.month_day is None else str(c.month_day),
        "nth": "" if c.nth is None else str(c.nth),
        "nth_weekday": c.nth_weekday or "",
        "ends": c.ends,
        "until": c.until.isoformat() if c.until else "",
        "count": "" if c.count is None else str(c.count),
    }


def recurrence_fields(
    index: int, start: datetime, duration: str, rrule: str, *, synced: bool = True
) -> dict[str, Any]:
    """Form data for one recurrence; controls included when they can show the rule."""
    prefix = f"{PREFIX}-{index}-"
    fields: dict[str, Any] = {
        "start": wall_text(start),
        "duration": duration,
        "rrule": rrule,
        "synced": rrule if synced else "",
    }
    with contextlib.suppress(schedules.ScheduleError):
        fields.update(control_fields(repeat.controls_from_rrule(rrule)))
    return {prefix + key: value for key, value in fields.items()}


def management_fields(total: int) -> dict[str, str]:
    return {
        f"{PREFIX}-TOTAL_FORMS": str(total),
        f"{PREFIX}-INITIAL_FORMS": "0",
        f"{PREFIX}-MIN_NUM_FORMS": "1",
        f"{PREFIX}-MAX_NUM_FORMS": str(MAX_RECURRENCES),
    }


def default_recurrence(index: int, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    start = next_hour(now, zone)
    rule = repeat.build_rrule(repeat.default_controls(start))
    return recurrence_fields(index, start, "1h", rule)


def without_recurrences(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if not k.startswith(f"{PREFIX}-")}


def defaults(token: str, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """A new form: one hour, starting now. Never a mute without an end by default."""
    start = next_hour(now, zone)
    return {
        "token": token,
        "scope": "",
        "target": TARGET_MONITOR,
        "schedule": ONCE,
        "timezone": zone.key,
        "start_mode": START_NOW,
        "start": wall_text(start),
        "end_mode": END_AFTER,
        "end": wall_text(start + timedelta(hours=1)),
        "duration": "1h",
        "message": "",
        "notify_end_states": list(DEFAULT_NOTIFY_END_STATES),
        "notify_end_types": list(DEFAULT_NOTIFY_END_TYPES),
        **management_fields(1),
        **default_recurrence(0, now, zone),
    }


def to_data(values: Mapping[str, Any]) -> MultiValueDict:
    data = MultiValueDict()
    for key, value in values.items():
        if isinstance(value, list | tuple):
            data.setlist(key, [str(v) for v in value])
        elif value is not None:
            data[key] = str(value)
    return data


def set_values(data: MultiValueDict, values: Mapping[str, Any]) -> None:
    """Write `values` into posted data, lists as lists."""
    for key, value in values.items():
        if isinstance(value, list):
            data.setlist(key, value)
        else:
            data[key] = value
