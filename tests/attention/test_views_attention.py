"""Needs attention (`/attention/`) and its count in the top bar, through Django's test client
against the sandbox: each rule on the demo org with the clock moved, actions in place through
the downtime page's own endpoints, and no call to Datadog for a warm page."""

from __future__ import annotations

import re
from datetime import timedelta

from django.test import Client
from django.urls import reverse

from downtimes_app.models import AuditEntry
from sandbox import clock
from sandbox.models import SandboxDowntime
from tests.conftest import create_body
from tests.downtimes.support import alerting_payments_db
from tests.factories import NOW
from tests.monitors.support import text_of

PAGE = reverse("downtimes:attention")


def rows(client: Client, **query) -> dict[str, str]:
    """Each row's downtime id, with its text."""
    page = client.get(PAGE, query).content.decode()
    found = re.findall(r'<tr id="attention-([^"]+)".*?</tr>', page, re.S)
    return {
        downtime_id: text_of(re.search(rf'id="attention-{downtime_id}".*?</tr>', page, re.S)[0])
        for downtime_id in found
    }


def seen_of(client: Client, downtime: SandboxDowntime) -> str:
    page = client.get(PAGE).content.decode()
    row = re.search(rf'id="attention-{downtime.uuid}".*?</tr>', page, re.S)[0]
    return re.search(r'name="seen" value="([^"]+)"', row)[1]


def test_the_forgotten_mute_and_the_one_muting_nothing_need_attention_and_say_why(
    viewer_client, stories
):
    found = rows(viewer_client)
    assert (
        "No end: it has muted for 23d, longer than 7 days" in found[str(stories["forgotten"].uuid)]
    )
    assert (
        "Mutes nothing: no monitor carries team:search, tier:1."
        in found[str(stories["upgrade"].uuid)]
    )
    # The patch window, the nightly batch and the others are fine.
    assert str(stories["patching"].uuid) not in found and len(found) == 2


def test_a_mute_with_no_end_appears_once_it_has_run_past_the_stale_days(
    viewer_client, stories, settings
):
    forgotten = str(stories["forgotten"].uuid)  # started 23 days before NOW
    settings.DASHBOARD_STALE_DAYS = 30
    assert forgotten not in rows(viewer_client)
    clock.set_now(NOW + timedelta(days=8))
    assert "it has muted for 31d, longer than 30 days" in rows(viewer_client)[forgotten]


def test_an_incident_mute_ending_soon_over_an_alerting_monitor_will_notify(viewer_client, stories):
    alerting_payments_db()
    text = rows(viewer_client)[str(stories["incident"].uuid)]
    assert "Ends in 35m. If this ended now, 1 monitor would notify (1 Alert)." in text
    clock.set_now(NOW - timedelta(minutes=30))  # 65 minutes before its end: not yet
    assert str(stories["incident"].uuid) not in rows(viewer_client)


def test_wide_duplicate_and_windowless_downtimes_are_found(viewer_client, api, org):
    def made(**attributes) -> str:
        response = api.post("/api/v2/downtime", create_body(**attributes))
        assert response.status_code == 200, response.content
        return response.json()["data"]["id"]

    week = {"start": NOW.isoformat(), "end": (NOW + timedelta(days=7)).isoformat()}
    everything = made(scope="*", monitor_identifier={"monitor_tags": ["*"]}, schedule=week)
    first = made(scope="env:qa", schedule={"start": NOW.isoformat(), "end": None})
    again = made(scope="env:qa AND host:web-1", schedule=week)
    series = made(
        scope="env:staging",
        schedule={
            "timezone": "UTC",
            "recurrences": [
                {"rrule": "FREQ=DAILY;COUNT=1", "duration": "1h", "start": "2026-11-17T02:00"}
            ],
        },
    )
    found = rows(viewer_client)
    assert "Mutes every monitor, every group for 7d" in found[everything]
    assert "Duplicate: another downtime already mutes the same over env:qa." in found[again]
    assert first not in found, found.get(first)
    assert series not in found  # its one window is still to come
    clock.set_now(NOW + timedelta(days=2))
    assert "its last window has passed" in rows(viewer_client)[series]


def test_a_viewer_sees_why_but_no_action(viewer_client, stories):
    page = viewer_client.get(PAGE).content.decode()
    assert "No end: it has muted" in page
    assert reverse("downtimes:end", args=[stories["forgotten"].uuid]) not in page
    assert "Cancel…" not in page and ">Action<" not in page


def test_end_now_in_place_ends_it_records_it_and_takes_the_row_off_the_list(editor_client, stories):
    forgotten = stories["forgotten"]
    url = reverse("downtimes:end", args=[forgotten.uuid])
    seen = seen_of(editor_client, forgotten)
    response = editor_client.post(
        url, {"seen": seen, "back": "attention"}, headers={"HX-Request": "true"}
    )
    text = text_of(response.content.decode())
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert "It needs no attention now." in text
    # The top bar's count asks for itself again, and has one fewer.
    assert response["HX-Trigger"] == "attention-changed"
    count = editor_client.get(reverse("downtimes:attention_count")).content.decode()
    assert '<span class="count-badge">1</span>' in count and "<html" not in count
    forgotten.refresh_from_db()
    assert forgotten.schedule["end"] is not None
    entry = AuditEntry.objects.get(downtime_id=str(forgotten.uuid))
    assert entry.action == AuditEntry.Action.END_NOW
    assert str(forgotten.uuid) not in rows(editor_client)
    # The same click again (the old row, a double click) sends nothing.
    again = editor_client.post(url, {"seen": seen, "back": "attention"}, follow=True)
    assert again.redirect_chain[-1][0] == PAGE
    assert "It changed since this page was loaded, so nothing was sent" in text_of(
        again.content.decode()
    )
    assert AuditEntry.objects.filter(downtime_id=str(forgotten.uuid)).count() == 1


def test_extend_in_place_moves_the_end_and_the_row_says_so(editor_client, stories):
    alerting_payments_db()
    incident = stories["incident"]
    seen = seen_of(editor_client, incident)
    url = reverse("downtimes:extend", args=[incident.uuid])
    page = editor_client.get(PAGE).content.decode()
    assert f'hx-post="{url}"' in page and 'value="1h"' in page
    response = editor_client.post(
        url, {"seen": seen, "by": "1h", "back": "attention"}, headers={"HX-Request": "true"}
    )
    assert "Extended" in text_of(response.content.decode())
    incident.refresh_from_db()
    assert incident.schedule["end"] == "2026-11-16T11:05:00+00:00"
    assert AuditEntry.objects.get(downtime_id=str(incident.uuid)).action == AuditEntry.Action.EXTEND
    assert str(incident.uuid) not in rows(editor_client)  # it ends in over an hour now


def test_cancel_from_the_list_asks_first_and_comes_back_to_the_list(editor_client, stories):
    upgrade = stories["upgrade"]
    confirm_url = reverse("downtimes:cancel", args=[upgrade.uuid])
    assert f'href="{confirm_url}?back=attention"' in editor_client.get(PAGE).content.decode()
    confirm = editor_client.get(confirm_url, {"back": "attention"}).content.decode()
    assert 'name="back" value="attention"' in confirm and "Yes, cancel it" in confirm
    upgrade.refresh_from_db()
    assert upgrade.canceled is None  # asking is not doing
    done = editor_client.post(confirm_url, {"back": "attention"}, follow=True)
    assert done.redirect_chain[-1][0] == PAGE
    upgrade.refresh_from_db()
    assert upgrade.canceled is not None
    assert str(upgrade.uuid) not in rows(editor_client)


def test_a_viewer_cannot_act_from_the_list_either(viewer_client, stories):
    forgotten = stories["forgotten"]
    url = reverse("downtimes:end", args=[forgotten.uuid])
    response = viewer_client.post(url, {"back": "attention"})
    assert response.status_code == 403
    forgotten.refresh_from_db()
    assert forgotten.schedule["end"] is None


def test_the_top_bar_counts_what_needs_attention_only_when_something_does(
    editor_client, stories, upstream_calls
):
    page = editor_client.get(reverse("downtimes:list")).content.decode()
    assert re.search(r'Needs attention <span class="count-badge">2</span>', page)
    for name in ("forgotten", "upgrade"):
        SandboxDowntime.objects.filter(uuid=stories[name].uuid).delete()
    # The count follows the copy, and the copy a refresh: forced here, as Refresh does.
    editor_client.get(reverse("downtimes:list"), headers={"X-Refresh": "1"})
    page = editor_client.get(reverse("downtimes:list")).content.decode()
    assert "count-badge" not in page and "Needs attention" not in page


def test_a_warm_attention_page_and_its_count_ask_datadog_nothing(
    editor_client, stories, upstream_calls
):
    rows(editor_client)
    upstream_calls.clear()
    for _ in range(3):
        page = editor_client.get(PAGE).content.decode()
    assert "No end: it has muted" in page and "count-badge" in page
    assert upstream_calls == []


def test_the_list_narrows_to_one_reason_and_bad_input_is_a_notice(viewer_client, stories):
    only = rows(viewer_client, rule="no-end")
    assert list(only) == [str(stories["forgotten"].uuid)]
    page = viewer_client.get(PAGE, {"rule": "no-end"}).content.decode()
    assert re.search(r'aria-current="page">No end <span class="count">1</span>', page)
    assert 'Mutes nothing <span class="count">1</span>' in page
    odd = viewer_client.get(PAGE, {"rule": "<b>", "page": "²"})
    assert odd.status_code == 200
    text = text_of(odd.content.decode())
    assert "There is no rule '<b>'; showing every reason." in text
    assert "Page '²' is not a page number; showing the first page." in text
    assert "No downtime needs attention for this reason now." in text_of(
        viewer_client.get(PAGE, {"rule": "duplicate"}).content.decode()
    )
