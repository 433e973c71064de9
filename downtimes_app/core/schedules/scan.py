"""A rule's instants for bounded work: a span of the calendar, and a number of steps.

dateutil walks a rule period by period (its hour, day, week, month or year) and stops only when
an instant passes UNTIL, when COUNT is reached, or at the year 9999. A rule that never matches
(`FREQ=DAILY;BYSETPOS=-366`, `FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30`) yields nothing, so it walks
to 9999, which takes seconds; an hourly rule that began years ago yields every hour since before
it reaches today. So every walk here:

- starts near the span asked about: a rule without COUNT starts a whole number of its intervals
  after its own start, which yields the same instants from there on (the day of the month and
  the month, which dateutil would otherwise take from the start, are written into the rule);
- stops at the end of its span, after MAX_PERIODS periods or after MAX_INSTANTS instants,
  whichever comes first, and says whether the rule itself had ended (`Walk.exhausted`);
- skips a span the same rule was already found to have no instant in: a page shown again does
  not walk five empty years again.

The stop inside dateutil's loop hooks its per-period step (`_iterinfo.*dayset`, the one call
every turn of that loop makes) through a private copy of `rrule._iter` whose `_iterinfo` is
bounded; dateutil itself is not patched. Tests count the periods walked to keep the hook honest.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Iterator
from datetime import datetime, timedelta

from dateutil import rrule as _rrule

from downtimes_app.core import parsing
from downtimes_app.core.schedules.rules import cached_rule, canonical, rrule_parts

# How far a walk looks past the moment it starts from (`windows`: the later of the moment asked
# about and the rule's own start).
HORIZON_YEARS = 5
HORIZON = timedelta(days=round(365.25 * HORIZON_YEARS))
# A walk's work. Periods: a daily rule steps through 1,826 days in five years; an hourly rule
# that no day filters out (`FREQ=HOURLY;BYSETPOS=2` never occurs) stops after 20,000 hours,
# two and a quarter years. Instants: a window's length of earlier ones is read before the first
# window still running.
MAX_PERIODS = 20_000
MAX_INSTANTS = 10_000
# Without any of these, dateutil takes a MONTHLY or YEARLY rule's day (and month) from its start.
_DAY_PARTS = ("BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY", "BYEASTER")
_FIXED_STEPS = {"HOURLY": timedelta(hours=1), "DAILY": timedelta(days=1), "WEEKLY": timedelta(7)}


class _Stop(Exception):
    """Raised inside dateutil's loop when a walk reaches the end of its span or of its work."""


class _BoundedInfo(_rrule._iterinfo):
    """dateutil's calendar tables for one walk, which also step the walk every period."""

    __slots__ = ("walk",)

    def __init__(self, rule: _rrule.rrule, walk: Walk) -> None:
        for name in _rrule._iterinfo.__slots__:
            setattr(self, name, None)
        self.rrule = rule
        self.walk = walk

    def ydayset(self, year, month, day):
        self.walk.step((year, 1, 1))
        return super().ydayset(year, month, day)

    def mdayset(self, year, month, day):
        self.walk.step((year, month, 1))
        return super().mdayset(year, month, day)

    def wdayset(self, year, month, day):
        self.walk.step((year, month, day))
        return super().wdayset(year, month, day)

    def ddayset(self, year, month, day):
        self.walk.step((year, month, day))
        return super().ddayset(year, month, day)


_ITER_CODE = _rrule.rrule._iter.__code__


# Spans of the calendar where a rule is known to have no instant, by (rule, start, zone): a
# page asked for again, or twice in one view (its windows, then why there are none), walks only
# what lies past them. Only rules without COUNT, which can start a walk anywhere.
_EMPTY_SPANS: dict[tuple[str, datetime, str], tuple[datetime, datetime]] = {}
_EMPTY_SPANS_KEPT = 4096


def forget() -> None:
    """Drop the spans known to be empty (each test starts from nothing)."""
    _EMPTY_SPANS.clear()


class Walk:
    """The instants of one rule up to `last` (naive wall times), in order, from its start or,
    for a rule without COUNT, from a later start at or just before `near`.

    `periods` and `instants` count the work done; `exhausted` is set when the rule itself
    ended (UNTIL passed, COUNT reached), as opposed to the walk stopping at its bounds.
    """

    def __init__(
        self, rrule: str, start: datetime, zone_name: str, near: datetime, last: datetime
    ) -> None:
        self.start, self.last = start, last
        self.periods = 0
        self.instants = 0
        self.exhausted = False
        self._key = (rrule, start, zone_name)
        self._empty_since: datetime | None = None
        self._reached_last = False
        self.rule = self._build(near)
        known = _EMPTY_SPANS.get(self._key) if _shift_plan(rrule, start) else None
        if self.rule is not None and known and known[0] <= self.rule._dtstart <= known[1]:
            # Nothing to find up to known[1]: walk on from there, if the span goes further.
            self._empty_since = known[0]
            self.rule = self._build(known[1]) if last > known[1] else None
        until = self.rule._until if self.rule is not None else None
        self._until = (until.year, until.month, until.day) if until else None
        self._last = (last.year, last.month, last.day)

    def _build(self, near: datetime) -> _rrule.rrule | None:
        try:
            return _rule_near(*self._key, near)
        except (ValueError, OverflowError):
            # dateutil refuses some rules for some starts: `FREQ=HOURLY;INTERVAL=3;BYHOUR=0,13`
            # from 02:00 never reaches those hours ("generates an empty set").
            return None

    @property
    def shifted(self) -> bool:
        """Whether the walk began after the rule's own start (a rule without COUNT)."""
        return self._empty_since is not None or (
            self.rule is not None and self.rule._dtstart > self.start
        )

    def step(self, day: tuple[int, int, int]) -> None:
        """One period begins on `day`: stop past UNTIL, past the span, or out of work."""
        self.periods += 1
        if self._until is not None and day > self._until:
            self.exhausted = True
            raise _Stop
        if day > self._last:
            self._reached_last = True
            raise _Stop
        if self.periods > MAX_PERIODS:
            raise _Stop

    def __iter__(self) -> Iterator[datetime]:
        if self.rule is None:
            return
        info = functools.partial(_BoundedInfo, walk=self)
        walk_rule = types.FunctionType(_ITER_CODE, {**vars(_rrule), "_iterinfo": info})
        found = walk_rule(self.rule)
        while self.instants < MAX_INSTANTS:
            try:
                instant = next(found)
            except StopIteration:
                self.exhausted = True
                return
            except (_Stop, ValueError, OverflowError):
                break  # a bound, or the edge of datetime's range
            self.instants += 1
            if instant > self.last:
                self._reached_last = True
                break
            yield instant
        self._remember_if_empty()

    def _remember_if_empty(self) -> None:
        """Keep the span walked when it held no instant and the walk reached its end."""
        if self.instants or not self._reached_last or self.rule is None:
            return
        if _shift_plan(*self._key[:2]) is None:
            return
        if len(_EMPTY_SPANS) >= _EMPTY_SPANS_KEPT:
            _EMPTY_SPANS.clear()
        began = self._empty_since or self.rule._dtstart
        _EMPTY_SPANS[self._key] = (min(began, self.rule._dtstart), self.last)


def span_end(moment: datetime) -> datetime:
    """The last moment a walk from `moment` looks at."""
    return parsing.add_or_edge(moment, HORIZON)


@functools.lru_cache(maxsize=1024)
def _shift_plan(rrule: str, start: datetime) -> tuple[str, str, int] | None:
    """(the rule with its start's day written in, FREQ, INTERVAL), or None when it cannot start
    later: with COUNT, every instant depends on how many came before."""
    try:
        parts = rrule_parts(rrule)
        interval = parsing.whole_number(parts.get("INTERVAL", "1"), low=1)
    except ValueError:
        return None
    freq = parts.get("FREQ", "")
    if "COUNT" in parts or freq not in (*_FIXED_STEPS, "MONTHLY", "YEARLY"):
        return None
    if not any(name in parts for name in _DAY_PARTS):
        if freq == "YEARLY":
            parts.setdefault("BYMONTH", str(start.month))
            parts["BYMONTHDAY"] = str(start.day)
        elif freq == "MONTHLY":
            parts["BYMONTHDAY"] = str(start.day)
    return canonical(parts), freq, interval


def later_start(start: datetime, target: datetime, freq: str, interval: int) -> datetime:
    """The latest start of one of the rule's periods a whole number of intervals after `start`,
    at or before `target`; `start` itself when there is none."""
    if freq in _FIXED_STEPS:
        step = _FIXED_STEPS[freq] * interval
        return start + step * max(0, (target - start) // step)
    if freq == "MONTHLY":
        periods = ((target.year - start.year) * 12 + target.month - start.month) // interval
        for k in (periods, periods - 1):
            month = start.month - 1 + k * interval
            if k > 0:
                moved = start.replace(year=start.year + month // 12, month=month % 12 + 1, day=1)
                if moved <= target:
                    return moved
        return start
    periods = (target.year - start.year) // interval
    for k in (periods, periods - 1):
        if k > 0:
            moved = start.replace(year=start.year + k * interval, month=1, day=1)
            if moved <= target:
                return moved
    return start


def _rule_near(rrule: str, start: datetime, zone_name: str, near: datetime) -> _rrule.rrule:
    """The rule as dateutil builds it, started as close before `near` as its instants allow."""
    plan = _shift_plan(rrule, start) if near > start else None
    if plan is not None:
        text, freq, interval = plan
        moved = later_start(start, near, freq, interval)
        if moved > start:
            return cached_rule(text, moved, zone_name)
    return cached_rule(rrule, start, zone_name)
