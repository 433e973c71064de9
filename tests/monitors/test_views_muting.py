"""Quick mute from a monitor's page and from the link in its alert, against the sandbox: one
group (or the whole monitor) for what was clicked, audited, and saved once however often sent."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from downtimes_app.models import AuditEntry
from sandbox.models import SandboxDowntime
from tests.factories import NOW, grouped
from tests.html_forms import as_post, form_data
from tests.monitors.support import confirmation, mute_url, page_of, text_of


def test_muting_one_group_for_an_hour_makes_that_groups_downtime_once(editor_client, editor, org):
    monitor = grouped("Alert")
    group = monitor.groups[1]
    # The monitor's page offers it, on the group's own row.
    page = page_of(editor_client, monitor.id)
    row = page.split(f'data-group="{group["name"]}"')[1].split("</tr>")[0]
    link = html.unescape(re.search(r'href="([^"]+duration=1h)"', row).group(1))
    assert parse_qs(urlsplit(link).query) == {"group": [group["name"]], "duration": ["1h"]}
    confirm, data = confirmation(editor_client, monitor, **parse_qs(urlsplit(link).query))
    text = text_of(confirm)
    assert f"{group['name']} of “{monitor.name}” (Alert now) stops notifying until" in text
    assert "Today 10:30 UTC (1 hour)" in text
    before = SandboxDowntime.objects.count()
    first = editor_client.post(mute_url(monitor), as_post(data))
    made = SandboxDowntime.objects.order_by("-id").first()
    assert first.status_code == 302
    assert first["Location"] == reverse("downtimes:detail", args=[str(made.uuid)])
    assert made.scope == " AND ".join(sorted(group["name"].split(",")))
    assert made.monitor_id == monitor.id
    assert datetime.fromisoformat(made.schedule["start"]) == NOW  # from when Datadog got it
    assert datetime.fromisoformat(made.schedule["end"]) == NOW + timedelta(hours=1)
    # A double click, or the form sent again: the same downtime, nothing new.
    again = editor_client.post(mute_url(monitor), as_post(data))
    assert again["Location"] == first["Location"]
    assert SandboxDowntime.objects.count() == before + 1
    entry = AuditEntry.objects.get(downtime_id=str(made.uuid))
    assert entry.actor == editor and entry.action == AuditEntry.Action.CREATE
    assert entry.outcome == AuditEntry.Outcome.OK
    assert entry.summary.startswith(f"Muted {group['name']} of monitor {monitor.id} until")
    assert entry.after["scope"] == made.scope
    landed = text_of(editor_client.get(first["Location"]).content.decode())
    assert f"Muted: {group['name']} of “{monitor.name}”" in landed
    # Back on the monitor: muted until then, that group only.
    page = page_of(editor_client, monitor.id)
    groups = len(monitor.groups)
    assert f"1 of {groups} groups muted until Today 10:30 UTC" in text_of(page)
    rows = dict(re.findall(r'data-group="([^"]+)">(.*?)</tr>', page, re.S))
    assert [name for name, r in rows.items() if "badge-info" in r] == [group["name"]]


def test_muting_the_whole_monitor_until_a_chosen_time(editor_client, org):
    monitor = grouped("Warn")
    _, data = confirmation(editor_client, monitor, duration="until")
    response = editor_client.post(
        mute_url(monitor),
        as_post(data, until="2026-11-16T18:00", tz="Europe/Berlin", message="Deploy @ops"),
    )
    made = SandboxDowntime.objects.order_by("-id").first()
    assert response.status_code == 302
    assert made.scope == "*" and made.monitor_id == monitor.id
    assert datetime.fromisoformat(made.schedule["end"]) == datetime.fromisoformat(
        "2026-11-16T17:00:00+00:00"
    )
    assert made.message == "Deploy @ops" and made.display_timezone == "Europe/Berlin"


def test_a_time_already_past_is_refused_and_what_was_typed_stays(editor_client, org):
    monitor = grouped("Alert")
    _, data = confirmation(editor_client, monitor, duration="until")
    before = SandboxDowntime.objects.count()
    response = editor_client.post(
        mute_url(monitor), as_post(data, until="2026-11-16T08:00", message="keep me")
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "That time has passed" in page and ">keep me</textarea>" in page
    assert SandboxDowntime.objects.count() == before


def test_a_post_without_the_forms_token_sends_nothing(editor_client, org):
    monitor = grouped("Alert")
    _, data = confirmation(editor_client, monitor)
    response = editor_client.post(mute_url(monitor), as_post(data, token=None))
    assert response.status_code == 400
    assert not SandboxDowntime.objects.filter(monitor_id=monitor.id, scope="*").exists()


def test_a_viewer_sees_no_mute_controls_and_is_refused(viewer_client, org):
    monitor = grouped("Alert")
    page = page_of(viewer_client, monitor.id)
    assert f'href="{mute_url(monitor)}' not in page and "Mute this group" not in page
    assert viewer_client.get(mute_url(monitor)).status_code == 403
    response = viewer_client.post(mute_url(monitor), {"duration": "1h", "token": "x" * 20})
    assert response.status_code == 403
    assert not SandboxDowntime.objects.filter(monitor_id=monitor.id).exists()


def test_the_alert_link_opens_a_prefilled_confirmation_for_that_monitor_and_group(
    editor_client, org
):
    monitor = grouped("Alert")
    group = monitor.groups[1]
    host = next(t for t in group["tags"] if t.startswith("host:"))
    # What Datadog sends for `?group=host:{{host.name}}` once it fills in the variable.
    page, data = confirmation(editor_client, monitor, group=host)
    assert data["group"] == host and data["duration"] == "1h"
    assert f"Mute {host}?" in text_of(page)
    more = html.unescape(re.search(r'href="([^"]+)">More options', page).group(1))
    prefilled = parse_qs(urlsplit(more).query)
    assert prefilled["monitor_id"] == [str(monitor.id)]
    assert prefilled["scope"] == [host] and prefilled["duration"] == ["1h"]
    # ...and the full form opens with them.
    form = form_data(editor_client.get(more).content)
    assert form["monitor_id"] == str(monitor.id) and form["scope"] == host


def test_an_alert_link_whose_variable_came_out_empty_says_so(editor_client, org):
    monitor = grouped("Alert")
    page = editor_client.get(mute_url(monitor), {"group": "host:"}).content.decode()
    assert "is not a group" in html.unescape(page)
    assert "Mute the whole monitor instead" in page


HOSTILE_GROUPS = {
    "host:*": "host:*",
    "host:pay*": "host:pay*",
    "host:(a OR b)": "host:(a OR b)",
    "host:a OR host:b": "host:a OR host:b",
    "env:prod AND host:a": "env:prod AND host:a",
    "NOT host:a": "NOT host:a",
    "-host:a": "-host:a",
    "env:prod,-host:a": "env:prod AND -host:a",  # a group's commas become the scope's AND
    'host:"a"': 'host:"a"',
    "host:a?": "host:a?",
}


@pytest.mark.parametrize(("group", "scope"), HOSTILE_GROUPS.items())
def test_quick_mute_refuses_a_pattern_from_a_link_and_offers_the_full_form_with_that_scope(
    editor_client, org, group, scope
):
    monitor = grouped("Alert")
    before = SandboxDowntime.objects.count()
    query = {"group": group, "duration": "4h", "message": "deploy"}
    page = html.unescape(editor_client.get(mute_url(monitor), query).content.decode())
    assert "is not one group" in page and "use the full form" in page
    assert "stops notifying" not in page
    full = re.search(r'href="([^"]+)">Open the full form with this scope', page).group(1)
    prefilled = parse_qs(urlsplit(full).query)
    assert prefilled["scope"] == [scope] and prefilled["monitor_id"] == [str(monitor.id)]
    assert prefilled["duration"] == ["4h"] and prefilled["message"] == ["deploy"]
    posted = editor_client.post(mute_url(monitor), {**query, "token": "t" * 20})
    assert posted.status_code == 400
    assert "is not one group" in html.unescape(posted.content.decode())
    assert SandboxDowntime.objects.count() == before  # nothing reached the sandbox


def test_quick_mute_of_a_multi_tag_group_from_a_link_mutes_exactly_that_group(editor_client, org):
    monitor = grouped("Alert")
    for n, group in enumerate(monitor.groups, 1):  # as `by {env,host}` names its groups
        group["name"] = f"env:prod,host:api-{n}"
        group["tags"] = ["env:prod", f"host:api-{n}", "service:api"]
    monitor.save()
    # An alert link fills in the variables in its own order.
    page, data = confirmation(editor_client, monitor, group="host:api-2,env:prod")
    assert "env:prod,host:api-2 of “" in text_of(page)
    response = editor_client.post(mute_url(monitor), as_post(data))
    made = SandboxDowntime.objects.order_by("-id").first()
    assert response.status_code == 302
    assert made.scope == "env:prod AND host:api-2" and made.monitor_id == monitor.id
    rows = dict(
        re.findall(r'data-group="([^"]+)">(.*?)</tr>', page_of(editor_client, monitor.id), re.S)
    )
    assert [name for name, row in rows.items() if "badge-info" in row] == ["env:prod,host:api-2"]


def test_the_confirmation_swaps_into_the_page_for_htmx(editor_client, org):
    monitor = grouped("Alert")
    response = editor_client.get(
        mute_url(monitor), {"duration": "4h"}, headers={"HX-Request": "true"}
    )
    fragment = response.content.decode()
    assert "<html" not in fragment and 'role="alertdialog"' in fragment
    assert "(4 hours)" in text_of(fragment)
