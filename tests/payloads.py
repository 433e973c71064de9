"""Realistic Datadog response bodies, shaped like the ones Datadog records in its client tests.

They keep Datadog's quirks on purpose: `+00:00` and `Z` timestamps with and without fractions,
a creator whose `name` is null, `"type": "monitor"` in relationships, nulls almost everywhere.
"""

from __future__ import annotations

import copy
from typing import Any

CREATOR_ID = "3ad549bf-eba0-11e9-a77a-0705486660d0"

USER = {
    "type": "users",
    "id": CREATOR_ID,
    "attributes": {
        "name": None,
        "handle": "frog@datadoghq.com",
        "created_at": "2019-10-02T08:15:39.795051+00:00",
        "modified_at": "2020-06-15T12:33:12.884459+00:00",
        "email": "frog@datadoghq.com",
        "icon": "https://secure.gravatar.com/avatar/28a16dfe36e73b60c1d55872cb0f1172?s=48&d=retro",
        "title": None,
        "verified": True,
        "service_account": False,
        "disabled": False,
        "allowed_login_methods": [],
        "status": "Active",
    },
}

TAG_DOWNTIME = {
    "data": {
        "type": "downtime",
        "id": "85428b34-0187-11ee-bb05-da7ad0900002",
        "attributes": {
            "display_timezone": "UTC",
            "scope": "test:example",
            "notify_end_states": ["warn", "alert", "no data"],
            "message": "dark forest",
            "created": "2023-06-02T20:53:26.300497+00:00",
            "status": "active",
            "modified": "2023-06-02T20:53:26.300497+00:00",
            "canceled": None,
            "monitor_identifier": {"monitor_tags": ["cat:hat"]},
            "schedule": {"end": None, "start": "2023-06-02T20:53:26.286133+00:00"},
            "notify_end_types": ["expired"],
            "mute_first_recovery_notification": False,
            "some_future_field": {"ignored": True},
        },
        "relationships": {
            "monitor": {"data": None},
            "created_by": {"data": {"type": "users", "id": CREATOR_ID}},
        },
    },
    "included": [USER],
}

MONITOR_DOWNTIME = {
    "data": {
        "type": "downtime",
        "id": "9a268050-4c00-11ee-bc79-da7ad0900002",
        "attributes": {
            "canceled": None,
            "modified": "2023-09-05T15:26:36.498722+00:00",
            "notify_end_types": [],
            "display_timezone": "UTC",
            "scope": "env:(staging OR prod)",
            "notify_end_states": ["alert", "no data", "warn"],
            "schedule": {"start": "2050-01-02T03:04:05Z", "end": "2050-01-02T05:04:05+0000"},
            "created": "2023-09-05T15:26:36.498722+00:00",
            "mute_first_recovery_notification": False,
            "message": None,
            "monitor_identifier": {"monitor_id": 130846742},
            "status": "scheduled",
        },
        "relationships": {
            "created_by": {"data": {"type": "users", "id": CREATOR_ID}},
            "monitor": {"data": {"type": "monitor", "id": "130846742"}},
        },
    },
    "included": [
        USER,
        {"type": "monitor", "id": 130846742, "attributes": {"name": "[prod] payments-db latency"}},
    ],
}

RECURRING_DOWNTIME = {
    "data": {
        "type": "downtime",
        "id": "4fa0a24a-2bd5-11ee-b95a-da7ad0900002",
        "attributes": {
            "canceled": None,
            "monitor_identifier": {"monitor_tags": ["cat:hat", "team:sre"]},
            "scope": "env:prod AND -service:db",
            "display_timezone": "America/New_York",
            "schedule": {
                "recurrences": [
                    {
                        "duration": "1d",
                        "rrule": "FREQ=DAILY;INTERVAL=1",
                        "start": "2042-07-13T01:02:03",
                    },
                    {
                        "duration": "1w",
                        "rrule": "FREQ=DAILY;INTERVAL=12",
                        "start": "2042-07-15T01:02",
                    },
                    {
                        "duration": "3h",
                        "rrule": "FREQ=WEEKLY;BYDAY=TU,TH",
                        "start": "2042-07-17T02:00:00",
                    },
                ],
                "timezone": "America/New_York",
                "current_downtime": {
                    "end": "2042-07-14T05:02:03+00:00",
                    "start": "2042-07-13T05:02:03+00:00",
                },
            },
            "modified": "2023-07-26T16:56:05.901701+00:00",
            "message": "Message about the downtime",
            "notify_end_states": ["alert", "warn"],
            "notify_end_types": ["expired"],
            "mute_first_recovery_notification": True,
            "status": "scheduled",
            "created": "2023-07-26T16:56:05.901701+00:00",
        },
    },
}

CANCELED_DOWNTIME = {
    "data": {
        "type": "downtime",
        "id": "83718756-0187-11ee-8c18-da7ad0900002",
        "attributes": {
            "canceled": "2023-06-02T21:00:00.123+00:00",
            "created": "2023-06-02T20:53:22.000000+00:00",
            "display_timezone": "UTC",
            "message": "",
            "modified": "2023-06-02T21:00:00.123+00:00",
            "monitor_identifier": {"monitor_tags": ["*"]},
            "mute_first_recovery_notification": False,
            "notify_end_states": None,
            "notify_end_types": None,
            "schedule": {"start": "2023-06-02T20:53:22+00:00", "end": None},
            "scope": "*",
            "status": "canceled",
        },
    },
}


def list_page(items: list[dict[str, Any]], total: int | None, included=()) -> dict[str, Any]:
    body: dict[str, Any] = {"data": items}
    if included:
        body["included"] = list(included)
    if total is not None:
        body["meta"] = {"page": {"total_filtered_count": total}}
    return body


def numbered_downtime(index: int) -> dict[str, Any]:
    item = copy.deepcopy(TAG_DOWNTIME["data"])
    item["id"] = f"b4613732-f84d-11ed-a766-{index:012d}"
    item["attributes"]["scope"] = f"host:h{index}"
    return item


MONITOR_V1 = {
    "id": 119766008,
    "org_id": 717122,
    "type": "log alert",
    "name": "[prod] checkout errors",
    "message": "some message Notify: @hipchat-channel",
    "tags": ["team:checkout", "env:prod"],
    "query": 'logs("service:foo AND type:error").index("main").rollup("count").last("5m") > 2',
    "options": {"thresholds": {"critical": 2.0, "warning": 1.0}, "silenced": {}},
    "multi": True,
    "created_at": 1684790119000,
    "created": "2023-05-22T21:15:19.942502+00:00",
    "modified": "2023-05-22T21:15:19.942502+00:00",
    "deleted": None,
    "restricted_roles": None,
    "priority": 3,
    "overall_state_modified": "2023-05-22T21:15:22+00:00",
    "overall_state": "No Data",
    "creator": {
        "name": "Kevin",
        "handle": "kevin@example.com",
        "email": "kevin@example.com",
        "id": 4351227,
    },
    "matching_downtimes": [],
}

MONITOR_SEARCH = {
    "counts": {"status": [{"count": 1, "name": "OK"}], "muted": [], "tag": [], "type": []},
    "monitors": [
        {
            "status": "OK",
            "scopes": [],
            "classification": "log",
            "creator": {"handle": "ci@example.com", "id": 2320499, "name": "CI Account"},
            "metrics": [],
            "notifications": [],
            "muted_until_ts": None,
            "query": 'logs("service:foo").index("main").rollup("count").last("5m") > 2',
            "id": 34964033,
            "last_triggered_ts": None,
            "name": "Test-Go-TestMonitorLifecycle",
            "tags": ["test", "client:go"],
            "org_id": 321813,
            "priority": 3,
            "overall_state_modified": 1620248922,
            "restricted_roles": None,
            "type": "log alert",
        }
    ],
    "metadata": {"total_count": 99, "page_count": 1, "page": 0, "per_page": 30},
}
