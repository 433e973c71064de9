"""RRULE text: its parts, Datadog's rules for it, and dateutil rules built from it.

`check_rrule` follows RFC 5545's grammar for the parts Datadog accepts: the fourteen rule parts
and no others, numbers in ASCII digits within their ranges, weekdays by their two letters, and
UNTIL as a date-time (`20261231T235959`, `Z` for UTC) or, as the grammar also allows, a date.
dateutil is lenient where the grammar is not (it reads `UNTIL=2026` as some day in 2026,
full-width digits as digits, and knows BYEASTER), so the text is checked before dateutil reads
it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil import rrule as _rrule

from downtimes_app.core import parsing
from downtimes_app.core.schedules.times import ScheduleError, get_zone, to_local

MAX_RECURRENCES = 5
MAX_RRULE_LENGTH = 500
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Parts that would fix the window's start or length inside the rule: Datadog rejects them.
FORBIDDEN_RRULE_PARTS = ("DTSTART", "DTEND", "DURATION")
ALLOWED_FREQS = ("HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
# RFC 5545's rule parts (section 3.3.10); anything else is refused rather than ignored.
RRULE_PARTS = (
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
)
# COUNT and INTERVAL: whole numbers of at least 1; this many is already absurd for a downtime.
_MAX_COUNT = 99_999
# RFC 5545's ranges for the numeric BY parts; dateutil quietly yields nothing outside them.
_BY_RANGES = {
    "BYMONTH": (1, 12, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYSETPOS": (1, 366, True),
    "BYHOUR": (0, 23, False),
    "BYMINUTE": (0, 59, False),
    "BYSECOND": (0, 60, False),
}
_UNTIL = re.compile(r"[0-9]{8}(?:T[0-9]{6}Z?)?")
_BYDAY_ITEM = re.compile(r"(?:([+-]?)([0-9]{1,2}))?(MO|TU|WE|TH|FR|SA|SU)")


def rrule_parts(text: str) -> dict[str, str]:
    """`FREQ=WEEKLY;BYDAY=TU` -> {"FREQ": "WEEKLY", "BYDAY": "TU"}; tolerant of `RRULE:`."""
    body = (text or "").strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    parts: dict[str, str] = {}
    for chunk in body.split(";"):
        chunk = chunk.strip()
        if not chunk:
            continue
        key, sep, value = chunk.partition("=")
        if not sep:
            raise ScheduleError(f"RRULE part {chunk[:40]!r} is not of the form NAME=VALUE")
        key = key.strip().upper()
        if key in parts:
            raise ScheduleError(f"RRULE gives {key[:40]} twice")
        parts[key] = value.strip().upper()
    return parts


def check_rrule(text: str) -> dict[str, str]:
    """Datadog's rules for a recurrence's RRULE; returns its parts or raises ScheduleError."""
    if "\n" in (text or "") or "\r" in (text or ""):
        raise ScheduleError("RRULE must be a single line such as FREQ=WEEKLY;BYDAY=TU")
    if len(text or "") > MAX_RRULE_LENGTH:
        raise ScheduleError(f"RRULE is longer than {MAX_RRULE_LENGTH} characters")
    parts = rrule_parts(text)
    if not parts:
        raise ScheduleError("RRULE is empty: give at least FREQ, for example FREQ=DAILY")
    forbidden = [p for p in FORBIDDEN_RRULE_PARTS if p in parts]
    if forbidden:
        raise ScheduleError(
            f"RRULE must not contain {', '.join(forbidden)}: set the start and the duration "
            "of the recurrence instead"
        )
    unknown = [p for p in parts if p not in RRULE_PARTS]
    if unknown:
        raise ScheduleError(
            f"RRULE part {unknown[0][:40]} is not one Datadog accepts; use "
            + ", ".join(RRULE_PARTS)
        )
    freq = parts.get("FREQ")
    if not freq:
        raise ScheduleError("RRULE needs FREQ, for example FREQ=WEEKLY;BYDAY=TU")
    if freq not in ALLOWED_FREQS:
        raise ScheduleError(
            f"RRULE FREQ={freq[:40]} is not supported for downtimes; use one of "
            + ", ".join(ALLOWED_FREQS)
        )
    if "COUNT" in parts and "UNTIL" in parts:
        raise ScheduleError("RRULE may give COUNT or UNTIL, not both")
    _check_values(parts)
    try:
        _build_rule(canonical(parts), datetime(2000, 1, 1))
    except ScheduleError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:
        raise ScheduleError(f"RRULE is not valid: {exc}") from None
    return parts


def _check_values(parts: dict[str, str]) -> None:
    """Each part's value by RFC 5545's grammar: ASCII numbers in range, weekdays, a date-time."""
    for name in ("COUNT", "INTERVAL"):
        if name in parts:
            try:
                parsing.whole_number(parts[name], low=1, high=_MAX_COUNT)
            except parsing.Unreadable:
                raise ScheduleError(
                    f"RRULE {name} must be a whole number of at least 1 (and at most {_MAX_COUNT})"
                ) from None
    if "UNTIL" in parts:
        parse_until(parts["UNTIL"], strict=True)
    for name, (low, high, signed) in _BY_RANGES.items():
        for value in parts.get(name, "").split(",") if name in parts else ():
            try:
                number = parsing.signed_number(value, low=-high, high=high)
            except parsing.Unreadable:
                number = None
            negative = value.startswith("-")
            if (
                number is None
                or (negative and not signed)
                or not (low <= number or (signed and number <= -1))
            ):
                back = f" (or -1 to -{high}, counting back)" if signed else ""
                raise ScheduleError(
                    f"RRULE {name}={(value or parts[name])[:40]} is out of range: "
                    f"use {low} to {high}{back}"
                )
    for name in ("BYDAY", "WKST"):
        if name in parts:
            _check_weekdays(name, parts[name], numbered=name == "BYDAY")


def _check_weekdays(name: str, value: str, *, numbered: bool) -> None:
    for item in value.split(","):
        match = _BYDAY_ITEM.fullmatch(item)
        if not match or (match.group(2) and (not numbered or not 1 <= int(match.group(2)) <= 53)):
            example = "MO,TU or 1MO, -1FR" if numbered else "MO"
            raise ScheduleError(
                f"RRULE is not valid: {name}={value[:40]} is not "
                + ("a list of weekdays" if numbered else "a weekday")
                + f" such as {example}"
            )


def canonical(parts: dict[str, str]) -> str:
    return ";".join(f"{k}={v}" for k, v in parts.items())


def _build_rule(text: str, dtstart: datetime, zone: ZoneInfo | None = None) -> _rrule.rrule:
    parts = rrule_parts(text)
    until = parts.get("UNTIL")
    if until and until.endswith("Z"):
        # UNTIL in UTC (RFC 5545's form) against a wall-time start: compare in wall time.
        moment = parse_until(until).replace(tzinfo=UTC)
        parts["UNTIL"] = to_local(moment, zone or ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%S")
    rule = _rrule.rrulestr(canonical(parts), dtstart=dtstart)
    if not isinstance(rule, _rrule.rrule):  # pragma: no cover - rrulestr of one RRULE
        raise ScheduleError("RRULE must describe one rule")
    return rule


def parse_until(text: str, *, strict: bool = False) -> datetime:
    """UNTIL as a naive datetime: RFC 5545's date (`20261231`) or date-time (`20261231T235959`,
    with or without `Z`). `strict` refuses anything else in ASCII digits (dateutil would read
    `2026` as some day in 2026); words and windows read what a rule was checked to hold."""
    value = text if not strict or _UNTIL.fullmatch(text) else ""
    value = value.removesuffix("Z")
    for fmt in ("%Y%m%dT%H%M%S", "%Y%m%d"):
        try:
            return parsing.check_year(datetime.strptime(value, fmt), parsing.STORED_YEARS)
        except ValueError:
            continue
    raise ScheduleError(
        f"RRULE UNTIL={text[:40]} is not a date or date-time like 20261231 or 20261231T235959Z"
    )


@lru_cache(maxsize=4096)
def cached_rule(text: str, dtstart: datetime, zone_name: str) -> _rrule.rrule:
    return _build_rule(text, dtstart, get_zone(zone_name))
