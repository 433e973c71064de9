"""Messages as destinations receive them: Slack's format, the documented webhook body, retries
with growing pauses for an hour then "failed" on the page and in the trail, and webhook URLs
that never show on a page, in a log line or in an error."""

from __future__ import annotations

import itertools
import logging
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from dashboard.env import Env
from downtimes_app.models import AuditEntry, Delivery
from downtimes_app.notify import destinations as parsing
from tests.factories import NOW
from tests.notify.support import (
    HOOK_PATH,
    SLACK_PATH,
    create_through_form,
    reminders_of,
    sweep_at,
)

ROOT = Path(__file__).resolve().parents[2]
DUE = NOW + timedelta(minutes=45)  # a one-hour window from NOW, reminded 15 minutes before


# --- Slack's format and the webhook body -------------------------------------------------------


def _check_block_kit(payload: dict) -> None:
    """The shape Slack documents for incoming webhooks: `text` (the notification's fallback)
    and `blocks` of known types within Block Kit's limits."""
    assert set(payload) == {"text", "blocks"}
    assert isinstance(payload["text"], str) and payload["text"].strip()
    assert 1 <= len(payload["blocks"]) <= 50
    for block in payload["blocks"]:
        kind = block["type"]
        assert kind in ("header", "section", "context", "divider", "actions")
        if kind == "header":
            assert block["text"]["type"] == "plain_text" and len(block["text"]["text"]) <= 150
        if kind == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                assert block["text"]["type"] == "mrkdwn" and len(block["text"]["text"]) <= 3000
            for field in block.get("fields", []):
                assert field["type"] == "mrkdwn" and len(field["text"]) <= 2000
            assert len(block.get("fields", [])) <= 10
        if kind == "context":
            assert 1 <= len(block["elements"]) <= 10
            assert all(e["type"] in ("mrkdwn", "plain_text", "image") for e in block["elements"])


def test_slack_gets_text_and_blocks_in_its_incoming_webhook_format(
    editor_client, org, destinations, receiver
):
    downtime_id = create_through_form(
        editor_client, scope="env:prod AND team:<!channel>", duration="1h", remind=["sre"]
    )
    sweep_at(DUE)
    created, reminder = [r.body for r in receiver.received]
    for payload in (created, reminder):
        _check_block_kit(payload)
    assert {r.path for r in receiver.received} == {SLACK_PATH}
    # Datadog's text cannot ping a channel or make a link: &, < and > are escaped.
    assert "<!channel>" not in str(reminder) and "&lt;!channel&gt;" in str(reminder)
    header = reminder["blocks"][0]["text"]["text"]
    assert header == "Downtime ends in 15m"
    links = str(reminder["blocks"])
    assert (
        f"<https://downtimes.example.com/downtimes/{downtime_id}/?extend=1#extend|Extend it…>"
        in links
    )
    fields = " ".join(f["text"] for f in reminder["blocks"][1]["fields"])
    for words in (
        "*Scope*",
        "*Mutes*",
        "monitors tagged team:payments",
        "*Window (UTC)*",
        "2026-11-16 09:30 → 10:30 UTC",
        "*Created by*",
        "Erin (erin)",
    ):
        assert words in fields
    assert "Scheduled by Erin (erin)" in created["text"]


def test_a_plain_webhook_gets_the_documented_body_with_an_id_the_same_on_every_attempt(
    editor_client, org, destinations, receiver
):
    downtime_id = create_through_form(editor_client, duration="1h", timezone="Europe/Paris")
    receiver.statuses[:] = [502]
    sweep_at(DUE)
    sweep_at(DUE + timedelta(seconds=31))
    first, second = receiver.bodies("reminder")
    assert first["id"] == second["id"] and (first["attempt"], second["attempt"]) == (1, 2)
    assert receiver.received[-1].headers["Idempotency-Key"] == second["id"]
    assert set(second) == {
        "id",
        "event",
        "attempt",
        "sent_at",
        "text",
        "downtime",
        "actor",
        "why",
        "extend_url",
        "ends_in_minutes",
        "alerting",
        "alerting_unknown",
    }
    assert second["downtime"] == {
        "id": downtime_id,
        "url": f"https://downtimes.example.com/downtimes/{downtime_id}/",
        "scope": "env:prod",
        "mutes": "monitors tagged team:payments",
        "monitor_id": None,
        "monitor_tags": ["team:payments"],
        "timezone": "Europe/Paris",
        "window": {
            "start": "2026-11-16T09:30:00Z",
            "end": "2026-11-16T10:30:00Z",
            "utc": "2026-11-16 09:30 → 10:30 UTC",
            "local": "2026-11-16 10:30 → 11:30 CET",
        },
        "created_by": "Erin (erin)",
    }
    assert second["event"] == "reminder" and second["sent_at"] == "2026-11-16T10:15:31Z"
    created = receiver.bodies("created")[0]
    assert created["actor"] == "Erin (erin)" and created["extend_url"] is None
    assert second["why"] is None and created["why"] is None  # only an ending says why


# --- failing destinations -------------------------------------------------------------------------


def test_a_failing_destination_is_retried_with_growing_pauses_for_an_hour_then_shown_as_failed(
    editor_client, org, destinations, receiver
):
    receiver.statuses[:] = [500] * 100
    downtime_id = create_through_form(editor_client, end_mode="never", remind=["hook"])
    tries = [NOW]
    for _ in range(30):
        [row] = Delivery.objects.filter(downtime_id=downtime_id, kind="created")
        if row.state != "pending":
            break
        sweep_at(row.due)
        tries.append(row.due)
    assert row.state == "failed"
    assert len(receiver.bodies("created")) == row.attempts == len(tries)
    pauses = [b - a for a, b in itertools.pairwise(tries)]
    assert pauses[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert max(pauses) == timedelta(minutes=10)
    assert tries[-1] - tries[0] == timedelta(hours=1)
    assert row.error == "127.0.0.1 answered HTTP 500: no_service (tried 11 times over 1h)"

    page = editor_client.get(reverse("downtimes:detail", args=[downtime_id])).content.decode()
    assert "failed</span> after 11 attempts: 127.0.0.1 answered HTTP 500" in page
    trail = AuditEntry.objects.get(downtime_id=downtime_id, action="notified", outcome="failed")
    assert (
        trail.summary == "Created message to hook (webhook, 127.0.0.1) failed after 11 attempt(s)"
    )
    audit_page = editor_client.get(reverse("downtimes:audit") + "?action=notified").content
    assert b"failed after 11 attempt(s)" in audit_page


def test_a_reminder_is_retried_until_its_window_ends_then_recorded_as_failed(
    editor_client, org, destinations, receiver
):
    downtime_id = create_through_form(editor_client, duration="1h")
    receiver.statuses[:] = [500] * 100
    sweep_at(DUE)
    for minutes in (1, 3, 6, 10, 14, 16):
        sweep_at(DUE + timedelta(minutes=minutes))
    [row] = reminders_of(downtime_id)
    assert row.state == "failed"
    assert row.error == (
        "127.0.0.1 answered HTTP 500: no_service; its window ends before another attempt"
    )
    # At its minute, then after pauses of 1, 2 and 4 minutes; the next would be past its end.
    assert len(receiver.bodies("reminder")) == row.attempts == 5


@pytest.mark.parametrize(
    ("statuses", "pause", "words"),
    [
        ([404], 0, "127.0.0.1 answered HTTP 404: no_service"),
        ([429], 0, "127.0.0.1 answered HTTP 429: no_service"),
        ([200], 1.5, "no answer from 127.0.0.1 within 1 s"),
    ],
)
def test_each_kind_of_failure_is_said_in_words_and_tried_again(
    editor_client, org, destinations, receiver, statuses, pause, words
):
    downtime_id = create_through_form(editor_client, duration="1h")
    receiver.statuses[:], receiver.pause = statuses, pause
    sweep_at(DUE)
    [row] = reminders_of(downtime_id)
    assert (row.state, row.error, row.due) == ("pending", words, DUE + timedelta(seconds=30))
    receiver.pause = 0
    sweep_at(row.due)
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("sent", 2)


def test_an_unreachable_destination_is_tried_again(editor_client, org, settings):
    settings.DASHBOARD_NOTIFY = parsing.parse("gone=webhook:http://127.0.0.1:9/hook/secret-gone")
    settings.DASHBOARD_URL = "https://downtimes.example.com"
    downtime_id = create_through_form(editor_client, duration="1h")
    [created] = Delivery.objects.filter(downtime_id=downtime_id)
    assert (created.state, created.error) == ("pending", "could not connect to 127.0.0.1")


# --- secrets --------------------------------------------------------------------------------------


def test_no_page_log_line_or_error_shows_a_webhook_url(
    editor_client, org, destinations, receiver, caplog, settings
):
    caplog.set_level(logging.DEBUG)
    receiver.statuses[:] = [500, 500]
    downtime_id = create_through_form(editor_client, duration="1h", remind=["hook", "sre"])
    sweep_at(DUE)
    pages = [
        editor_client.get(reverse("downtimes:detail", args=[downtime_id])),
        editor_client.get(reverse("downtimes:new")),
        editor_client.get(reverse("downtimes:edit", args=[downtime_id])),
        editor_client.get(reverse("downtimes:audit")),
    ]
    shown = "".join(p.content.decode() for p in pages)
    shown += " ".join(str(v) for v in Delivery.objects.values_list("error", flat=True))
    shown += " ".join(
        AuditEntry.objects.values_list("summary", "error").values_list("error", flat=True)
    )
    assert "hook (webhook, 127.0.0.1)" in shown and "sre (Slack, 127.0.0.1)" in shown
    assert "answered HTTP 500" in caplog.text  # the failures were logged...
    for secret in (HOOK_PATH, SLACK_PATH, "xoxb-webhook-secret", "slacksecret42"):
        assert secret not in shown and secret not in caplog.text  # ...without their URLs
    assert "xoxb" not in repr(settings.DASHBOARD_NOTIFY)


def test_a_malformed_destination_list_stops_start_up_in_one_sentence_without_the_url():
    secret = "https://hooks.slack.com/services/T000/B000/verysecrettoken"
    for value in (
        f"sre=slack:{secret},ops=webhook",
        f"sre=telegram:{secret}",
        f"sre=slack:{secret},sre=slack:{secret}",
        f"Bad Name=slack:{secret}",
        "ops=webhook:ftp://files.example.com/verysecrettoken",
    ):
        with pytest.raises(ImproperlyConfigured) as raised:
            Env({"DASHBOARD_NOTIFY": value}).destinations("DASHBOARD_NOTIFY")
        assert str(raised.value).startswith("DASHBOARD_NOTIFY: ")
        assert "verysecrettoken" not in str(raised.value)
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "true", "DASHBOARD_NOTIFY": f"sre=slack{secret}"}
    run = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert run.returncode == 1
    assert run.stderr.strip().count("\n") == 0 and "verysecrettoken" not in run.stderr
    assert run.stderr.startswith("Configuration error: DASHBOARD_NOTIFY: destination 'sre'")


def test_an_edit_that_only_changes_the_reminder_choice_saves_it(editor_client, org, destinations):
    from tests.editing.support import open_form, submit

    downtime_id = create_through_form(editor_client, duration="1h")
    edit = reverse("downtimes:edit", args=[downtime_id])
    _, data = open_form(editor_client, edit)
    assert data.getlist("remind") == ["hook"]
    response = submit(editor_client, data, {"remind": ["sre"]}, url=edit)
    assert response.status_code == 302
    page = editor_client.get(response["Location"]).content.decode()
    assert "reminders now go to sre" in page
    assert "go to <strong>sre (Slack, 127.0.0.1)</strong>" in page
