"""The sandbox over HTTP: Datadog's paths, shapes, defaults, statuses and error bodies."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from downtimes_app import datadog
from downtimes_app.core.domain import Window
from sandbox import clock, faults
from sandbox.models import SandboxDowntime, SandboxMonitor
from tests.conftest import create_body
from tests.factories import NOW

pytestmark = pytest.mark.django_db

UNKNOWN_ID = "00000000-0000-1234-0000-000000000000"


def iso(moment: datetime) -> str:
    return moment.isoformat()


def create(api, **attributes):
    response = api.post("/api/v2/downtime", create_body(**attributes))
    assert response.status_code == 200, response.content
    return response.json()


# --- authentication -------------------------------------------------------------------------


def test_missing_api_key_is_403_api_key_required(api):
    response = api.client.get("/sandbox/api/v2/downtime")
    assert response.status_code == 403
    assert response.json() == {"errors": ["API key required"]}


@pytest.mark.parametrize(
    "headers",
    [
        {"DD-API-KEY": "wrong"},
        {"DD-APPLICATION-KEY": "wrong"},
        {"DD-APPLICATION-KEY": ""},
    ],
)
def test_wrong_keys_are_403_forbidden(api, headers):
    response = api.call("GET", "/api/v2/downtime", headers=headers)
    assert response.status_code == 403
    assert response.json() == {"errors": ["Forbidden"]}


def test_keys_come_from_settings(api, settings):
    settings.SANDBOX_API_KEY = "my-own-api-key"
    assert api.get("/api/v2/downtime").status_code == 403
    response = api.call("GET", "/api/v2/downtime", headers={"DD-API-KEY": "my-own-api-key"})
    assert response.status_code == 200


def test_validate_needs_only_the_api_key(api):
    response = api.call("GET", "/api/v1/validate", headers={"DD-APPLICATION-KEY": ""})
    assert response.status_code == 200
    assert response.json() == {"valid": True}


# --- create -------------------------------------------------------------------------------


def test_create_fills_datadogs_defaults(api, frozen_now, org):
    body = create(api, scope="test:example", schedule={"start": None})
    data = body["data"]
    attributes = data["attributes"]
    assert data["type"] == "downtime"
    assert len(data["id"]) == 36
    assert attributes["display_timezone"] == "UTC"
    assert attributes["notify_end_states"] == ["alert", "no data", "warn"]
    assert attributes["notify_end_types"] == ["expired"]
    assert attributes["mute_first_recovery_notification"] is False
    assert attributes["message"] is None
    assert attributes["canceled"] is None
    assert attributes["status"] == "active"
    assert attributes["schedule"] == {"start": iso(frozen_now), "end": None}
    assert attributes["created"] == attributes["modified"] == iso(frozen_now)
    # POST answers with the creator (the key's owner) and relationships, unasked.
    assert data["relationships"]["monitor"] == {"data": None}
    assert data["relationships"]["created_by"]["data"]["id"] == str(org.key_owner.id)
    assert [i["type"] for i in body["included"]] == ["users"]


def test_create_keeps_an_explicit_empty_notify_end_types(api, org):
    body = create(api, notify_end_types=[], display_timezone="")
    assert body["data"]["attributes"]["notify_end_types"] == []
    assert body["data"]["attributes"]["display_timezone"] == "UTC"


def test_create_without_schedule_starts_now_and_never_ends(api, frozen_now, org):
    attributes = create(api)["data"]["attributes"]
    assert attributes["schedule"] == {"start": iso(frozen_now), "end": None}


def test_create_with_monitor_id_includes_the_monitor(api, org):
    monitor = org.monitors[0]
    body = create(
        api,
        monitor_identifier={"monitor_id": monitor.id},
        schedule={"start": "2050-01-02T03:04:05Z", "end": "2050-01-02T05:04:05Z"},
    )
    data = body["data"]
    assert data["attributes"]["status"] == "scheduled"
    assert data["attributes"]["schedule"] == {
        "start": "2050-01-02T03:04:05+00:00",
        "end": "2050-01-02T05:04:05+00:00",
    }
    assert data["relationships"]["monitor"]["data"] == {"type": "monitor", "id": str(monitor.id)}
    included_monitor = next(i for i in body["included"] if i["type"] == "monitor")
    assert included_monitor == {
        "type": "monitor",
        "id": monitor.id,
        "attributes": {"name": monitor.name},
    }


def test_create_recurring_computes_current_downtime(api, org):
    body = create(
        api,
        display_timezone="America/New_York",
        schedule={
            "timezone": "America/New_York",
            "recurrences": [
                {"start": "2026-11-17T02:00", "duration": "3h", "rrule": "FREQ=WEEKLY;BYDAY=TU,TH"}
            ],
        },
    )
    schedule = body["data"]["attributes"]["schedule"]
    assert schedule["recurrences"] == [
        {"start": "2026-11-17T02:00:00", "duration": "3h", "rrule": "FREQ=WEEKLY;BYDAY=TU,TH"}
    ]
    # NOW is Monday 16 Nov; the next window is Tuesday 02:00 EST = 07:00Z.
    assert schedule["current_downtime"] == {
        "start": "2026-11-17T07:00:00+00:00",
        "end": "2026-11-17T10:00:00+00:00",
    }
    assert body["data"]["attributes"]["status"] == "scheduled"


# Terraform's recurring acceptance test (TestAccDowntimeScheduleBasicRecurring), as recorded
# against Datadog on 26 July 2023: a create of three series that begin in July 2042, then an edit.
TERRAFORM_RECORDED_AT = datetime(2023, 7, 26, 16, 56, 5, tzinfo=UTC)
TERRAFORM_SERIES = [
    {"duration": "1d", "rrule": "FREQ=DAILY;INTERVAL=1", "start": "2042-07-13T01:02:03"},
    {"duration": "1w", "rrule": "FREQ=DAILY;INTERVAL=12", "start": "2042-07-15T01:02:03"},
    {"duration": "1m", "rrule": "FREQ=DAILY;INTERVAL=123", "start": "2042-07-17T01:02:03"},
]
TERRAFORM_EDITED_SERIES = [
    {"duration": "1d", "rrule": "FREQ=DAILY;INTERVAL=1", "start": "2042-07-13T01:02:03"},
    {"duration": "1m", "rrule": "FREQ=WEEKLY;INTERVAL=123", "start": "3022-07-15T01:02:03"},
]


def test_the_sandbox_answers_terraforms_2042_series_as_datadog_did(api, org):
    """Datadog answered `scheduled` with each series' first window, not `ended` for want of a
    window within five years of the day it was asked."""
    clock.set_now(TERRAFORM_RECORDED_AT)
    attributes = create(
        api,
        scope="env:(staging OR tf-recurring)",
        monitor_identifier={"monitor_tags": ["cat:hat"]},
        display_timezone="America/New_York",
        message="Message about the downtime",
        mute_first_recovery_notification=True,
        notify_end_states=["alert", "warn"],
        notify_end_types=["expired"],
        schedule={"timezone": "America/New_York", "recurrences": TERRAFORM_SERIES},
    )["data"]["attributes"]
    assert attributes["status"] == "scheduled"
    assert attributes["canceled"] is None
    assert set(attributes["schedule"]) == {"recurrences", "timezone", "current_downtime"}
    assert attributes["schedule"]["recurrences"] == TERRAFORM_SERIES  # wall times, as sent
    # 01:02:03 EDT on 13 July 2042. Datadog's recording says 06:02:03Z: it takes New York's
    # summer of 2042 as standard time (its zone rules seem to stop in 2037); the sandbox keeps
    # the zone's real rules, as the dashboard's own windows do.
    assert attributes["schedule"]["current_downtime"] == {
        "start": "2042-07-13T05:02:03+00:00",
        "end": "2042-07-14T05:02:03+00:00",
    }


def test_the_sandbox_answers_terraforms_edit_to_a_3022_series_as_datadog_did(api, org):
    """The edit's answer, in UTC, field for field as recorded: the 2042 series' first window."""
    clock.set_now(TERRAFORM_RECORDED_AT)
    made = create(
        api,
        display_timezone="America/New_York",
        schedule={"timezone": "America/New_York", "recurrences": TERRAFORM_SERIES},
    )["data"]["id"]
    response = api.patch(
        f"/api/v2/downtime/{made}",
        {
            "data": {
                "type": "downtime",
                "id": "",
                "attributes": {
                    "display_timezone": "UTC",
                    "message": "Updated message",
                    "schedule": {"timezone": "UTC", "recurrences": TERRAFORM_EDITED_SERIES},
                },
            }
        },
    )
    assert response.status_code == 200, response.content
    attributes = response.json()["data"]["attributes"]
    assert attributes["status"] == "scheduled"
    assert attributes["schedule"] == {
        "timezone": "UTC",
        "recurrences": TERRAFORM_EDITED_SERIES,
        "current_downtime": {
            "start": "2042-07-13T01:02:03+00:00",
            "end": "2042-07-14T01:02:03+00:00",
        },
    }


def test_the_client_reads_a_series_starting_years_ahead_from_the_sandbox_as_scheduled(org):
    downtime = datadog.create_downtime(
        attributes={
            "scope": "env:prod",
            "monitor_identifier": {"monitor_tags": ["cat:hat"]},
            "schedule": {"timezone": "UTC", "recurrences": TERRAFORM_EDITED_SERIES},
        }
    )
    assert downtime.status == "scheduled"
    assert downtime.window == Window(
        datetime(2042, 7, 13, 1, 2, 3, tzinfo=UTC), datetime(2042, 7, 14, 1, 2, 3, tzinfo=UTC)
    )
    assert datadog.get_downtime(downtime.id).window == downtime.window


def test_recurrence_without_start_starts_now_in_its_zone(api, org):
    body = create(
        api,
        display_timezone="Asia/Tokyo",
        schedule={
            "timezone": "Asia/Tokyo",
            "recurrences": [{"duration": "1h", "rrule": "FREQ=DAILY"}],
        },
    )
    attributes = body["data"]["attributes"]
    assert attributes["schedule"]["recurrences"][0]["start"] == "2026-11-16T18:30:00"
    assert attributes["status"] == "active"


def test_display_and_schedule_zones_each_default_to_utc_as_the_reference_says(api, org):
    daily = [{"duration": "1h", "rrule": "FREQ=DAILY"}]
    both = create(api, schedule={"recurrences": daily})["data"]["attributes"]
    assert (both["display_timezone"], both["schedule"]["timezone"]) == ("UTC", "UTC")
    # Neither copies the other, so a zone given for one only is a mismatch Datadog refuses.
    for attributes in (
        {"schedule": {"timezone": "Europe/Berlin", "recurrences": daily}},
        {"display_timezone": "Europe/Berlin", "schedule": {"recurrences": daily}},
    ):
        response = api.post("/api/v2/downtime", create_body(**attributes))
        assert response.status_code == 400
        assert response.json() == {"errors": ["timezone must match display_timezone"]}


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"scope": "BAD_SCOPE_MISSING_KEY_VALUE_FORMAT"}, "All values must have a key"),
        ({"scope": "env:prod OR env:dev"}, "Invalid scope: OR is not supported at the top level"),
        ({"scope": "host:web-?"}, "Invalid scope: '?' wildcards are not supported"),
        (
            {"monitor_identifier": {}},
            "monitor_identifier must have exactly one of monitor_id or monitor_tags",
        ),
        ({"monitor_identifier": {"monitor_id": 1, "monitor_tags": ["a:b"]}}, "exactly one"),
        ({"monitor_identifier": {"monitor_tags": []}}, "monitor_tags must be a non-empty list"),
        ({"monitor_identifier": {"monitor_id": 999}}, "Monitor 999 not found"),
        ({"display_timezone": "Mars/Olympus"}, "Invalid timezone: Mars/Olympus"),
        (
            {"notify_end_states": ["alert", "panic"]},
            "Invalid value(s) for notify_end_states: panic",
        ),
        ({"notify_end_types": ["deleted"]}, "Invalid value(s) for notify_end_types: deleted"),
        ({"mute_first_recovery_notification": "yes"}, "must be a boolean"),
        ({"message": 42}, "message must be a string or null"),
        (
            {"schedule": {"start": "2050-01-02T03:04:05+02:00"}},
            "schedule.start must include a UTC offset of zero",
        ),
        (
            {"schedule": {"start": "2050-01-02T03:04:05"}},
            "schedule.start must include a UTC offset of zero",
        ),
        ({"schedule": {"start": "soon"}}, "schedule.start is not a valid ISO-8601 date-time"),
        (
            {"schedule": {"start": "2050-01-02T03:00:00Z", "end": "2050-01-02T02:00:00Z"}},
            "schedule.end must be after schedule.start",
        ),
        ({"schedule": {"end": "2020-01-01T00:00:00Z"}}, "Downtime cannot be scheduled in the past"),
        (
            {"schedule": {"start": None, "until": "x"}},
            "Additional properties are not allowed ('until' was unexpected)",
        ),
        ({"schedule": {"recurrences": []}}, "schedule.recurrences must be a non-empty list"),
        (
            {"schedule": {"recurrences": [{"duration": "1h", "rrule": "FREQ=DAILY"}] * 6}},
            "at most 5 recurrences; got 6",
        ),
        (
            {"schedule": {"recurrences": [{"duration": "90", "rrule": "FREQ=DAILY"}]}},
            "schedule.recurrences[0].duration: Duration '90' is not valid",
        ),
        (
            {
                "schedule": {
                    "recurrences": [
                        {"duration": "1h", "rrule": "FREQ=DAILY;DTSTART=20260101T000000"}
                    ]
                }
            },
            "must not contain DTSTART",
        ),
        (
            {
                "schedule": {
                    "recurrences": [{"duration": "1h", "rrule": "FREQ=DAILY;DURATION=PT1H"}]
                }
            },
            "must not contain DURATION",
        ),
        (
            {
                "schedule": {
                    "recurrences": [{"duration": "1h", "rrule": "FREQ=DAILY;DTEND=20260101"}]
                }
            },
            "must not contain DTEND",
        ),
        (
            {"schedule": {"recurrences": [{"duration": "1h"}]}},
            "schedule.recurrences[0].rrule is required",
        ),
        (
            {
                "schedule": {
                    "recurrences": [
                        {"duration": "1h", "rrule": "FREQ=DAILY", "start": "2026-01-01T00:00:00Z"}
                    ]
                }
            },
            "must not include a UTC offset",
        ),
        (
            {
                "schedule": {
                    "timezone": "Nowhere/Special",
                    "recurrences": [{"duration": "1h", "rrule": "FREQ=DAILY"}],
                }
            },
            "Invalid timezone: Nowhere/Special",
        ),
        (
            {
                "display_timezone": "UTC",
                "schedule": {
                    "timezone": "Europe/Paris",
                    "recurrences": [{"duration": "1h", "rrule": "FREQ=DAILY"}],
                },
            },
            "timezone must match display_timezone",
        ),
    ],
)
def test_create_rejects_what_datadog_rejects(api, org, attributes, message):
    response = api.post("/api/v2/downtime", create_body(**attributes))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(message in e for e in errors), errors
    assert SandboxDowntime.objects.count() == len(list(SandboxDowntime.objects.all()))


def test_create_rejections_store_nothing(api, org):
    before = SandboxDowntime.objects.count()
    api.post("/api/v2/downtime", create_body(scope="nokey"))
    assert SandboxDowntime.objects.count() == before


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "Invalid JSON"),
        (b'{"data": {"type": "monitor", "attributes": {}}}', "Invalid type 'monitor' for data"),
        (b'{"data": {"attributes": {}}}', "data.type is required"),
        (b"[]", "must be an object with a data member"),
        (b'{"data": {"type": "downtime"}}', "data.attributes is required"),
        (
            b'{"data": {"type": "downtime", "attributes": {"scope": "a:b"}}}',
            "monitor_identifier is required",
        ),
        (
            b'{"data": {"type": "downtime", "attributes": {"message": "no scope"}}}',
            "scope is required",
        ),
    ],
)
def test_create_rejects_malformed_bodies(api, org, raw, message):
    response = api.post("/api/v2/downtime", raw=raw)
    assert response.status_code == 400
    assert message in response.json()["errors"][0]


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


# --- rate limits and faults -----------------------------------------------------------------


def test_responses_carry_rate_limit_headers(api, org):
    response = api.get("/api/v2/downtime")
    for header in (
        "X-RateLimit-Limit",
        "X-RateLimit-Period",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "X-RateLimit-Name",
    ):
        assert response[header]
    assert response["X-RateLimit-Period"] == "10"


def test_exceeding_the_rate_limit_is_429(api, org, settings):
    settings.SANDBOX_RATE_LIMIT = 2
    from sandbox import views

    views._limiter.count = 0
    statuses = [api.get("/api/v2/downtime").status_code for _ in range(3)]
    assert statuses[-1] == 429


def test_injected_429_has_honest_headers(api, org):
    with faults.inject(sequence=["429"]):
        response = api.get("/api/v2/downtime")
        after = api.get("/api/v2/downtime")
    assert response.status_code == 429
    assert response.json() == {"errors": ["Too many requests"]}
    assert response["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(response["X-RateLimit-Reset"]) <= 10
    assert after.status_code == 200


@pytest.mark.parametrize(
    ("fault", "status", "json_body"), [("500", 500, True), ("502", 502, False), ("503", 503, False)]
)
def test_injected_server_errors(api, org, fault, status, json_body):
    with faults.inject(sequence=[fault]):
        response = api.get("/api/v2/downtime")
    assert response.status_code == status
    assert (response["Content-Type"] == "application/json") is json_body


def test_injected_malformed_body_is_truncated_json(api, org):
    with faults.inject(sequence=["malformed"]):
        response = api.get("/api/v2/downtime")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_injected_timeout_over_http_holds_the_response(api, org, settings):
    settings.SANDBOX_TIMEOUT_SECONDS = 0.2
    with faults.inject(sequence=["timeout"]):
        started = time.monotonic()
        response = api.get("/api/v2/downtime")
    assert time.monotonic() - started >= 0.2
    assert response.status_code == 504


def test_injected_latency_delays_every_request(api, org):
    with faults.inject(latency_ms=60):
        started = time.monotonic()
        api.get("/api/v2/downtime")
        api.get("/api/v1/validate")
    assert time.monotonic() - started >= 0.12


def test_fault_rates_from_settings_apply_to_the_process(api, org, settings):
    settings.SANDBOX_FAULTS = "500=1"
    faults.reset()
    assert api.get("/api/v2/downtime").status_code == 500


def test_wrong_method_is_405(api, org):
    response = api.call("PUT", "/api/v2/downtime")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


def test_created_times_are_microsecond_utc(api, org):
    clock.set_now(datetime(2026, 11, 16, 9, 30, 1, 123456, tzinfo=UTC))
    attributes = create(api)["data"]["attributes"]
    assert attributes["created"] == "2026-11-16T09:30:01.123456+00:00"
