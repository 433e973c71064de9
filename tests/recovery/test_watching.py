"""Until it recovers, end to end in one process: a quick mute through the monitor's page, the
group's state moved in the sandbox, and the worker's every-minute look (`watching.check_all`)
at moments of the sandbox's clock, ending the downtime through End now's own path."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.urls import reverse

from downtimes_app.audit.entries import actor_name
from downtimes_app.models import AuditEntry, RecoveryWatch
from downtimes_app.recovery import watching
from sandbox import clock
from sandbox.models import SandboxDowntime
from sandbox.monitors import set_group_state
from tests.factories import NOW, grouped
from tests.recovery.support import look_at, moment_is, mute_until_recovered

MINUTE = timedelta(minutes=1)


def _end(made: SandboxDowntime) -> datetime:
    made.refresh_from_db()
    return datetime.fromisoformat(made.schedule["end"])


def _at(moment: datetime, monitor, group: str, state: str) -> None:
    clock.set_now(moment)
    set_group_state(monitor.id, group, state)


def test_a_recovered_group_ends_the_mute_after_the_settle_time_and_not_before(
    editor_client, editor, org
):
    monitor = grouped("Alert")
    group = monitor.groups[1]["name"]
    made = mute_until_recovered(editor_client, monitor, group)
    assert _end(made) == NOW + timedelta(hours=4)  # the cap is real in Datadog
    watch = RecoveryWatch.objects.get(downtime_id=str(made.uuid))
    assert watch.state == RecoveryWatch.State.WATCHING and watch.what == group
    assert look_at(NOW + MINUTE) == []
    assert f"{group} is Alert" in RecoveryWatch.objects.get(pk=watch.pk).reason

    _at(NOW + 2 * MINUTE, monitor, group, "OK")
    assert look_at(NOW + 3 * MINUTE) == []
    assert look_at(NOW + 6 * MINUTE) == []  # four minutes OK: not yet
    assert _end(made) == NOW + timedelta(hours=4)
    assert look_at(NOW + 7 * MINUTE) == [str(made.uuid)]
    assert _end(made) == NOW + 7 * MINUTE + timedelta(seconds=10)  # End now's margin
    assert RecoveryWatch.objects.get(pk=watch.pk).state == RecoveryWatch.State.RECOVERED
    entry = AuditEntry.objects.get(downtime_id=str(made.uuid), action=AuditEntry.Action.END_NOW)
    assert entry.summary == f"Ended: {group} recovered (OK for 5m)"
    assert entry.actor_name == f"the dashboard, on recovery (muted by {actor_name(editor)})"
    assert look_at(NOW + 8 * MINUTE) == []  # ended once


def test_a_group_that_alerts_again_before_the_settle_time_restarts_the_wait(editor_client, org):
    monitor = grouped("Alert")
    group = monitor.groups[1]["name"]
    made = mute_until_recovered(editor_client, monitor, group)
    _at(NOW + MINUTE, monitor, group, "OK")
    assert look_at(NOW + 2 * MINUTE) == []
    _at(NOW + 4 * MINUTE, monitor, group, "Alert")
    assert look_at(NOW + 5 * MINUTE) == []
    _at(NOW + 6 * MINUTE, monitor, group, "OK")
    assert look_at(NOW + 7 * MINUTE) == []  # it would have ended at NOW + 6 had it not flapped
    assert look_at(NOW + 10 * MINUTE) == []
    assert look_at(NOW + 11 * MINUTE) == [str(made.uuid)]


def test_a_mute_of_the_whole_monitor_waits_for_every_group(editor_client, org):
    monitor = grouped("Alert")
    names = [g["name"] for g in monitor.groups]
    _at(NOW, monitor, names[0], "Warn")  # two groups in trouble now
    made = mute_until_recovered(editor_client, monitor)
    _at(NOW + MINUTE, monitor, names[1], "OK")
    assert look_at(NOW + 10 * MINUTE) == []
    assert f"{names[0]} is Warn" in RecoveryWatch.objects.get().reason
    _at(NOW + 11 * MINUTE, monitor, names[0], "OK")
    assert look_at(NOW + 15 * MINUTE) == []
    assert look_at(NOW + 16 * MINUTE) == [str(made.uuid)]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.END_NOW)
    assert (
        entry.summary
        == f"Ended: {', '.join(names[:3])}"
        + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        + " recovered (OK for 5m)"
    )


def test_the_cap_ends_it_when_nothing_recovers_and_the_watching_stops(editor_client, org):
    monitor = grouped("Alert")
    made = mute_until_recovered(editor_client, monitor, monitor.groups[1]["name"])
    assert look_at(NOW + 4 * timedelta(hours=1) + MINUTE) == []
    watch = RecoveryWatch.objects.get(downtime_id=str(made.uuid))
    assert watch.state == RecoveryWatch.State.STOPPED
    assert watch.reason == "it ended at its latest end"
    assert _end(made) == NOW + timedelta(hours=4)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.END_NOW).exists()


def test_two_workers_looking_at_once_end_it_once(editor_client, org):
    monitor = grouped("Alert")
    group = monitor.groups[1]["name"]
    made = mute_until_recovered(editor_client, monitor, group)
    _at(NOW + MINUTE, monitor, group, "OK")
    # Both workers read the watch before either acts; both find the group settled.
    first, second = RecoveryWatch.objects.get(), RecoveryWatch.objects.get()
    moment = NOW + 10 * MINUTE
    moment_is(moment)
    assert [watching.check(first, moment), watching.check(second, moment)] == [True, False]
    ended = AuditEntry.objects.filter(downtime_id=str(made.uuid), action="end_now")
    assert ended.count() == 1
    assert RecoveryWatch.objects.get().state == RecoveryWatch.State.RECOVERED


def test_ending_extending_or_editing_the_end_turns_the_watching_off(editor_client, org):
    monitor = grouped("Alert")
    group = monitor.groups[1]["name"]
    extended = mute_until_recovered(editor_client, monitor, group)
    url = reverse("downtimes:extend", args=[str(extended.uuid)])
    assert editor_client.post(url, {"by": "1h"}).status_code in (200, 302)
    watch = RecoveryWatch.objects.get(downtime_id=str(extended.uuid))
    assert watch.state == RecoveryWatch.State.STOPPED
    assert watch.reason.startswith("extended by ")

    ended = mute_until_recovered(editor_client, monitor, monitor.groups[0]["name"])
    url = reverse("downtimes:end", args=[str(ended.uuid)])
    assert editor_client.post(url).status_code in (200, 302)
    watch = RecoveryWatch.objects.get(downtime_id=str(ended.uuid))
    assert watch.state == RecoveryWatch.State.STOPPED
    assert watch.reason.startswith("ended now by ")
    _at(NOW + MINUTE, monitor, group, "OK")
    assert look_at(NOW + 20 * MINUTE) == []  # nothing left to end


def test_the_destinations_chosen_for_it_hear_that_it_ended_on_recovery(
    editor_client, org, destinations, receiver
):
    monitor = grouped("Alert")
    group = monitor.groups[1]["name"]
    made = mute_until_recovered(editor_client, monitor, group)  # reminded to `hook`, the default
    _at(NOW + MINUTE, monitor, group, "OK")
    assert look_at(NOW + 7 * MINUTE) == [str(made.uuid)]
    (ended,) = receiver.bodies("ended")
    assert ended["downtime"]["id"] == str(made.uuid)
    assert ended["why"] == f"Ended: {group} recovered (OK for 5m)"
    assert ended["actor"].startswith("the dashboard, on recovery (muted by ")
    assert f"Ended: {group} recovered (OK for 5m)." in ended["text"]


def test_an_end_changed_in_datadog_itself_stops_the_watching(editor_client, org, api):
    monitor = grouped("Alert")
    group = monitor.groups[1]["name"]
    made = mute_until_recovered(editor_client, monitor, group)
    later = (NOW + timedelta(hours=8)).isoformat()
    schedule = {"start": made.schedule["start"], "end": later}
    body = {
        "data": {"type": "downtime", "id": str(made.uuid), "attributes": {"schedule": schedule}}
    }
    assert api.patch(f"/api/v2/downtime/{made.uuid}", body).status_code == 200
    _at(NOW + MINUTE, monitor, group, "OK")
    assert look_at(NOW + 10 * MINUTE) == []
    watch = RecoveryWatch.objects.get()
    assert watch.state == RecoveryWatch.State.STOPPED
    assert watch.reason == "its end was changed outside this watch"
    assert _end(made) == NOW + timedelta(hours=8)


def test_a_persons_extension_while_a_worker_is_ending_it_stops_the_watch(editor_client, org):
    monitor = grouped("Alert")
    made = mute_until_recovered(editor_client, monitor, monitor.groups[1]["name"])
    RecoveryWatch.objects.update(state=RecoveryWatch.State.ENDING, claimed_at=NOW)  # mid-end
    url = reverse("downtimes:extend", args=[str(made.uuid)])
    assert editor_client.post(url, {"by": "1h"}).status_code in (200, 302)
    watch = RecoveryWatch.objects.get()
    assert watch.state == RecoveryWatch.State.STOPPED
    # The worker's end, failing now, gives nothing back to watching.
    watching._give_back(watch, "no answer")
    assert RecoveryWatch.objects.get().state == RecoveryWatch.State.STOPPED


def test_when_datadog_cannot_be_reached_the_next_look_tries_again(editor_client, org):
    from sandbox import faults

    monitor = grouped("Alert")
    group = monitor.groups[1]["name"]
    made = mute_until_recovered(editor_client, monitor, group)
    _at(NOW + MINUTE, monitor, group, "OK")
    moment_is(NOW + 10 * MINUTE)
    with faults.inject(sequence=["500"] * 10):
        assert watching.end(RecoveryWatch.objects.get(), f"{group} recovered", NOW) is False
    watch = RecoveryWatch.objects.get()
    assert watch.state == RecoveryWatch.State.WATCHING
    assert watch.reason.startswith("could not end it, trying again: ")
    assert _end(made) == NOW + timedelta(hours=4)  # nothing was changed
    assert look_at(NOW + 11 * MINUTE) == [str(made.uuid)]
