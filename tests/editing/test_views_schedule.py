"""The create, edit and clone form through the Django test client, against the sandbox.

Each test opens the page, reads its form as a browser would submit it, changes what a person
would change, posts it, and checks what the sandbox stored (or why nothing was stored).
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.urls import reverse

from downtimes_app import datadog
from downtimes_app.core import schedules
from downtimes_app.models import AuditEntry, SubmissionToken
from sandbox import clock, faults
from sandbox.models import SandboxDowntime
from tests.factories import NOW
from tests.html_forms import as_post, form_data

NEW = reverse("downtimes:new")


def monitor_named(org, fragment: str):
    return next(m for m in org.monitors if fragment in m.name)


def open_form(client, url: str = NEW, **query):
    response = client.get(url + (f"?{urlencode(query)}" if query else ""))
    assert response.status_code == 200
    return response, form_data(response.content)


def submit(client, data, changes=None, url: str = NEW, action: str = "save", **more):
    return client.post(url, as_post(data, changes, _action=action, **more))


def stored(**filters) -> SandboxDowntime:
    return SandboxDowntime.objects.filter(**filters).order_by("-id").first()


def landed_on_new_downtime(response) -> SandboxDowntime:
    assert response.status_code == 302, response.content.decode()[:2000]
    downtime = SandboxDowntime.objects.order_by("-id").first()
    assert response["Location"] == reverse("downtimes:detail", args=[str(downtime.uuid)])
    return downtime


def errors_in(response) -> str:
    page = response.content.decode()
    return " ".join(re.findall(r'class="field-errors[^"]*">(.*?)</(?:ul|p)>', page, re.S))


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


def valid_one_time(org) -> dict:
    return {
        "scope": "env:prod",
        "target": "monitor",
        "monitor_id": str(org.monitors[0].id),
        "timezone": "UTC",
    }


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


# --- Datadog's answers -------------------------------------------------------------------


def test_datadog_400_is_shown_beside_the_field_it_concerns(editor_client, org):
    _, data = open_form(editor_client)
    response = submit(editor_client, data, {**valid_one_time(org), "monitor_id": "12345"})
    assert response.status_code == 200
    page = response.content.decode()
    monitor_section = page[
        page.index('class="sub when-target-monitor"') : page.index('class="sub when-target-tags"')
    ]
    assert "Datadog refused the downtime; nothing was saved." in page
    assert "Monitor 12345 not found" in monitor_section
    assert form_data(response.content)["monitor_id"] == "12345"
    entry = AuditEntry.objects.writes().get()
    assert entry.outcome == AuditEntry.Outcome.FAILED and "Monitor 12345 not found" in entry.error
    assert SubmissionToken.objects.get().state == SubmissionToken.State.FAILED


def test_datadog_400_that_names_no_field_is_shown_above_the_form_and_can_be_resent(
    editor_client, org, monkeypatch
):
    duplicate = "The downtime being created is a duplicate of one or more existing downtimes: ['x']"

    def refuse(**kwargs):
        raise datadog.BadRequest("Datadog rejected the request", errors=(duplicate,))

    _, data = open_form(editor_client)
    with monkeypatch.context() as patch:
        patch.setattr(datadog, "create_downtime", refuse)
        response = submit(editor_client, data, valid_one_time(org))
    page = response.content.decode()
    problems = page[page.index('class="form-problems"') : page.index('id="schedule-form"')]
    assert "Datadog refused the downtime" in problems and "is a duplicate" in problems
    # After fixing things, the same form (and token) may be sent again.
    again = form_data(response.content)
    landed_on_new_downtime(submit(editor_client, again))


def test_timeout_keeps_the_input_and_a_resubmit_creates_one_downtime(editor_client, org):
    _, data = open_form(editor_client)
    changes = {**valid_one_time(org), "message": "Kernel patching, wave 2"}
    with faults.inject(sequence=["timeout"]):
        response = submit(editor_client, data, changes)
    assert response.status_code == 200
    page = response.content.decode()
    assert "may or may not have been made" in page and "Submitting again is safe" in page
    kept = form_data(response.content)
    assert kept["message"] == "Kernel patching, wave 2" and kept["scope"] == "env:prod"
    assert not SandboxDowntime.objects.filter(message__startswith="Kernel patching").exists()
    assert SubmissionToken.objects.get().state == SubmissionToken.State.UNCERTAIN
    landed_on_new_downtime(submit(editor_client, kept))
    assert SandboxDowntime.objects.filter(message="Kernel patching, wave 2").count() == 1


def test_resubmit_after_a_lost_answer_lands_on_the_downtime_already_made(
    editor_client, org, monkeypatch
):
    from downtimes_app.datadog import client as service

    original = service._request

    def answer_lost(method, path, **kwargs):
        result = original(method, path, **kwargs)
        if method == "POST":
            raise datadog.Unavailable(
                "Datadog did not answer; the change may or may not have been made"
            )
        return result

    _, data = open_form(editor_client)
    changes = {**valid_one_time(org), "message": "Made, but the answer was lost"}
    with monkeypatch.context() as patch:
        patch.setattr(service, "_request", answer_lost)
        response = submit(editor_client, data, changes)
    assert "may or may not have been made" in response.content.decode()
    made = SandboxDowntime.objects.get(message="Made, but the answer was lost")
    again = submit(editor_client, form_data(response.content))
    assert again.status_code == 302
    assert again["Location"] == reverse("downtimes:detail", args=[str(made.uuid)])
    assert SandboxDowntime.objects.filter(message="Made, but the answer was lost").count() == 1
    assert "had gone through" in editor_client.get(again["Location"]).content.decode()


def test_resubmit_after_a_timeout_sends_nothing_while_datadog_cannot_be_asked(
    editor_client, org, upstream_calls
):
    _, data = open_form(editor_client)
    with faults.inject(sequence=["timeout"]):
        first = submit(editor_client, data, valid_one_time(org))
    with faults.inject(rates={"500": 1.0}):
        second = submit(editor_client, form_data(first.content))
    assert "cannot be asked whether it went through" in second.content.decode()
    assert upstream_calls.count(("POST", "/api/v2/downtime")) == 1


def test_a_resubmit_looks_for_the_earlier_attempt_within_half_the_budget_keeping_half_to_save(
    editor_client, org, monkeypatch, settings
):
    from downtimes_app.editing import saving

    settings.DATADOG_CALL_DEADLINE = 6
    budgets = {}
    look, create = saving._earlier_result, datadog.create_downtime

    def looking(claim):
        budgets["look"] = datadog.seconds_left(100)
        return look(claim)

    def creating(**kwargs):
        budgets["save"] = datadog.seconds_left(100)
        return create(**kwargs)

    monkeypatch.setattr(saving, "_earlier_result", looking)
    monkeypatch.setattr(datadog, "create_downtime", creating)
    _, data = open_form(editor_client)
    with faults.inject(sequence=["timeout"]):
        first = submit(editor_client, data, valid_one_time(org))
    landed_on_new_downtime(submit(editor_client, form_data(first.content)))
    assert 0 < budgets["look"] <= 3  # half of it
    assert 0 < budgets["save"] <= 6  # what is left of the whole, not a fresh call's deadline


# --- once, even when sent twice -------------------------------------------------------------


def test_the_same_form_sent_twice_makes_one_downtime(editor_client, org, upstream_calls):
    _, data = open_form(editor_client)
    first = submit(editor_client, data, valid_one_time(org))
    created = landed_on_new_downtime(first)
    # A double click, or the back button and submit again: same token.
    second = submit(editor_client, data, valid_one_time(org))
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert upstream_calls.count(("POST", "/api/v2/downtime")) == 1
    assert SandboxDowntime.objects.filter(created=NOW, scope="env:prod").count() == 1
    page = editor_client.get(second["Location"]).content.decode()
    assert "already been submitted" in page and str(created.uuid) in second["Location"]


def test_a_second_submit_while_the_first_is_on_its_way_waits_for_it(
    editor_client, org, monkeypatch
):
    """The second request arrives while the first is inside its call to Datadog."""
    _, data = open_form(editor_client)
    post = as_post(data, valid_one_time(org), _action="save")
    seen = {}
    real_create = datadog.create_downtime

    def slow_create(**kwargs):
        seen["second"] = editor_client.post(NEW, post)
        return real_create(**kwargs)

    monkeypatch.setattr(datadog, "create_downtime", slow_create)
    first = editor_client.post(NEW, post)
    token = data["token"]
    assert seen["second"].status_code == 302
    assert seen["second"]["Location"] == reverse("downtimes:submission", args=[token])
    created = landed_on_new_downtime(first)
    # The waiting page now takes the second tab to the same downtime.
    waiting = editor_client.get(seen["second"]["Location"])
    assert waiting["Location"] == reverse("downtimes:detail", args=[str(created.uuid)])
    assert SandboxDowntime.objects.filter(created=NOW, scope="env:prod").count() == 1


def test_the_waiting_page_refreshes_itself_while_the_first_submit_is_pending(editor_client, org):
    SubmissionToken.objects.create(token="t-pending", action="new", attempt_started=NOW)
    page = editor_client.get(reverse("downtimes:submission", args=["t-pending"])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page and "Saving" in page


def test_the_waiting_page_stops_waiting_for_a_submit_whose_worker_died(editor_client, org):
    SubmissionToken.objects.create(token="t-stuck", action="new", attempt_started=NOW)
    clock.set_now(NOW + timedelta(minutes=5))
    page = editor_client.get(reverse("downtimes:submission", args=["t-stuck"])).content.decode()
    assert "http-equiv" not in page
    assert "Not saved yet" in page and "submit it again" in page


# --- prefilled links, and the link the form gives -------------------------------------------


def test_the_issues_example_link_fills_the_form_and_submits(editor_client, org):
    query = (
        "scope=env:prod%20AND%20service:db&monitor_tags=team:payments"
        "&duration=2h&message=Failover%20drill"
    )
    response = editor_client.get(f"{NEW}?{query}")
    data = form_data(response.content)
    assert data["scope"] == "env:prod AND service:db"
    assert data["target"] == "tags" and data["monitor_tags"] == "team:payments"
    assert data["end_mode"] == "after" and data["duration"] == "2h"
    assert data["message"] == "Failover drill"
    assert "2 hours" in response.content.decode()  # the preview, already on the page
    downtime = landed_on_new_downtime(submit(editor_client, data))
    assert downtime.schedule == {
        "start": NOW.isoformat(),
        "end": (NOW + timedelta(hours=2)).isoformat(),
    }
    assert downtime.monitor_tags == ["team:payments"] and downtime.message == "Failover drill"


def test_a_recurring_link_fills_the_controls_and_submits(editor_client, org):
    _, data = open_form(
        editor_client,
        scope="env:prod",
        monitor_tags="team:sre",
        rrule="FREQ=WEEKLY;BYDAY=TU,TH",
        start="2027-03-02T02:00",
        duration="3h",
        timezone="America/New_York",
    )
    assert data["schedule"] == "recurring" and data["timezone"] == "America/New_York"
    assert data.getlist("r-0-weekdays") == ["TU", "TH"] and data["r-0-freq"] == "WEEKLY"
    downtime = landed_on_new_downtime(submit(editor_client, data))
    assert downtime.schedule["recurrences"] == [
        {"start": "2027-03-02T02:00:00", "duration": "3h", "rrule": "FREQ=WEEKLY;BYDAY=TU,TH"}
    ]


# A weekly series that starts years ahead, as a link prefills it.
YEARS_AHEAD = {
    "scope": "env:prod",
    "monitor_tags": "team:sre",
    "rrule": "FREQ=WEEKLY;BYDAY=TU",
    "start": "2042-03-25T02:00",
    "duration": "3h",
    "timezone": "UTC",
}


def test_a_link_to_a_series_starting_years_ahead_previews_its_first_windows_and_saves(
    editor_client, org
):
    response, data = open_form(editor_client, **YEARS_AHEAD)
    page = response.content.decode()
    assert "no windows after now" not in page
    starts = re.findall(r'<time datetime="([^"]+)" title="[^"]+">\w{3} \d', page)
    assert starts[:3] == [
        "2042-03-25T02:00:00+00:00",
        "2042-04-01T02:00:00+00:00",
        "2042-04-08T02:00:00+00:00",
    ]
    downtime = landed_on_new_downtime(submit(editor_client, data))
    assert downtime.schedule["recurrences"] == [
        {"start": "2042-03-25T02:00:00", "duration": "3h", "rrule": "FREQ=WEEKLY;BYDAY=TU"}
    ]


def test_a_series_starting_years_ahead_is_listed_as_scheduled_and_its_page_says_when_it_starts(
    editor_client, org
):
    _, data = open_form(editor_client, **YEARS_AHEAD)
    made = str(landed_on_new_downtime(submit(editor_client, data)).uuid)
    listed = editor_client.get(reverse("downtimes:list"), {"status": "scheduled"}).content
    row = listed.decode().split(f'id="downtime-{made}"')[1].split("</tr>")[0]
    assert '<div class="window-text">starts 25 Mar 2042 02:00</div>' in row
    ended = editor_client.get(reverse("downtimes:list"), {"status": "ended"}).content.decode()
    assert made not in ended
    detail = editor_client.get(reverse("downtimes:detail", args=[made])).content.decode()
    assert '<span class="pill pill-scheduled">scheduled</span>' in detail
    assert '<span class="dt-when">starts 25 Mar 2042 02:00</span>' in detail


@pytest.mark.parametrize(
    "rrule",
    [
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",  # 30 February
        "FREQ=WEEKLY;BYDAY=TU;UNTIL=20420301T000000",  # ends before it starts
    ],
)
def test_a_link_to_a_rule_that_never_occurs_years_ahead_is_refused_beside_its_rule(
    editor_client, org, upstream_calls, walk_steps, rrule
):
    _, data = open_form(editor_client, **{**YEARS_AHEAD, "rrule": rrule})
    page = submit(editor_client, data).content.decode()
    assert html.escape(schedules.NEVER_OCCURS) in page
    assert ("POST", "/api/v2/downtime") not in upstream_calls
    # The link and the submit together walk five years of the rule at most, not on to 9999
    # (the org's own series walk this year's periods).
    ahead = [day for day in walk_steps if day[0] >= 2042]
    assert ahead and max(ahead)[0] <= 2048  # the period past the span stops the walk


def test_a_link_with_a_bad_scope_says_so_on_arrival(editor_client, org):
    response, data = open_form(editor_client, scope="host:web-?")
    assert data["scope"] == "host:web-?"
    assert "use * instead (for example host:web-*)" in response.content.decode()


def test_the_copied_link_opens_the_same_form(editor_client, org):
    monitor = monitor_named(org, "[prod] auth-api")
    _, data = open_form(editor_client)
    changes = {
        "scope": "env:prod AND -host:canary-*",
        "monitor_id": str(monitor.id),
        "schedule": "recurring",
        "timezone": "Asia/Tokyo",
        "r-0-start": "2026-11-20T03:00",
        "r-0-duration": "90m",
        "r-0-rrule": "FREQ=MONTHLY;BYDAY=-1FR",
        "message": "Quarterly DR test & failover",
        "notify_end_states": ["alert"],
        "notify_end_types": [],
        "mute_first_recovery_notification": "on",
    }
    preview = editor_client.post(reverse("downtimes:form_preview"), as_post(data, changes))
    link = re.search(r'id="share-link" value="([^"]+)"', preview.content.decode()).group(1)
    link = link.replace("&amp;", "&")
    assert "token" not in link
    reopened = form_data(editor_client.get(link).content)
    for name in (
        "scope",
        "monitor_id",
        "schedule",
        "timezone",
        "r-0-start",
        "r-0-duration",
        "message",
    ):
        assert reopened[name] == as_post(data, changes)[name][0], name
    assert reopened["r-0-rrule"] == "FREQ=MONTHLY;BYDAY=-1FR"
    assert reopened.getlist("notify_end_states") == ["alert"]
    assert reopened.getlist("notify_end_types") == []
    assert reopened["mute_first_recovery_notification"] == "on"
    assert reopened["token"] != data["token"]


# --- editing --------------------------------------------------------------------------------


def story(fragment: str) -> SandboxDowntime:
    return SandboxDowntime.objects.get(message__contains=fragment)


def edit_url(downtime: SandboxDowntime) -> str:
    return reverse("downtimes:edit", args=[str(downtime.uuid)])


@pytest.fixture
def sent(monkeypatch) -> list[dict]:
    """The attributes of every PATCH the form sends, in order."""
    bodies: list[dict] = []
    real = datadog.update_downtime

    def spy(downtime_id, *, attributes, **kwargs):
        bodies.append(dict(attributes))
        return real(downtime_id, attributes=attributes, **kwargs)

    monkeypatch.setattr(datadog, "update_downtime", spy)
    return bodies


def test_edit_sends_only_the_message_that_changed(editor_client, org, sent):
    redis = story("Redis 7.2 upgrade")
    before = dict(redis.schedule)
    url = edit_url(redis)
    _, data = open_form(editor_client, url)
    assert data["start_mode"] == "at" and data["end_mode"] == "at"
    response = submit(
        editor_client, data, url=url, message="Redis 7.2 upgrade, moved to the new runbook"
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("downtimes:detail", args=[str(redis.uuid)])
    assert sent == [{"message": "Redis 7.2 upgrade, moved to the new runbook"}]
    redis.refresh_from_db()
    assert redis.message == "Redis 7.2 upgrade, moved to the new runbook"
    assert redis.schedule == before
    assert "Downtime updated: message." in editor_client.get(response["Location"]).content.decode()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EDIT)
    assert entry.before["message"].startswith("Redis 7.2 upgrade for checkout")


def test_edit_keeps_a_change_someone_else_made_meanwhile(editor_client, org, api, sent):
    """Alice opens the form; Bob extends the window; Alice saves a new message: both survive."""
    redis = story("Redis 7.2 upgrade")
    url = edit_url(redis)
    _, data = open_form(editor_client, url)
    later = (datetime.fromisoformat(redis.schedule["end"]) + timedelta(hours=4)).isoformat()
    bob = api.patch(
        f"/api/v2/downtime/{redis.uuid}",
        {
            "data": {
                "type": "downtime",
                "id": str(redis.uuid),
                "attributes": {"schedule": {"end": later}},
            }
        },
    )
    assert bob.status_code == 200
    response = submit(editor_client, data, url=url, message="Moved to the new runbook")
    assert response.status_code == 302
    assert sent == [{"message": "Moved to the new runbook"}]
    redis.refresh_from_db()
    assert (redis.message, redis.schedule["end"]) == ("Moved to the new runbook", later)
    page = editor_client.get(response["Location"]).content.decode()
    assert "Someone else changed schedule while you were editing; their change was kept." in page


def test_edit_of_a_field_someone_else_changed_asks_first(editor_client, org, api, upstream_calls):
    redis = story("Redis 7.2 upgrade")
    url = edit_url(redis)
    _, data = open_form(editor_client, url)
    api.patch(
        f"/api/v2/downtime/{redis.uuid}",
        {
            "data": {
                "type": "downtime",
                "id": str(redis.uuid),
                "attributes": {"message": "Bob's words"},
            }
        },
    )
    upstream_calls.clear()
    response = submit(editor_client, data, url=url, message="Alice's words")
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "someone changed message of this downtime" in page
    assert not [call for call in upstream_calls if call[0] == "PATCH"]
    assert "Alice's words" in page  # what was typed stays
    redis.refresh_from_db()
    assert redis.message == "Bob's words"
    # Saving again, having seen theirs, replaces it.
    again = submit(editor_client, form_data(response.content), url=url)
    assert again.status_code == 302
    redis.refresh_from_db()
    assert redis.message == "Alice's words"


def test_edit_baseline_stays_on_the_server_and_a_lost_one_asks_before_saving(
    editor_client, org, api, upstream_calls
):
    """The form carries only the version it showed; the attributes it was drawn from never
    travel through the browser. Without them (the cache lost them), a downtime changed since
    is not overwritten blindly."""
    redis = story("Redis 7.2 upgrade")
    url = edit_url(redis)
    response, data = open_form(editor_client, url)
    assert "_baseline" not in data and "Redis 7.2 upgrade for checkout" not in data.get("_seen")
    assert data["_seen"] == redis.modified.isoformat()
    api.patch(
        f"/api/v2/downtime/{redis.uuid}",
        {"data": {"type": "downtime", "id": str(redis.uuid), "attributes": {"scope": "env:prod"}}},
    )
    cache.clear()
    upstream_calls.clear()
    response = submit(editor_client, data, url=url, message="Alice's words")
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "no longer knows which of message, scope you changed" in page
    assert not [call for call in upstream_calls if call[0] == "PATCH"]
    # Having seen the downtime as it is now, saving again makes it what the form says.
    again = submit(editor_client, form_data(response.content), url=url)
    assert again.status_code == 302
    redis.refresh_from_db()
    assert (redis.message, redis.scope) == ("Alice's words", "env:prod AND service:checkout-redis")


def test_edit_with_nothing_changed_sends_nothing(editor_client, org, upstream_calls):
    nightly = story("Nightly ETL")
    url = edit_url(nightly)
    _, data = open_form(editor_client, url)
    response = submit(editor_client, data, url=url)
    assert response.status_code == 302
    assert not [call for call in upstream_calls if call[0] == "PATCH"]
    assert "Nothing changed" in editor_client.get(response["Location"]).content.decode()


def test_edit_a_recurring_schedules_rule(editor_client, org):
    patching = story("Weekly OS patch window")
    url = edit_url(patching)
    _, data = open_form(editor_client, url)
    assert data.getlist("r-0-weekdays") == ["TU", "TH"]
    response = submit(editor_client, data, {"r-0-weekdays": ["TU", "TH", "SA"]}, url=url)
    assert response.status_code == 302
    patching.refresh_from_db()
    assert patching.schedule["recurrences"][0]["rrule"] == "FREQ=WEEKLY;BYDAY=TU,TH,SA"
    assert patching.schedule["timezone"] == "America/New_York"


def test_edit_in_progress_keeps_the_start_and_moves_the_end(editor_client, org):
    incident = story("Failover drill on payments-db")
    url = edit_url(incident)
    response, data = open_form(editor_client, url)
    page = response.content.decode()
    assert "Datadog does not let its start move" in page
    assert "start" not in data and "start_mode" not in data  # disabled: not sent
    start = incident.schedule["start"]
    response = submit(editor_client, data, url=url, end_mode="at", end="2026-11-16T12:00")
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.schedule == {"start": start, "end": "2026-11-16T12:00:00+00:00"}


def test_edit_in_progress_refuses_a_new_start_before_datadog_does(
    editor_client, org, upstream_calls
):
    incident = story("Failover drill on payments-db")
    url = edit_url(incident)
    _, data = open_form(editor_client, url)
    response = submit(editor_client, data, url=url, start_mode="at", start="2026-11-16T10:00")
    assert "its start move" in errors_in(response)
    assert not [call for call in upstream_calls if call[0] == "PATCH"]


def test_datadogs_refusal_to_move_a_started_window_is_shown_beside_the_start(
    editor_client, org, monkeypatch
):
    """The window starts between the form's own check and Datadog's."""
    redis = story("Redis 7.2 upgrade")  # scheduled for tomorrow 02:00-04:00 UTC
    url = edit_url(redis)
    _, data = open_form(editor_client, url)
    real = datadog.update_downtime

    def window_started_meanwhile(downtime_id, **kwargs):
        clock.set_now(datetime.fromisoformat(redis.schedule["start"]) + timedelta(minutes=5))
        return real(downtime_id, **kwargs)

    monkeypatch.setattr(datadog, "update_downtime", window_started_meanwhile)
    response = submit(
        editor_client, data, url=url, start="2026-11-17T02:30", message="Postponed half an hour"
    )
    page = response.content.decode()
    assert response.status_code == 200
    start_field = page[page.index("<legend>Starts</legend>") : page.index("<legend>Ends</legend>")]
    assert "Cannot change the start of a downtime that is in progress" in start_field
    # The start is now locked (the window is running); everything else typed is still there.
    assert "Datadog does not let its start move" in start_field
    assert form_data(response.content)["message"] == "Postponed half an hour"
    redis.refresh_from_db()
    assert redis.message.startswith("Redis 7.2 upgrade")


def test_edit_while_datadog_is_down_keeps_the_changes_and_still_posts_to_the_edit(
    editor_client, org, upstream_calls
):
    redis = story("Redis 7.2 upgrade")
    url = edit_url(redis)
    _, data = open_form(editor_client, url)
    with faults.inject(rates={"503": 1.0}):
        response = submit(editor_client, data, url=url, message="Typed during the outage")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Datadog could not be reached to load this downtime" in page
    assert f'action="{url}"' in page
    assert form_data(response.content)["message"] == "Typed during the outage"
    assert not [call for call in upstream_calls if call[0] in ("PATCH", "POST")]


def test_edit_of_a_canceled_downtime_says_clone_instead(editor_client, org, upstream_calls):
    canceled = story("Broker disk replacement")
    url = edit_url(canceled)
    response, data = open_form(editor_client, url)
    assert "Datadog does not change canceled downtimes" in response.content.decode()
    submit(editor_client, data, url=url, message="x")
    assert not [call for call in upstream_calls if call[0] == "PATCH"]


def test_edit_of_an_unknown_downtime_is_not_found(editor_client, org):
    response = editor_client.get(
        reverse("downtimes:edit", args=["00000000-0000-1234-0000-000000000000"])
    )
    assert response.status_code == 404


# --- clone ----------------------------------------------------------------------------------


def test_clone_of_a_one_time_downtime_starts_now_for_the_same_length(editor_client, org):
    redis = story("Redis 7.2 upgrade")
    response, data = open_form(editor_client, reverse("downtimes:clone", args=[str(redis.uuid)]))
    assert response.context["mode"] == "new"
    assert data["start_mode"] == "now" and data["end_mode"] == "after" and data["duration"] == "2h"
    assert data["scope"] == redis.scope and data["monitor_tags"] == "service:checkout-redis"
    assert data["message"] == redis.message
    clone = landed_on_new_downtime(submit(editor_client, data))
    assert clone.uuid != redis.uuid and clone.scope == redis.scope
    assert clone.schedule == {
        "start": NOW.isoformat(),
        "end": (NOW + timedelta(hours=2)).isoformat(),
    }


def test_clone_of_a_recurring_downtime_starts_at_its_next_window(editor_client, org):
    monthly = story("third Wednesday")
    _, data = open_form(editor_client, reverse("downtimes:clone", args=[str(monthly.uuid)]))
    assert data["schedule"] == "recurring" and data["r-TOTAL_FORMS"] == "2"
    # The third Wednesday after Mon 16 Nov 2026 is 18 Nov; the series keeps its 22:00.
    assert data["r-0-start"] == "2026-11-18T22:00"
    assert data["r-0-freq"] == "MONTHLY" and data["r-0-nth"] == "3"
    clone = landed_on_new_downtime(submit(editor_client, data))
    assert [r["rrule"] for r in clone.schedule["recurrences"]] == [
        r["rrule"] for r in monthly.schedule["recurrences"]
    ]


# --- the live parts -----------------------------------------------------------------------


def test_preview_lists_new_york_windows_across_the_spring_clock_change(editor_client, org):
    _, data = open_form(editor_client)
    changes = {
        **valid_one_time(org),
        "schedule": "recurring",
        "timezone": "America/New_York",
        "r-0-start": "2027-03-02T02:00",
        "r-0-duration": "3h",
        "r-0-rrule": "FREQ=WEEKLY;BYDAY=TU,TH",
    }
    editor_client.cookies["tz"] = "Europe/Paris"
    page = editor_client.post(
        reverse("downtimes:form_preview"), as_post(data, changes)
    ).content.decode()
    assert "Every Tue and Thu, 02:00\u201305:00 America/New_York" in page
    # Each column in its own zone: 02:00 in New York is 08:00 in Paris, until New York's
    # clocks change (14 March) and Paris's do not yet (28 March): then it is 07:00.
    assert "Tue 2 Mar 2027, 02:00</time> \u2192 <time" in page
    assert "Tue 2 Mar, 08:00</time> \u2192 11:00" in page
    assert (
        "Tue 16 Mar 2027, 02:00</time>" in page and "Tue 16 Mar, 07:00</time> \u2192 10:00" in page
    )
    starts = re.findall(r'<time datetime="([^"]+)" title="[^"]+">\w{3} \d', page)
    assert starts[:6] == [
        "2027-03-02T07:00:00+00:00",
        "2027-03-04T07:00:00+00:00",
        "2027-03-09T07:00:00+00:00",
        "2027-03-11T07:00:00+00:00",
        "2027-03-16T06:00:00+00:00",  # 02:00 EDT after clocks went forward on 14 March
        "2027-03-18T06:00:00+00:00",
    ]
    assert "Clocks change in America/New_York: UTC\u22125 \u2192 UTC\u22124" in page


def test_preview_warns_when_a_downtime_already_covers_the_same_monitors_and_scope(
    editor_client, org
):
    _, data = open_form(editor_client)
    changes = {
        "scope": "env:prod AND service:checkout-redis AND host:redis-1",
        "target": "tags",
        "monitor_tags": "service:checkout-redis",
        "start_mode": "at",
        "start": "2026-11-17T03:00",
    }
    page = editor_client.post(
        reverse("downtimes:form_preview"), as_post(data, changes)
    ).content.decode()
    redis = story("Redis 7.2 upgrade")
    assert "Already covered" in page and str(redis.uuid) in page
    elsewhere = editor_client.post(
        reverse("downtimes:form_preview"), as_post(data, changes, scope="env:staging")
    ).content.decode()
    assert "Already covered" not in elsewhere


def test_preview_shows_the_exact_request_and_an_edits_patch(editor_client, org):
    _, data = open_form(editor_client)
    page = editor_client.post(
        reverse("downtimes:form_preview"), as_post(data, valid_one_time(org))
    ).content.decode()
    assert "&quot;monitor_identifier&quot;: {\n        &quot;monitor_id&quot;" in page
    assert "&quot;end&quot;: &quot;2026-11-16T10:30:00+00:00&quot;" in page
    redis = story("Redis 7.2 upgrade")
    _, edit_data = open_form(editor_client, edit_url(redis))
    patch = editor_client.post(
        reverse("downtimes:form_preview"), as_post(edit_data, message="new words")
    ).content.decode()
    assert "Only what changed: message." in patch
    assert (
        f"&quot;id&quot;: &quot;{redis.uuid}&quot;" in patch and "&quot;schedule&quot;" not in patch
    )


def test_preview_lists_the_problems_to_fix(editor_client, org):
    _, data = open_form(editor_client)
    page = editor_client.post(
        reverse("downtimes:form_preview"), as_post(data, scope="", monitor_id="")
    ).content.decode()
    assert '<a href="#id_scope">Give a scope' in page
    assert '<a href="#id_monitor_id">Choose a monitor' in page


def test_scope_check_explains_the_fix_or_shows_the_parts(editor_client, org):
    url = reverse("downtimes:form_scope")
    bad = editor_client.get(url, {"scope": "env:prod AND web01"}).content.decode()
    assert "&#x27;web01&#x27; has no key: write key:value, for example host:web01" in bad
    good = editor_client.get(url, {"scope": "env:(prod OR staging) -host:a"}).content.decode()
    assert "Valid scope" in good and "env:(prod OR staging)" in good and ">-host:a<" in good


def test_monitor_search_lists_name_type_state_and_tags_and_keeps_the_choice(editor_client, org):
    chosen = monitor_named(org, "[prod] auth-api")
    url = reverse("downtimes:form_monitors")
    page = editor_client.get(
        url, {"monitor_query": "payments-db", "monitor_id": chosen.id}
    ).content.decode()
    found = [m for m in org.monitors if "payments-db" in m.name]
    for monitor in found:
        assert monitor.name in page and monitor.type in page
    assert f"team:{'payments'}" in page
    assert page.index(chosen.name) < page.index(found[0].name)
    assert re.search(rf'value="{chosen.id}" checked', page)


def test_tag_count_counts_monitors_with_all_the_tags(editor_client, org):
    expected = [m for m in org.monitors if {"team:payments", "env:prod"} <= set(m.tags)]
    page = editor_client.get(
        reverse("downtimes:form_tags"), {"monitor_tags": "team:payments, env:prod"}
    ).content.decode()
    assert re.search(
        rf'<strong class="num">{len(expected)}</strong> monitors with all of these tags', page
    )
    assert page.count('class="monitor-name"') == min(5, len(expected))


def test_recurrence_sync_writes_the_rule_from_the_controls_or_the_controls_from_the_rule(
    editor_client, org
):
    _, data = open_form(editor_client)
    url = reverse("downtimes:form_recurrence")
    controls = editor_client.post(
        url, as_post(data, {"_index": "0", "r-0-freq": "DAILY", "r-0-interval": "3"})
    ).content.decode()
    assert 'value="FREQ=DAILY;INTERVAL=3"' in controls
    assert 'id="r-0-controls"' not in controls  # the controls the user is using stay put
    written = editor_client.post(
        url, as_post(data, {"_index": "0", "r-0-rrule": "FREQ=MONTHLY;BYMONTHDAY=-1"})
    ).content.decode()
    assert 'id="r-0-controls" hx-swap-oob="true"' in written
    assert re.search(r'<option value="-1" selected>last day</option>', written)


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["downtimes:new", "downtimes:form_scope", "downtimes:form_monitors", "downtimes:form_tags"],
)
def test_viewers_cannot_open_the_form_or_its_lookups(viewer_client, org, name):
    assert viewer_client.get(reverse(name)).status_code == 403


def test_viewers_cannot_post_the_form(viewer_client, org):
    assert viewer_client.post(NEW, {"scope": "*"}).status_code == 403
    assert viewer_client.post(reverse("downtimes:form_preview"), {}).status_code == 403
    redis = story("Redis 7.2 upgrade")
    assert viewer_client.get(edit_url(redis)).status_code == 403
    assert viewer_client.get(reverse("downtimes:clone", args=[str(redis.uuid)])).status_code == 403


def test_the_list_offers_the_form_to_editors(editor_client, org):
    assert f'href="{NEW}"' in editor_client.get(reverse("downtimes:list")).content.decode()


def test_text_from_datadog_is_escaped_in_the_form(editor_client, org):
    redis = story("Redis 7.2 upgrade")
    redis.message = "<script>alert(1)</script> @ops"
    redis.save()
    page = editor_client.get(edit_url(redis)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; @ops" in page


def test_the_form_has_no_inline_script_style_or_handlers(editor_client, org):
    page = editor_client.get(NEW).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert not re.search(r"\sstyle=|\son[a-z]+=|hx-on", page)
    assert "{#" not in page and "{%" not in page  # no template comment leaks as text


@pytest.mark.parametrize("action", ["save", "add", "remove-0", "preview"])
def test_a_tampered_recurrence_count_is_an_answer_not_an_error(editor_client, org, action):
    _, data = open_form(editor_client, schedule_kind="recurring")
    response = submit(editor_client, data, {"r-TOTAL_FORMS": "lots"}, action=action)
    assert response.status_code in (200, 302)


def test_a_link_with_an_out_of_range_rule_says_so(editor_client, org):
    response = editor_client.get(
        NEW
        + "?"
        + urlencode(
            {"rrule": "FREQ=YEARLY;BYMONTH=13", "start": "2026-12-01T02:00", "duration": "1h"}
        )
    )
    assert response.status_code == 200
    assert "BYMONTH=13 is out of range" in html.unescape(response.content.decode())
