"""The downtime page, through the Django test client against the sandbox."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from downtimes_app import store
from downtimes_app.datadog.sites import find_site
from downtimes_app.store import monitors as monitor_store
from sandbox import faults
from tests.downtimes.support import meta, page_of, text_of

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
    assert '<span class="avatar" aria-hidden="true">MO</span>' in page  # initials, drawn here
    assert "gravatar.com" not in page  # nobody is told who looked at whom
    assert "Created" in text and "Modified" in text
    # The one window, in the schedule's zone (UTC) with UTC on hover.
    assert 'class="windows"' in page and "Mon 16 Nov 2026, 08:20" in text


def test_gravatar_is_asked_for_avatars_only_when_the_setting_says_so(
    viewer_client, stories, settings
):
    assert "gravatar.com" not in viewer_client.get("/downtimes/").headers["Content-Security-Policy"]
    settings.DASHBOARD_GRAVATAR = True
    page = page_of(viewer_client, stories["incident"])
    assert '<img class="avatar-image" src="https://secure.gravatar.com/avatar/' in page
    assert ">MO<img" in page  # the initials stay under it, for when it cannot load
    csp = viewer_client.get("/downtimes/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://secure.gravatar.com" in csp


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
