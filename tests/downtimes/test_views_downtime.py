"""The downtime page and its quick actions, through the Django test client against the sandbox."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse

from downtimes_app import store
from downtimes_app.datadog.sites import find_site
from downtimes_app.models import AuditEntry
from downtimes_app.store import monitors as monitor_store
from sandbox import faults
from sandbox.models import SandboxDowntime
from tests.factories import NOW


def page_of(client, downtime: SandboxDowntime, **params) -> str:
    response = client.get(reverse("downtimes:detail", args=[downtime.uuid]), params)
    assert response.status_code == 200
    return response.content.decode()


def text_of(page: str) -> str:
    """The page as a person reads it: tags gone, entities decoded, spaces collapsed."""
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))
    return re.sub(r" ([.,;:])", r"\1", text)


def meta(page: str, name: str) -> str:
    match = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)"', page)
    assert match, f"no {name} meta tag"
    return html.unescape(match.group(1))


def stored_end(downtime: SandboxDowntime) -> datetime | None:
    downtime.refresh_from_db()
    end = downtime.schedule.get("end")
    return datetime.fromisoformat(end) if end else None


# --- the page -------------------------------------------------------------------------------------


def test_page_of_an_active_one_time_monitor_downtime_tells_the_whole_story(viewer_client, stories):
    page = page_of(viewer_client, stories["incident"])
    text = text_of(page)
    assert "active" in text and "ends in 35m" in text
    assert "[prod] payments-db" in text  # the monitor, by name
    assert "env:prod AND service:payments-db" in text
    assert "Failover drill on payments-db." in text
    assert '<span class="mention">@slack-payments-oncall</span>' in page
    assert "When this downtime ends on schedule, monitors still in Alert, Warn or No Data" in text
    assert "Recovery notifications are sent as usual." in text
    assert "Marcus Oyelaran" in text and "Payments on-call lead" in text
    assert "mailto:marcus.oyelaran@example.com" in page
    assert '<img src="https://secure.gravatar.com/avatar/' in page
    assert "Created" in text and "Modified" in text
    # The one window, in the schedule's zone (UTC) with UTC on hover.
    assert 'class="windows"' in page and "Mon 16 Nov 2026, 08:20" in text


def test_page_of_a_recurring_tag_downtime_shows_each_rule_and_ten_windows_in_both_zones(
    viewer_client, stories
):
    page = page_of(viewer_client, stories["patching"], tz="Europe/Berlin")
    text = text_of(page)
    assert "Every Tue and Thu, 02:00\u201305:00 America/New_York" in text
    assert "<code>FREQ=WEEKLY;BYDAY=TU,TH</code>" in page
    assert "Next window" in text
    assert "Monitors tagged team:sre" in text
    windows = page.split('class="windows"')[1].split("</table>")[0]
    assert windows.count("<tbody>") == 1 and windows.count("<tr>") == 10 + 1
    assert "In America/New_York" in windows and "In your zone (Europe/Berlin)" in windows
    assert "Tue 17 Nov 2026, 02:00" in windows  # New York wall time
    assert "Tue 17 Nov, 08:00" in windows  # the same window in Berlin


def test_page_of_a_downtime_with_two_recurrences_lists_both_rules(viewer_client, stories):
    text = text_of(page_of(viewer_client, stories["monthly"]))
    assert "FREQ=MONTHLY;BYDAY=WE;BYSETPOS=3" in text
    assert "FREQ=MONTHLY;INTERVAL=3;BYDAY=-1FR" in text
    assert "Recurrences" in text


def test_tag_downtime_lists_the_monitors_its_tags_match(viewer_client, stories):
    page = page_of(viewer_client, stories["upgrade"])
    url = reverse("downtimes:monitors", args=[stories["upgrade"].uuid])
    # Loaded after the page, with a plain link for browsers without script.
    assert f'hx-get="{url}"' in page and f'href="{url}"' in page
    fragment = viewer_client.get(url, headers={"HX-Request": "true"})
    text = text_of(fragment.content.decode())
    assert "<html" not in fragment.content.decode()
    # team:search AND tier:1 — none of the search team's monitors are tier 1 in the demo org.
    assert "No monitor carries all of these tags right now" in text
    patching = viewer_client.get(reverse("downtimes:monitors", args=[stories["patching"].uuid]))
    listed = text_of(patching.content.decode())
    assert "12 monitors match now" in listed and "[prod] edge-proxy" in listed
    assert "[prod] payments" not in listed


def test_the_monitors_a_downtimes_tags_match_come_from_the_monitor_copy_as_datadog_picks_them(
    viewer_client, stories, upstream_calls
):
    from downtimes_app import datadog
    from downtimes_app.muting import monitoring

    assert monitoring.carrying(["team:payments"]) is not None  # the copy, loaded once
    for tags in (["team:payments"], ["env:prod", "team:checkout"], ["team:search", "tier:1"]):
        live = sorted(m.name for m in datadog.list_monitors(monitor_tags=tags).monitors)
        assert [m.name for m in monitoring.carrying(tags)] == sorted(live, key=str.lower)
    upstream_calls.clear()
    patching = viewer_client.get(reverse("downtimes:monitors", args=[stories["patching"].uuid]))
    assert "12 monitors match now" in text_of(patching.content.decode())
    assert not [path for _, path in upstream_calls if "monitor" in path]


def test_ended_downtime_says_it_no_longer_mutes_and_offers_no_end_or_extend(editor_client, stories):
    page = page_of(editor_client, stories["ended"])
    text = text_of(page)
    assert "Ended Yesterday 09:30 UTC." in text and "It no longer mutes anything" in text
    assert "What it muted" in text
    # Edit and Clone remain (to mute the same monitors again); nothing that acts on a window.
    assert reverse("downtimes:clone", args=[stories["ended"].uuid]) in page
    assert reverse("downtimes:end", args=[stories["ended"].uuid]) not in page
    assert reverse("downtimes:extend", args=[stories["ended"].uuid]) not in page
    assert reverse("downtimes:cancel", args=[stories["ended"].uuid]) not in page


def test_canceled_downtime_says_so_plainly_while_datadog_still_returns_it(editor_client, stories):
    page = page_of(editor_client, stories["canceled"])
    text = text_of(page)
    assert "Canceled Today 00:30 UTC." in text
    assert "It no longer mutes anything" in text and "about two days" in text
    assert reverse("downtimes:cancel", args=[stories["canceled"].uuid]) not in page
    assert "The next" not in text  # no windows are listed for a canceled series


def test_ended_recurring_series_says_it_has_run_its_course(viewer_client, stories):
    text = text_of(page_of(viewer_client, stories["reindex"]))
    assert "No windows ahead: this schedule has run its course." in text


def test_unknown_and_malformed_ids_get_a_helpful_not_found_page(viewer_client, org):
    unknown = viewer_client.get("/downtimes/00000000-0000-1234-0000-000000000000/")
    assert unknown.status_code == 404
    assert "Datadog has no downtime with this id." in unknown.content.decode()
    malformed = viewer_client.get("/downtimes/not-a-uuid/")
    assert malformed.status_code == 404
    assert "This is not a downtime id." in malformed.content.decode()
    assert "Back to all downtimes" in malformed.content.decode()


def test_page_makes_one_upstream_call(viewer_client, stories, upstream_calls):
    """Beside the copies the top bar reads (loaded once per process), the page reads its own
    downtime fresh, and nothing else."""
    store.current()
    monitor_store.current()
    upstream_calls.clear()
    page_of(viewer_client, stories["incident"])
    assert upstream_calls == [("GET", f"/api/v2/downtime/{stories['incident'].uuid}")]


def test_page_falls_back_to_the_cached_copy_with_a_banner(viewer_client, stories):
    store.current()  # warm the cache
    with faults.inject(rates={"503": 1.0}):
        page = page_of(viewer_client, stories["incident"])
    assert "Showing the last copy the dashboard fetched." in page
    assert "Failover drill on payments-db" in page


def test_page_without_any_copy_explains_that_datadog_is_unavailable(viewer_client, stories):
    with faults.inject(rates={"503": 1.0}):
        response = viewer_client.get(reverse("downtimes:detail", args=[stories["incident"].uuid]))
    assert response.status_code == 503
    assert "Datadog could not be reached" in response.content.decode()


def test_sandbox_objects_have_no_dead_links_into_datadog(viewer_client, stories):
    page = page_of(viewer_client, stories["incident"])
    assert "datadoghq.com" not in page
    assert "Sandbox object" in page


def test_real_org_links_the_downtime_and_its_monitor_in_datadogs_ui(
    viewer_client, stories, monkeypatch
):
    from downtimes_app import datadog

    record = datadog.get_downtime(str(stories["incident"].uuid))
    monkeypatch.setattr(datadog, "get_downtime", lambda downtime_id, **_: record)
    with override_settings(
        DATADOG_SANDBOX=False,
        DATADOG_SITE=find_site("datadoghq.eu"),
        DATADOG_APP_URL="https://app.datadoghq.eu",
        DATADOG_API_URL="https://relay:secret@proxy.internal",
    ):
        page = page_of(viewer_client, stories["incident"])
    assert f'href="https://app.datadoghq.eu/monitors/downtimes?id={record.id}"' in page
    assert f'href="https://app.datadoghq.eu/monitors/{record.monitor_id}"' in page
    assert "Sandbox object" not in page
    # Copied commands go to the site's public API, never to a configured proxy.
    assert "curl -X POST https://api.datadoghq.eu/api/v2/downtime" in page
    assert "proxy.internal" not in page and "secret" not in page


def test_message_from_datadog_is_rendered_inert(viewer_client, api, org):
    hostile = (
        "<script>alert(1)</script> <img src=x onerror=alert(2)> javascript:alert(3) "
        'see https://wiki.example.com/a?b=1&c="x" @oncall-team'
    )
    created = api.post(
        "/api/v2/downtime",
        {
            "data": {
                "type": "downtime",
                "attributes": {
                    "scope": "env:prod",
                    "monitor_identifier": {"monitor_tags": ["team:payments"]},
                    "message": hostile,
                },
            }
        },
    ).json()
    response = viewer_client.get(reverse("downtimes:detail", args=[created["data"]["id"]]))
    page = response.content.decode()
    message = page.split('<div class="message">')[1].split("</div>")[0]
    assert "<script" not in message and "<img" not in message
    assert "&lt;script&gt;" in message and "&lt;img src=x onerror=alert(2)&gt;" in message
    assert 'href="javascript' not in message
    assert '<a href="https://wiki.example.com/a?b=1&amp;c="' in message
    assert 'rel="noopener noreferrer nofollow"' in message
    assert '<span class="mention">@oncall-team</span>' in message
    assert "Content-Security-Policy" in response.headers


def test_link_previews_carry_status_scope_and_window_in_utc(viewer_client, stories):
    page = page_of(viewer_client, stories["incident"], tz="Asia/Tokyo")
    title = meta(page, "og:title")
    assert title == "Active until 10:05 UTC \u00b7 env:prod AND service:payments-db"
    assert meta(page, "twitter:title") == title
    assert meta(page, "twitter:card") == "summary"
    assert meta(page, "og:url") == (
        f"http://testserver{reverse('downtimes:detail', args=[stories['incident'].uuid])}"
    )
    description = meta(page, "og:description")
    assert description.startswith("Mutes [prod] payments-db")
    assert "to 10:05 UTC" in description  # UTC, not the sharer's own zone
    # Only unsigned unfurlers read these tags: no message, no creator.
    assert "Marcus" not in description and "Failover" not in description


@pytest.mark.parametrize(
    ("story", "title"),
    [
        (
            "tomorrow",
            "Scheduled 17 Nov 02:00\u201304:00 UTC \u00b7 env:prod AND service:checkout-redis",
        ),
        (
            "patching",
            "Scheduled, next 17 Nov 07:00\u201310:00 UTC \u00b7 env:prod AND -service:payments-db",
        ),
        ("canceled", "Canceled 00:30 UTC \u00b7 env:prod AND service:kafka"),
        ("ended", "Ended 15 Nov 09:30 UTC \u00b7 env:staging"),
        ("forgotten", "Active since 24 Oct 09:30 UTC, no end \u00b7 host:legacy-batch-01"),
    ],
)
def test_link_preview_title_for_each_status(viewer_client, stories, story, title):
    assert meta(page_of(viewer_client, stories[story]), "og:title") == title


def test_viewers_see_no_write_controls(viewer_client, stories):
    page = page_of(viewer_client, stories["incident"])
    for name in ("cancel", "end", "extend"):
        assert reverse(f"downtimes:{name}", args=[stories["incident"].uuid]) not in page


def test_editors_see_each_action_as_a_plain_form_with_htmx_beside_it(editor_client, stories):
    downtime_id = stories["incident"].uuid
    page = page_of(editor_client, stories["incident"])
    for name in ("end", "extend"):
        url = reverse(f"downtimes:{name}", args=[downtime_id])
        assert f'action="{url}"' in page and f'hx-post="{url}"' in page
    cancel = reverse("downtimes:cancel", args=[downtime_id])
    assert f'href="{cancel}"' in page and f'hx-get="{cancel}"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'name="by" value="30m"' in page and 'name="by" value="4h"' in page
    assert 'type="datetime-local" name="until" value="2026-11-16T11:05"' in page


def test_recurring_downtime_explains_why_there_is_no_end_now_or_extend(editor_client, stories):
    page = page_of(editor_client, stories["patching"])
    assert reverse("downtimes:end", args=[stories["patching"].uuid]) not in page
    assert "Cancel stops the whole series" in text_of(page)


def test_scheduled_one_time_downtime_can_be_extended_but_not_ended(editor_client, stories):
    page = page_of(editor_client, stories["tomorrow"])
    assert reverse("downtimes:end", args=[stories["tomorrow"].uuid]) not in page
    assert reverse("downtimes:extend", args=[stories["tomorrow"].uuid]) in page


def test_open_ended_downtime_offers_to_set_an_end(editor_client, stories):
    text = text_of(page_of(editor_client, stories["forgotten"]))
    assert "End in 30 minutes 1 hour 4 hours" in text and "Set the end" in text


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
