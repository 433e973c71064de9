"""The form's repeat controls and the raw RRULE: built from each other, both ways.

Property tests check the round trip over every combination of controls, and that any spelling
of an expressible rule (parts in any order, `RRULE:`, `INTERVAL=1`, `BYDAY=3WE` or
`BYDAY=WE;BYSETPOS=3`) reads into controls that produce the same occurrences.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from dateutil import rrule as dateutil_rrule
from hypothesis import given, settings
from hypothesis import strategies as st

from downtimes_app.core import schedules
from downtimes_app.core.schedules import RecurrenceSpec, ScheduleError
from downtimes_app.editing.forms import repeat
from downtimes_app.editing.forms.repeat import (
    NotExpressible,
    RuleControls,
    build_rrule,
    controls_from_rrule,
)

WEEKDAYS = schedules.WEEKDAYS


@pytest.mark.parametrize(
    ("controls", "text"),
    [
        (RuleControls(freq="DAILY"), "FREQ=DAILY"),
        (RuleControls(freq="DAILY", interval=2), "FREQ=DAILY;INTERVAL=2"),
        (RuleControls(freq="WEEKLY", weekdays=("TU", "TH")), "FREQ=WEEKLY;BYDAY=TU,TH"),
        (RuleControls(freq="WEEKLY"), "FREQ=WEEKLY"),
        (
            RuleControls(freq="MONTHLY", monthly="weekday", nth=3, nth_weekday="WE"),
            "FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3",
        ),
        (
            RuleControls(freq="MONTHLY", monthly="weekday", nth=-1, nth_weekday="FR"),
            "FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1",
        ),
        (RuleControls(freq="MONTHLY", month_day=15), "FREQ=MONTHLY;BYMONTHDAY=15"),
        (RuleControls(freq="MONTHLY", month_day=-1), "FREQ=MONTHLY;BYMONTHDAY=-1"),
        (RuleControls(freq="YEARLY", interval=2), "FREQ=YEARLY;INTERVAL=2"),
        (RuleControls(freq="DAILY", ends="count", count=10), "FREQ=DAILY;COUNT=10"),
        (
            RuleControls(freq="WEEKLY", weekdays=("MO",), ends="until", until=date(2027, 3, 31)),
            "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270331T235959",
        ),
    ],
)
def test_build_rrule_writes_each_kind_of_control(controls, text):
    assert build_rrule(controls) == text
    assert controls_from_rrule(text) == controls


def test_build_rrule_lists_weekdays_monday_first_whatever_order_they_were_ticked():
    assert build_rrule(RuleControls(freq="WEEKLY", weekdays=("TH", "TU"))) == (
        "FREQ=WEEKLY;BYDAY=TU,TH"
    )


def test_build_rrule_ignores_settings_of_other_frequencies():
    controls = RuleControls(freq="DAILY", weekdays=("MO",), month_day=3, nth=2, nth_weekday="TU")
    assert build_rrule(controls) == "FREQ=DAILY"


@pytest.mark.parametrize(
    ("controls", "message"),
    [
        (RuleControls(freq="HOURLY"), "Repeat must be one of"),
        (RuleControls(freq="DAILY", interval=0), "at least 1"),
        (RuleControls(freq="MONTHLY", monthly="weekday", nth=3), "which weekday of the month"),
        (RuleControls(freq="MONTHLY", monthly="weekday", nth=5, nth_weekday="MO"), "which weekday"),
        (RuleControls(freq="MONTHLY", month_day=32), "between 1 and 31"),
        (RuleControls(freq="DAILY", ends="count"), "how many times"),
        (RuleControls(freq="DAILY", ends="count", count=0), "how many times"),
        (RuleControls(freq="DAILY", ends="until"), "date of the last window"),
    ],
)
def test_build_rrule_says_what_is_missing(controls, message):
    with pytest.raises(ScheduleError, match=message):
        build_rrule(controls)


@pytest.mark.parametrize(
    ("text", "controls"),
    [
        ("RRULE:FREQ=WEEKLY;BYDAY=TH,TU", RuleControls(freq="WEEKLY", weekdays=("TU", "TH"))),
        ("freq=daily;interval=1", RuleControls(freq="DAILY")),
        (
            "FREQ=MONTHLY;BYDAY=3WE",
            RuleControls(freq="MONTHLY", monthly="weekday", nth=3, nth_weekday="WE"),
        ),
        (
            "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR;INTERVAL=3",
            RuleControls(freq="MONTHLY", interval=3, monthly="weekday", nth=-1, nth_weekday="FR"),
        ),
        ("FREQ=MONTHLY", RuleControls(freq="MONTHLY")),
    ],
)
def test_controls_read_other_spellings_of_the_same_rule(text, controls):
    assert controls_from_rrule(text) == controls


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("FREQ=HOURLY", "do not offer FREQ=HOURLY"),
        ("FREQ=DAILY;BYHOUR=3", "no setting for BYHOUR"),
        ("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24", "no setting for BYMONTH"),
        ("FREQ=DAILY;BYDAY=MO,TU", "cannot combine FREQ=DAILY with BYDAY"),
        ("FREQ=WEEKLY;BYDAY=1MO", "numbered weekdays"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", "cannot show BYMONTHDAY=1,15"),
        ("FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1", "choose one weekday"),
        ("FREQ=MONTHLY;BYDAY=5FR", "not 5"),
        ("FREQ=MONTHLY;BYDAY=FR", "need which weekday"),
        ("FREQ=WEEKLY;UNTIL=20270101T120000Z", "not the end of a local day"),
        ("FREQ=WEEKLY;UNTIL=20270101", "not the end of a local day"),
    ],
)
def test_rules_the_controls_cannot_show_are_named(text, reason):
    schedules.check_rrule(text)  # each is a rule Datadog accepts
    with pytest.raises(NotExpressible, match=reason):
        controls_from_rrule(text)


@pytest.mark.parametrize(
    "text", ["BYDAY=MO", "FREQ=DAILY;INTERVAL=0", "FREQ=DAILY;COUNT=2;UNTIL=20270101T235959"]
)
def test_malformed_rules_are_errors_not_just_inexpressible(text):
    with pytest.raises(ScheduleError) as caught:
        controls_from_rrule(text)
    assert not isinstance(caught.value, NotExpressible)


def test_default_controls_repeat_weekly_on_the_starts_weekday():
    assert repeat.default_controls(datetime(2026, 11, 19, 2, 0)) == RuleControls(
        freq="WEEKLY", weekdays=("TH",)
    )


# --- properties --------------------------------------------------------------------------------

intervals = st.integers(min_value=1, max_value=12)
ends = st.one_of(
    st.just({"ends": "never"}),
    st.integers(min_value=1, max_value=500).map(lambda n: {"ends": "count", "count": n}),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2099, 12, 31)).map(
        lambda d: {"ends": "until", "until": d}
    ),
)
weekday_sets = st.sets(st.sampled_from(WEEKDAYS)).map(
    lambda days: tuple(d for d in WEEKDAYS if d in days)
)


@st.composite
def controls(draw) -> RuleControls:
    freq = draw(st.sampled_from(repeat.FREQUENCIES))
    fields = {"freq": freq, "interval": draw(intervals), **draw(ends)}
    if freq == "WEEKLY":
        fields["weekdays"] = draw(weekday_sets)
    elif freq == "MONTHLY":
        if draw(st.booleans()):
            fields["monthly"] = "weekday"
            fields["nth"] = draw(st.sampled_from(repeat.NTH_CHOICES))
            fields["nth_weekday"] = draw(st.sampled_from(WEEKDAYS))
        else:
            fields["month_day"] = draw(
                st.one_of(st.none(), st.integers(min_value=1, max_value=31), st.just(-1))
            )
    return RuleControls(**fields)


@given(controls())
def test_property_controls_survive_the_trip_through_rrule_text(c):
    text = build_rrule(c)
    assert controls_from_rrule(text) == c
    assert schedules.check_rrule(text)["FREQ"] == c.freq


@st.composite
def spellings(draw) -> str:
    """Hand-written spellings of expressible rules, as people and other tools write them."""
    c = draw(controls())
    parts = [f"FREQ={c.freq}"]
    if c.interval > 1 or draw(st.booleans()):
        parts.append(f"INTERVAL={c.interval}")
    if c.weekdays:
        parts.append("BYDAY=" + ",".join(draw(st.permutations(c.weekdays))))
    if c.nth is not None:
        if draw(st.booleans()):
            parts.append(f"BYDAY={c.nth}{c.nth_weekday}")
        else:
            parts += [f"BYDAY={c.nth_weekday}", f"BYSETPOS={c.nth}"]
    if c.month_day is not None:
        parts.append(f"BYMONTHDAY={c.month_day}")
    if c.count is not None:
        parts.append(f"COUNT={c.count}")
    if c.until is not None:
        parts.append(f"UNTIL={c.until:%Y%m%d}T235959")
    text = ";".join(draw(st.permutations(parts)))
    if draw(st.booleans()):
        text = "RRULE:" + text
    return text.lower() if draw(st.booleans()) else text


def first_occurrences(text: str, start: datetime, limit: int = 25) -> list[datetime]:
    body = text[6:] if text.upper().startswith("RRULE:") else text
    rule = dateutil_rrule.rrulestr(body.upper(), dtstart=start)
    found = []
    for moment in rule:
        found.append(moment)
        if len(found) == limit:
            break
    return found


@settings(max_examples=150)
@given(
    spellings(),
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)).map(
        lambda d: d.replace(second=0, microsecond=0)
    ),
)
def test_property_any_spelling_reads_into_controls_with_the_same_occurrences(text, start):
    rebuilt = build_rrule(controls_from_rrule(text))
    assert first_occurrences(rebuilt, start) == first_occurrences(text, start)


# --- what the form previews: occurrences across clock changes, and summaries -------------------


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_controls_for_tue_thu_2am_keep_local_time_across_the_spring_change_in_new_york():
    rule = build_rrule(RuleControls(freq="WEEKLY", weekdays=("TU", "TH")))
    spec = RecurrenceSpec(datetime(2027, 3, 2, 2, 0), rule, schedules.parse_duration("3h"))
    windows = schedules.upcoming_windows([spec], "America/New_York", utc(2026, 11, 16), limit=4)
    # Clocks go forward on Sunday 14 March 2027: 02:00 EST is 07:00Z, 02:00 EDT is 06:00Z.
    assert [w.start for w in windows] == [
        utc(2027, 3, 2, 7),
        utc(2027, 3, 4, 7),
        utc(2027, 3, 9, 7),
        utc(2027, 3, 11, 7),
    ]
    later = schedules.upcoming_windows([spec], "America/New_York", utc(2027, 3, 12), limit=2)
    assert [w.start for w in later] == [utc(2027, 3, 16, 6), utc(2027, 3, 18, 6)]
    assert all(w.end - w.start == timedelta(hours=3) for w in windows + later)


def test_last_friday_control_finds_the_last_friday_of_each_month():
    rule = build_rrule(RuleControls(freq="MONTHLY", monthly="weekday", nth=-1, nth_weekday="FR"))
    spec = RecurrenceSpec(datetime(2026, 11, 1, 22, 0), rule, schedules.parse_duration("2h"))
    windows = schedules.upcoming_windows([spec], "UTC", utc(2026, 11, 16), limit=3)
    assert [w.start.date() for w in windows] == [
        date(2026, 11, 27),
        date(2026, 12, 25),
        date(2027, 1, 29),
    ]


def test_ending_on_a_date_includes_that_days_window():
    rule = build_rrule(RuleControls(freq="DAILY", ends="until", until=date(2026, 11, 20)))
    spec = RecurrenceSpec(datetime(2026, 11, 18, 23, 0), rule, schedules.parse_duration("30m"))
    windows = schedules.upcoming_windows([spec], "Europe/Paris", utc(2026, 11, 16), limit=10)
    assert [
        schedules.to_local(w.start, schedules.get_zone("Europe/Paris")).day for w in windows
    ] == [
        18,
        19,
        20,
    ]


@pytest.mark.parametrize(
    ("controls", "words"),
    [
        (RuleControls(freq="WEEKLY", weekdays=("TU", "TH")), "Every Tue and Thu, 02:00\u201305:00"),
        (
            RuleControls(freq="MONTHLY", monthly="weekday", nth=3, nth_weekday="WE"),
            "Every month on the third Wednesday, 02:00\u201305:00",
        ),
        (
            RuleControls(freq="MONTHLY", monthly="weekday", nth=-1, nth_weekday="FR", interval=3),
            "Every 3 months on the last Friday, 02:00\u201305:00",
        ),
        (
            RuleControls(freq="DAILY", interval=2, ends="count", count=5),
            "Every 2 days, 02:00\u201305:00, 5 times",
        ),
        (
            RuleControls(freq="WEEKLY", weekdays=("MO",), ends="until", until=date(2027, 1, 31)),
            "Every Mon, 02:00\u201305:00, until 31 Jan 2027",
        ),
    ],
)
def test_rules_built_by_the_controls_read_as_sentences(controls, words):
    start = datetime(2026, 11, 17, 2, 0)
    assert schedules.describe_recurrence(start, build_rrule(controls), "3h") == words
