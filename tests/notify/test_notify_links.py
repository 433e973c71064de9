"""Every way a downtime is made through the dashboard reminds like the form does, and a
reminder's link opens the page ready to extend without writing anything by itself.

- Quick mute (a monitor's page, or the link in its alert) offers the same choice as the form,
  on by default (a quick mute always has an end): word that it was muted, then one reminder
  before it ends; unticked, nothing; "More options…" carries the choice to the full form.
- The reminder's "Extend it…" link: the page says when the window ends and that nothing changes
  until a click; the downtime is the same afterwards and the trail records no write.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from django.urls import reverse

from downtimes_app.models import AuditEntry
from downtimes_app.notify import outbox
from sandbox.models import SandboxDowntime
from tests.factories import NOW, grouped
from tests.html_forms import as_post
from tests.monitors.support import confirmation, mute_url
from tests.notify.support import SLACK_PATH, create_through_form, reminders_of, sweep_at


def _mute_an_hour(client, monitor, **changes) -> str:
    _, data = confirmation(client, monitor, group=monitor.groups[1]["name"], duration="1h")
    answer = client.post(mute_url(monitor), as_post(data, changes))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    return str(SandboxDowntime.objects.order_by("-id").first().uuid)


def test_a_quick_mute_reminds_the_first_destination_before_it_ends_like_the_form(
    editor_client, org, destinations, receiver
):
    monitor = grouped("Alert")
    page, data = confirmation(editor_client, monitor, group=monitor.groups[1]["name"])
    assert data.getlist("remind") == ["hook"]  # the default, as for a one-time window with an end
    assert "hook (webhook, 127.0.0.1)" in page and "sre (Slack, 127.0.0.1)" in page
    downtime_id = _mute_an_hour(editor_client, monitor)
    assert outbox.chosen(downtime_id) == ["hook"]
    [created] = receiver.bodies("created")
    assert created["downtime"]["id"] == downtime_id
    assert created["downtime"]["mutes"] == f"the monitor {monitor.name}"
    assert created["actor"] == "Erin (erin)"

    sweep_at(NOW + timedelta(minutes=44))
    assert receiver.bodies("reminder") == []
    sweep_at(NOW + timedelta(minutes=45))
    sweep_at(NOW + timedelta(minutes=46))
    [reminder] = receiver.bodies("reminder")
    assert reminder["downtime"]["id"] == downtime_id
    assert reminder["downtime"]["window"]["end"] == "2026-11-16T10:30:00Z"
    assert [r.state for r in reminders_of(downtime_id)] == ["sent"]


def test_a_quick_mute_reminds_where_it_was_asked_to_or_nowhere(
    editor_client, org, destinations, receiver
):
    monitor = grouped("Alert")
    to_slack = _mute_an_hour(editor_client, monitor, remind=["sre"])
    unticked = _mute_an_hour(editor_client, monitor, remind=None)
    assert outbox.chosen(to_slack) == ["sre"]
    assert outbox.chosen(unticked) == []
    sweep_at(NOW + timedelta(minutes=45))
    # Both to Slack (its format: the header block says which): word of it, then its reminder.
    headers = [r.body["blocks"][0]["text"]["text"] for r in receiver.received]
    assert headers == ["Downtime scheduled", "Downtime ends in 15m"]
    assert {r.path for r in receiver.received} == {SLACK_PATH}
    assert reminders_of(unticked) == []


def test_more_options_carries_the_quick_mutes_reminder_choice_to_the_form(
    editor_client, org, destinations
):
    monitor = grouped("Alert")
    for chosen, carried, ticked in ((["sre"], "sre", ["sre"]), ([], "none", [])):
        query = {"remind_shown": "1", "remind": chosen, "group": monitor.groups[1]["name"]}
        page, _ = confirmation(editor_client, monitor, **query)
        link = html.unescape(re.search(r'href="([^"]+)">More options', page).group(1))
        assert parse_qs(urlsplit(link).query)["remind"] == [carried]
        form = editor_client.get(link).content.decode()
        checked = re.findall(r'name="remind" value="([^"]+)" checked', form)
        assert checked == ticked


def test_a_reminders_extend_link_opens_the_choices_and_changes_nothing_until_a_click(
    editor_client, viewer_client, org, destinations, receiver
):
    downtime_id = create_through_form(editor_client, duration="1h")
    sweep_at(NOW + timedelta(minutes=45))
    [reminder] = receiver.bodies("reminder")
    link = urlsplit(reminder["extend_url"])
    assert (link.path, link.query, link.fragment) == (
        reverse("downtimes:detail", args=[downtime_id]),
        "extend=1",
        "extend",
    )
    before = SandboxDowntime.objects.get(uuid=downtime_id).schedule
    writes = AuditEntry.objects.exclude(action="notified").count()

    page = editor_client.get(f"{link.path}?{link.query}").content.decode()
    assert (
        "It ends in 15m. Choose how long to extend it below: nothing changes until you click one."
        in page
    )
    assert 'class="extend is-prompted" id="extend"' in page
    assert f'action="{reverse("downtimes:extend", args=[downtime_id])}"' in page
    assert SandboxDowntime.objects.get(uuid=downtime_id).schedule == before
    assert AuditEntry.objects.exclude(action="notified").count() == writes
    end = datetime.fromisoformat(before["end"])
    assert end == NOW + timedelta(hours=1)

    seen = viewer_client.get(f"{link.path}?{link.query}").content.decode()
    assert "Only an editor can extend it; it ends in 15m." in seen
    assert reverse("downtimes:extend", args=[downtime_id]) not in seen
