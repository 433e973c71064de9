"""Editing and cloning through the form, through the Django test client, against the sandbox.

Each test opens the page, reads its form as a browser would submit it, changes what a person
would change, posts it, and checks what the sandbox stored (or why nothing was stored)."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from downtimes_app import datadog
from downtimes_app.models import AuditEntry
from sandbox import clock, faults
from tests.editing.support import (
    edit_url,
    errors_in,
    landed_on_new_downtime,
    open_form,
    story,
    submit,
)
from tests.factories import NOW
from tests.html_forms import form_data

# --- editing --------------------------------------------------------------------------------


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
