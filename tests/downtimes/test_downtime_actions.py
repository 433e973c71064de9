"""A downtime's quick actions (cancel, end now, extend), through the Django test client against
the sandbox."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from downtimes_app.models import AuditEntry
from sandbox import faults
from tests.downtimes.support import page_of, stored_end, text_of
from tests.factories import NOW

# --- cancel ---------------------------------------------------------------------------------------


def test_cancel_asks_first_naming_what_will_be_unmuted(editor_client, stories):
    url = reverse("downtimes:cancel", args=[stories["upgrade"].uuid])
    page = editor_client.get(url).content.decode()
    text = text_of(page)
    assert "Cancel this downtime?" in text
    assert "unmutes monitors tagged team:search, tier:1 for scope" in text
    assert "right now" in text
    stories["upgrade"].refresh_from_db()
    assert stories["upgrade"].canceled is None  # asking changed nothing


def test_cancel_confirmation_lists_the_monitors_the_tags_match(editor_client, stories):
    url = reverse("downtimes:cancel", args=[stories["patching"].uuid])
    fragment = editor_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'role="alertdialog"' in fragment and "<html" not in fragment
    assert "[prod] edge-proxy" in fragment
    assert "Canceling ends the whole series: no later window will mute" in text_of(fragment)


def test_cancel_without_javascript_posts_redirects_and_flashes(editor_client, editor, stories):
    downtime = stories["incident"]
    response = editor_client.post(reverse("downtimes:cancel", args=[downtime.uuid]))
    assert response.status_code == 302
    assert response["Location"] == reverse("downtimes:detail", args=[downtime.uuid])
    downtime.refresh_from_db()
    assert downtime.canceled == NOW
    page = editor_client.get(response["Location"]).content.decode()
    assert "Canceled. It no longer mutes the monitor [prod] payments-db" in html.unescape(page)
    entry = AuditEntry.objects.get(downtime_id=str(downtime.uuid))
    assert entry.action == AuditEntry.Action.CANCEL and entry.outcome == AuditEntry.Outcome.OK
    assert entry.actor == editor and entry.before["scope"] == "env:prod AND service:payments-db"
    assert "Erin" in page and "Canceled" in page  # the history shows it


def test_cancel_with_htmx_redraws_the_downtime_in_place(editor_client, stories):
    downtime = stories["tomorrow"]
    response = editor_client.post(
        reverse("downtimes:cancel", args=[downtime.uuid]), headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert f'id="downtime-{downtime.uuid}"' in page
    assert 'class="pill pill-canceled"' in page
    assert "Canceled. It no longer mutes monitors tagged service:checkout-redis" in page


def test_cancel_refused_by_datadog_changes_nothing_and_says_why(editor_client, stories):
    downtime = stories["incident"]
    with faults.inject(sequence=["ok", "429"]):
        response = editor_client.post(
            reverse("downtimes:cancel", args=[downtime.uuid]), headers={"HX-Request": "true"}
        )
    page = html.unescape(response.content.decode())
    assert "Datadog is rate-limiting requests" in page and "Nothing was changed." in page
    assert 'class="pill pill-active"' in page
    downtime.refresh_from_db()
    assert downtime.canceled is None
    entry = AuditEntry.objects.get(downtime_id=str(downtime.uuid))
    assert entry.outcome == AuditEntry.Outcome.FAILED and "429" in entry.error


def test_cancel_of_a_canceled_downtime_sends_nothing(editor_client, stories, upstream_calls):
    downtime = stories["canceled"]
    editor_client.post(reverse("downtimes:cancel", args=[downtime.uuid]))
    assert [method for method, _ in upstream_calls] == ["GET"]
    assert not AuditEntry.objects.writes().exists()


def test_viewers_cannot_cancel(viewer_client, stories):
    downtime = stories["incident"]
    assert viewer_client.post(reverse("downtimes:cancel", args=[downtime.uuid])).status_code == 403
    assert viewer_client.get(reverse("downtimes:cancel", args=[downtime.uuid])).status_code == 403
    downtime.refresh_from_db()
    assert downtime.canceled is None


def test_actions_need_the_csrf_token(editor, stories):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    downtime = stories["incident"]
    assert client.post(reverse("downtimes:end", args=[downtime.uuid])).status_code == 403
    assert stored_end(downtime) == NOW + timedelta(minutes=35)


# --- end now --------------------------------------------------------------------------------------


def test_end_now_moves_the_end_a_few_seconds_ahead_and_keeps_the_start(editor_client, stories):
    downtime = stories["incident"]
    start = downtime.schedule["start"]
    response = editor_client.post(reverse("downtimes:end", args=[downtime.uuid]))
    assert response.status_code == 302
    assert stored_end(downtime) == NOW + timedelta(seconds=10)
    assert downtime.schedule["start"] == start
    entry = AuditEntry.objects.get(downtime_id=str(downtime.uuid))
    assert entry.action == AuditEntry.Action.END_NOW
    assert entry.before["schedule"]["end"] != entry.after["schedule"]["end"]
    page = editor_client.get(response["Location"]).content.decode()
    assert "Ended. It stops muting" in html.unescape(page)
    assert "<code>schedule.end</code>" in page  # the history shows what changed


def test_end_now_failure_leaves_the_downtime_unchanged(editor_client, stories):
    downtime = stories["incident"]
    with faults.inject(sequence=["ok", "500"]):
        response = editor_client.post(
            reverse("downtimes:end", args=[downtime.uuid]), headers={"HX-Request": "true"}
        )
    page = html.unescape(response.content.decode())
    assert "Datadog is unavailable" in page and "may or may not have been applied" in page
    assert stored_end(downtime) == NOW + timedelta(minutes=35)
    assert AuditEntry.objects.writes().get().outcome == AuditEntry.Outcome.FAILED


def test_end_now_when_datadog_cannot_be_read_first_sends_nothing(
    editor_client, stories, upstream_calls
):
    downtime = stories["incident"]
    with faults.inject(rates={"503": 1.0}):
        response = editor_client.post(reverse("downtimes:end", args=[downtime.uuid]))
    assert response.status_code == 302
    assert all(method == "GET" for method, _ in upstream_calls)
    page = html.unescape(editor_client.get(response["Location"]).content.decode())
    assert "Could not read it from Datadog first, so nothing was sent" in page
    assert not AuditEntry.objects.writes().exists()


def test_end_now_is_refused_for_a_scheduled_downtime(editor_client, stories):
    downtime = stories["tomorrow"]
    before = dict(downtime.schedule)
    response = editor_client.post(
        reverse("downtimes:end", args=[downtime.uuid]), headers={"HX-Request": "true"}
    )
    assert "End now needs a window in progress" in response.content.decode()
    downtime.refresh_from_db()
    assert downtime.schedule == before


def test_end_now_on_an_unknown_downtime_is_a_not_found(editor_client, org):
    response = editor_client.post(
        reverse("downtimes:end", args=["00000000-0000-1234-0000-000000000000"]), follow=True
    )
    assert response.status_code == 404


# --- extend ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("by", "delta"), [("30m", 30), ("1h", 60), ("4h", 240)])
def test_extend_by_moves_the_end_and_keeps_the_start(editor_client, stories, by, delta):
    downtime = stories["incident"]
    start = downtime.schedule["start"]
    editor_client.post(reverse("downtimes:extend", args=[downtime.uuid]), {"by": by})
    assert stored_end(downtime) == NOW + timedelta(minutes=35 + delta)
    assert downtime.schedule["start"] == start
    entry = AuditEntry.objects.writes().get()
    assert entry.action == AuditEntry.Action.EXTEND and entry.outcome == AuditEntry.Outcome.OK


def test_extend_until_reads_the_time_in_the_viewers_zone(editor_client, stories):
    downtime = stories["upgrade"]
    editor_client.post(
        reverse("downtimes:extend", args=[downtime.uuid]),
        {"until": "2026-11-16T20:00", "tz": "Europe/Berlin"},
    )
    assert stored_end(downtime) == datetime.fromisoformat("2026-11-16T19:00:00+00:00")


def test_extend_until_earlier_than_the_end_is_refused(editor_client, stories):
    downtime = stories["upgrade"]
    response = editor_client.post(
        reverse("downtimes:extend", args=[downtime.uuid]),
        {"until": "2026-11-16T10:00", "tz": "UTC"},
        headers={"HX-Request": "true"},
    )
    assert "not later than its current end" in response.content.decode()
    assert stored_end(downtime) == NOW + timedelta(hours=6)
    assert not AuditEntry.objects.writes().exists()


def test_extend_with_htmx_answers_the_updated_fragment(editor_client, stories):
    downtime = stories["tomorrow"]
    response = editor_client.post(
        reverse("downtimes:extend", args=[downtime.uuid]),
        {"by": "1h"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert "<html" not in page and "Extended: it now ends Tomorrow 05:00 UTC." in page
    assert "Moved the end from 2026-11-17 04:00 UTC to 2026-11-17 05:00 UTC" in page


def test_extend_sets_an_end_on_an_open_ended_downtime(editor_client, stories):
    downtime = stories["forgotten"]
    editor_client.post(reverse("downtimes:extend", args=[downtime.uuid]), {"by": "4h"})
    assert stored_end(downtime) == NOW + timedelta(hours=4)


def test_extend_refused_by_datadog_shows_its_words_and_changes_nothing(
    editor_client, stories, monkeypatch
):
    from downtimes_app import datadog

    def refuse(downtime_id, *, attributes, **_):
        raise datadog.BadRequest(
            "Datadog rejected the request",
            errors=("Cannot change the start of a downtime that is in progress",),
        )

    monkeypatch.setattr(datadog, "update_downtime", refuse)
    downtime = stories["incident"]
    response = editor_client.post(
        reverse("downtimes:extend", args=[downtime.uuid]), {"by": "1h"}, follow=True
    )
    page = html.unescape(response.content.decode())
    assert (
        "Datadog refused the change: Cannot change the start of a downtime that is in progress. "
        "Nothing was changed." in page
    )
    assert stored_end(downtime) == NOW + timedelta(minutes=35)


def test_extend_timeout_says_the_change_may_or_may_not_have_been_made(editor_client, stories):
    downtime = stories["incident"]
    with faults.inject(sequence=["ok", "timeout"]):
        response = editor_client.post(
            reverse("downtimes:extend", args=[downtime.uuid]),
            {"by": "1h"},
            headers={"HX-Request": "true"},
        )
    page = response.content.decode()
    assert "may or may not have been made" in page
    assert "Below is the downtime as Datadog reports it now." in page


def test_extend_of_a_recurring_downtime_is_refused(editor_client, stories):
    downtime = stories["patching"]
    before = dict(downtime.schedule)
    response = editor_client.post(
        reverse("downtimes:extend", args=[downtime.uuid]), {"by": "1h"}, follow=True
    )
    assert "Datadog cannot end or stretch one window of a series" in html.unescape(
        response.content.decode()
    )
    downtime.refresh_from_db()
    assert downtime.schedule == before


def test_keep_it_and_other_htmx_reads_get_just_the_downtime_fragment(editor_client, stories):
    response = editor_client.get(
        reverse("downtimes:detail", args=[stories["incident"].uuid]), headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert "<html" not in page and page.count(f'id="downtime-{stories["incident"].uuid}"') == 1


def test_extend_clicked_twice_extends_once(editor_client, stories):
    incident = stories["incident"]
    page = page_of(editor_client, incident)
    seen = re.search(r'name="seen" value="([^"]+)"', page).group(1)
    url = reverse("downtimes:extend", args=[incident.uuid])
    first = editor_client.post(url, {"by": "1h", "seen": seen}, follow=True)
    assert "Extended" in html.unescape(first.content.decode())
    second = editor_client.post(url, {"by": "1h", "seen": seen}, follow=True)
    assert "It changed since this page was loaded, so nothing was sent" in html.unescape(
        second.content.decode()
    )
    incident.refresh_from_db()
    assert incident.schedule["end"] == "2026-11-16T11:05:00+00:00"  # 10:05 plus one hour, once
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXTEND).count() == 1
