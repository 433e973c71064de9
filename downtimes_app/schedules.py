"""Pure functions for downtime schedules: durations, RRULEs, occurrences and their windows.

Shared by the sandbox (to compute `status` and `current_downtime` the way Datadog does) and by
the dashboard (previews, summaries, the next windows). No Django, no I/O; `now` is always passed.

Time zones: a recurrence's `start` is wall time in the schedule's zone, and so is every
occurrence the RRULE produces. Occurrences are turned into UTC one by one, so a 02:00 window
stays at 02:00 local across daylight-saving changes. Durations follow RFC 5545: days and weeks
are calendar amounts (a `1d` window ends at the same wall time the next day), hours and minutes
are exact. A wall time that does not exist (the hour skipped in spring) moves forward by the
size of the gap, as zoneinfo's `fold=0` does.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil import rrule as _rrule

from .domain import (
    ACTIVE,
    CANCELED,
    ENDED,
    SCHEDULED,
    Window,
)

MAX_RECURRENCES = 5
DURATION_RE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
DURATION_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
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
# A guard against rules that never yield (e.g. BYMONTHDAY=31;BYMONTH=2) costing a full scan.
_MAX_SCAN = 100_000


class ScheduleError(ValueError):
    """A schedule Datadog would reject; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class Duration:
    amount: int
    unit: str  # one of m, h, d, w

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    @property
    def is_calendar(self) -> bool:
        return self.unit in ("d", "w")

    @property
    def delta(self) -> timedelta:
        return timedelta(**{DURATION_UNITS[self.unit]: self.amount})

    def end_of(self, start_local: datetime) -> datetime:
        """End wall time for a window starting at `start_local` (naive, in its zone)."""
        return start_local + self.delta

    def words(self) -> str:
        names = {"m": "minute", "h": "hour", "d": "day", "w": "week"}
        name = names[self.unit]
        return f"{self.amount} {name}{'' if self.amount == 1 else 's'}"


def parse_duration(text: str) -> Duration:
    match = DURATION_RE.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise ScheduleError(
            f"Duration {text!r} is not valid: use a whole number followed by m, h, d or w, "
            "for example 30m, 2h, 1d or 1w"
        )
    return Duration(int(match.group(1)), match.group(2))


def duration_from_delta(delta: timedelta) -> Duration:
    """The largest whole unit that expresses `delta`, to the nearest minute (90 minutes -> 90m).

    Rounded, not floored: a window Datadog started a few milliseconds after the end was worked
    out is still "1h", not "59m". Anything under half a minute is one minute.
    """
    minutes = max(1, round(delta.total_seconds() / 60))
    for unit, size in (("w", 7 * 24 * 60), ("d", 24 * 60), ("h", 60)):
        if minutes % size == 0:
            return Duration(minutes // size, unit)
    return Duration(minutes, "m")


@lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones() - {"localtime", "Factory"}))


@lru_cache(maxsize=512)
def get_zone(name: str) -> ZoneInfo:
    if not name or name != name.strip() or name not in _zone_set():
        raise ScheduleError(f"Unknown time zone {name!r}: use an IANA name such as Europe/Paris")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - guarded above
        raise ScheduleError(f"Unknown time zone {name!r}") from exc


@lru_cache(maxsize=1)
def _zone_set() -> frozenset[str]:
    return frozenset(timezone_names()) | {"UTC"}


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    return local.replace(tzinfo=zone).astimezone(UTC)


def to_local(moment: datetime, zone: ZoneInfo) -> datetime:
    """Naive wall time in `zone` for an aware moment."""
    return moment.astimezone(zone).replace(tzinfo=None)


# --- RRULE ---------------------------------------------------------------------------------


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
        moment = _parse_until(until[:-1]).replace(tzinfo=UTC)
        parts["UNTIL"] = to_local(moment, zone or ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%S")
    rule = _rrule.rrulestr(_canonical(parts), dtstart=dtstart)
    if not isinstance(rule, _rrule.rrule):  # pragma: no cover - rrulestr of one RRULE
        raise ScheduleError("RRULE must describe one rule")
    return rule


def _parse_until(text: str) -> datetime:
    for fmt in ("%Y%m%dT%H%M%S", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ScheduleError(f"RRULE UNTIL={text} is not a date like 20261231 or 20261231T235959Z")


@lru_cache(maxsize=4096)
def _cached_rule(text: str, dtstart: datetime, zone_name: str) -> _rrule.rrule:
    return _build_rule(text, dtstart, get_zone(zone_name))


# --- occurrences and windows ----------------------------------------------------------------


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
    rule = _cached_rule(spec.rrule, spec.start, zone_name)
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
    rule = _cached_rule(spec.rrule, spec.start, zone_name)
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


# --- words ------------------------------------------------------------------------------------

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
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
_BYDAY_RE = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _day_label(day: int) -> str:
    return "the last day" if day == -1 else f"day {day}"


def _every(interval: int, unit: str) -> str:
    return f"Every {unit}" if interval == 1 else f"Every {interval} {unit}s"


def describe_rule(rule: str, start: datetime | None) -> str:
    """`FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3` -> "Every month on the third Wednesday"."""
    words = _rule_words(rule, start)
    return ", ".join(w for w in words if w) if words else rule


def _rule_words(rule: str, start: datetime | None) -> tuple[str, str] | None:
    """(how often, when it stops) in words, or None for rules there are no words for."""
    try:
        parts = rrule_parts(rule)
    except ScheduleError:
        return None
    freq = parts.get("FREQ", "")
    raw_interval = parts.get("INTERVAL", "1")
    interval = int(raw_interval) if raw_interval.isdigit() else 1
    days = [d for d in parts.get("BYDAY", "").split(",") if d]
    parsed = [_BYDAY_RE.match(d) for d in days]
    known = {
        "FREQ",
        "INTERVAL",
        "BYDAY",
        "BYSETPOS",
        "BYMONTHDAY",
        "BYMONTH",
        "COUNT",
        "UNTIL",
        "WKST",
    }
    if set(parts) - known or not all(parsed):
        return None
    if freq == "HOURLY":
        text = _every(interval, "hour")
    elif freq == "DAILY":
        text = _every(interval, "day")
        if days:
            text = f"Every {_join([WEEKDAY_SHORT[m.group(2)] for m in parsed if m])}"
    elif freq == "WEEKLY":
        names = [WEEKDAY_SHORT[m.group(2)] for m in parsed if m] or (
            [WEEKDAY_SHORT[WEEKDAYS[start.weekday()]]] if start else []
        )
        text = (
            f"Every {_join(names)}"
            if interval == 1
            else f"Every {interval} weeks on {_join(names)}"
        )
    elif freq == "MONTHLY":
        text = _every(interval, "month") + " on " + _monthly_day(parts, parsed, start)
    elif freq == "YEARLY":
        month = (
            int(parts["BYMONTH"])
            if parts.get("BYMONTH", "").isdigit()
            else (start.month if start else 1)
        )
        if not 1 <= month <= 12:
            return None  # not a rule Datadog would accept; shown as written
        day = parts.get("BYMONTHDAY") or (str(start.day) if start else "")
        text = _every(interval, "year") + f" on {day} {MONTHS[month - 1]}".rstrip()
    else:
        return None
    ending = ""
    if parts.get("COUNT"):
        ending = f"{parts['COUNT']} times"
    elif parts.get("UNTIL"):
        try:
            until = _parse_until(parts["UNTIL"].rstrip("Z"))
        except ScheduleError:
            return None
        ending = f"until {until.day} {MONTHS[until.month - 1]} {until.year}"
    return text, ending


def _monthly_day(parts: dict[str, str], parsed: list, start: datetime | None) -> str:
    setpos = parts.get("BYSETPOS")
    if parsed:
        names = []
        for match in parsed:
            position = match.group(1) or setpos
            weekday = WEEKDAY_LONG[match.group(2)]
            if position and position.lstrip("+-").isdigit() and int(position) in ORDINALS:
                names.append(f"the {ORDINALS[int(position)]} {weekday}")
            else:
                names.append(f"every {weekday}")
        return _join(names)
    if parts.get("BYMONTHDAY"):
        days = [int(d) for d in parts["BYMONTHDAY"].split(",") if d.lstrip("-").isdigit()]
        return _join([_day_label(d) for d in days])
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
        end = length.end_of(recurrence_start) if length else None
        if end is not None and end.date() == recurrence_start.date():
            when = f"{recurrence_start:%H:%M}\u2013{end:%H:%M}"
        else:
            when = f"at {recurrence_start:%H:%M}, for {length.words() if length else duration}"
    return ", ".join(part for part in (often, when, ending) if part)


# --- the form's controls <-> RRULE text ---------------------------------------------------------
#
# The form offers controls for the rules people write most (daily, weekly on some weekdays,
# monthly on a day or on the nth/last weekday, yearly, every N periods, ending never, on a date
# or after N times) and keeps the raw RRULE beside them. `build_rrule` writes the controls as
# text; `controls_from_rrule` reads text back into controls, or raises `NotExpressible` when the
# rule says something the controls cannot show (the form then leaves the raw rule in charge).

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
MONTHLY_DAY = "day"
MONTHLY_WEEKDAY = "weekday"
ENDS_NEVER = "never"
ENDS_UNTIL = "until"
ENDS_COUNT = "count"
# Which nth weekday of a month the controls offer; -1 is the last one.
NTH_CHOICES = (1, 2, 3, 4, -1)
_CONTROL_PARTS = {"FREQ", "INTERVAL", "BYDAY", "BYSETPOS", "BYMONTHDAY", "COUNT", "UNTIL"}
# "Ends on a date" includes that whole local day, so the rule stops at its last second.
_UNTIL_END_OF_DAY = re.compile(r"^(\d{8})T235959$")


class NotExpressible(ScheduleError):
    """The rule is fine, but the form's controls cannot show it; the message says which part."""


@dataclass(frozen=True, slots=True)
class RuleControls:
    """The form's repeat controls. Only the fields that matter for `freq` are set."""

    freq: str = "WEEKLY"
    interval: int = 1
    # WEEKLY: weekdays in Monday-first order; empty means the start's weekday.
    weekdays: tuple[str, ...] = ()
    # MONTHLY: on a day of the month ("day") or on the nth weekday ("weekday").
    monthly: str = MONTHLY_DAY
    # MONTHLY by day: 1-31, or -1 for the last day; None means the start's day.
    month_day: int | None = None
    nth: int | None = None
    nth_weekday: str | None = None
    ends: str = ENDS_NEVER
    until: date | None = None  # the last local day with a window (inclusive)
    count: int | None = None


def build_rrule(controls: RuleControls) -> str:
    """The RRULE text for the controls; raises ScheduleError when they are incomplete."""
    c = controls
    if c.freq not in FREQUENCIES:
        raise ScheduleError(f"Repeat must be one of {', '.join(f.lower() for f in FREQUENCIES)}")
    if c.interval < 1:
        raise ScheduleError("Repeat every must be a whole number of at least 1")
    parts = [f"FREQ={c.freq}"]
    if c.interval > 1:
        parts.append(f"INTERVAL={c.interval}")
    if c.freq == "WEEKLY" and c.weekdays:
        unknown = [d for d in c.weekdays if d not in WEEKDAYS]
        if unknown:
            raise ScheduleError(f"Unknown weekday {unknown[0]!r}")
        parts.append("BYDAY=" + ",".join(d for d in WEEKDAYS if d in c.weekdays))
    if c.freq == "MONTHLY":
        if c.monthly == MONTHLY_WEEKDAY:
            if c.nth not in NTH_CHOICES or c.nth_weekday not in WEEKDAYS:
                raise ScheduleError(
                    "Choose which weekday of the month, for example the third Wednesday"
                )
            parts.append(f"BYDAY={c.nth_weekday};BYSETPOS={c.nth}")
        elif c.month_day is not None:
            if not (1 <= c.month_day <= 31 or c.month_day == -1):
                raise ScheduleError("Day of the month must be between 1 and 31, or the last day")
            parts.append(f"BYMONTHDAY={c.month_day}")
    if c.ends == ENDS_COUNT:
        if c.count is None or c.count < 1:
            raise ScheduleError("Give how many times it repeats: a whole number of at least 1")
        parts.append(f"COUNT={c.count}")
    elif c.ends == ENDS_UNTIL:
        if c.until is None:
            raise ScheduleError("Give the date of the last window")
        parts.append(f"UNTIL={c.until:%Y%m%d}T235959")
    elif c.ends != ENDS_NEVER:
        raise ScheduleError("Ends must be never, on a date, or after a number of times")
    return ";".join(parts)


def _positive(text: str, name: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise ScheduleError(f"RRULE {name} must be a whole number of at least 1")
    return int(text)


def controls_from_rrule(text: str) -> RuleControls:
    """Read an RRULE into the form's controls.

    Raises ScheduleError for a malformed rule and NotExpressible for a valid rule the controls
    cannot show (an hourly rule, BYHOUR, several month days, an UNTIL at a time of day, ...).
    """
    parts = rrule_parts(text)
    if not parts.get("FREQ"):
        raise ScheduleError("RRULE needs FREQ, for example FREQ=WEEKLY;BYDAY=TU")
    extra = sorted(set(parts) - _CONTROL_PARTS)
    if extra:
        raise NotExpressible(f"the controls have no setting for {', '.join(extra)}")
    freq = parts["FREQ"]
    if freq not in FREQUENCIES:
        raise NotExpressible(f"the controls do not offer FREQ={freq}")
    interval = _positive(parts["INTERVAL"], "INTERVAL") if "INTERVAL" in parts else 1
    if "COUNT" in parts and "UNTIL" in parts:
        raise ScheduleError("RRULE may give COUNT or UNTIL, not both")
    ends, until, count = ENDS_NEVER, None, None
    if "COUNT" in parts:
        ends, count = ENDS_COUNT, _positive(parts["COUNT"], "COUNT")
    elif "UNTIL" in parts:
        match = _UNTIL_END_OF_DAY.match(parts["UNTIL"])
        if not match:
            raise NotExpressible(
                "UNTIL is not the end of a local day (the controls end on a whole date)"
            )
        try:
            until = datetime.strptime(match.group(1), "%Y%m%d").date()
        except ValueError:
            raise ScheduleError(f"RRULE UNTIL={parts['UNTIL']} is not a date") from None
        ends = ENDS_UNTIL
    common = {"freq": freq, "interval": interval, "ends": ends, "until": until, "count": count}
    by = {k: parts[k] for k in ("BYDAY", "BYSETPOS", "BYMONTHDAY") if k in parts}
    if freq in ("DAILY", "YEARLY"):
        if by:
            raise NotExpressible(
                f"the controls cannot combine FREQ={freq} with {', '.join(sorted(by))}"
            )
        return RuleControls(**common)
    if freq == "WEEKLY":
        if set(by) - {"BYDAY"}:
            raise NotExpressible("the weekly controls only choose weekdays")
        days = [d for d in by.get("BYDAY", "").split(",") if d]
        if any(d not in WEEKDAYS for d in days):
            raise NotExpressible("the weekly controls cannot show numbered weekdays such as 1MO")
        return RuleControls(**common, weekdays=tuple(d for d in WEEKDAYS if d in days))
    return _monthly_controls(by, common)


def _monthly_controls(by: dict[str, str], common: dict) -> RuleControls:
    if "BYMONTHDAY" in by:
        if set(by) != {"BYMONTHDAY"}:
            raise NotExpressible("the controls cannot combine a month day with weekdays")
        value = by["BYMONTHDAY"]
        day = int(value) if re.fullmatch(r"[+-]?\d{1,2}", value) else 0
        if not (1 <= day <= 31 or day == -1):
            raise NotExpressible(f"the controls cannot show BYMONTHDAY={value}")
        return RuleControls(**common, monthly=MONTHLY_DAY, month_day=day)
    if "BYDAY" not in by:
        if by:
            raise NotExpressible("BYSETPOS needs BYDAY")
        return RuleControls(**common, monthly=MONTHLY_DAY)
    match = _BYDAY_RE.match(by["BYDAY"])
    if not match:
        raise NotExpressible("the monthly controls choose one weekday")
    position, weekday = match.group(1), match.group(2)
    if position and "BYSETPOS" in by:
        raise NotExpressible("the controls cannot combine a numbered weekday with BYSETPOS")
    position = position or by.get("BYSETPOS")
    if position is None or not re.fullmatch(r"[+-]?\d{1,2}", position):
        raise NotExpressible("the monthly controls need which weekday: first to fourth, or last")
    nth = int(position)
    if nth not in NTH_CHOICES:
        raise NotExpressible(f"the controls offer the first to fourth or last weekday, not {nth}")
    return RuleControls(**common, monthly=MONTHLY_WEEKDAY, nth=nth, nth_weekday=weekday)


def default_controls(start: datetime | None) -> RuleControls:
    """What the repeat controls show for a new recurrence: weekly on the start's weekday."""
    weekday = WEEKDAYS[start.weekday()] if start else "MO"
    return RuleControls(freq="WEEKLY", weekdays=(weekday,))
