"""The form's repeat controls and RRULE text, each written from the other.

The form offers controls for the rules people write most (daily, weekly on some weekdays,
monthly on a day or on the nth/last weekday, yearly, every N periods, ending never, on a date
or after N times) and keeps the raw RRULE beside them. `build_rrule` writes the controls as
text; `controls_from_rrule` reads text back into controls, or raises `NotExpressible` when the
rule says something the controls cannot show (the form then leaves the raw rule in charge).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from downtimes_app.core import parsing
from downtimes_app.core.schedules.rules import WEEKDAYS, rrule_parts
from downtimes_app.core.schedules.times import ScheduleError
from downtimes_app.core.schedules.words import BYDAY_RE

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
_UNTIL_END_OF_DAY = re.compile(r"([0-9]{8})T235959")


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
    try:
        return parsing.whole_number(text, low=1, high=99_999)
    except parsing.Unreadable:
        raise ScheduleError(f"RRULE {name} must be a whole number of at least 1") from None


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
        match = _UNTIL_END_OF_DAY.fullmatch(parts["UNTIL"])
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
        day = int(value) if re.fullmatch(r"[+-]?[0-9]{1,2}", value) else 0
        if not (1 <= day <= 31 or day == -1):
            raise NotExpressible(f"the controls cannot show BYMONTHDAY={value}")
        return RuleControls(**common, monthly=MONTHLY_DAY, month_day=day)
    if "BYDAY" not in by:
        if by:
            raise NotExpressible("BYSETPOS needs BYDAY")
        return RuleControls(**common, monthly=MONTHLY_DAY)
    match = BYDAY_RE.match(by["BYDAY"])
    if not match:
        raise NotExpressible("the monthly controls choose one weekday")
    position, weekday = match.group(1), match.group(2)
    if position and "BYSETPOS" in by:
        raise NotExpressible("the controls cannot combine a numbered weekday with BYSETPOS")
    position = position or by.get("BYSETPOS")
    if position is None or not re.fullmatch(r"[+-]?[0-9]{1,2}", position):
        raise NotExpressible("the monthly controls need which weekday: first to fourth, or last")
    nth = int(position)
    if nth not in NTH_CHOICES:
        raise NotExpressible(f"the controls offer the first to fourth or last weekday, not {nth}")
    return RuleControls(**common, monthly=MONTHLY_WEEKDAY, nth=nth, nth_weekday=weekday)


def default_controls(start: datetime | None) -> RuleControls:
    """What the repeat controls show for a new recurrence: weekly on the start's weekday."""
    weekday = WEEKDAYS[start.weekday()] if start else "MO"
    return RuleControls(freq="WEEKLY", weekdays=(weekday,))
