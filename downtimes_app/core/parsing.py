"""Numbers, dates and durations from outside: a link, a form, Datadog. Read once, bounded.

One module, because Python's own readers each let something through that a later step chokes
on: `str.isdigit()` accepts `²` (which `int()` refuses) and full-width digits (which `int()`
reads); `int()` refuses more than 4,300 digits; `datetime.fromisoformat` reads the year 9999,
and adding two hours to that, or moving it to a zone east of UTC, raises OverflowError. Every
reader here takes only ASCII digits, caps the length before converting, and checks the range
before any arithmetic; each raises `Unreadable` (a ValueError) with a sentence the caller shows
as a notice or a field error. `add` is the one guarded piece of arithmetic.

It imports nothing of the project (like `domain`), so the forms, the list, the schedules, the
client's codec and the sandbox can all use it; it is not in `schedules/` because most of its
callers read numbers and dates that have nothing to do with a schedule.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

# More digits than any number we take needs, and far below int()'s 4,300-digit limit.
MAX_DIGITS = 18
# Largest id or offset a database column (a signed 64-bit integer) can hold.
MAX_ID = 2**63 - 1
_WHOLE = re.compile(r"[0-9]+")
_DURATION = re.compile(r"\s*([0-9]+)\s*([mhdw])\s*")
DURATION_UNITS = {
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
_SIGNED = re.compile(r"[+-]?[0-9]+")
# An ISO date and time is at most `2026-11-17T02:00:00.000000+05:30`; anything longer is not one.
_MAX_TIME_LENGTH = 40
# What a person may type: nobody schedules a downtime before 1970 or after 2999, and a range
# this narrow leaves room for every duration and look-ahead added to it.
TYPED_YEARS = (1970, 2999)
# What Datadog's JSON may hold: a day inside datetime's own range at either end, so moving a time
# to any zone, or adding hours to it, cannot leave that range.
STORED_YEARS = (2, 9998)
# The longest duration a window may have (ten years): longer is a typo, and cannot overflow.
MAX_DURATION = timedelta(days=3653)


class Unreadable(ValueError):
    """Text that is not the value asked for; the message says what was expected."""


class OutOfRange(Unreadable):
    """A well-formed value outside the range asked for; the message gives the range."""


def _shown(text: str, limit: int = 40) -> str:
    """The text for an error message, cut so a hostile value cannot fill the page."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "\u2026")


def whole_number(
    text: str | None, *, low: int = 0, high: int = MAX_ID, what: str = "a whole number"
) -> int:
    """ASCII digits only, no sign, at most MAX_DIGITS, between `low` and `high`."""
    value = (text or "").strip()
    if not value or len(value) > MAX_DIGITS or not _WHOLE.fullmatch(value):
        raise Unreadable(f"{_shown(value)} is not {what}")
    number = int(value)
    if not low <= number <= high:
        raise OutOfRange(f"{_shown(value)} is out of range: give {what} from {low} to {high}")
    return number


def signed_number(text: str | None, *, low: int, high: int, what: str = "a number") -> int:
    """An optional `+` or `-`, then ASCII digits, at most MAX_DIGITS, between `low` and `high`."""
    value = (text or "").strip()
    if not value or len(value) > MAX_DIGITS + 1 or not _SIGNED.fullmatch(value):
        raise Unreadable(f"{_shown(value)} is not {what}")
    number = int(value)
    if not low <= number <= high:
        raise OutOfRange(f"{_shown(value)} is out of range: give {what} from {low} to {high}")
    return number


def duration(text: str | None) -> tuple[int, str]:
    """Datadog's `30m`, `2h`, `1d`, `1w`: a whole number above zero and a unit, at most
    MAX_DURATION long. Returns (amount, unit)."""
    value = text or ""
    match = _DURATION.fullmatch(value) if len(value) <= 40 else None
    if not match or len(match.group(1)) > MAX_DIGITS or int(match.group(1)) == 0:
        raise Unreadable(
            f"Duration {_shown(value)} is not valid: use a whole number followed by m, h, d "
            "or w, for example 30m, 2h, 1d or 1w"
        )
    amount, unit = int(match.group(1)), match.group(2)
    longest = MAX_DURATION // DURATION_UNITS[unit]
    if amount > longest:
        raise Unreadable(
            f"Duration {_shown(value)} is too long: at most {longest}{unit} (ten years)"
        )
    return amount, unit


def maybe_whole(text: str | None, **bounds: int) -> int | None:
    """`whole_number`, or None for anything it would refuse (an optional id, say)."""
    try:
        return whole_number(text, **bounds)
    except Unreadable:
        return None


def date_time(
    text: str | None, *, years: tuple[int, int] = TYPED_YEARS, what: str = "a date and time"
) -> datetime:
    """An ISO 8601 date and time (`2026-11-17T02:00`, with or without offset), within `years`."""
    value = (text or "").strip()
    if len(value) > _MAX_TIME_LENGTH:
        raise Unreadable(f"{_shown(value)} is not {what}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Unreadable(f"{_shown(value)} is not {what}") from None
    check_year(moment, years)
    return moment


def check_year(moment: datetime, years: tuple[int, int] = TYPED_YEARS) -> datetime:
    low, high = years
    if not low <= moment.year <= high:
        raise OutOfRange(
            f"{moment:%Y-%m-%d} is out of range: give a date from the year {low} to {high}"
        )
    return moment


def add(moment: datetime, delta: timedelta) -> datetime:
    """`moment + delta`, or Unreadable when the result would be past datetime's range."""
    try:
        return moment + delta
    except OverflowError:
        direction = "after the year 9999" if delta > timedelta(0) else "before the year 1"
        raise Unreadable(f"That would be {direction}") from None


def add_or_edge(moment: datetime, delta: timedelta) -> datetime:
    """`moment + delta`, stopped at datetime's first or last moment (a scan's bounds)."""
    try:
        return moment + delta
    except OverflowError:
        edge = datetime.max if delta > timedelta(0) else datetime.min
        return edge.replace(tzinfo=moment.tzinfo)
