"""The sandbox's monitors have groups with states of their own, read as Datadog answers them:
`state.groups` on `GET /api/v1/monitor` and `/api/v1/monitor/{id}` with `group_states`."""

from __future__ import annotations

from downtimes_app import datadog
from sandbox import seed
from sandbox.models import SandboxMonitor

# Datadog's MonitorStateGroup, as its spec and every official client define it.
SPEC_GROUP_FIELDS = {
    "last_nodata_ts",
    "last_notified_ts",
    "last_resolved_ts",
    "last_triggered_ts",
    "name",
    "status",
}


def _grouped(state: str | None = None) -> SandboxMonitor:
    return next(
        m
        for m in SandboxMonitor.objects.all()
        if len(m.groups) > 1 and (state is None or m.overall_state == state)
    )


def test_a_monitor_read_with_group_states_all_names_each_group_and_its_state(api, org):
    monitor = _grouped("Alert")
    body = api.get(f"/api/v1/monitor/{monitor.id}", group_states="all").json()
    groups = body["state"]["groups"]
    assert set(groups) == {g["name"] for g in monitor.groups}
    for group in groups.values():
        assert set(group) == SPEC_GROUP_FIELDS
    alerting = [g for g in groups.values() if g["status"] == "Alert"]
    assert alerting and all(g["last_triggered_ts"] > 0 for g in alerting)


def test_sandbox_group_objects_are_named_by_their_key_as_datadog_answers(api, org):
    # The spec describes a group object's `name` as "the name of the monitor", but Datadog's
    # own documented answer (DataDog/documentation, result.api-monitor-show.sh) and recorded
    # answers carry the group's key there: `"host:host0": {"name": "host:host0", ...}`.
    monitor = _grouped("Alert")
    body = api.get(f"/api/v1/monitor/{monitor.id}", group_states="all").json()
    assert all(value["name"] == key for key, value in body["state"]["groups"].items())
    read = datadog.get_monitor(monitor.id, group_states="all")
    assert [g.name for g in read.groups] == sorted(g["name"] for g in monitor.groups)


def test_group_states_picks_the_groups_in_those_states(api, org):
    monitor = _grouped("Alert")
    body = api.get(f"/api/v1/monitor/{monitor.id}", group_states="alert").json()
    assert {g["status"] for g in body["state"]["groups"].values()} == {"Alert"}
    both = api.get(f"/api/v1/monitor/{monitor.id}", group_states="alert,warn").json()
    assert set(both["state"]["groups"]) == set(body["state"]["groups"])


def test_without_group_states_a_monitor_has_no_state(api, org):
    body = api.get(f"/api/v1/monitor/{_grouped().id}").json()
    assert "state" not in body


def test_the_list_gives_each_monitors_groups_when_asked(api, org):
    listed = api.get("/api/v1/monitor", group_states="all", page=0, page_size=1000).json()
    assert len(listed) == SandboxMonitor.objects.count()
    ungrouped = next(m for m in listed if not m["multi"])
    assert list(ungrouped["state"]["groups"]) == ["*"]
    assert ungrouped["state"]["groups"]["*"]["status"] == ungrouped["overall_state"]


def test_an_unknown_group_state_is_refused_on_get_too(api, org):
    response = api.get(f"/api/v1/monitor/{_grouped().id}", group_states="sleeping")
    assert response.status_code == 400
    assert response.json() == {"errors": ["Invalid group_state filters."]}


def test_the_demo_org_has_alerting_groups_and_more_monitors_on_request(db, frozen_now):
    seed.seed(downtimes=0, now=frozen_now, monitors=300)
    monitors = list(SandboxMonitor.objects.all())
    assert len(monitors) == 300
    alerting = [m for m in monitors if any(g["status"] == "Alert" for g in m.groups)]
    assert alerting
    for monitor in alerting:
        # The overall state is the monitor's worst group's.
        assert monitor.overall_state == "Alert"
