"""The sandbox over HTTP: reading downtimes (get, list, include), statuses over time, monitors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandbox import clock
from sandbox.models import SandboxDowntime
from tests.factories import NOW
from tests.sandbox.support import UNKNOWN_ID, create, iso

pytestmark = pytest.mark.django_db

# --- get, list, include ---------------------------------------------------------------------


def test_get_without_include_has_no_relationships(api, org):
    created = create(api)["data"]
    body = api.get(f"/api/v2/downtime/{created['id']}").json()
    assert "relationships" not in body["data"]
    assert "included" not in body


def test_get_with_include_fills_creator_and_monitor(api, org):
    monitor = org.monitors[3]
    created = create(api, monitor_identifier={"monitor_id": monitor.id})["data"]
    body = api.get(f"/api/v2/downtime/{created['id']}", include="created_by,monitor").json()
    assert body["data"]["relationships"]["monitor"]["data"] == {
        "type": "monitor",
        "id": str(monitor.id),
    }
    types = sorted(i["type"] for i in body["included"])
    assert types == ["monitor", "users"]
    user = next(i for i in body["included"] if i["type"] == "users")
    assert set(user["attributes"]) >= {
        "name",
        "handle",
        "email",
        "icon",
        "title",
        "disabled",
        "status",
    }


def test_get_rejects_unknown_include(api, org):
    response = api.get(f"/api/v2/downtime/{UNKNOWN_ID}", include="owner")
    assert response.status_code == 400
    assert "Invalid include parameter: owner" in response.json()["errors"][0]


def test_get_malformed_id_is_400(api):
    response = api.get("/api/v2/downtime/INVALID_UUID_LENGTH")
    assert response.status_code == 400
    assert response.json() == {"errors": ["Invalid URL param: downtime_id must be an uuid"]}


def test_get_unknown_id_is_404(api):
    response = api.get(f"/api/v2/downtime/{UNKNOWN_ID}")
    assert response.status_code == 404
    assert response.json() == {"errors": ["Downtime not found"]}


def test_list_pages_in_creation_order_with_total(api, org):
    all_ids = [d["id"] for d in api.get("/api/v2/downtime", **{"page[limit]": 100}).json()["data"]]
    assert len(all_ids) == SandboxDowntime.objects.count() == 11
    first = api.get("/api/v2/downtime", **{"page[limit]": 4}).json()
    second = api.get("/api/v2/downtime", **{"page[limit]": 4, "page[offset]": 4}).json()
    assert [d["id"] for d in first["data"] + second["data"]] == all_ids[:8]
    assert first["meta"] == {"page": {"total_filtered_count": 11}}


def test_list_defaults_to_pages_of_thirty(api, org):
    for _ in range(25):
        create(api)
    body = api.get("/api/v2/downtime").json()
    assert len(body["data"]) == 30
    assert body["meta"]["page"]["total_filtered_count"] == 36


@pytest.mark.parametrize(
    ("offset", "limit", "count"), [(11, 5, 0), (500, 5, 0), (10, 5, 1), (0, 0, 0)]
)
def test_list_page_edges(api, org, offset, limit, count):
    body = api.get("/api/v2/downtime", **{"page[offset]": offset, "page[limit]": limit}).json()
    assert len(body["data"]) == count
    assert body["meta"]["page"]["total_filtered_count"] == 11


@pytest.mark.parametrize(("param", "value"), [("page[limit]", "abc"), ("page[offset]", "-1")])
def test_list_rejects_bad_paging(api, org, param, value):
    response = api.get("/api/v2/downtime", **{param: value})
    assert response.status_code == 400
    assert param in response.json()["errors"][0]


def test_list_current_only_returns_active_ones(api, org):
    body = api.get("/api/v2/downtime", current_only="true", **{"page[limit]": 100}).json()
    everything = api.get("/api/v2/downtime", **{"page[limit]": 100}).json()["data"]
    active = [d["id"] for d in everything if d["attributes"]["status"] == "active"]
    assert [d["id"] for d in body["data"]] == active
    assert body["meta"]["page"]["total_filtered_count"] == len(active) >= 3


def test_list_include_dedupes_included_resources(api, org):
    body = api.get("/api/v2/downtime", include="created_by,monitor", **{"page[limit]": 100}).json()
    keys = [(i["type"], i["id"]) for i in body["included"]]
    assert len(keys) == len(set(keys))
    creators = {d["relationships"]["created_by"]["data"]["id"] for d in body["data"]}
    assert creators <= {i["id"] for i in body["included"] if i["type"] == "users"}


# --- status over time ----------------------------------------------------------------------


def test_one_time_status_moves_with_the_clock(api, org):
    start, end = NOW + timedelta(hours=1), NOW + timedelta(hours=3)
    downtime_id = create(api, schedule={"start": iso(start), "end": iso(end)})["data"]["id"]

    def status() -> str:
        return api.get(f"/api/v2/downtime/{downtime_id}").json()["data"]["attributes"]["status"]

    assert status() == "scheduled"
    clock.set_now(start)
    assert status() == "active"
    clock.set_now(end - timedelta(seconds=1))
    assert status() == "active"
    clock.set_now(end)
    assert status() == "ended"


def test_recurring_current_downtime_follows_dst(api, org):
    # Weekly Tuesday 02:00-05:00 New York, seen from before and after the 8 March 2026 change.
    clock.set_now(datetime(2026, 3, 1, tzinfo=UTC))
    downtime_id = create(
        api,
        display_timezone="America/New_York",
        schedule={
            "timezone": "America/New_York",
            "recurrences": [
                {"start": "2026-02-24T02:00:00", "duration": "3h", "rrule": "FREQ=WEEKLY;BYDAY=TU"}
            ],
        },
    )["data"]["id"]

    def current() -> tuple[str, dict]:
        attributes = api.get(f"/api/v2/downtime/{downtime_id}").json()["data"]["attributes"]
        return attributes["status"], attributes["schedule"]["current_downtime"]

    assert current() == (
        "scheduled",
        {"start": "2026-03-03T07:00:00+00:00", "end": "2026-03-03T10:00:00+00:00"},
    )
    clock.set_now(datetime(2026, 3, 3, 8, tzinfo=UTC))
    assert current() == (
        "active",
        {"start": "2026-03-03T07:00:00+00:00", "end": "2026-03-03T10:00:00+00:00"},
    )
    clock.set_now(datetime(2026, 3, 5, tzinfo=UTC))
    # After the change the same 02:00 local is an hour earlier in UTC.
    assert current() == (
        "scheduled",
        {"start": "2026-03-10T06:00:00+00:00", "end": "2026-03-10T09:00:00+00:00"},
    )


# --- v1 monitors ------------------------------------------------------------------------------


def test_monitor_list_is_a_bare_array_filtered_by_name_and_tags(api, org):
    body = api.get("/api/v1/monitor", name="payments-db", monitor_tags="env:prod").json()
    assert isinstance(body, list) and body
    assert all("payments-db" in m["name"] and "env:prod" in m["tags"] for m in body)
    assert {"id", "type", "query", "overall_state", "creator", "created", "options"} <= set(body[0])


def test_monitor_list_pages(api, org):
    first = api.get("/api/v1/monitor", page=0, page_size=5).json()
    second = api.get("/api/v1/monitor", page=1, page_size=5).json()
    assert len(first) == len(second) == 5
    assert {m["id"] for m in first}.isdisjoint(m["id"] for m in second)


def test_monitor_list_rejects_bad_group_states(api, org):
    response = api.get("/api/v1/monitor", group_states="notagroupstate")
    assert response.status_code == 400
    assert response.json() == {"errors": ["Invalid group_state filters."]}


def test_monitor_search_by_text_and_tag(api, org):
    body = api.get("/api/v1/monitor/search", query="latency%20tag:team:payments").json()
    assert body["metadata"]["total_count"] == len(body["monitors"]) > 0
    for monitor in body["monitors"]:
        assert "latency" in monitor["name"].lower()
        assert "team:payments" in monitor["tags"]
        assert monitor["status"] in ("OK", "Alert", "Warn", "No Data")
    assert set(body["counts"]) == {"status", "muted", "tag", "type"}


def test_monitor_search_rejects_unknown_status(api, org):
    response = api.get("/api/v1/monitor/search", query="status:notastatus")
    assert response.status_code == 400
    assert response.json() == {
        "errors": ["Query parsing error: 'notastatus' is not a valid monitor status"]
    }


def test_monitor_get_and_not_found(api, org):
    monitor = org.monitors[0]
    assert api.get(f"/api/v1/monitor/{monitor.id}").json()["name"] == monitor.name
    missing = api.get("/api/v1/monitor/12345")
    assert missing.status_code == 404
    assert missing.json() == {"errors": ["Monitor not found"]}
