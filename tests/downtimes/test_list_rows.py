"""The list's rows are drawn once and reused while they read the same (`downtime_tags.list_row`);
these prove a reused row never shows what is no longer true: the clock moving, another reader's
role or zone, a watch starting or ending, and the filters' choices keeping their selection."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse

from downtimes_app import store
from downtimes_app.models import RecoveryWatch
from sandbox import clock
from sandbox.models import SandboxDowntime, SandboxUser
from tests.factories import NOW
from tests.monitors.support import text_of

URL = reverse("downtimes:list")


def row_of(client, downtime_id: str, **params) -> str:
    page = client.get(URL, {"status": "all", "per_page": 100, **params}).content.decode()
    found = re.search(rf'<tr id="downtime-{downtime_id}".*?</tr>', page, re.S)
    assert found, f"{downtime_id} is not on the list"
    return found.group(0)


def test_a_row_drawn_before_says_the_new_time_and_status_once_the_clock_moves(
    viewer_client, stories
):
    incident = str(stories["incident"].uuid)
    assert "ends in 35m" in text_of(row_of(viewer_client, incident))
    clock.set_now(NOW + timedelta(minutes=20))
    assert "ends in 15m" in text_of(row_of(viewer_client, incident))
    clock.set_now(NOW + timedelta(minutes=40))
    store.invalidate()  # Datadog's status is read again, as the next refresh would
    later = row_of(viewer_client, incident)
    assert "ended 5m ago" in text_of(later)
    assert 'class="status-ended"' in later and "pill-active" not in later


def test_an_editor_and_a_viewer_each_get_their_own_row_for_the_same_downtime(
    viewer_client, editor_client, stories
):
    incident = str(stories["incident"].uuid)
    assert "row-select" not in row_of(viewer_client, incident)
    assert "row-select" in row_of(editor_client, incident)
    assert "row-select" not in row_of(viewer_client, incident)


def test_a_row_follows_the_readers_zone(viewer_client, stories):
    incident = str(stories["incident"].uuid)
    assert "10:05" in row_of(viewer_client, incident, tz="UTC")  # ends NOW + 35m, 10:05 UTC
    tokyo = row_of(viewer_client, incident, tz="Asia/Tokyo")
    assert "19:05" in tokyo and "10:05</time>" not in tokyo


def test_a_row_says_it_ends_on_recovery_while_watched_and_not_after(editor_client, stories):
    incident = stories["incident"]
    assert "Ends when" not in text_of(row_of(editor_client, str(incident.uuid)))
    watch = RecoveryWatch.objects.create(
        downtime_id=str(incident.uuid),
        what="service:payments-db",
        cap=NOW + timedelta(minutes=35),
        requested_by_name="Editor",
        started=NOW,
    )
    assert "Ends when service:payments-db has been OK for" in text_of(
        row_of(editor_client, str(incident.uuid))
    )
    watch.state = RecoveryWatch.State.STOPPED
    watch.save()
    assert "Ends when" not in text_of(row_of(editor_client, str(incident.uuid)))


def test_the_creator_and_monitor_filters_keep_what_was_chosen_and_escape_names(
    viewer_client, stories
):
    incident = stories["incident"]
    SandboxUser.objects.filter(pk=incident.created_by_id).update(name="Marcus <b>O</b>")
    creator = str(incident.created_by_id)
    monitor = str(incident.monitor_id)
    page = viewer_client.get(URL, {"creator": creator, "monitor": monitor}).content.decode()
    chosen = re.findall(r"<option selected value=\"([^\"]+)\">([^<]*(?:&lt;[^<]*)*)", page)
    assert (creator, "Marcus &lt;b&gt;O&lt;/b&gt;") in chosen
    assert any(value == monitor for value, _ in chosen)
    assert "<b>O</b>" not in page
    plain = viewer_client.get(URL).content.decode()
    assert "<option selected" not in plain.split('name="kind"')[0]
    assert SandboxDowntime.objects.filter(pk=incident.pk).exists()
