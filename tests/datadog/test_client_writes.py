"""The service module at its HTTP boundary: writes, and monitors and their matches.

`responses` stands in for api.datadoghq.com; the bodies are shaped like Datadog's recorded ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
from responses import matchers

from downtimes_app import datadog
from tests import payloads
from tests.datadog.support import API, sent_body

# --- writes --------------------------------------------------------------------------------


def test_create_downtime_posts_jsonapi_body(dd):
    dd.post(f"{API}/api/v2/downtime", json=payloads.MONITOR_DOWNTIME)
    attributes = {
        "scope": "env:prod",
        "monitor_identifier": {"monitor_id": 130846742},
        "schedule": {"start": "2050-01-02T03:04:05+00:00", "end": None},
        "message": "drill",
    }
    downtime = datadog.create_downtime(attributes=attributes)
    assert sent_body(dd.calls[0]) == {"data": {"type": "downtime", "attributes": attributes}}
    assert dd.calls[0].request.headers["Content-Type"] == "application/json"
    assert downtime.id == "9a268050-4c00-11ee-bc79-da7ad0900002"


def test_update_downtime_patches_only_given_attributes(dd):
    dd.patch(
        f"{API}/api/v2/downtime/85428b34-0187-11ee-bb05-da7ad0900002", json=payloads.TAG_DOWNTIME
    )
    datadog.update_downtime(
        "85428b34-0187-11ee-bb05-da7ad0900002", attributes={"message": "light speed"}
    )
    assert sent_body(dd.calls[0]) == {
        "data": {
            "type": "downtime",
            "id": "85428b34-0187-11ee-bb05-da7ad0900002",
            "attributes": {"message": "light speed"},
        }
    }


def test_request_body_rejects_attributes_datadog_does_not_know():
    with pytest.raises(ValueError, match="invalid_field"):
        datadog.request_body({"invalid_field": "sophon"})


def test_cancel_downtime_accepts_empty_204(dd):
    dd.delete(
        f"{API}/api/v2/downtime/83718756-0187-11ee-8c18-da7ad0900002",
        status=204,
        body="",
        content_type="text/html; charset=utf-8",
    )
    assert datadog.cancel_downtime("83718756-0187-11ee-8c18-da7ad0900002") is None


def test_ids_are_quoted_into_the_path(dd):
    dd.get(f"{API}/api/v2/downtime/a%2Fb%3Fc", status=404, json={"errors": ["Downtime not found"]})
    with pytest.raises(datadog.NotFound):
        datadog.get_downtime("a/b?c")


def test_writes_are_never_retried(dd):
    dd.post(f"{API}/api/v2/downtime", status=503, body="<html>503</html>")
    with pytest.raises(datadog.Unavailable):
        datadog.create_downtime(
            attributes={"scope": "*", "monitor_identifier": {"monitor_tags": ["*"]}}
        )
    assert len(dd.calls) == 1
    assert dd.sleeps == []


def test_calls_inside_a_spent_budget_give_up_without_asking_datadog(dd):
    # No answer is registered: a call that reached the network would fail differently.
    with datadog.answer_within(0), pytest.raises(datadog.Unavailable, match="in time"):
        datadog.get_downtime("00000000-0000-0000-0000-000000000001")
    with datadog.answer_within(0), datadog.answer_within(60):  # the enclosing one still ends it
        assert datadog.seconds_left(100) == 0
    assert datadog.seconds_left(100) == 100  # and outside, no budget at all
    assert len(dd.calls) == 0


def test_write_timeout_says_the_change_may_have_been_made(dd):
    dd.patch(f"{API}/api/v2/downtime/x", body=requests.ReadTimeout("slow"))
    with pytest.raises(datadog.Unavailable, match="may or may not have been made"):
        datadog.update_downtime("x", attributes={"message": "m"})
    assert len(dd.calls) == 1


# --- monitors and matches -------------------------------------------------------------------


def test_list_monitor_downtimes_reads_matches(dd):
    dd.get(
        f"{API}/api/v2/monitor/35534610/downtime_matches",
        json={
            "data": [
                {
                    "type": "downtime_match",
                    "id": "aeefc6a8-15d8-11ee-a8ef-da7ad0900002",
                    "attributes": {
                        "groups": ["*"],
                        "scope": "*",
                        "start": "2023-06-28T17:23:57.324000+00:00",
                        "end": None,
                    },
                }
            ],
            "meta": {"page": {"total_filtered_count": 1}},
        },
    )
    page = datadog.list_monitor_downtimes(35534610)
    assert page.total == 1
    assert page.matches[0].id == "aeefc6a8-15d8-11ee-a8ef-da7ad0900002"
    assert page.matches[0].end is None
    assert page.matches[0].groups == ("*",)


def test_search_monitors_reads_status_as_state(dd):
    dd.get(
        f"{API}/api/v1/monitor/search",
        json=payloads.MONITOR_SEARCH,
        match=[
            matchers.query_param_matcher(
                {"query": "lifecycle tag:client:go", "page": "0", "per_page": "30"}
            )
        ],
    )
    page = datadog.search_monitors(query="lifecycle tag:client:go")
    assert page.total == 99
    monitor = page.monitors[0]
    assert (monitor.id, monitor.overall_state, monitor.type) == (34964033, "OK", "log alert")
    assert monitor.tags == ("test", "client:go")


def test_list_monitors_filters_by_name_and_tags(dd):
    dd.get(
        f"{API}/api/v1/monitor",
        json=[payloads.MONITOR_V1],
        match=[
            matchers.query_param_matcher(
                {"name": "checkout", "monitor_tags": "team:checkout,env:prod"}
            )
        ],
    )
    page = datadog.list_monitors(name="checkout", monitor_tags=("team:checkout", "env:prod"))
    assert page.total is None
    assert page.monitors[0].name == "[prod] checkout errors"


def test_get_monitor_parses_v1_monitor(dd):
    dd.get(f"{API}/api/v1/monitor/119766008", json=payloads.MONITOR_V1)
    monitor = datadog.get_monitor(119766008)
    assert monitor.overall_state == "No Data"
    assert monitor.priority == 3
    assert monitor.created == datetime(2023, 5, 22, 21, 15, 19, 942502, tzinfo=UTC)


def test_validate_keys(dd):
    dd.get(f"{API}/api/v1/validate", json={"valid": True})
    assert datadog.validate_keys() is True
