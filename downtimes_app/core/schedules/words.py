"""Schedules in words: "Every Tue and Thu, 02:00-05:00", "Every month on the third Wednesday"."""

from __future__ import annotations

import re
from datetime import datetime

from downtimes_app.core import parsing
from downtimes_app.core.schedules.rules import WEEKDAYS, parse_until, rrule_parts
from downtimes_app.core.schedules.times import ScheduleError, parse_duration

WEEKDAY_SHORT = dict(zip(WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))
WEEKDAY_LONG = dict(
    zip(
        WEEKDAYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
ORDINALS = {
    1: "first",
    2: "second",
    3: "third",
    4: "fourth",
    5: "fifth",
    -1: "last",
    -2: "second-last",
}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
BYDAY_RE = re.compile(r"^([+-]?[0-9]{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _number(text: str) -> int | None:
    try:
        return parsing.signed_number(text, low=-366, high=366)
    except parsing.Unreadable:
        return None


def _day_label(day: int) -> str:
    return "the last day" if day == -1 else f"day {day}"


def _every(interval: int, unit: str) -> str:
    return f"Every {unit}" if interval == 1 else f"Every {interval} {unit}s"


def describe_rule(rule: str, start: datetime | None) -> str:
    """`FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3` -> "Every month on the third Wednesday"."""
    words = _rule_words(rule, start)
    return ", ".join(w for w in words if w) if words else rule


# The parts there are words for; a rule with any other is shown as written.
_WORDED_PARTS = frozenset(
    ("FREQ", "INTERVAL", "BYDAY", "BYSETPOS", "BYMONTHDAY", "BYMONTH", "COUNT", "UNTIL", "WKST")
)


def _rule_words(rule: str, start: datetime | None) -> tuple[str, str] | None:
    """(how often, when it stops) in words, or None for rules there are no words for."""
    try:
        parts = rrule_parts(rule)
    except ScheduleError:
        return None
    days = [d for d in parts.get("BYDAY", "").split(",") if d]
    parsed = [BYDAY_RE.match(d) for d in days]
    if set(parts) - _WORDED_PARTS or not all(parsed):
        return None
    interval = parsing.maybe_whole(parts.get("INTERVAL", "1"), low=1) or 1
    often = _how_often(parts.get("FREQ", ""), interval, parts, parsed, start)
    if often is None:
        return None
    ending = ""
    if parts.get("COUNT"):
        ending = f"{parts['COUNT'][:20]} times"
    elif parts.get("UNTIL"):
        try:
            until = parse_until(parts["UNTIL"])
        except ScheduleError:
            return None
        ending = f"until {until.day} {MONTHS[until.month - 1]} {until.year}"
    return often, ending


def _how_often(
    freq: str, interval: int, parts: dict[str, str], parsed: list, start: datetime | None
) -> str | None:
    weekdays = [WEEKDAY_SHORT[m.group(2)] for m in parsed if m]
    if freq == "HOURLY":
        return _every(interval, "hour")
    if freq == "DAILY":
        return f"Every {_join(weekdays)}" if weekdays else _every(interval, "day")
    if freq == "WEEKLY":
        names = weekdays or ([WEEKDAY_SHORT[WEEKDAYS[start.weekday()]]] if start else [])
        if interval == 1:
            return f"Every {_join(names)}"
        return f"Every {interval} weeks on {_join(names)}"
    if freq == "MONTHLY":
        return _every(interval, "month") + " on " + _monthly_day(parts, parsed, start)
    if freq == "YEARLY":
        by_month = parts.get("BYMONTH")
        month = parsing.maybe_whole(by_month, low=1, high=12) if by_month else None
        if month is None and by_month:
            return None  # not a rule Datadog would accept; shown as written
        month = month or (start.month if start else 1)
        day = parts.get("BYMONTHDAY") or (str(start.day) if start else "")
        return _every(interval, "year") + f" on {day} {MONTHS[month - 1]}".rstrip()
    return None


def _monthly_day(parts: dict[str, str], parsed: list, start: datetime | None) -> str:
    setpos = parts.get("BYSETPOS")
    if parsed:
        names = []
        for match in parsed:
            position = match.group(1) or setpos
            weekday = WEEKDAY_LONG[match.group(2)]
            nth = _number(position) if position else None
            if nth in ORDINALS:
                names.append(f"the {ORDINALS[nth]} {weekday}")
            else:
                names.append(f"every {weekday}")
        return _join(names)
    if parts.get("BYMONTHDAY"):
        days = [_number(d) for d in parts["BYMONTHDAY"].split(",")]
        return _join([_day_label(d) for d in days if d is not None])
    return _day_label(start.day) if start else "the same day"


def describe_recurrence(recurrence_start: datetime | None, rule: str, duration: str) -> str:
    """ "Every Tue and Thu, 02:00-05:00" (wall time; the zone is said once by the caller)."""
    words = _rule_words(rule, recurrence_start)
    often, ending = words if words else (rule, "")
    if recurrence_start is None:
        when = f"for {duration}"
    else:
        try:
            length = parse_duration(duration)
        except ScheduleError:
            length = None
        try:
            end = length.end_of(recurrence_start) if length else None
        except ScheduleError:
            end = None
        if end is not None and end.date() == recurrence_start.date():
            when = f"{recurrence_start:%H:%M}\u2013{end:%H:%M}"
        else:
            when = f"at {recurrence_start:%H:%M}, for {length.words() if length else duration}"
    return ", ".join(part for part in (often, when, ending) if part)
