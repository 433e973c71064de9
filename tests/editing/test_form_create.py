"""Creating through the form (and what it refuses before Datadog is asked), through the Django
test client, against the sandbox.

Each test opens the page, reads its form as a browser would submit it, changes what a person
would change, posts it, and checks what the sandbox stored (or why nothing was stored)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from downtimes_app import datadog
from downtimes_app.models import AuditEntry
from sandbox import clock
from sandbox.models import SandboxDowntime
from tests.editing.support import (
    NEW,
    errors_in,
    landed_on_new_downtime,
    monitor_named,
    open_form,
    submit,
    valid_one_time,
)
from tests.factories import NOW
from tests.html_forms import as_post, form_data

# --- creating ------------------------------------------------------------------------------


def test_create_one_time_for_one_monitor_at_a_date(editor_client, org, upstream_calls):
    monitor = monitor_named(org, "[prod] payments-db")
    _, data = open_form(editor_client)
    response = submit(
        editor_client,
        data,
        scope="env:prod AND service:payments-db",
        target="monitor",
        monitor_id=str(monitor.id),
        timezone="Europe/Paris",
        start_mode="at",
        start="2026-11-17T22:00",
        end_mode="at",
        end="2026-11-18T01:30",
        message="Failover drill @slack-payments-oncall",
    )
    downtime = landed_on_new_downtime(response)
    assert downtime.monitor_id == monitor.id and downtime.monitor_tags is None
    assert downtime.scope == "env:prod AND service:payments-db"
    # 22:00 in Paris (UTC+1 in November) is 21:00 UTC; sent with +00:00 as Datadog requires.
    assert downtime.schedule == {
        "start": "2026-11-17T21:00:00+00:00",
        "end": "2026-11-18T00:30:00+00:00",
    }
    assert downtime.display_timezone == "Europe/Paris"
    assert downtime.message == "Failover drill @slack-payments-oncall"
    assert upstream_calls.count(("POST", "/api/v2/downtime")) == 1
    page = editor_client.get(response["Location"]).content.decode()
    assert "Downtime scheduled." in page
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CREATE)
    assert entry.downtime_id == str(downtime.uuid) and entry.outcome == AuditEntry.Outcome.OK


def test_create_one_time_by_tags_starting_now_for_a_quick_duration(editor_client, org):
    _, data = open_form(editor_client)
    # The "2 h" quick choice without JavaScript: a submit that fills the duration in.
    page = submit(
        editor_client,
        data,
        action="preview",
        scope="env:prod",
        target="tags",
        monitor_tags="team:payments, tier:1",
        _duration="2h",
    )
    refilled = form_data(page.content)
    assert refilled["duration"] == "2h" and refilled["end_mode"] == "after"
    downtime = landed_on_new_downtime(submit(editor_client, refilled))
    assert downtime.monitor_tags == ["team:payments", "tier:1"]
    assert downtime.schedule == {
        "start": NOW.isoformat(),
        "end": (NOW + timedelta(hours=2)).isoformat(),
    }


def test_a_window_from_now_lasts_exactly_its_duration_however_late_datadog_receives_it(
    editor_client, org, monkeypatch
):
    """The form sends its own "now" as the start: a start left to Datadog would be the moment
    it receives the request, a little after the end was worked out from the form's clock."""
    real = datadog.create_downtime

    def arrives_later(**kwargs):
        clock.advance(timedelta(seconds=3, microseconds=250_000))
        return real(**kwargs)

    monkeypatch.setattr(datadog, "create_downtime", arrives_later)
    _, data = open_form(editor_client)
    downtime = landed_on_new_downtime(
        submit(editor_client, data, scope="env:prod", target="all", duration="2h")
    )
    start = datetime.fromisoformat(downtime.schedule["start"])
    end = datetime.fromisoformat(downtime.schedule["end"])
    assert (start, end - start) == (NOW, timedelta(hours=2))


def test_create_for_every_monitor_with_no_end(editor_client, org):
    _, data = open_form(editor_client)
    downtime = landed_on_new_downtime(
        submit(editor_client, data, scope="host:legacy-*", target="all", end_mode="never")
    )
    assert downtime.monitor_tags == ["*"]
    assert downtime.schedule == {"start": NOW.isoformat(), "end": None}


def test_create_weekly_recurring_by_tags_in_new_york(editor_client, org):
    _, data = open_form(editor_client)
    changes = {
        "scope": "env:prod",
        "target": "tags",
        "monitor_tags": "team:sre",
        "schedule": "recurring",
        "timezone": "America/New_York",
        "r-0-start": "2026-11-17T02:00",
        "r-0-duration": "3h",
        "r-0-freq": "WEEKLY",
        "r-0-weekdays": ["TU", "TH"],
    }
    downtime = landed_on_new_downtime(submit(editor_client, data, changes))
    assert downtime.schedule == {
        "timezone": "America/New_York",
        "recurrences": [
            {"start": "2026-11-17T02:00:00", "duration": "3h", "rrule": "FREQ=WEEKLY;BYDAY=TU,TH"}
        ],
    }
    # Datadog refuses a recurring schedule whose zone differs from display_timezone.
    assert downtime.display_timezone == "America/New_York"


@pytest.mark.parametrize(
    ("controls", "rrule"),
    [
        ({"r-0-freq": "DAILY", "r-0-interval": "2"}, "FREQ=DAILY;INTERVAL=2"),
        (
            {
                "r-0-freq": "MONTHLY",
                "r-0-monthly": "weekday",
                "r-0-nth": "3",
                "r-0-nth_weekday": "WE",
            },
            "FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3",
        ),
        (
            {
                "r-0-freq": "MONTHLY",
                "r-0-monthly": "weekday",
                "r-0-nth": "-1",
                "r-0-nth_weekday": "FR",
            },
            "FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1",
        ),
        (
            {"r-0-freq": "MONTHLY", "r-0-monthly": "day", "r-0-month_day": "15"},
            "FREQ=MONTHLY;BYMONTHDAY=15",
        ),
        ({"r-0-freq": "YEARLY"}, "FREQ=YEARLY"),
        (
            {
                "r-0-freq": "WEEKLY",
                "r-0-weekdays": ["MO"],
                "r-0-ends": "until",
                "r-0-until": "2027-01-31",
            },
            "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270131T235959",
        ),
        (
            {"r-0-freq": "DAILY", "r-0-ends": "count", "r-0-count": "5"},
            "FREQ=DAILY;COUNT=5",
        ),
    ],
)
def test_create_recurring_from_each_kind_of_repeat_control(editor_client, org, controls, rrule):
    monitor = monitor_named(org, "[prod] kafka")
    _, data = open_form(editor_client)
    changes = {
        "scope": "*",
        "monitor_id": str(monitor.id),
        "schedule": "recurring",
        "timezone": "UTC",
        "r-0-start": "2026-11-20T23:00",
        "r-0-duration": "2h",
        **controls,
    }
    downtime = landed_on_new_downtime(submit(editor_client, data, changes))
    assert downtime.monitor_id == monitor.id
    assert downtime.schedule["recurrences"][0]["rrule"] == rrule


def test_a_written_rrule_wins_over_untouched_controls_and_up_to_five_recurrences_go(
    editor_client, org
):
    _, data = open_form(editor_client)
    changes = {
        "scope": "env:prod",
        "target": "tags",
        "monitor_tags": "team:payments",
        "schedule": "recurring",
        "r-0-start": "2026-11-18T22:00",
        "r-0-duration": "4h",
        "r-0-rrule": "FREQ=MONTHLY;BYDAY=3WE",
    }
    page = submit(editor_client, data, changes, action="add")
    data = form_data(page.content)
    # The controls now show the written rule.
    assert (
        data["r-0-freq"] == "MONTHLY" and data["r-0-nth"] == "3" and data["r-0-nth_weekday"] == "WE"
    )
    assert data["r-TOTAL_FORMS"] == "2"
    data = as_post(
        data,
        {"r-1-start": "2026-11-27T09:00", "r-1-duration": "1d", "r-1-rrule": "FREQ=DAILY;BYHOUR=9"},
    )
    downtime = landed_on_new_downtime(editor_client.post(NEW, {**data, "_action": "save"}))
    assert [r["rrule"] for r in downtime.schedule["recurrences"]] == [
        "FREQ=MONTHLY;BYDAY=3WE",
        "FREQ=DAILY;BYHOUR=9",  # the controls cannot show BYHOUR: it is sent as written
    ]


def test_removing_a_recurrence_keeps_the_others_in_order(editor_client, org):
    _, data = open_form(editor_client)
    data = form_data(submit(editor_client, data, {"schedule": "recurring"}, action="add").content)
    data = form_data(
        submit(
            editor_client, data, {"r-1-rrule": "FREQ=DAILY", "r-1-duration": "30m"}, action="add"
        ).content
    )
    assert data["r-TOTAL_FORMS"] == "3"
    data = form_data(submit(editor_client, data, action="remove-0").content)
    assert data["r-TOTAL_FORMS"] == "2"
    assert data["r-0-rrule"] == "FREQ=DAILY" and data["r-0-duration"] == "30m"


# --- checks before Datadog's ---------------------------------------------------------------


def test_a_wrong_start_does_not_hide_a_wrong_duration(editor_client, org):
    _, data = open_form(editor_client)
    changes = {"start_mode": "at", "start": "2020-01-01T00:00", "duration": "2 hours"}
    response = submit(editor_client, data, {**valid_one_time(org), **changes})
    errors = errors_in(response)
    assert "2020-01-01 00:00 UTC is in the past" in errors
    assert "use a whole number followed by m, h, d or w" in errors


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"scope": "BAD_SCOPE"}, "has no key: write key:value"),
        ({"scope": ""}, "Give a scope"),
        ({"scope": "env:prod OR env:staging"}, "OR cannot join terms at the top level"),
        ({"monitor_id": ""}, "Choose a monitor"),
        ({"target": "tags", "monitor_tags": ""}, "Give at least one monitor tag"),
        ({"target": "tags", "monitor_tags": "*"}, "* is not a tag"),
        ({"timezone": "Mars/Olympus"}, "Unknown time zone"),
        ({"start_mode": "at", "start": "2026-11-16T09:00"}, "is in the past"),
        ({"start_mode": "at", "start": "tomorrow"}, "is not a date and time"),
        (
            {
                "start_mode": "at",
                "start": "2026-11-20T10:00",
                "end_mode": "at",
                "end": "2026-11-20T09:00",
            },
            "The end must be after the start",
        ),
        (
            {"end_mode": "after", "duration": "2 hours"},
            "use a whole number followed by m, h, d or w",
        ),
        ({"end_mode": "at", "end": ""}, "Give the end date and time"),
    ],
)
def test_one_time_checks_keep_what_was_typed(editor_client, org, upstream_calls, changes, message):
    _, data = open_form(editor_client)
    response = submit(editor_client, data, {**valid_one_time(org), **changes})
    assert response.status_code == 200
    assert message in errors_in(response)
    shown = form_data(response.content)
    for name, value in changes.items():
        if value:  # (an empty choice has nothing to show)
            assert shown.getlist(name) == ([value] if isinstance(value, str) else value)
    assert ("POST", "/api/v2/downtime") not in upstream_calls
    assert not SandboxDowntime.objects.filter(created=NOW).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"r-0-duration": "1y"}, "use a whole number followed by m, h, d or w"),
        ({"r-0-rrule": "FREQ=DAILY;DTSTART=20261101T000000"}, "must not contain DTSTART"),
        ({"r-0-rrule": "FREQ=DAILY;COUNT=3;UNTIL=20270101T000000"}, "COUNT or UNTIL, not both"),
        ({"r-0-rrule": "FREQ=SECONDLY"}, "FREQ=SECONDLY is not supported"),
        ({"r-0-start": ""}, "This field is required"),
        (
            {"r-0-start": "2026-10-01T02:00", "r-0-rrule": "FREQ=DAILY;COUNT=3"},
            "no windows after now",
        ),
        (
            {"r-0-freq": "MONTHLY", "r-0-monthly": "weekday", "r-0-nth": "", "r-0-start": ""},
            "This field is required",
        ),
    ],
)
def test_recurring_checks_keep_what_was_typed(editor_client, org, upstream_calls, changes, message):
    _, data = open_form(editor_client)
    response = submit(
        editor_client, data, {**valid_one_time(org), "schedule": "recurring", **changes}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert message in errors_in(response) or message in page
    shown = form_data(response.content)
    for name, value in changes.items():
        if name.endswith("rrule") or name.endswith("duration") or name.endswith("start"):
            assert shown[name] == value
    assert ("POST", "/api/v2/downtime") not in upstream_calls


def test_at_most_five_recurrences(editor_client, org, upstream_calls):
    _, data = open_form(editor_client)
    changes = {**valid_one_time(org), "schedule": "recurring", "r-TOTAL_FORMS": "6"}
    for index in range(6):
        changes |= {
            f"r-{index}-start": f"2026-11-2{index}T02:00",
            f"r-{index}-duration": "1h",
            f"r-{index}-rrule": "FREQ=WEEKLY",
        }
    response = submit(editor_client, data, changes)
    assert "at most 5 recurrences" in response.content.decode()
    assert ("POST", "/api/v2/downtime") not in upstream_calls
    # The page never offers a sixth: "Add a recurrence" is gone at five.
    five = form_data(response.content)
    five.setlist("r-TOTAL_FORMS", ["5"])
    page = submit(editor_client, five, action="preview").content.decode()
    assert "Add a recurrence" not in page
