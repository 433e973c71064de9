"""The sandbox over HTTP: its keys, and creating downtimes with Datadog's shapes and defaults."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from downtimes_app import datadog
from downtimes_app.core.domain import Window
from sandbox import clock
from sandbox.models import SandboxDowntime
from tests.conftest import create_body
from tests.sandbox.support import create, iso

pytestmark = pytest.mark.django_db

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
