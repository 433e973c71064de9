"""Schedules: durations, RRULE checks, windows in a time zone across daylight-saving changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from downtimes_app.core import schedules
from downtimes_app.core.domain import Window
from downtimes_app.core.schedules import Duration, RecurrenceSpec, ScheduleError
from downtimes_app.core.status import window_status


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "duration", "delta"),
    [
        ("30m", Duration(30, "m"), timedelta(minutes=30)),
        ("2h", Duration(2, "h"), timedelta(hours=2)),
        (" 1d ", Duration(1, "d"), timedelta(days=1)),
        ("123d", Duration(123, "d"), timedelta(days=123)),
        ("1w", Duration(1, "w"), timedelta(weeks=1)),
    ],
)
def test_parse_duration(text, duration, delta):
    assert schedules.parse_duration(text) == duration
    assert duration.delta == delta


@pytest.mark.parametrize("text", ["", "2", "h", "1.5h", "0m", "-1h", "2 hours", "3s", "1y"])
def test_parse_duration_rejects_what_datadog_rejects(text):
    with pytest.raises(ScheduleError, match="use a whole number followed by m, h, d or w"):
        schedules.parse_duration(text)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(minutes=90), "90m"),
        (timedelta(hours=3), "3h"),
        (timedelta(days=2), "2d"),
        (timedelta(days=14), "2w"),
    ],
)
def test_duration_from_delta_uses_the_largest_exact_unit(delta, text):
    assert str(schedules.duration_from_delta(delta)) == text


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(hours=1) - timedelta(milliseconds=14), "1h"),  # start stamped just after
        (timedelta(seconds=10), "1m"),  # ended now within its first minute
        (timedelta(0), "1m"),
    ],
)
def test_duration_from_delta_rounds_to_the_nearest_minute(delta, text):
    assert str(schedules.duration_from_delta(delta)) == text


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY",
        "FREQ=WEEKLY;BYDAY=TU,TH",
        "FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3",
        "FREQ=MONTHLY;BYDAY=-1FR;INTERVAL=1",
        "RRULE:FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24",
        "FREQ=DAILY;COUNT=10",
        "FREQ=WEEKLY;UNTIL=20301231T235959Z",
    ],
)
def test_check_rrule_accepts_common_rules(rule):
    assert schedules.check_rrule(rule)["FREQ"]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("DTSTART=20260101T000000;FREQ=DAILY", "must not contain DTSTART"),
        ("FREQ=DAILY;DURATION=PT1H", "must not contain DURATION"),
        ("FREQ=DAILY;DTEND=20260101", "must not contain DTEND"),
        ("BYDAY=MO", "needs FREQ"),
        ("", "RRULE is empty"),
        ("FREQ=SECONDLY", "FREQ=SECONDLY is not supported"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20300101", "COUNT or UNTIL, not both"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL must be a whole number of at least 1"),
        ("FREQ=WEEKLY;BYDAY=XX", "RRULE is not valid"),
        ("FREQ=DAILY;FREQ=WEEKLY", "gives FREQ twice"),
        ("FREQ", "not of the form NAME=VALUE"),
        ("FREQ=DAILY\nRRULE:FREQ=WEEKLY", "single line"),
        ("FREQ=YEARLY;BYMONTH=13", "BYMONTH=13 is out of range: use 1 to 12"),
        ("FREQ=YEARLY;BYMONTH=0", "BYMONTH=0 is out of range"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY=0 is out of range"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY=32 is out of range"),
        ("FREQ=DAILY;BYHOUR=24", "BYHOUR=24 is out of range"),
    ],
)
def test_check_rrule_rejects_what_datadog_rejects(rule, message):
    with pytest.raises(ScheduleError, match=message):
        schedules.check_rrule(rule)


def test_get_zone_rejects_unknown_names():
    with pytest.raises(ScheduleError, match="Unknown time zone 'Mars/Olympus'"):
        schedules.get_zone("Mars/Olympus")
    assert schedules.get_zone("America/New_York").key == "America/New_York"


# --- windows and daylight saving --------------------------------------------------------------

TUE_THU_2AM_NY = RecurrenceSpec(
    start=datetime(2026, 2, 24, 2, 0), rrule="FREQ=WEEKLY;BYDAY=TU,TH", duration=Duration(3, "h")
)


def test_weekly_window_keeps_local_time_across_spring_forward():
    # US clocks move forward on Sunday 8 March 2026: 02:00 EST is 07:00Z, 02:00 EDT is 06:00Z.
    windows = schedules.upcoming_windows(
        [TUE_THU_2AM_NY], "America/New_York", utc(2026, 3, 1), limit=4
    )
    assert windows == [
        Window(utc(2026, 3, 3, 7), utc(2026, 3, 3, 10)),
        Window(utc(2026, 3, 5, 7), utc(2026, 3, 5, 10)),
        Window(utc(2026, 3, 10, 6), utc(2026, 3, 10, 9)),
        Window(utc(2026, 3, 12, 6), utc(2026, 3, 12, 9)),
    ]


def test_day_durations_are_calendar_days_across_fall_back():
    # A 1d window from 00:00 on 1 Nov 2026 (the US fall-back day) lasts 25 real hours.
    spec = RecurrenceSpec(datetime(2026, 11, 1, 0, 0), "FREQ=DAILY", Duration(1, "d"))
    window = schedules.upcoming_windows([spec], "America/New_York", utc(2026, 11, 1), limit=1)[0]
    assert window.end - window.start == timedelta(hours=25)


def test_hour_durations_are_exact_across_fall_back():
    spec = RecurrenceSpec(datetime(2026, 11, 1, 0, 0), "FREQ=DAILY", Duration(3, "h"))
    window = schedules.upcoming_windows([spec], "America/New_York", utc(2026, 11, 1), limit=1)[0]
    assert window.end - window.start == timedelta(hours=3)


def test_nonexistent_local_time_moves_forward_by_the_gap():
    # 02:30 does not exist in New York on 8 March 2026; it is read as 03:30 EDT (07:30Z).
    spec = RecurrenceSpec(datetime(2026, 3, 8, 2, 30), "FREQ=DAILY;COUNT=1", Duration(1, "h"))
    assert schedules.upcoming_windows([spec], "America/New_York", utc(2026, 3, 1), limit=1) == [
        Window(utc(2026, 3, 8, 7, 30), utc(2026, 3, 8, 8, 30))
    ]


def test_current_window_is_the_ongoing_one():
    now = utc(2026, 3, 3, 8)  # inside Tuesday's 07:00-10:00Z window
    assert schedules.current_window([TUE_THU_2AM_NY], "America/New_York", now) == Window(
        utc(2026, 3, 3, 7), utc(2026, 3, 3, 10)
    )


def test_current_window_is_the_next_one_between_windows():
    now = utc(2026, 3, 3, 11)
    assert schedules.current_window([TUE_THU_2AM_NY], "America/New_York", now) == Window(
        utc(2026, 3, 5, 7), utc(2026, 3, 5, 10)
    )


def test_current_window_is_the_last_one_when_the_rule_has_run_out():
    spec = RecurrenceSpec(datetime(2026, 1, 1, 3, 0), "FREQ=DAILY;COUNT=3", Duration(1, "h"))
    window = schedules.current_window([spec], "UTC", utc(2026, 2, 1))
    assert window == Window(utc(2026, 1, 3, 3), utc(2026, 1, 3, 4))
    assert window_status(window, utc(2026, 2, 1), None) == "ended"


def test_current_window_of_canceled_is_the_one_before_cancellation():
    window = schedules.current_window(
        [TUE_THU_2AM_NY], "America/New_York", utc(2026, 4, 1), canceled=utc(2026, 3, 4)
    )
    assert window == Window(utc(2026, 3, 3, 7), utc(2026, 3, 3, 10))


def test_current_window_picks_the_earliest_across_recurrences():
    nightly = RecurrenceSpec(datetime(2026, 1, 1, 1, 0), "FREQ=DAILY", Duration(2, "h"))
    weekly = RecurrenceSpec(datetime(2026, 1, 1, 22, 0), "FREQ=WEEKLY;BYDAY=WE", Duration(4, "h"))
    now = utc(2026, 3, 4, 12)  # a Wednesday, between both
    assert schedules.current_window([weekly, nightly], "UTC", now) == Window(
        utc(2026, 3, 4, 22), utc(2026, 3, 5, 2)
    )


def test_upcoming_windows_merge_recurrences_in_start_order():
    nightly = RecurrenceSpec(datetime(2026, 1, 1, 1, 0), "FREQ=DAILY", Duration(2, "h"))
    weekly = RecurrenceSpec(datetime(2026, 1, 1, 22, 0), "FREQ=WEEKLY;BYDAY=WE", Duration(4, "h"))
    starts = [
        w.start
        for w in schedules.upcoming_windows([weekly, nightly], "UTC", utc(2026, 3, 4, 12), limit=3)
    ]
    assert starts == [utc(2026, 3, 4, 22), utc(2026, 3, 5, 1), utc(2026, 3, 6, 1)]


def test_until_in_utc_is_compared_in_wall_time():
    spec = RecurrenceSpec(
        datetime(2026, 6, 1, 22, 0), "FREQ=DAILY;UNTIL=20260603T030000Z", Duration(1, "h")
    )
    # 22:00 New York (EDT) is 02:00Z next day; UNTIL 03:00Z on the 3rd admits the 1st and 2nd.
    windows = schedules.upcoming_windows([spec], "America/New_York", utc(2026, 5, 1), limit=5)
    assert [w.start for w in windows] == [utc(2026, 6, 2, 2), utc(2026, 6, 3, 2)]


@pytest.mark.parametrize(
    ("window", "now", "canceled", "status"),
    [
        (Window(utc(2026, 1, 2), utc(2026, 1, 3)), utc(2026, 1, 1), None, "scheduled"),
        (Window(utc(2026, 1, 2), utc(2026, 1, 3)), utc(2026, 1, 2, 12), None, "active"),
        (Window(utc(2026, 1, 2), None), utc(2030, 1, 1), None, "active"),
        (Window(utc(2026, 1, 2), utc(2026, 1, 3)), utc(2026, 1, 3), None, "ended"),
        (
            Window(utc(2026, 1, 2), utc(2026, 1, 3)),
            utc(2026, 1, 2, 12),
            utc(2026, 1, 2, 6),
            "canceled",
        ),
        (None, utc(2026, 1, 1), None, "ended"),
    ],
)
def test_window_status(window, now, canceled, status):
    assert window_status(window, now, canceled) == status


def test_describe_rule_shows_a_rule_it_has_no_words_for_as_written():
    assert schedules.describe_rule("FREQ=YEARLY;BYMONTH=13", None) == "FREQ=YEARLY;BYMONTH=13"


# --- RFC 5545's grammar, and durations bounded before any arithmetic ---------------------------

FULL_WIDTH_ONE, SUPERSCRIPT_TWO = "\uff11", "\u00b2"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (f"FREQ=YEARLY;BYMONTH={FULL_WIDTH_ONE}", "BYMONTH=\uff11 is out of range: use 1 to 12"),
        (f"FREQ=DAILY;COUNT={SUPERSCRIPT_TWO}", "COUNT must be a whole number of at least 1"),
        ("FREQ=DAILY;COUNT=" + "9" * 30, "COUNT must be a whole number of at least 1"),
        (f"FREQ=DAILY;INTERVAL={SUPERSCRIPT_TWO}", "INTERVAL must be a whole number"),
        ("FREQ=DAILY;UNTIL=2026", "UNTIL=2026 is not a date or date-time like 20261231"),
        ("FREQ=DAILY;UNTIL=20261231T2359", "is not a date or date-time"),
        ("FREQ=DAILY;UNTIL=99991231T235959Z", "is not a date or date-time"),
        ("FREQ=YEARLY;BYEASTER=0", "RRULE part BYEASTER is not one Datadog accepts"),
        ("FREQ=DAILY;X-NAME=1", "RRULE part X-NAME is not one Datadog accepts"),
        ("FREQ=MONTHLY;BYMONTHDAY=-0", "BYMONTHDAY=-0 is out of range"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,,2", "BYMONTHDAY=1,,2 is out of range"),
        ("FREQ=DAILY;BYHOUR=-1", "BYHOUR=-1 is out of range: use 0 to 23"),
        ("FREQ=WEEKLY;BYDAY=0MO", "RRULE is not valid: BYDAY=0MO is not a list of weekdays"),
        ("FREQ=MONTHLY;BYDAY=+MO", "RRULE is not valid: BYDAY=+MO"),
        ("FREQ=WEEKLY;WKST=1MO", "WKST=1MO is not a weekday"),
        ("FREQ=DAILY;" + "BYHOUR=1;" * 100, "longer than 500 characters"),
    ],
)
def test_check_rrule_follows_rfc_5545s_grammar(rule, message):
    with pytest.raises(ScheduleError, match=re.escape(message)):
        schedules.check_rrule(rule)


def test_check_rrule_says_how_far_back_a_signed_part_counts():
    with pytest.raises(ScheduleError) as caught:
        schedules.check_rrule("FREQ=MONTHLY;BYMONTHDAY=40")
    assert str(caught.value) == (
        "RRULE BYMONTHDAY=40 is out of range: use 1 to 31 (or -1 to -31, counting back)"
    )


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;UNTIL=20261231",
        "FREQ=DAILY;UNTIL=20261231T235959",
        "FREQ=MONTHLY;BYMONTHDAY=-1,+15",
        "FREQ=YEARLY;BYDAY=-53MO,+1SU;WKST=SU",
        "FREQ=DAILY;BYSETPOS=-366",  # grammatical; that it never occurs is checked elsewhere
        "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30",
    ],
)
def test_check_rrule_accepts_what_the_grammar_allows(rule):
    assert schedules.check_rrule(rule)["FREQ"]


@pytest.mark.parametrize("text", ["999999999999999w", "99999999999999w", "5300w", "3700d"])
def test_parse_duration_refuses_one_too_long_to_add_to_a_date(text):
    with pytest.raises(ScheduleError, match="is too long: at most"):
        schedules.parse_duration(text)


def test_a_window_ending_past_the_year_9999_is_a_schedule_error():
    with pytest.raises(ScheduleError, match="after the year 9999"):
        Duration(2, "w").end_of(datetime(9999, 12, 25))
