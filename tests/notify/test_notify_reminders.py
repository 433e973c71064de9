"""Reminders fire once, at the right minute: one-time windows, a recurrence's next occurrence
across a daylight-saving change, and they follow the downtime when it is extended or canceled.

Each test moves the sandbox's clock (which the dashboard's `timekeeping.now()` follows) and runs
a worker's sweep; Huey runs the tasks it queues in place (immediate mode), posting for real to a
local receiver.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.urls import reverse

from downtimes_app import datadog
from downtimes_app.models import AuditEntry, Delivery
from downtimes_app.notify import outbox
from sandbox import clock
from tests.conftest import create_body
from tests.factories import NOW
from tests.notify.support import (
    create_through_form,
    reminders_of,
    sweep_at,
)

MINUTE = timedelta(minutes=1)


def test_a_one_time_window_is_reminded_once_fifteen_minutes_before_it_ends(
    editor_client, org, destinations, receiver
):
    downtime_id = create_through_form(editor_client, duration="1h")  # 09:30 to 10:30 UTC
    assert [b["event"] for b in receiver.bodies()] == ["created"]
    due = NOW + timedelta(minutes=45)

    sweep_at(due - MINUTE)
    assert receiver.bodies("reminder") == []
    sweep_at(due)
    sweep_at(due + MINUTE)
    sweep_at(due + 2 * MINUTE)

    [reminder] = receiver.bodies("reminder")
    assert reminder["downtime"]["id"] == downtime_id
    assert reminder["downtime"]["window"]["end"] == "2026-11-16T10:30:00Z"
    assert reminder["ends_in_minutes"] == 15
    assert reminder["extend_url"] == (
        f"https://downtimes.example.com/downtimes/{downtime_id}/?extend=1#extend"
    )
    [row] = reminders_of(downtime_id)
    assert (row.state, row.attempts, row.destination) == ("sent", 1, "hook")


def test_the_shortest_lead_the_setting_accepts_still_sends_its_reminder(
    editor_client, org, destinations, receiver, settings
):
    lead = settings.DASHBOARD_REMINDER_LEAST_MINUTES  # the least the setting accepts
    settings.DASHBOARD_REMINDER_MINUTES = lead
    downtime_id = create_through_form(editor_client, duration="1h")  # 09:30 to 10:30 UTC
    # The worker is woken a second after the reminder is due, and may be a little late.
    sweep_at(NOW + timedelta(hours=1) - timedelta(minutes=lead) + timedelta(seconds=20))
    [reminder] = receiver.bodies("reminder")
    assert reminder["downtime"]["id"] == downtime_id


def _weekly_in_new_york(api) -> str:
    """Mondays 09:00 to 10:00 in New York; clocks go back on Sunday 1 November 2026."""
    body = create_body(
        schedule={
            "timezone": "America/New_York",
            "recurrences": [
                {"rrule": "FREQ=WEEKLY;BYDAY=MO", "duration": "1h", "start": "2026-10-19T09:00"}
            ],
        },
        display_timezone="America/New_York",
    )
    response = api.post("/api/v2/downtime", body)
    assert response.status_code == 200, response.content
    return response.json()["data"]["id"]


def test_the_next_occurrence_of_a_recurrence_is_reminded_at_its_own_minute_across_a_clock_change(
    org, api, destinations, receiver
):
    clock.set_now(datetime(2026, 10, 20, 12, 0, tzinfo=UTC))
    downtime_id = _weekly_in_new_york(api)
    outbox.choose(downtime_id, ["hook"], "test")
    # Before the change, 10:00 EDT is 14:00 UTC; after it, 10:00 EST is 15:00 UTC.
    before = datetime(2026, 10, 26, 13, 45, tzinfo=UTC)
    after = datetime(2026, 11, 2, 14, 45, tzinfo=UTC)

    for moment in (before - MINUTE, before, before + MINUTE):
        sweep_at(moment)
    sweep_at(after - timedelta(hours=1))  # 13:45 UTC: where the summer's minute would be
    sweep_at(after - MINUTE)
    assert len(receiver.bodies("reminder")) == 1
    for moment in (after, after + MINUTE, after + 5 * MINUTE):
        sweep_at(moment)

    ends = [b["downtime"]["window"]["end"] for b in receiver.bodies("reminder")]
    assert ends == ["2026-10-26T14:00:00Z", "2026-11-02T15:00:00Z"]
    local = [b["downtime"]["window"]["local"] for b in receiver.bodies("reminder")]
    assert local == ["2026-10-26 09:00 → 10:00 EDT", "2026-11-02 09:00 → 10:00 EST"]
    assert [r.window_end for r in reminders_of(downtime_id)] == [
        datetime(2026, 10, 26, 14, 0, tzinfo=UTC),
        datetime(2026, 11, 2, 15, 0, tzinfo=UTC),
    ]


def test_a_series_that_starts_years_ahead_is_reminded_before_its_first_window_ends(
    editor_client, org, api, destinations, receiver
):
    body = create_body(
        schedule={
            "timezone": "UTC",
            "recurrences": [
                {"rrule": "FREQ=WEEKLY;BYDAY=TU", "duration": "3h", "start": "2042-03-25T02:00"}
            ],
        }
    )
    downtime_id = api.post("/api/v2/downtime", body).json()["data"]["id"]
    outbox.choose(downtime_id, ["hook"], "test")
    detail = editor_client.get(reverse("downtimes:detail", args=[downtime_id])).content.decode()
    assert 'Next reminder: <time datetime="2042-03-25T04:45:00+00:00"' in detail
    due = datetime(2042, 3, 25, 4, 45, tzinfo=UTC)
    for moment in (due - MINUTE, due, due + MINUTE):
        sweep_at(moment)
    [reminder] = receiver.bodies("reminder")
    assert reminder["downtime"]["window"]["end"] == "2042-03-25T05:00:00Z"


def test_a_reminder_names_the_monitors_still_alerting_as_datadog_says_at_send_time(
    editor_client, org, destinations, receiver
):
    alerting = next(m for m in org.monitors if m.overall_state == "Alert")
    downtime_id = create_through_form(
        editor_client, scope="*", target="monitor", monitor_id=str(alerting.id), duration="1h"
    )
    sweep_at(NOW + timedelta(minutes=45))
    [reminder] = receiver.bodies("reminder")
    assert reminder["alerting"] == [
        {"monitor_id": alerting.id, "name": alerting.name, "state": "Alert"}
    ]
    assert f"Still alerting: {alerting.name} (Alert)" in reminder["text"]
    assert downtime_id in reminder["downtime"]["url"]


def test_an_extended_downtime_is_reminded_before_its_new_end_not_its_old_one(
    editor_client, org, destinations, receiver
):
    downtime_id = create_through_form(editor_client, duration="1h")
    clock.set_now(NOW + timedelta(minutes=30))
    page = editor_client.post(reverse("downtimes:extend", args=[downtime_id]), {"by": "1h"})
    assert page.status_code == 302

    sweep_at(NOW + timedelta(minutes=45))  # the old end's minute
    assert receiver.bodies("reminder") == []
    detail = editor_client.get(reverse("downtimes:detail", args=[downtime_id])).content.decode()
    assert "Next reminder" in detail and "11:15" in detail
    sweep_at(NOW + timedelta(minutes=105))
    [reminder] = receiver.bodies("reminder")
    assert reminder["downtime"]["window"]["end"] == "2026-11-16T11:30:00Z"


def test_an_extension_drops_the_reminder_still_being_retried_for_the_old_end(
    editor_client, org, destinations, receiver
):
    downtime_id = create_through_form(editor_client, duration="1h")
    receiver.statuses[:] = [503]
    sweep_at(NOW + timedelta(minutes=45))
    [row] = reminders_of(downtime_id)
    assert (row.state, row.attempts) == ("pending", 1)  # to be tried again
    clock.set_now(NOW + timedelta(minutes=46))
    editor_client.post(reverse("downtimes:extend", args=[downtime_id]), {"by": "1h"})

    row.refresh_from_db()
    assert row.state == "dropped"
    assert row.error == "its window now ends at 2026-11-16 11:30 UTC"
    sweep_at(NOW + timedelta(minutes=50))
    assert len(receiver.bodies("reminder")) == 1  # the failed attempt only


def test_a_canceled_downtime_drops_its_pending_reminder_and_says_so(
    editor_client, org, destinations, receiver
):
    downtime_id = create_through_form(editor_client, duration="1h")
    receiver.statuses[:] = [500]
    sweep_at(NOW + timedelta(minutes=45))
    clock.set_now(NOW + timedelta(minutes=46))
    editor_client.post(reverse("downtimes:cancel", args=[downtime_id]))

    [row] = reminders_of(downtime_id)
    assert (row.state, row.error) == ("dropped", "the downtime was canceled")
    for minutes in (47, 50, 60, 75):
        sweep_at(NOW + timedelta(minutes=minutes))
    assert len(receiver.bodies("reminder")) == 1  # only the attempt that failed before
    assert [b["event"] for b in receiver.bodies()] == ["created", "reminder", "canceled"]
    trail = AuditEntry.objects.filter(downtime_id=downtime_id, action="notified")
    assert any("not sent: the downtime was canceled" in e.summary for e in trail)


def test_a_canceled_downtime_gets_no_reminder_at_all(editor_client, org, destinations, receiver):
    downtime_id = create_through_form(editor_client, duration="1h")
    editor_client.post(reverse("downtimes:cancel", args=[downtime_id]))
    for minutes in (44, 45, 46, 59):
        sweep_at(NOW + timedelta(minutes=minutes))
    assert receiver.bodies("reminder") == []
    assert reminders_of(downtime_id) == []


def test_ending_a_downtime_now_sends_word_of_it_and_no_reminder(
    editor_client, org, destinations, receiver
):
    downtime_id = create_through_form(editor_client, duration="1h")
    editor_client.post(reverse("downtimes:end", args=[downtime_id]))
    sweep_at(NOW + timedelta(seconds=5))
    assert [b["event"] for b in receiver.bodies()] == ["created", "ended"]
    ended = receiver.bodies("ended")[0]
    assert ended["actor"] == "Erin (erin)"


def test_a_worker_restarted_mid_send_leaves_the_reminder_to_another_after_its_lease(
    editor_client, org, destinations, receiver, settings
):
    downtime_id = create_through_form(editor_client, duration="1h")
    due = NOW + timedelta(minutes=45)
    clock.set_now(due)
    downtime = datadog.get_downtime(downtime_id)
    [row_id] = outbox.make_due_reminders(downtime, due)
    assert outbox.claim(row_id, due) is not None  # a worker took it, then died before sending

    sweep_at(due + MINUTE)  # within the lease: nobody else may send it
    assert receiver.bodies("reminder") == []
    sweep_at(due + settings.NOTIFY_LEASE + MINUTE)
    sweep_at(due + settings.NOTIFY_LEASE + 2 * MINUTE)

    assert len(receiver.bodies("reminder")) == 1
    row = Delivery.objects.get(pk=row_id)
    assert (row.state, row.attempts) == ("sent", 2)


def test_without_a_choice_a_one_time_window_reminds_the_first_destination_and_a_recurrence_none(
    editor_client, org, destinations
):
    page = editor_client.get(reverse("downtimes:new")).content.decode()
    assert 'name="remind" value="hook" checked' in page
    assert 'name="remind" value="sre">' in page
    one_time = create_through_form(editor_client, duration="1h")
    never = create_through_form(editor_client, query={"end": "never"})
    weekly = create_through_form(editor_client, query={"rrule": "FREQ=WEEKLY;BYDAY=MO"})
    unticked = create_through_form(editor_client, remind=[])
    both = create_through_form(editor_client, remind=["hook", "sre"])
    assert outbox.chosen(one_time) == ["hook"]
    assert outbox.chosen(never) == []
    assert outbox.chosen(weekly) == []
    assert outbox.chosen(unticked) == []
    assert outbox.chosen(both) == ["hook", "sre"]
