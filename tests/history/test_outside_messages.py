"""Changes made outside the dashboard, announced to the destinations DASHBOARD_NOTIFY_OUTSIDE
names; never the dashboard's own writes, a first sight, or Datadog forgetting."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from downtimes_app.models import Delivery
from downtimes_app.notify import worker
from tests.history.support import later, one_time, refresh
from tests.processes import ROOT


@pytest.fixture
def told(settings, destinations):
    settings.DASHBOARD_NOTIFY_OUTSIDE = ("sre",)
    return settings


def _sweep_later() -> None:
    """Half a minute on, the worker's sweep: what is due is sent."""
    worker.sweep_once(later(0.5))


def test_a_downtime_made_in_datadog_is_announced_with_its_creator(told, api, org, receiver):
    refresh()  # first sight of the org: no message for any of it
    assert not Delivery.objects.filter(kind="outside").exists()
    monitor = org.monitors[0]
    later(1)
    start = later(0) + timedelta(minutes=5)
    target = {"monitor_id": monitor.id}
    body = one_time(start, start + timedelta(hours=1), monitor_identifier=target)
    downtime_id = api.post("/api/v2/downtime", body).json()["data"]["id"]
    refresh()
    rows = Delivery.objects.filter(kind="outside")
    assert [(r.downtime_id, r.state) for r in rows] == [(downtime_id, "pending")]  # in 30 s
    _sweep_later()
    assert [(r.destination, r.state) for r in rows.all()] == [("sre", "sent")]
    header = receiver.received[-1].body["blocks"][0]["text"]["text"]
    owner = org.key_owner.name
    assert header == f"A downtime muting {monitor.name} was created in Datadog by {owner}"
    later(1)
    assert api.delete(f"/api/v2/downtime/{downtime_id}").status_code == 204
    refresh()
    refresh()  # the same change seen again is not news again
    _sweep_later()
    headers = [r.body["blocks"][0]["text"]["text"] for r in receiver.received]
    assert headers[-1] == f"A downtime muting {monitor.name} was canceled in Datadog"
    assert Delivery.objects.filter(kind="outside").count() == 2


def test_a_write_a_refresh_saw_first_is_not_announced_once_it_names_its_person(
    told, api, org, receiver
):
    from dataclasses import replace

    from downtimes_app import store
    from downtimes_app.core.clock import now
    from downtimes_app.history import outside, recording
    from downtimes_app.models import AuditEntry

    refresh()
    target = store.peek().items[0]
    later(1)
    answer = replace(target, message="extended through the dashboard")
    made = recording.record_set([answer, *store.peek().items[1:]], now())  # the refresh first
    outside.announce(made)
    entry = AuditEntry.objects.create(actor_name="Erin", action="edit", summary="x", outcome="ok")
    recording.record_written(entry, answer)  # then the write's own record
    _sweep_later()
    assert [r.state for r in Delivery.objects.filter(kind="outside")] == ["dropped"]
    assert not [r for r in receiver.received if "in Datadog" in str(r.body)]


def test_the_dashboards_own_writes_are_not_announced_as_outside(told, editor_client, org):
    from tests.notify.support import create_through_form

    refresh()
    create_through_form(editor_client, duration="1h", remind=[])
    later(1)
    refresh()
    assert not Delivery.objects.filter(kind="outside").exists()


def test_naming_a_destination_that_is_not_configured_stops_start_up(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DASHBOARD_NOTIFY": "sre=webhook:https://hooks.example.com/x",
        "DASHBOARD_NOTIFY_OUTSIDE": "sre,oncall",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert (
        "DASHBOARD_NOTIFY_OUTSIDE names 'oncall', which is not one of the destinations "
        "DASHBOARD_NOTIFY names (sre)" in done.stderr
    )
    assert "hooks.example.com" not in done.stderr
