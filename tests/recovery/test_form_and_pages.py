"""Until it recovers from the schedule form, and in words on the pages: the list's row and the
downtime's page say when it ends, an edit of its message keeps the watching and an edit of its
end stops it, and what cannot end on recovery is refused beside the field with nothing sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from downtimes_app.models import RecoveryWatch
from sandbox.models import SandboxDowntime, SandboxMonitor
from tests.editing.support import (
    edit_url,
    errors_in,
    landed_on_new_downtime,
    open_form,
    submit,
    valid_one_time,
)
from tests.factories import NOW, grouped
from tests.monitors.support import text_of
from tests.recovery.support import mute_until_recovered


def test_the_form_makes_a_window_that_ends_on_recovery_with_its_end_as_the_cap(editor_client, org):
    _, data = open_form(editor_client)
    assert "Or sooner, once it recovers" in text_of(open_form(editor_client)[0].content.decode())
    changes = {**valid_one_time(org), "end_mode": "after", "duration": "2h"}
    made = landed_on_new_downtime(submit(editor_client, data, changes, ends_on_recovery="on"))
    watch = RecoveryWatch.objects.get(downtime_id=str(made.uuid))
    assert watch.cap == NOW + timedelta(hours=2) and watch.what == "env:prod"
    page = text_of(
        editor_client.get(reverse("downtimes:detail", args=[str(made.uuid)])).content.decode()
    )
    assert "Ends when env:prod has been OK for 5m, at the latest Today 11:30 UTC" in page
    listed = text_of(editor_client.get(reverse("downtimes:list")).content.decode())
    assert "Ends when env:prod has been OK for 5m, at the latest" in listed


def test_a_link_prefills_until_it_recovers(editor_client, org):
    _, data = open_form(editor_client, ends_on_recovery="1", duration="1h")
    assert data.get("ends_on_recovery") == "on"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"end_mode": "never"}, "needs an end, the latest it lasts"),
        (
            {"schedule": "recurring", "rrule": "FREQ=DAILY", "start": "2026-11-17T02:00"},
            "is for a one-time window",
        ),
    ],
    ids=["no end", "recurring"],
)
def test_what_cannot_end_on_recovery_is_refused_and_nothing_is_sent(
    editor_client, org, changes, words
):
    _, data = open_form(editor_client)
    before = SandboxDowntime.objects.count()
    response = submit(
        editor_client, data, {**valid_one_time(org), **changes}, ends_on_recovery="on"
    )
    assert response.status_code == 200
    assert words in errors_in(response)
    assert SandboxDowntime.objects.count() == before
    assert not RecoveryWatch.objects.exists()


def test_an_edit_of_the_message_keeps_watching_and_an_edit_of_the_end_stops_it(editor_client, org):
    monitor = grouped("Alert")
    made = mute_until_recovered(editor_client, monitor, monitor.groups[1]["name"])
    url = edit_url(made)
    _, data = open_form(editor_client, url)
    assert "ends_on_recovery" not in data  # an edit does not offer it
    assert submit(editor_client, data, url=url, message="still on it").status_code == 302
    assert RecoveryWatch.objects.get().state == RecoveryWatch.State.WATCHING
    _, data = open_form(editor_client, url)
    assert submit(editor_client, data, url=url, end="2026-11-16T16:00").status_code == 302
    watch = RecoveryWatch.objects.get()
    assert watch.state == RecoveryWatch.State.STOPPED
    assert watch.reason.startswith("its end was edited by ")
    page = editor_client.get(reverse("downtimes:detail", args=[str(made.uuid)])).content.decode()
    assert "has been OK for" not in page


def test_the_sandbox_command_moves_a_group_and_refuses_what_does_not_exist(org, capsys):
    monitor = grouped("Alert")
    group = monitor.groups[1]["name"]
    call_command("sandbox_monitor_state", str(monitor.id), group, "OK")
    monitor.refresh_from_db()
    assert all(g["status"] == "OK" for g in monitor.groups) and monitor.overall_state == "OK"
    assert f"{group} of monitor {monitor.id} is OK" in capsys.readouterr().out
    call_command("sandbox_monitor_state", str(monitor.id), group, "No Data")
    monitor.refresh_from_db()
    assert monitor.overall_state == "No Data"
    with pytest.raises(CommandError, match="has no group 'host:nope'"):
        call_command("sandbox_monitor_state", str(monitor.id), "host:nope", "OK")
    with pytest.raises(CommandError, match="no monitor 1"):
        call_command("sandbox_monitor_state", "1", group, "OK")
    ungrouped = SandboxMonitor.objects.filter(groups=[]).first()
    call_command("sandbox_monitor_state", str(ungrouped.id), "*", "Alert")
    ungrouped.refresh_from_db()
    assert ungrouped.overall_state == "Alert"


def test_quick_mute_offers_until_it_recovers_and_says_its_latest_end(editor_client, org):
    from downtimes_app.models import AuditEntry
    from tests.html_forms import as_post
    from tests.monitors.support import confirmation, mute_url, page_of

    monitor = grouped("Alert")
    group = monitor.groups[1]["name"]
    assert f"group={group}&amp;duration=recovers".replace(":", "%3A").replace(
        ",", "%2C"
    ) in page_of(editor_client, monitor.id)
    page, data = confirmation(editor_client, monitor, group=group, duration="recovers", cap="12h")
    assert (
        f"{group} of “{monitor.name}” (Alert now) stops notifying until it has been OK for 5m, "
        "at the latest Today 21:30 UTC (at most 12 hours)."
    ) in text_of(page)
    before = SandboxDowntime.objects.count()
    refused = editor_client.post(mute_url(monitor), as_post(data, cap="9h", message="INC-1"))
    assert refused.status_code == 400
    assert "needs an end at the latest: 4 hours, 12 hours or 1 day" in text_of(
        refused.content.decode()
    )
    assert "INC-1" in refused.content.decode()  # what was typed stays
    assert SandboxDowntime.objects.count() == before and not RecoveryWatch.objects.exists()
    made = mute_until_recovered(editor_client, monitor, group, cap="1d")
    assert made.schedule["end"].startswith("2026-11-17T09:30")
    entry = AuditEntry.objects.get(downtime_id=str(made.uuid))
    assert entry.summary.endswith(
        "until it recovers, at the latest 2026-11-17 09:30 UTC (quick mute)"
    )


def test_a_window_ahead_is_not_ended_before_it_starts_and_waits_from_its_start(editor_client, org):
    from tests.recovery.support import look_at

    monitor = grouped("OK")  # everything OK all along
    _, data = open_form(editor_client)
    changes = {
        **valid_one_time(org),
        "scope": "*",
        "monitor_id": str(monitor.id),
        "start_mode": "at",
        "start": "2026-11-16T12:00",
        "end_mode": "after",
        "duration": "2h",
    }
    made = landed_on_new_downtime(submit(editor_client, data, changes, ends_on_recovery="on"))
    start = NOW + timedelta(hours=2, minutes=30)
    assert look_at(NOW + timedelta(hours=1)) == []
    watch = RecoveryWatch.objects.get()
    assert watch.state == RecoveryWatch.State.WATCHING
    assert watch.reason == "waiting for its window to start"
    assert look_at(start + timedelta(minutes=4)) == []  # its five minutes count from its start
    assert look_at(start + timedelta(minutes=5)) == [str(made.uuid)]
