"""Window searches walk a bounded span: a rule that never occurs costs a few thousand steps.

Work is counted, never timed: `steps` counts the periods (hours, days, weeks, months, years)
dateutil's loop walks through, and `Walk.instants` the occurrences it produces.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from downtimes_app.core import schedules
from downtimes_app.core.domain import Window
from downtimes_app.core.schedules import Duration, RecurrenceSpec, scan
from tests.factories import NOW

WALL_NOW = NOW.replace(tzinfo=None)
HOUR = Duration(1, "h")
NEVER = [
    "FREQ=DAILY;BYSETPOS=-366",
    "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31",
    "FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2",
    "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2,4,6,9,11",
    "FREQ=HOURLY;BYSETPOS=2",
]
# Days in the span a walk ahead looks at, plus the days it looks back before `after`.
DAYS_AHEAD = scan.HORIZON.days + 2


@pytest.fixture
def steps(walk_steps) -> list[tuple[int, int, int]]:
    return walk_steps


def spec(rule: str, start: datetime = datetime(2026, 12, 1, 2), duration=HOUR) -> RecurrenceSpec:
    return RecurrenceSpec(start, rule, duration)


@pytest.mark.parametrize("rule", NEVER)
def test_a_rule_that_never_occurs_finds_no_window_within_a_bounded_walk(rule, steps):
    schedules.check_rrule(rule)  # the grammar allows each: only walking shows they never occur
    assert schedules.upcoming_windows([spec(rule)], "UTC", NOW) == []
    assert 0 < len(steps) <= scan.MAX_PERIODS + 1  # the last step is the one that stops it
    # The last period stepped into is the first past the span (2031-11-16), never the year 9999.
    assert max(steps) <= (2032, 1, 1)


def test_a_series_that_starts_years_ahead_is_found_from_its_start_not_from_now(steps):
    weekly = spec("FREQ=WEEKLY", start=datetime(2042, 7, 13, 1, 2, 3), duration=Duration(1, "d"))
    first = Window(
        datetime(2042, 7, 13, 1, 2, 3, tzinfo=UTC), datetime(2042, 7, 14, 1, 2, 3, tzinfo=UTC)
    )
    assert schedules.upcoming_windows([weekly], "UTC", NOW, limit=1) == [first]
    assert schedules.current_window([weekly], "UTC", NOW) == first
    assert not schedules.has_run_its_course([weekly], "UTC", NOW)
    assert len(steps) <= 10  # a week or so of its own, not the sixteen years before it


@pytest.mark.parametrize("rule", NEVER)
def test_a_rule_that_never_occurs_from_years_ahead_walks_five_years_of_it_at_most(rule, steps):
    never = spec(rule, start=datetime(2042, 7, 13, 1, 2, 3))
    for search, nothing in (
        (schedules.current_window, None),  # ahead, then one step back to find it began later
        (schedules.upcoming_windows, []),
    ):
        steps.clear()
        assert search([never], "UTC", NOW) == nothing
        # As for a rule that starts now (the second search may find the span known empty).
        assert len(steps) <= scan.MAX_PERIODS + 2
        assert max(steps, default=(2042, 7, 13)) <= (2048, 1, 1)  # its five years, and a step


@pytest.mark.parametrize("rule", NEVER[:5])
def test_a_rule_filtered_by_day_walks_at_most_a_day_at_a_time(rule, steps):
    assert schedules.never_occurs(spec(rule), "UTC")
    assert len(steps) <= DAYS_AHEAD


def test_the_issues_five_never_occurring_recurrences_cost_a_bounded_walk(steps):
    specs = [spec(rule) for rule in NEVER[:5]]
    assert schedules.current_window(specs, "UTC", NOW) is None
    assert schedules.upcoming_windows(specs, "Europe/Paris", NOW) == []
    # Ahead twice (current window, upcoming) and back once through every lookback, each spec.
    assert len(steps) <= 5 * (2 * DAYS_AHEAD + 2 + 40 + 400 + DAYS_AHEAD)


def test_an_hourly_rule_begun_years_ago_starts_its_walk_near_now(steps):
    hourly = spec("FREQ=HOURLY;INTERVAL=5", start=datetime(2019, 1, 1, 1))
    windows = schedules.upcoming_windows([hourly], "UTC", NOW, limit=3)
    # 2019-01-01 01:00 plus 69,035 hours (a multiple of 5) is 2026-11-16 12:00.
    assert [w.start.hour for w in windows] == [12, 17, 22]
    assert windows[0].start.date() == NOW.date()
    assert len(steps) < 100  # not the 69,000 hours since 2019


def test_a_count_rule_begun_long_ago_walks_from_its_start_within_the_budget(steps):
    old = spec("FREQ=HOURLY;COUNT=50000", start=datetime(2000, 1, 1))
    assert schedules.upcoming_windows([old], "UTC", NOW) == []  # its hours ran out in 2005
    assert len(steps) <= scan.MAX_PERIODS + 1


def test_a_walk_stops_after_its_budget_of_instants():
    every_minute = "FREQ=HOURLY;BYMINUTE=" + ",".join(map(str, range(60)))
    walk = scan.Walk(every_minute, datetime(2026, 1, 1), "UTC", datetime(2026, 1, 1), WALL_NOW)
    assert sum(1 for _ in walk) == scan.MAX_INSTANTS
    assert not walk.exhausted


def test_a_walk_says_whether_the_rule_itself_ended():
    start = datetime(2026, 1, 1)
    ended = scan.Walk("FREQ=DAILY;UNTIL=20260110T000000", start, "UTC", WALL_NOW, WALL_NOW)
    assert list(ended) == [] and ended.exhausted
    cut = scan.Walk("FREQ=DAILY;BYSETPOS=-366", start, "UTC", WALL_NOW, WALL_NOW)
    assert list(cut) == [] and not cut.exhausted


def test_last_window_before_finds_the_end_of_an_ended_series_without_walking_it_all(steps):
    nightly = spec("FREQ=DAILY;UNTIL=20260301T235959", start=datetime(2020, 1, 1, 1))
    assert schedules.last_window_before(nightly, "UTC", NOW) == Window(
        datetime(2026, 3, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, 2, tzinfo=UTC)
    )
    assert len(steps) <= 2 + 40 + 400 + 2


def test_a_series_has_run_its_course_only_when_its_rule_ended():
    ended = spec("FREQ=DAILY;COUNT=3", start=datetime(2026, 1, 1))
    never = spec("FREQ=DAILY;BYSETPOS=-366")
    weekly = spec("FREQ=WEEKLY")
    assert schedules.has_run_its_course([ended], "UTC", NOW)
    assert not schedules.has_run_its_course([ended, never], "UTC", NOW)
    assert not schedules.has_run_its_course([weekly], "UTC", NOW)
    assert not schedules.has_run_its_course([], "UTC", NOW)


def test_windows_near_the_year_9999_stop_instead_of_overflowing():
    late = spec("FREQ=DAILY", start=datetime(9998, 12, 20, 2), duration=Duration(520, "w"))
    moment = datetime(9998, 12, 25, tzinfo=UTC)
    assert schedules.upcoming_windows([late], "Pacific/Kiritimati", moment) == []
    assert schedules.current_window([late], "Pacific/Kiritimati", moment) is None


# --- a later start yields the same instants ----------------------------------------------------

rules = st.builds(
    lambda freq, interval, by: ";".join([f"FREQ={freq}", f"INTERVAL={interval}", *by]),
    st.sampled_from(["HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
    st.integers(1, 4),
    st.lists(
        st.sampled_from(
            [
                "BYDAY=MO,WE",
                "BYDAY=-1FR",
                "BYMONTHDAY=31",
                "BYMONTHDAY=-1,15",
                "BYMONTH=2,3",
                "BYHOUR=0,13",
                "BYSETPOS=1",
                "BYSETPOS=-1",
                "UNTIL=20270101T000000",
            ]
        ),
        max_size=3,
        unique_by=lambda part: part.split("=")[0],
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    rule=rules,
    start=st.datetimes(datetime(2024, 1, 1), datetime(2026, 11, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
    near=st.datetimes(datetime(2026, 11, 1), datetime(2026, 12, 31)),
)
def test_a_walk_begun_later_yields_the_same_instants_as_one_from_the_start(rule, start, near):
    try:
        schedules.check_rrule(rule)
    except schedules.ScheduleError:
        return  # (BYDAY=-1FR under FREQ=DAILY, say: dateutil refuses it too)
    last = near + timedelta(days=60)
    with (
        mock.patch.object(scan, "MAX_PERIODS", 10**6),
        mock.patch.object(scan, "MAX_INSTANTS", 10**6),
    ):
        whole = [i for i in scan.Walk(rule, start, "UTC", start, last) if i >= near]
        later = scan.Walk(rule, start, "UTC", near, last)
        assert [i for i in later if i >= near] == whole


def test_a_rule_dateutil_finds_empty_for_its_start_has_no_windows_rather_than_an_error():
    # Every third hour from 02:00 is 02:00, 05:00, ..., 23:00: never 00:00 or 13:00.
    unreachable = spec("FREQ=HOURLY;INTERVAL=3;BYHOUR=0,13", start=datetime(2026, 12, 1, 2))
    schedules.check_rrule(unreachable.rrule)
    assert schedules.upcoming_windows([unreachable], "UTC", NOW) == []
    assert schedules.never_occurs(unreachable, "UTC")
    assert schedules.current_window([unreachable], "UTC", NOW) is None


def test_a_span_known_to_be_empty_is_not_walked_again(steps):
    never = [spec(rule) for rule in NEVER[:5]]
    assert schedules.upcoming_windows(never, "UTC", NOW) == []
    first = len(steps)
    # The same page a minute later, and the note that says why there is no window.
    assert schedules.upcoming_windows(never, "UTC", NOW + timedelta(minutes=1)) == []
    assert not schedules.has_run_its_course(never, "UTC", NOW + timedelta(minutes=1))
    assert first > 1000 and len(steps) - first <= 2 * 5 * 3  # a period or two each
    # A rule that does occur is still found past a span walked for another question.
    weekly = spec("FREQ=WEEKLY;BYDAY=TU")
    assert schedules.last_window_before(weekly, "UTC", NOW) is None  # it starts in December
    assert schedules.upcoming_windows([weekly], "UTC", NOW, limit=1)[0].start == datetime(
        2026, 12, 1, 2, tzinfo=UTC
    )
