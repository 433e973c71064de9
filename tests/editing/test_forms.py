"""The downtime form as data: links that fill it, the link it gives, recurrences kept in step,
and the one-time token guard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from downtimes_app.core import schedules
from downtimes_app.core.domain import OneTimeSchedule
from downtimes_app.editing import submissions
from downtimes_app.editing.forms import prefill, recurrences, values
from downtimes_app.editing.forms.draft import Draft
from downtimes_app.models import SubmissionToken
from tests.factories import NOW

UTC_ZONE = schedules.get_zone("UTC")


def query(text: str) -> QueryDict:
    return QueryDict(text)


def from_link(text: str, viewer: str = "UTC"):
    return prefill.data_from_query(query(text), "tok", NOW, schedules.get_zone(viewer))


def draft(data) -> Draft:
    return Draft(data, now=NOW)


# --- links that fill the form -----------------------------------------------------------------


def test_a_new_form_lasts_an_hour_from_now_in_the_viewers_zone():
    data = from_link("", viewer="Asia/Tokyo")
    assert data["timezone"] == "Asia/Tokyo"
    assert (data["start_mode"], data["end_mode"], data["duration"]) == ("now", "after", "1h")
    assert data.getlist("notify_end_states") == ["alert", "no data", "warn"]


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("monitor_tags=*", {"target": "all"}),
        (
            "monitor_tags=team:db&monitor_tags=env:prod",
            {"target": "tags", "monitor_tags": "team:db, env:prod"},
        ),
        ("monitor_tags=team:db,env:prod", {"target": "tags", "monitor_tags": "team:db, env:prod"}),
        ("monitor_id=42", {"target": "monitor", "monitor_id": "42"}),
        ("end=never", {"end_mode": "never"}),
        ("start=2026-11-20T08:00&end=2026-11-20T09:00", {"start_mode": "at", "end_mode": "at"}),
        # A time with an offset becomes wall time in the link's zone.
        ("timezone=Europe/Paris&start=2026-11-20T07:00Z", {"start": "2026-11-20T08:00"}),
        ("start=next%20tuesday", {"start_mode": "at", "start": "next tuesday"}),
        ("notify_end_states=alert,warn&notify_end_types=", {}),
    ],
)
def test_link_parameters_fill_the_fields(link, expected):
    data = from_link(link)
    for name, value in expected.items():
        assert data[name] == value, name


def test_link_notify_lists_may_be_emptied_or_narrowed():
    data = from_link("notify_end_states=alert,warn&notify_end_types=")
    assert data.getlist("notify_end_states") == ["alert", "warn"]
    assert data.getlist("notify_end_types") == []


def test_link_with_several_rrules_fills_several_recurrences():
    data = from_link(
        "rrule=FREQ=WEEKLY;BYDAY=TU&start=2026-11-17T02:00&duration=3h"
        "&rrule=FREQ=MONTHLY;BYMONTHDAY=1&start=2026-12-01T00:00&duration=1d&scope=*&monitor_tags=*"
    )
    assert data["schedule"] == "recurring" and data["r-TOTAL_FORMS"] == "2"
    assert data["r-1-rrule"] == "FREQ=MONTHLY;BYMONTHDAY=1" and data["r-1-duration"] == "1d"
    assert draft(data).is_valid()


def test_link_token_is_never_taken_from_the_link():
    assert from_link("token=stolen")["token"] == "tok"


# --- the link the form gives: a property over form states --------------------------------------

scopes = st.sampled_from(
    ["*", "env:prod", "env:(prod OR staging) AND -host:web-*", 'service:"a b"']
)
messages = st.sampled_from(["", "Failover drill @slack-db", "50% & <b>bold</b>\nsecond line"])
zones = st.sampled_from(["UTC", "America/New_York", "Europe/Paris", "Asia/Kolkata"])
targets = st.one_of(
    st.just({"target": "all"}),
    st.integers(min_value=1, max_value=10**9).map(
        lambda n: {"target": "monitor", "monitor_id": str(n)}
    ),
    st.lists(st.sampled_from(["team:db", "env:prod", "tier:1"]), min_size=1, unique=True).map(
        lambda tags: {"target": "tags", "monitor_tags": ", ".join(tags)}
    ),
)
one_time = st.one_of(
    st.sampled_from(["30m", "2h", "1d"]).map(lambda d: {"end_mode": "after", "duration": d}),
    st.just({"end_mode": "never"}),
    st.just(
        {
            "start_mode": "at",
            "start": "2026-11-20T08:15",
            "end_mode": "at",
            "end": "2026-11-21T08:00",
        }
    ),
)
rules = st.sampled_from(
    [
        "FREQ=WEEKLY;BYDAY=TU,TH",
        "FREQ=MONTHLY;BYDAY=-1FR",
        "FREQ=DAILY;INTERVAL=2;COUNT=9",
        "FREQ=DAILY;BYHOUR=4",
    ]
)
recurring = st.lists(
    st.tuples(
        rules,
        st.sampled_from(["30m", "3h", "1w"]),
        st.sampled_from(["2026-11-17T02:00", "2027-03-02T23:30"]),
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scopes, messages, zones, targets, st.one_of(one_time, recurring), st.booleans())
def test_property_the_copied_link_reopens_a_form_that_sends_the_same_request(
    scope, message, zone, target, when, mute
):
    form = values.defaults("tok", NOW, schedules.get_zone(zone))
    form.update(scope=scope, message=message, **target)
    if mute:
        form["mute_first_recovery_notification"] = "on"
    if isinstance(when, dict):
        form.update(when)
    else:
        form["schedule"] = "recurring"
        for key in [k for k in form if k.startswith("r-")]:
            del form[key]
        for index, (rule, duration, start) in enumerate(when):
            form.update(
                values.recurrence_fields(index, datetime.fromisoformat(start), duration, rule)
            )
        form.update(values.management_fields(len(when)))
    original = draft(values.to_data(form))
    assert original.is_valid(), original.problems()
    link = prefill.share_query(original.data)
    reopened = draft(prefill.data_from_query(QueryDict(link), "other", NOW, UTC_ZONE))
    assert reopened.is_valid(), reopened.problems()
    assert reopened.definition() == original.definition()
    assert "tok" not in parse_qs(link).get("token", [])


# --- recurrences kept in step ------------------------------------------------------------------


def recurrence_data(**fields):
    form = values.defaults("tok", NOW, UTC_ZONE)
    form.update({"schedule": "recurring", **{f"r-0-{k}": v for k, v in fields.items()}})
    return values.to_data(form)


def test_resolve_lets_the_controls_write_the_rule_when_the_rule_was_not_touched():
    data = recurrence_data(freq="DAILY", interval="4")
    assert recurrences.resolve(data)["r-0-rrule"] == "FREQ=DAILY;INTERVAL=4"


def test_resolve_lets_a_written_rule_set_the_controls():
    resolved = recurrences.resolve(
        recurrence_data(rrule="FREQ=MONTHLY;BYMONTHDAY=-1", freq="DAILY")
    )
    assert resolved["r-0-freq"] == "MONTHLY" and resolved["r-0-month_day"] == "-1"
    assert resolved["r-0-synced"] == "FREQ=MONTHLY;BYMONTHDAY=-1"


def test_resolve_keeps_a_rule_the_controls_cannot_show_even_when_controls_are_posted():
    data = recurrence_data(rrule="FREQ=DAILY;BYHOUR=3", synced="FREQ=DAILY;BYHOUR=3", freq="WEEKLY")
    resolved = recurrences.resolve(data)
    assert resolved["r-0-rrule"] == "FREQ=DAILY;BYHOUR=3"
    recurrence = draft(resolved).recurrences.forms[0]
    assert "BYHOUR" in recurrence.custom_reason


def test_resolve_fills_the_nth_weekday_from_the_first_window():
    data = recurrence_data(
        freq="MONTHLY", monthly="weekday", nth="", nth_weekday="", start="2026-11-27T22:00"
    )
    resolved = recurrences.resolve(data)
    # Friday 27 November 2026 is the last Friday of its month.
    assert (resolved["r-0-nth"], resolved["r-0-nth_weekday"]) == ("-1", "FR")
    assert resolved["r-0-rrule"] == "FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1"


def test_incomplete_controls_are_an_error_on_the_control_not_a_silent_rule():
    data = recurrence_data(freq="WEEKLY", ends="count", count="")
    form = draft(data).recurrences.forms[0]
    assert not form.is_valid()
    assert "how many times" in form.errors["count"][0]


def test_remove_recurrence_renumbers_the_rest():
    form = values.defaults("tok", NOW, UTC_ZONE)
    data = values.to_data(form)
    data = recurrences.add_recurrence(data, NOW, UTC_ZONE)
    data["r-1-duration"] = "7m"
    data = recurrences.remove_recurrence(data, 0)
    assert data["r-TOTAL_FORMS"] == "1" and data["r-0-duration"] == "7m"
    assert "r-1-duration" not in data


def test_add_recurrence_stops_at_five():
    data = values.to_data(values.defaults("tok", NOW, UTC_ZONE))
    for _ in range(7):
        data = recurrences.add_recurrence(data, NOW, UTC_ZONE)
    assert data["r-TOTAL_FORMS"] == "5"


def test_a_one_time_day_duration_is_a_calendar_day_in_the_schedules_zone():
    form = values.defaults("tok", NOW, schedules.get_zone("America/New_York"))
    form.update(
        scope="*",
        target="all",
        start_mode="at",
        start="2027-03-13T12:00",
        end_mode="after",
        duration="1d",
    )
    schedule = draft(values.to_data(form)).definition().schedule
    # Clocks go forward overnight on 14 March: the day is 23 hours long.
    assert schedule == OneTimeSchedule(
        datetime(2027, 3, 13, 17, tzinfo=UTC), datetime(2027, 3, 14, 16, tzinfo=UTC)
    )


# --- the one-time token -------------------------------------------------------------------------


@pytest.fixture
def someone(editor):
    return editor


def test_claim_lets_one_submit_through_and_holds_the_next(db, someone):
    first = submissions.claim("t1", someone, action="new", attributes={"scope": "*"}, now=NOW)
    second = submissions.claim("t1", someone, action="new", attributes={"scope": "*"}, now=NOW)
    assert (first.outcome, second.outcome) == (submissions.GO, submissions.IN_FLIGHT)
    assert SubmissionToken.objects.count() == 1


def test_claim_after_success_points_at_the_downtime(db, someone):
    row = submissions.claim("t2", someone, action="new", attributes={}, now=NOW).row
    submissions.succeeded(row, "abc")
    again = submissions.claim("t2", someone, action="new", attributes={}, now=NOW)
    assert again.outcome == submissions.DONE and again.row.downtime_id == "abc"


def test_claim_after_a_refusal_sends_again_without_looking_for_a_downtime(db, someone):
    row = submissions.claim("t3", someone, action="new", attributes={}, now=NOW).row
    submissions.failed(row, "400", uncertain=False)
    again = submissions.claim("t3", someone, action="new", attributes={"scope": "x"}, now=NOW)
    assert again.outcome == submissions.GO and again.unsure == ()


def test_claim_after_an_unknown_outcome_asks_to_look_for_the_earlier_attempt(db, someone):
    row = submissions.claim("t4", someone, action="new", attributes={"scope": "a"}, now=NOW).row
    submissions.failed(row, "timeout", uncertain=True)
    later = NOW + timedelta(seconds=30)
    again = submissions.claim("t4", someone, action="new", attributes={"scope": "b"}, now=later)
    assert again.outcome == submissions.GO
    assert [a["attributes"] for a in again.unsure] == [{"scope": "a"}]
    assert len(SubmissionToken.objects.get(token="t4").sent) == 2


def test_claim_takes_over_a_submit_that_died_while_being_sent(db, someone):
    submissions.claim("t5", someone, action="new", attributes={"scope": "a"}, now=NOW)
    stale = NOW + submissions.in_flight_limit() + timedelta(seconds=1)
    again = submissions.claim("t5", someone, action="new", attributes={"scope": "a"}, now=stale)
    assert again.outcome == submissions.GO and len(again.unsure) == 1
