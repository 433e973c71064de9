"""The monitor reads at their HTTP boundary: group states, and the whole list page by page.

`responses` stands in for api.datadoghq.com; the bodies are shaped like Datadog's v1 monitor.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
from responses import matchers

from downtimes_app import datadog
from downtimes_app.core.domain import MonitorGroup
from tests import payloads
from tests.datadog.support import API

GROUPED = {
    **payloads.MONITOR_V1,
    "id": 4711,
    "query": "avg(last_5m):avg:system.cpu.user{env:prod} by {host,env} > 90",
    "state": {
        "groups": {
            "env:prod,host:web-2": {
                "name": "env:prod,host:web-2",
                "status": "Alert",
                "last_triggered_ts": 1790631360,
                "last_notified_ts": 1790631360,
                "last_resolved_ts": 0,
                "last_nodata_ts": 0,
            },
            "env:prod,host:web-1": {
                "name": "env:prod,host:web-1",
                "status": "OK",
                "last_triggered_ts": 1790631300,
                "last_resolved_ts": 1790631400,
            },
        }
    },
}


def test_get_monitor_with_group_states_reads_each_group(dd):
    dd.get(
        f"{API}/api/v1/monitor/4711",
        json=GROUPED,
        match=[matchers.query_param_matcher({"group_states": "all"})],
    )
    monitor = datadog.get_monitor(4711, group_states="all")
    assert [g.name for g in monitor.groups] == ["env:prod,host:web-1", "env:prod,host:web-2"]
    alerting = monitor.groups[1]
    assert alerting.status == "Alert"
    assert alerting.last_triggered == datetime.fromtimestamp(1790631360, UTC)
    assert alerting.last_resolved is None  # Datadog's 0 is "never"
    assert alerting.tags == ("env:prod", "host:web-2")


def test_a_group_is_named_by_its_key_in_state_groups_not_by_its_name_field(dd):
    # Datadog's spec describes a group's `name` as "the name of the monitor": only the key is
    # the group's own name (its tags).
    groups = {
        key: {**value, "name": GROUPED["name"]} for key, value in GROUPED["state"]["groups"].items()
    }
    dd.get(f"{API}/api/v1/monitor/4711", json={**GROUPED, "state": {"groups": groups}})
    monitor = datadog.get_monitor(4711, group_states="all")
    assert [g.name for g in monitor.groups] == ["env:prod,host:web-1", "env:prod,host:web-2"]
    assert monitor.groups[1].tags == ("env:prod", "host:web-2")


def test_a_monitor_without_state_has_no_groups(dd):
    dd.get(f"{API}/api/v1/monitor/119766008", json=payloads.MONITOR_V1)
    assert datadog.get_monitor(119766008).groups == ()


def test_a_group_named_star_has_no_tags():
    assert MonitorGroup("*", "OK").tags == ()


def test_list_all_monitors_walks_pages_until_a_short_one(dd):
    def page(number: int, ids: list[int]):
        dd.get(
            f"{API}/api/v1/monitor",
            json=[{**GROUPED, "id": i} for i in ids],
            match=[
                matchers.query_param_matcher(
                    {"group_states": "all", "page": str(number), "page_size": "2"}
                )
            ],
        )

    page(0, [1, 2])
    page(1, [2, 3])  # one made meanwhile shifted the pages: 2 again
    page(2, [4])
    found = datadog.list_all_monitors(page_size=2)
    assert [m.id for m in found] == [1, 2, 3, 4]
    assert all(len(m.groups) == 2 for m in found)


def test_list_all_monitors_retries_a_failing_page_within_its_deadline(dd):
    dd.get(f"{API}/api/v1/monitor", status=503)
    dd.get(f"{API}/api/v1/monitor", json=[GROUPED])
    found = datadog.list_all_monitors(deadline_seconds=30)
    assert [m.id for m in found] == [4711]
    assert len(dd.sleeps) == 1


def test_list_all_monitors_raises_when_a_page_never_answers(dd):
    dd.get(f"{API}/api/v1/monitor", body=requests.ConnectionError("down"))
    with pytest.raises(datadog.Unavailable):
        datadog.list_all_monitors(deadline_seconds=0.5)
