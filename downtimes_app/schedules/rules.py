"""RRULE text: its parts, Datadog's rules for it, and dateutil rules built from it."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil import rrule as _rrule

from .times import ScheduleError, get_zone, to_local

MAX_RECURRENCES = 5
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Parts that would fix the window's start or length inside the rule: Datadog rejects them.
FORBIDDEN_RRULE_PARTS = ("DTSTART", "DTEND", "DURATION")
ALLOWED_FREQS = ("HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
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
            raise ScheduleError(f"RRULE part {chunk!r} is not of the form NAME=VALUE")
        key = key.strip().upper()
        if key in parts:
            raise ScheduleError(f"RRULE gives {key} twice")
        parts[key] = value.strip().upper()
    return parts


def check_rrule(text: str) -> dict[str, str]:
    """Datadog's rules for a recurrence's RRULE; returns its parts or raises ScheduleError."""
    if "\n" in (text or "") or "\r" in (text or ""):
        raise ScheduleError("RRULE must be a single line such as FREQ=WEEKLY;BYDAY=TU")
    parts = rrule_parts(text)
    if not parts:
        raise ScheduleError("RRULE is empty: give at least FREQ, for example FREQ=DAILY")
    forbidden = [p for p in FORBIDDEN_RRULE_PARTS if p in parts]
    if forbidden:
        raise ScheduleError(
            f"RRULE must not contain {', '.join(forbidden)}: set the start and the duration "
            "of the recurrence instead"
        )
    freq = parts.get("FREQ")
    if not freq:
        raise ScheduleError("RRULE needs FREQ, for example FREQ=WEEKLY;BYDAY=TU")
    if freq not in ALLOWED_FREQS:
        raise ScheduleError(
            f"RRULE FREQ={freq} is not supported for downtimes; use one of "
            + ", ".join(ALLOWED_FREQS)
        )
    if "COUNT" in parts and "UNTIL" in parts:
        raise ScheduleError("RRULE may give COUNT or UNTIL, not both")
    for name in ("COUNT", "INTERVAL"):
        if name in parts and (not parts[name].isdigit() or int(parts[name]) < 1):
            raise ScheduleError(f"RRULE {name} must be a whole number of at least 1")
    for name, (low, high, signed) in _BY_RANGES.items():
        for value in filter(None, parts.get(name, "").split(",")):
            number = value.lstrip("+-")
            if (
                not number.isdigit()
                or not low <= int(number) <= high
                or (value.startswith("-") and not signed)
            ):
                span = f"{low} to {high}" + (" (or -1 to -{high}, counting back)" if signed else "")
                raise ScheduleError(f"RRULE {name}={value} is out of range: use {span}")
    try:
        _build_rule(_canonical(parts), datetime(2000, 1, 1))
    except ScheduleError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:
        raise ScheduleError(f"RRULE is not valid: {exc}") from None
    return parts


def _canonical(parts: dict[str, str]) -> str:
    return ";".join(f"{k}={v}" for k, v in parts.items())


def _build_rule(text: str, dtstart: datetime, zone: ZoneInfo | None = None) -> _rrule.rrule:
    parts = rrule_parts(text)
    until = parts.get("UNTIL")
    if until and until.endswith("Z"):
        # UNTIL in UTC (RFC 5545's form) against a wall-time start: compare in wall time.
        moment = parse_until(until[:-1]).replace(tzinfo=UTC)
        parts["UNTIL"] = to_local(moment, zone or ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%S")
    rule = _rrule.rrulestr(_canonical(parts), dtstart=dtstart)
    if not isinstance(rule, _rrule.rrule):  # pragma: no cover - rrulestr of one RRULE
        raise ScheduleError("RRULE must describe one rule")
    return rule


def parse_until(text: str) -> datetime:
    for fmt in ("%Y%m%dT%H%M%S", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ScheduleError(f"RRULE UNTIL={text} is not a date like 20261231 or 20261231T235959Z")


@lru_cache(maxsize=4096)
def cached_rule(text: str, dtstart: datetime, zone_name: str) -> _rrule.rrule:
    return _build_rule(text, dtstart, get_zone(zone_name))
