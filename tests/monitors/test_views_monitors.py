"""The monitor list and a monitor's page through Django's test client, against the sandbox."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from downtimes_app import datadog
from downtimes_app.datadog import client as service
from sandbox import faults
from sandbox.models import SandboxMonitor
from tests.factories import NOW, grouped, payments_db
from tests.monitors.support import page_of, text_of

LIST = reverse("downtimes:monitors_list")


def listed(client: Client, **query) -> tuple[str, list[str]]:
    """The page, and the names of the monitors in its rows."""
    page = client.get(LIST, query).content.decode()
    names = re.findall(r'class="row-link monitor-name" href="[^"]+">([^<]+)</a>', page)
    return page, [html.unescape(n) for n in names]


def test_the_list_finds_monitors_by_name_tag_type_and_state(viewer_client, org):
    _, names = listed(viewer_client, q="payments-db", per_page=100)
    expected = SandboxMonitor.objects.filter(name__icontains="payments-db")
    assert sorted(names) == sorted(m.name for m in expected) and names
    _, names = listed(viewer_client, tag="team:checkout", per_page=100)
    checkout = [m.name for m in SandboxMonitor.objects.all() if "team:checkout" in m.tags]
    assert sorted(names) == sorted(checkout)
    _, names = listed(viewer_client, type="service check", per_page=100)
    assert sorted(names) == sorted(
        m.name for m in SandboxMonitor.objects.filter(type="service check")
    )
    page, names = listed(viewer_client, state="alert", per_page=100)
    alerting = SandboxMonitor.objects.filter(overall_state="Alert")
    assert sorted(names) == sorted(m.name for m in alerting) and names
    assert f'Alert <span class="count">{alerting.count()}</span>' in page


def test_muted_now_lists_the_monitors_a_downtime_mutes_and_until_when(viewer_client, stories):
    page, names = listed(viewer_client, state="muted", per_page=100)
    incident = payments_db()
    assert incident.name in names
    row = page.split(f'id="monitor-{incident.id}"')[1].split("</tr>")[0]
    # The incident downtime ends 35 minutes after NOW (09:30 UTC), by the monitor's id.
    assert "Muted until Today 10:05 UTC" in text_of(row)
    _, unmuted = listed(viewer_client, q="[staging]", state="muted", per_page=100)
    assert not [n for n in unmuted if n.startswith("[staging]")]


def test_each_row_counts_the_groups_alerting(viewer_client, org):
    monitor = grouped("Alert")
    page, _ = listed(viewer_client, q=str(monitor.id))
    alerting = sum(1 for g in monitor.groups if g["status"] == "Alert")
    assert f"{alerting} of {len(monitor.groups)} alerting" in text_of(page)


def test_the_list_is_paged_and_bad_values_become_notices(viewer_client, org):
    page, names = listed(viewer_client, page=2, state="sleeping")
    assert len(names) == 25
    assert f"Page 2 of 3 · {SandboxMonitor.objects.count()} monitors" in text_of(page)
    assert "There is no state &#x27;sleeping&#x27;" in page or "no state 'sleeping'" in text_of(
        page
    )


def test_warm_views_of_the_list_make_no_upstream_call(viewer_client, org, upstream_calls):
    listed(viewer_client)  # cold: loads the monitors and the downtimes once
    assert sorted({path for _, path in upstream_calls}) == ["/api/v1/monitor", "/api/v2/downtime"]
    upstream_calls.clear()
    for query in ({}, {"q": "api"}, {"state": "muted"}, {"tag": "team:sre", "page": "1"}):
        listed(viewer_client, **query)
    fragment = viewer_client.get(LIST, {"state": "alert"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode()
    assert upstream_calls == []


def test_when_datadog_fails_the_list_keeps_the_last_monitors_with_a_banner(
    viewer_client, org, monkeypatch
):
    from django.core.cache import cache

    from downtimes_app.store import monitors as monitor_store

    monkeypatch.setattr(service, "_sleep", lambda s: None)
    _, before = listed(viewer_client)
    cache.delete(monitor_store.MONITORS.fresh)
    with faults.inject(rates={"503": 1.0}):
        page, after = listed(viewer_client)
    assert after == before
    assert "Datadog could not be reached for fresh data" in text_of(page)


# --- a monitor's page -----------------------------------------------------------------------------


def test_page_of_a_monitor_muted_by_its_id(viewer_client, stories, upstream_calls):
    monitor = payments_db()
    viewer_client.get(LIST)  # warm copies
    upstream_calls.clear()
    page = page_of(viewer_client, monitor.id)
    assert upstream_calls == [("GET", f"/api/v2/monitor/{monitor.id}/downtime_matches")]
    text = text_of(page)
    assert "Muted until Today 10:05 UTC" in text
    now_part = page.split("Muting it now")[1].split("Will mute it")[0]
    assert reverse("downtimes:detail", args=[stories["incident"].uuid]) in now_part
    assert "every group" in text_of(now_part) or all(g["name"] in now_part for g in monitor.groups)
    assert monitor.query in html.unescape(page)
    assert all(tag in page for tag in monitor.tags)
    assert "Sandbox object · not in Datadog" in page


def test_page_of_a_monitor_muted_by_a_tag_downtime_names_the_group(viewer_client, org):
    monitor = grouped("Alert")
    group = monitor.groups[0]
    host = next(t for t in group["tags"] if t.startswith("host:"))
    team = next(t for t in monitor.tags if t.startswith("team:"))
    made = datadog.create_downtime(
        attributes={
            "scope": host,
            "monitor_identifier": {"monitor_tags": [team]},
            "schedule": {"end": (NOW + timedelta(hours=2)).isoformat()},
        }
    )
    page = page_of(viewer_client, monitor.id)
    now_part = page.split("Muting it now")[1].split("Will mute it")[0]
    assert reverse("downtimes:detail", args=[made.id]) in now_part
    assert group["name"] in now_part and "every group" not in now_part
    rows = dict(re.findall(r'data-group="([^"]+)">(.*?)</tr>', page, re.S))
    assert "badge-info" in rows[group["name"]]  # muted
    assert all("badge-info" not in r for name, r in rows.items() if name != group["name"])
    assert f"1 of {len(monitor.groups)} groups muted until Today 11:30 UTC" in text_of(page)


def test_with_a_real_org_the_page_links_into_datadogs_ui(viewer_client, org):
    from django.test import override_settings

    monitor = grouped("Alert")
    with override_settings(DATADOG_SANDBOX=False, DATADOG_APP_URL="https://app.datadoghq.eu"):
        page = page_of(viewer_client, monitor.id)
    assert f'href="https://app.datadoghq.eu/monitors/{monitor.id}"' in page
    assert "Sandbox object" not in page


def test_a_downtime_aimed_at_a_monitor_whose_scope_misses_every_group_is_named_and_flagged(
    viewer_client, org
):
    monitor = grouped("Alert")
    keys = {t.partition(":")[0] for g in monitor.groups for t in g["tags"]}
    scope = " AND ".join(f"{key}:no-such-{key}" for key in sorted(keys))
    made = datadog.create_downtime(
        attributes={
            "scope": scope,
            "monitor_identifier": {"monitor_id": monitor.id},
            "schedule": {"end": (NOW + timedelta(hours=2)).isoformat()},
        }
    )
    link = reverse("downtimes:detail", args=[made.id])
    page = page_of(viewer_client, monitor.id)
    now_part = page.split("Muting it now")[1].split("Will mute it")[0]
    assert link not in now_part  # Datadog's downtime_matches: it mutes nothing
    missing = page.split("Aimed at this monitor, but its scope matches none of its groups")[1]
    assert link in missing.split("</section>")[0]
    attention = viewer_client.get(reverse("downtimes:attention"), {"rule": "mutes-nothing"})
    text = text_of(attention.content.decode())
    assert f"Mutes nothing: its scope {scope} matches none of the groups monitor" in text


def test_page_of_a_monitor_nothing_mutes(viewer_client, org):
    monitor = next(m for m in SandboxMonitor.objects.all() if "[staging] kafka" in m.name)
    text = text_of(page_of(viewer_client, monitor.id))
    assert "No downtime mutes it now." in text and "Not muted" in text


def test_page_shows_what_will_mute_it_and_what_did(viewer_client, stories):
    kafka = next(m for m in SandboxMonitor.objects.all() if m.name.startswith("[prod] kafka"))
    page = page_of(viewer_client, kafka.id)
    later = page.split("Will mute it")[1].split("Muted it before")[0]
    assert reverse("downtimes:detail", args=[stories["canceled"].uuid]) not in later
    staging = next(m for m in SandboxMonitor.objects.all() if m.name.startswith("[staging]"))
    before = page_of(viewer_client, staging.id).split("Muted it before")[1]
    assert reverse("downtimes:detail", args=[stories["ended"].uuid]) in before


def test_when_datadog_cannot_say_what_mutes_it_now_the_page_reckons_from_its_copy(
    viewer_client, stories, monkeypatch
):
    monkeypatch.setattr(service, "_sleep", lambda s: None)
    viewer_client.get(LIST)  # warm copies: the page's only call is downtime_matches
    with faults.inject(rates={"503": 1.0}):
        page = page_of(viewer_client, payments_db().id)
    text = text_of(page)
    assert "Datadog could not say what mutes it now" in text
    assert "Muted until Today 10:05 UTC" in text


def test_unknown_and_malformed_monitor_ids_are_404(viewer_client, org):
    assert viewer_client.get("/monitors/12/").status_code == 404
    response = viewer_client.get("/monitors/not-a-number/")
    assert response.status_code == 404 and "This is not a monitor id." in response.content.decode()


def test_a_monitors_link_preview_comes_from_the_copy(org, settings, viewer_client, upstream_calls):
    monitor = grouped("Alert")
    url = reverse("downtimes:monitor", args=[monitor.id])
    anonymous = Client()
    assert anonymous.get(url).status_code == 302  # off by default
    settings.DASHBOARD_LINK_PREVIEWS = True
    viewer_client.get(LIST)
    upstream_calls.clear()
    page = anonymous.get(url).content.decode()
    assert f'<meta property="og:title" content="{html.escape(monitor.name)} · Alert">' in page
    assert "Sign in to see this monitor" in page
    assert upstream_calls == []
    assert anonymous.get(LIST).status_code == 302


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_the_page_shows_the_link_to_paste_into_the_monitors_message(role, request, org):
    client = request.getfixturevalue(f"{role}_client")
    monitor = grouped("Alert")
    page = html.unescape(page_of(client, monitor.id))
    link = f"http://testserver/monitors/{monitor.id}/mute/?group=host:{{{{host.name}}}}"
    assert f"Mute this in the dashboard: {link}" in page
