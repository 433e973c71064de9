"""The sandbox over HTTP: updates, cancels and downtime matches, with Datadog's error bodies."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sandbox import clock
from sandbox.models import SandboxMonitor
from tests.factories import NOW
from tests.sandbox.support import UNKNOWN_ID, create, iso

pytestmark = pytest.mark.django_db

# --- update ----------------------------------------------------------------------------------


def test_patch_changes_only_what_is_sent(api, org):
    created = create(api, message="before", scope="env:prod")["data"]
    clock.advance(timedelta(minutes=5))
    response = api.patch(
        f"/api/v2/downtime/{created['id']}",
        {
            "data": {
                "type": "downtime",
                "id": created["id"],
                "attributes": {"message": "light speed"},
            }
        },
    )
    assert response.status_code == 200
    after = response.json()["data"]
    assert after["attributes"]["message"] == "light speed"
    assert after["attributes"]["scope"] == "env:prod"
    assert after["attributes"]["created"] == created["attributes"]["created"]
    assert after["attributes"]["modified"] != created["attributes"]["modified"]
    assert "included" in response.json()


def test_patch_unknown_attribute_is_400(api, org):
    created = create(api)["data"]
    response = api.patch(
        f"/api/v2/downtime/{created['id']}",
        {
            "data": {
                "type": "downtime",
                "id": created["id"],
                "attributes": {"invalid_field": "sophon"},
            }
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": ["Additional properties are not allowed ('invalid_field' was unexpected)"]
    }


def test_patch_unknown_id_is_404(api):
    response = api.patch(
        f"/api/v2/downtime/{UNKNOWN_ID}",
        {"data": {"type": "downtime", "id": UNKNOWN_ID, "attributes": {"message": "m"}}},
    )
    assert response.status_code == 404
    assert response.json() == {"errors": ["Downtime not found"]}


def test_patch_accepts_an_empty_id_as_terraform_sends(api, org):
    created = create(api)["data"]
    response = api.patch(
        f"/api/v2/downtime/{created['id']}",
        {"data": {"type": "downtime", "id": "", "attributes": {"message": "m"}}},
    )
    assert response.status_code == 200


def test_patch_can_extend_an_active_window_but_not_move_its_start(api, org):
    created = create(
        api, schedule={"start": iso(NOW - timedelta(hours=1)), "end": iso(NOW + timedelta(hours=1))}
    )["data"]
    path = f"/api/v2/downtime/{created['id']}"
    later = iso(NOW + timedelta(hours=4))
    body = {"type": "downtime", "id": created["id"]}
    response = api.patch(path, {"data": {**body, "attributes": {"schedule": {"end": later}}}})
    assert response.status_code == 200
    assert response.json()["data"]["attributes"]["schedule"]["end"] == later
    moved = api.patch(path, {"data": {**body, "attributes": {"schedule": {"start": iso(NOW)}}}})
    assert moved.status_code == 400
    assert "Cannot change the start of a downtime that is in progress" in moved.json()["errors"][0]


def test_patch_switches_one_time_to_recurring(api, org):
    created = create(api)["data"]
    response = api.patch(
        f"/api/v2/downtime/{created['id']}",
        {
            "data": {
                "type": "downtime",
                "id": created["id"],
                "attributes": {
                    "schedule": {
                        "timezone": "UTC",
                        "recurrences": [
                            {"duration": "1d", "rrule": "FREQ=DAILY;INTERVAL=11", "start": None}
                        ],
                    }
                },
            }
        },
    )
    schedule = response.json()["data"]["attributes"]["schedule"]
    assert schedule["recurrences"][0]["start"] == "2026-11-16T09:30:00"
    assert schedule["current_downtime"]["start"] == "2026-11-16T09:30:00+00:00"


@pytest.mark.parametrize("schedule", [None, {}])
def test_patch_with_an_empty_schedule_is_400_and_changes_nothing(api, org, schedule):
    created = create(
        api, schedule={"start": iso(NOW + timedelta(hours=1)), "end": iso(NOW + timedelta(hours=2))}
    )["data"]
    response = api.patch(
        f"/api/v2/downtime/{created['id']}",
        {"data": {"type": "downtime", "id": created["id"], "attributes": {"schedule": schedule}}},
    )
    assert response.status_code == 400
    assert "leave it out to keep the current one" in response.json()["errors"][0]
    again = api.get(f"/api/v2/downtime/{created['id']}").json()["data"]["attributes"]
    assert again["schedule"] == created["attributes"]["schedule"]
    assert again["status"] == "scheduled"


def test_patch_without_data_id_is_400(api, org):
    created = create(api)["data"]
    response = api.patch(
        f"/api/v2/downtime/{created['id']}",
        {"data": {"type": "downtime", "attributes": {"message": "m"}}},
    )
    assert response.status_code == 400
    assert response.json() == {"errors": ["data.id is required"]}


def test_patch_canceled_downtime_is_refused(api, org):
    created = create(api)["data"]
    api.delete(f"/api/v2/downtime/{created['id']}")
    response = api.patch(
        f"/api/v2/downtime/{created['id']}",
        {"data": {"type": "downtime", "id": created["id"], "attributes": {"message": "m"}}},
    )
    assert response.status_code == 400
    assert "canceled" in response.json()["errors"][0]


# --- cancel -----------------------------------------------------------------------------------


def test_delete_is_204_empty_and_leaves_it_readable_as_canceled(api, org):
    created = create(api)["data"]
    clock.advance(timedelta(minutes=1))
    response = api.delete(f"/api/v2/downtime/{created['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert response["Content-Type"] == "text/html; charset=utf-8"
    attributes = api.get(f"/api/v2/downtime/{created['id']}").json()["data"]["attributes"]
    assert attributes["status"] == "canceled"
    assert attributes["canceled"] == iso(NOW + timedelta(minutes=1))


def test_delete_twice_is_204_both_times(api, org):
    created = create(api)["data"]
    assert api.delete(f"/api/v2/downtime/{created['id']}").status_code == 204
    assert api.delete(f"/api/v2/downtime/{created['id']}").status_code == 204


def test_delete_unknown_id_names_it(api):
    response = api.delete(f"/api/v2/downtime/{UNKNOWN_ID}")
    assert response.status_code == 404
    assert response.json() == {"errors": [f"Downtime {UNKNOWN_ID} not found"]}


def test_canceled_downtimes_are_forgotten_after_two_days(api, org):
    created = create(api)["data"]
    api.delete(f"/api/v2/downtime/{created['id']}")
    clock.advance(timedelta(days=1, hours=23))
    assert api.get(f"/api/v2/downtime/{created['id']}").status_code == 200
    clock.advance(timedelta(hours=2))
    assert api.get(f"/api/v2/downtime/{created['id']}").status_code == 404


def test_how_long_canceled_ones_are_kept_is_a_setting(api, org, settings):
    settings.SANDBOX_CANCELED_RETENTION_DAYS = 0.5
    created = create(api)["data"]
    api.delete(f"/api/v2/downtime/{created['id']}")
    clock.advance(timedelta(hours=11))
    assert api.get(f"/api/v2/downtime/{created['id']}").status_code == 200
    clock.advance(timedelta(hours=2))
    assert api.get(f"/api/v2/downtime/{created['id']}").status_code == 404
    listed = api.get("/api/v2/downtime", **{"page[limit]": "1000"}).json()["data"]
    assert created["id"] not in {d["id"] for d in listed}


def test_ended_one_time_downtimes_are_forgotten_when_a_limit_is_set(api, org, settings):
    start = NOW + timedelta(minutes=5)
    schedule = {"start": iso(start), "end": iso(start + timedelta(hours=1))}
    ended = create(api, schedule=schedule)["data"]
    endless = create(api, schedule={"start": iso(start), "end": None})["data"]
    later = api.patch(
        f"/api/v2/downtime/{endless['id']}",
        {"data": {"type": "downtime", "id": endless["id"], "attributes": {"message": "kept"}}},
    )
    assert later.status_code == 200
    clock.advance(timedelta(days=30))
    assert api.get(f"/api/v2/downtime/{ended['id']}").status_code == 200  # no limit: kept
    settings.SANDBOX_ENDED_RETENTION_DAYS = 7
    assert api.get(f"/api/v2/downtime/{ended['id']}").status_code == 404
    assert api.get(f"/api/v2/downtime/{endless['id']}").status_code == 200
    listed = api.get("/api/v2/downtime", **{"page[limit]": "1000"}).json()
    assert ended["id"] not in {d["id"] for d in listed["data"]}
    assert listed["meta"]["page"]["total_filtered_count"] == len(listed["data"])


# --- downtime matches --------------------------------------------------------------------------


def test_downtime_matches_lists_active_downtimes_by_id_and_by_tags(api, org):
    monitor = next(
        m for m in SandboxMonitor.objects.all() if "team:checkout" in m.tags and len(m.groups) > 1
    )
    env_tag = next(t for t in monitor.tags if t.startswith("env:"))
    by_id = create(api, scope=env_tag, monitor_identifier={"monitor_id": monitor.id})
    by_tags = create(
        api, scope="*", monitor_identifier={"monitor_tags": ["team:checkout", env_tag]}
    )
    create(api, monitor_identifier={"monitor_tags": ["team:nobody"]})
    future = create(
        api,
        monitor_identifier={"monitor_id": monitor.id},
        schedule={"start": iso(NOW + timedelta(days=1))},
    )["data"]["id"]
    body = api.get(f"/api/v2/monitor/{monitor.id}/downtime_matches").json()
    found = {m["id"]: m["attributes"] for m in body["data"]}
    assert {by_id["data"]["id"], by_tags["data"]["id"]} <= set(found)
    assert future not in found
    match = next(m for m in body["data"] if m["id"] == by_id["data"]["id"])
    assert match["type"] == "downtime_match"
    assert match["attributes"] == {
        "groups": [g["name"] for g in monitor.groups],
        "scope": env_tag,
        "start": iso(NOW),
        "end": None,
    }
    assert found[by_tags["data"]["id"]]["groups"] == ["*"]
    assert body["meta"]["page"]["total_filtered_count"] == len(body["data"])


def test_downtime_matches_reports_the_groups_the_scope_matches_and_only_those(api, org):
    monitor = next(m for m in SandboxMonitor.objects.all() if len(m.groups) > 2)
    one, other = monitor.groups[0], monitor.groups[1]
    host = next(t for t in one["tags"] if t.startswith("host:"))
    identifier = {"monitor_id": monitor.id}
    one_host = create(api, scope=host, monitor_identifier=identifier)["data"]["id"]
    not_that = create(api, scope=f"-{host}", monitor_identifier=identifier)["data"]["id"]
    nowhere = create(api, scope="host:no-such-host", monitor_identifier=identifier)["data"]["id"]
    found = {
        m["id"]: m["attributes"]["groups"]
        for m in api.get(f"/api/v2/monitor/{monitor.id}/downtime_matches").json()["data"]
    }
    assert found[one_host] == [one["name"]]
    assert other["name"] in found[not_that] and one["name"] not in found[not_that]
    assert nowhere not in found


def test_downtime_matches_unknown_monitor_is_404(api):
    response = api.get("/api/v2/monitor/0/downtime_matches")
    assert response.status_code == 404
    assert response.json() == {"errors": ["Monitor with id 0 not found"]}
