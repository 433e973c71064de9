"""Prefilled links to the form, and the link the form gives, through the Django test client,
against the sandbox.

Each test opens the page, reads its form as a browser would submit it, changes what a person
would change, posts it, and checks what the sandbox stored (or why nothing was stored)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from downtimes_app.core import schedules
from tests.editing.support import (
    NEW,
    landed_on_new_downtime,
    monitor_named,
    open_form,
    submit,
)
from tests.factories import NOW
from tests.html_forms import as_post, form_data

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
