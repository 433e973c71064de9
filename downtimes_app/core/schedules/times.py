"""Durations and time zones: Datadog's `30m`/`2h`/`1d`/`1w`, IANA zones, wall time and UTC.

Durations follow RFC 5545: days and weeks are calendar amounts (a `1d` window ends at the same
wall time the next day), hours and minutes are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from downtimes_app.core import parsing
from downtimes_app.core.parsing import DURATION_UNITS


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
        return DURATION_UNITS[self.unit] * self.amount

    def end_of(self, start_local: datetime) -> datetime:
        """End wall time for a window starting at `start_local` (naive, in its zone)."""
        try:
            return parsing.add(start_local, self.delta)
        except parsing.Unreadable as exc:
            raise ScheduleError(f"A window of {self} from {start_local:%Y-%m-%d}: {exc}") from None

    def words(self) -> str:
        names = {"m": "minute", "h": "hour", "d": "day", "w": "week"}
        name = names[self.unit]
        return f"{self.amount} {name}{'' if self.amount == 1 else 's'}"


def parse_duration(text: str) -> Duration:
    """`30m`, `2h`, `1d`, `1w`, at most ten years (`parsing.duration`), or ScheduleError."""
    try:
        return Duration(*parsing.duration(text))
    except parsing.Unreadable as exc:
        raise ScheduleError(str(exc)) from None


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
