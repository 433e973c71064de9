"""Random and adversarial rules, durations, dates and numbers, fed to every reader and to the
preview: each call answers (a value, or the error it is meant to raise) within a fixed budget of
work. Work is counted, never timed: the walks window searches make, the periods each steps
through and the instants each produces (`schedules.scan`). A rule walked to the year 9999
would step through millions of periods.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from unittest import mock

from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from downtimes_app.core import parsing, schedules
from downtimes_app.core.messages import render_message
from downtimes_app.core.schedules import scan
from downtimes_app.core.schedules.rules import RRULE_PARTS
from downtimes_app.datadog import MalformedResponse, codec
from downtimes_app.downtimes import actions, listing
from downtimes_app.editing import preview
from downtimes_app.editing.forms import repeat, values
from downtimes_app.editing.forms.draft import Draft
from sandbox.resources import ApiError, query_int
from tests.factories import NOW

UTC_ZONE = schedules.get_zone("UTC")
# A preview of five recurrences makes a few walks for each (does it occur, its first window,
# its next windows, the note when there are none); a window search makes at most six.
MAX_WALKS = 60
LIST_PARAMS = ("status", "q", "creator", "monitor", "kind", "sort", "page", "per_page", "tz")
BUDGET_STEPS = MAX_WALKS * (scan.MAX_PERIODS + 1)
BUDGET_INSTANTS = MAX_WALKS * scan.MAX_INSTANTS


@dataclass
class Work:
    walks: int = 0
    steps: int = 0
    instants: int = 0

    def within_budget(self) -> bool:
        return (
            self.walks <= MAX_WALKS
            and self.steps <= BUDGET_STEPS
            and self.instants <= BUDGET_INSTANTS
        )


@contextmanager
def counting() -> Iterator[Work]:
    work = Work()
    init, step, walk = scan.Walk.__init__, scan.Walk.step, scan.Walk.__iter__

    def counted_init(self, *args, **kwargs):
        work.walks += 1
        init(self, *args, **kwargs)

    def counted_step(self, day):
        work.steps += 1
        return step(self, day)

    def counted_walk(self):
        for instant in walk(self):
            work.instants += 1
            yield instant

    with mock.patch.multiple(
        scan.Walk, __init__=counted_init, step=counted_step, __iter__=counted_walk
    ):
        yield work


# --- adversarial text -----------------------------------------------------------------------

odd_digits = st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=6)
numbers = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.integers(0, 6000).map(lambda n: "9" * n),
    odd_digits,
    st.text(max_size=12),
)
durations = st.one_of(
    st.builds(lambda n, u: f"{n}{u}", numbers, st.sampled_from("mhdwys")),
    st.sampled_from(["999999999999999w", "99999999999999w", "521w", "1h", "0m", " 2h "]),
)
dates = st.one_of(
    st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30)).map(
        lambda d: d.isoformat(timespec="minutes")
    ),
    st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30)).map(lambda d: d.isoformat() + "+14:00"),
    st.sampled_from(["9999-12-31T23:00", "0001-01-01T00:00", "now", "2026-11-17T02:00"]),
    st.text(max_size=40),
)
part_values = st.one_of(
    numbers,
    st.lists(st.integers(-400, 400).map(str), min_size=1, max_size=4).map(",".join),
    st.sampled_from(["MO", "-1FR", "+53SU", "0MO", "2026", "20261231", "20261231T235959Z"]),
)
rule_parts = st.lists(
    st.tuples(st.sampled_from([*RRULE_PARTS, "BYEASTER", "DTSTART", "X-NAME"]), part_values),
    max_size=4,
)
rules = st.one_of(
    st.builds(
        lambda freq, parts: ";".join([f"FREQ={freq}", *(f"{k}={v}" for k, v in parts)]),
        st.sampled_from([*schedules.ALLOWED_FREQS, "SECONDLY", "", "DAILY\n"]),
        rule_parts,
    ),
    st.sampled_from(
        [
            "FREQ=DAILY;BYSETPOS=-366",
            "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30",
            "FREQ=HOURLY;BYSETPOS=2",
            "FREQ=HOURLY;INTERVAL=3;BYHOUR=0,13",
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;INTERVAL=99999",
            "FREQ=HOURLY;COUNT=99999",
            "FREQ=MINUTELY",
        ]
    ),
    st.text(max_size=60),
)
# Rules the checks accept, with the parts that make rules sparse or empty: these are walked.
valid_rules = st.builds(
    lambda freq, interval, parts: ";".join([f"FREQ={freq}", f"INTERVAL={interval}", *parts]),
    st.sampled_from(schedules.ALLOWED_FREQS),
    st.sampled_from([1, 1, 2, 7, 99999]),
    st.lists(
        st.sampled_from(
            [
                "BYSETPOS=-366",
                "BYSETPOS=2",
                "BYMONTH=2",
                "BYMONTHDAY=30",
                "BYMONTHDAY=-1",
                "BYDAY=MO",
                "BYDAY=-1FR",
                "BYHOUR=0,13",
                "BYMINUTE=0,30",
                "BYYEARDAY=366",
                "BYWEEKNO=53",
                "COUNT=99999",
                "UNTIL=20281231T235959Z",
                "UNTIL=19991231",
            ]
        ),
        max_size=3,
        unique_by=lambda part: part.split("=")[0],
    ),
)
likely_dates = st.datetimes(datetime(2020, 1, 1), datetime(2031, 1, 1)).map(
    lambda d: d.isoformat(timespec="minutes")
)
texts = st.one_of(numbers, durations, dates, rules)


def answers(call, *expected: type[BaseException]) -> bool:
    """Whether `call()` answered: a value, or one of the errors it is meant to raise."""
    try:
        call()
    except expected as refused:
        return bool(str(refused))
    return True


# --- every reader ---------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(text=texts)
def test_every_reader_answers_any_text_without_walking(text):
    zone = schedules.get_zone("Pacific/Kiritimati")
    calls = [
        (lambda: parsing.whole_number(text), (parsing.Unreadable,)),
        (lambda: parsing.signed_number(text, low=-366, high=366), (parsing.Unreadable,)),
        (lambda: parsing.duration(text), (parsing.Unreadable,)),
        (lambda: parsing.date_time(text), (parsing.Unreadable,)),
        (lambda: schedules.parse_duration(text), (schedules.ScheduleError,)),
        (lambda: schedules.check_rrule(text), (schedules.ScheduleError,)),
        (lambda: repeat.controls_from_rrule(text), (schedules.ScheduleError,)),
        (lambda: schedules.describe_rule(text, datetime(2026, 1, 1)), ()),
        (lambda: schedules.describe_recurrence(datetime(9998, 12, 31), text, text), ()),
        (lambda: values.parse_wall(text, zone), (ValueError,)),
        (lambda: values.total_forms({"r-TOTAL_FORMS": text}), ()),
        (lambda: listing.ListQuery.from_params(dict.fromkeys(LIST_PARAMS, text)), ()),
        (lambda: actions.parse_until(text, zone), (actions.Refused,)),
        (lambda: codec.parse_time(text), (MalformedResponse,)),
        (lambda: codec.parse_wall_time(text), (MalformedResponse,)),
        (lambda: query_int({"page": text}, "page", 0), (ApiError,)),
        (lambda: render_message(text), ()),
    ]
    with counting() as work:
        for call, expected in calls:
            assert answers(call, *expected)
    assert work.walks == 0


# --- window searches, for every rule the checks accept --------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    rule=st.one_of(valid_rules, rules),
    start=st.one_of(
        st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)),
        st.datetimes(datetime(2, 1, 1), datetime(9998, 12, 31)),
    ).map(lambda d: d.replace(microsecond=0)),
    duration=st.one_of(st.sampled_from(["1h", "30m", "1d", "521w"]), durations),
    zone=st.sampled_from(["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Paris"]),
    now=st.one_of(
        st.just(NOW),
        st.datetimes(datetime(2, 1, 1), datetime(9998, 12, 31), timezones=st.just(UTC)),
    ),
)
def test_every_window_search_answers_within_its_budget(rule, start, duration, zone, now):
    try:
        schedules.check_rrule(rule)
        length = schedules.parse_duration(duration)
    except schedules.ScheduleError:
        return  # refused before any walk: the readers' test covers it
    spec = schedules.RecurrenceSpec(start, rule, length)
    for search in (
        lambda: schedules.upcoming_windows([spec] * 5, zone, now),
        lambda: schedules.current_window([spec] * 5, zone, now),
        lambda: schedules.current_window([spec], zone, now, canceled=now),
        lambda: schedules.never_occurs(spec, zone),
        lambda: schedules.has_run_its_course([spec], zone, now),
    ):
        with counting() as work:
            search()
        assert work.within_budget(), work


# --- the preview, as the form posts it ------------------------------------------------------

recurrences = st.lists(
    st.tuples(
        st.one_of(likely_dates, dates),
        st.one_of(valid_rules, rules),
        st.one_of(st.just("1h"), durations),
    ),
    min_size=1,
    max_size=5,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    schedule=st.sampled_from(["recurring", "recurring", "once", "", "\u00b2"]),
    one_time=st.tuples(
        st.one_of(likely_dates, dates),
        st.one_of(likely_dates, dates),
        st.one_of(st.just("2h"), durations),
        st.sampled_from(["now", "at", "x"]),
    ),
    repeats=recurrences,
    total=numbers,
    zone=st.sampled_from(["UTC", "Pacific/Kiritimati", "Europe/Paris", "Mars/Olympus", ""]),
)
def test_the_preview_answers_any_form_within_its_budget(
    org, schedule, one_time, repeats, total, zone
):
    start, end, duration, start_mode = one_time
    data = MultiValueDict(
        {
            "token": ["t"],
            "scope": ["env:prod"],
            "target": ["all"],
            "timezone": [zone],
            "schedule": [schedule],
            "start_mode": [start_mode],
            "start": [start],
            "end_mode": ["after" if len(end) % 2 else "at"],
            "end": [end],
            "duration": [duration],
        }
    )
    data.update(values.management_fields(len(repeats)))
    if not len(total) % 3:
        data["r-TOTAL_FORMS"] = total
    for index, (r_start, r_rule, r_duration) in enumerate(repeats):
        data.update({f"r-{index}-start": r_start, f"r-{index}-rrule": r_rule})
        data[f"r-{index}-duration"] = r_duration
    with counting() as work:
        built = preview.build(Draft(data, now=NOW), now=NOW, viewer=UTC_ZONE, editing=None)
    assert built.share_url.startswith("/downtimes/new/")
    assert work.within_budget(), work


def test_the_budget_is_far_below_a_walk_to_the_year_9999():
    """A whole preview's budget is under half of what one daily rule walked to 9999 took."""
    days_to_9999 = (datetime(9999, 12, 31) - datetime(2026, 11, 16)).days
    assert days_to_9999 / 2 > BUDGET_STEPS
    assert timedelta(days=366 * schedules.HORIZON_YEARS) > scan.HORIZON
