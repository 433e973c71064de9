"""The service module at its HTTP boundary: every operation, error class and retry rule.

`responses` stands in for api.datadoghq.com; the bodies are shaped like Datadog's recorded ones.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
import requests
import responses
from responses import matchers

from downtimes_app import datadog
from downtimes_app.core.domain import OneTimeSchedule, RecurringSchedule, Window
from downtimes_app.datadog import client
from downtimes_app.datadog.codec import parse_time
from tests import payloads

API = "https://api.datadoghq.com"
API_KEY = "a1b2c3d4e5-test-api-key-0000"
APP_KEY = "f6e7d8c9-test-app-key-1111"


@pytest.fixture
def dd(settings, monkeypatch):
    """A real-Datadog configuration whose HTTP is answered by `responses`."""
    settings.DATADOG_SANDBOX = False
    settings.DATADOG_TRANSPORT = ""
    settings.DATADOG_API_URL = API
    settings.DATADOG_API_KEY = API_KEY
    settings.DATADOG_APP_KEY = APP_KEY
    settings.DATADOG_PAGE_SIZE = 2
    settings.DATADOG_RETRIES = 2
    settings.DATADOG_RATE_LIMIT_WAIT_CAP = 5.0
    sleeps: list[float] = []
    monkeypatch.setattr(client, "_sleep", sleeps.append)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.sleeps = sleeps
        yield mock


def sent_body(call) -> dict:
    return json.loads(call.request.body)


# --- requests carry the keys, a User-Agent and a timeout --------------------------------------


def test_request_sends_keys_user_agent_and_timeout(dd, settings):
    seen = {}

    def callback(request):
        seen.update(request.headers)
        seen["timeout"] = request.req_kwargs["timeout"]
        return 200, {}, json.dumps(payloads.TAG_DOWNTIME)

    dd.add_callback(
        responses.GET,
        f"{API}/api/v2/downtime/85428b34-0187-11ee-bb05-da7ad0900002",
        callback=callback,
    )
    datadog.get_downtime("85428b34-0187-11ee-bb05-da7ad0900002")
    assert seen["DD-API-KEY"] == API_KEY
    assert seen["DD-APPLICATION-KEY"] == APP_KEY
    assert seen["User-Agent"].startswith("downtime-dashboard/")
    assert seen["timeout"] == (settings.DATADOG_CONNECT_TIMEOUT, settings.DATADOG_READ_TIMEOUT)


# --- parsing realistic payloads ------------------------------------------------------------


def test_get_downtime_parses_tag_downtime_without_monitor(dd):
    dd.get(
        f"{API}/api/v2/downtime/85428b34-0187-11ee-bb05-da7ad0900002",
        json=payloads.TAG_DOWNTIME,
        match=[matchers.query_param_matcher({"include": "created_by,monitor"})],
    )
    downtime = datadog.get_downtime("85428b34-0187-11ee-bb05-da7ad0900002")
    assert downtime.monitor_id is None
    assert downtime.monitor is None
    assert downtime.monitor_tags == ("cat:hat",)
    assert downtime.status == "active"
    assert isinstance(downtime.schedule, OneTimeSchedule)
    assert downtime.schedule.end is None
    assert downtime.schedule.start == datetime(2023, 6, 2, 20, 53, 26, 286133, tzinfo=UTC)
    assert downtime.notify_end_states == ("warn", "alert", "no data")


def test_creator_with_null_name_is_shown_by_the_handle_before_its_at(dd):
    dd.get(
        f"{API}/api/v2/downtime/85428b34-0187-11ee-bb05-da7ad0900002", json=payloads.TAG_DOWNTIME
    )
    creator = datadog.get_downtime("85428b34-0187-11ee-bb05-da7ad0900002").creator
    assert creator is not None
    assert creator.name is None
    assert creator.display_name == "frog"  # never an address on a page
    assert creator.handle == "frog@datadoghq.com"


def test_get_downtime_resolves_included_monitor(dd):
    dd.get(
        f"{API}/api/v2/downtime/9a268050-4c00-11ee-bc79-da7ad0900002",
        json=payloads.MONITOR_DOWNTIME,
    )
    downtime = datadog.get_downtime("9a268050-4c00-11ee-bc79-da7ad0900002")
    assert downtime.monitor_id == 130846742
    assert downtime.monitor is not None and downtime.monitor.name == "[prod] payments-db latency"
    assert downtime.creator is not None and downtime.creator.id == payloads.CREATOR_ID
    # `Z` and `+0000` offsets both parse to UTC.
    assert downtime.schedule.start == datetime(2050, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert downtime.schedule.end == datetime(2050, 1, 2, 5, 4, 5, tzinfo=UTC)
    assert downtime.notify_end_types == ()


def test_get_downtime_parses_recurring_schedule_with_three_recurrences(dd):
    dd.get(
        f"{API}/api/v2/downtime/4fa0a24a-2bd5-11ee-b95a-da7ad0900002",
        json=payloads.RECURRING_DOWNTIME,
    )
    downtime = datadog.get_downtime("4fa0a24a-2bd5-11ee-b95a-da7ad0900002")
    schedule = downtime.schedule
    assert isinstance(schedule, RecurringSchedule)
    assert downtime.is_recurring
    assert schedule.timezone == "America/New_York"
    assert [r.rrule for r in schedule.recurrences] == [
        "FREQ=DAILY;INTERVAL=1",
        "FREQ=DAILY;INTERVAL=12",
        "FREQ=WEEKLY;BYDAY=TU,TH",
    ]
    # Recurrence starts are wall time, without an offset; minutes-only starts parse too.
    assert schedule.recurrences[0].start == datetime(2042, 7, 13, 1, 2, 3)
    assert schedule.recurrences[1].start == datetime(2042, 7, 15, 1, 2)
    assert schedule.current_downtime == Window(
        datetime(2042, 7, 13, 5, 2, 3, tzinfo=UTC), datetime(2042, 7, 14, 5, 2, 3, tzinfo=UTC)
    )
    assert downtime.window == schedule.current_downtime
    assert downtime.mute_first_recovery_notification is True
    # Without include, there are no relationships: no creator, and no error either.
    assert downtime.creator is None


def test_get_downtime_parses_canceled_downtime_with_nulls(dd):
    dd.get(
        f"{API}/api/v2/downtime/83718756-0187-11ee-8c18-da7ad0900002",
        json=payloads.CANCELED_DOWNTIME,
    )
    downtime = datadog.get_downtime("83718756-0187-11ee-8c18-da7ad0900002")
    assert downtime.status == "canceled"
    assert downtime.canceled == datetime(2023, 6, 2, 21, 0, 0, 123000, tzinfo=UTC)
    assert downtime.monitor_tags == ("*",)
    assert downtime.notify_end_states == ()
    assert downtime.message == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-06-02T20:53:26.300497+00:00", datetime(2023, 6, 2, 20, 53, 26, 300497, tzinfo=UTC)),
        ("2023-06-02T20:53:26Z", datetime(2023, 6, 2, 20, 53, 26, tzinfo=UTC)),
        ("2020-01-02T03:04:00.000Z", datetime(2020, 1, 2, 3, 4, tzinfo=UTC)),
        ("2020-01-02T05:04:05.282979+0200", datetime(2020, 1, 2, 3, 4, 5, 282979, tzinfo=UTC)),
        (1684790119, datetime(2023, 5, 22, 21, 15, 19, tzinfo=UTC)),
        (None, None),
    ],
)
def test_parse_time_accepts_datadogs_formats(text, expected):
    assert parse_time(text) == expected


def test_malformed_timestamp_is_a_malformed_response():
    with pytest.raises(datadog.MalformedResponse):
        parse_time("yesterday")


# --- list and the whole set --------------------------------------------------------------


def test_list_downtimes_sends_paging_and_reads_total(dd):
    dd.get(
        f"{API}/api/v2/downtime",
        json=payloads.list_page([payloads.numbered_downtime(5)], 37, [payloads.USER]),
        match=[
            matchers.query_param_matcher(
                {
                    "include": "created_by",
                    "current_only": "true",
                    "page[offset]": "5",
                    "page[limit]": "1",
                }
            )
        ],
    )
    page = datadog.list_downtimes(current_only=True, include=("created_by",), offset=5, limit=1)
    assert page.total == 37
    assert [d.scope for d in page.downtimes] == ["host:h5"]


def _serve_pages(dd, total: int, size: int, *, with_total: bool = True, served: int | None = None):
    """One response per page of `total` numbered downtimes, `served` (default `size`) a page."""
    served = served or size
    offsets = list(range(0, total, served))
    if not with_total and total % served == 0:
        offsets.append(total)  # the empty page that ends a walk
    for offset in offsets:
        items = [payloads.numbered_downtime(i) for i in range(offset, min(offset + served, total))]
        params = {"include": "created_by,monitor", "page[limit]": str(size)}
        if offset:
            params["page[offset]"] = str(offset)
        dd.get(
            f"{API}/api/v2/downtime",
            json=payloads.list_page(items, total if with_total else None),
            match=[matchers.query_param_matcher(params)],
        )


def test_list_all_downtimes_fetches_every_page_once_in_order(dd):
    _serve_pages(dd, total=7, size=2)
    downtimes = datadog.list_all_downtimes()
    assert [d.scope for d in downtimes] == [f"host:h{i}" for i in range(7)]
    assert len(dd.calls) == 4


def test_list_all_downtimes_walks_pages_when_total_is_missing(dd):
    _serve_pages(dd, total=4, size=2, with_total=False)
    downtimes = datadog.list_all_downtimes()
    assert [d.scope for d in downtimes] == [f"host:h{i}" for i in range(4)]
    assert len(dd.calls) == 3  # the last, empty page says the walk is over


def test_list_all_downtimes_steps_by_what_datadog_serves_when_it_caps_the_limit(dd, settings):
    settings.DATADOG_PAGE_SIZE = 5
    _serve_pages(dd, total=7, size=5, served=3)
    assert [d.scope for d in datadog.list_all_downtimes()] == [f"host:h{i}" for i in range(7)]


def test_list_all_downtimes_drops_duplicates_from_shifting_pages(dd):
    first = payloads.list_page([payloads.numbered_downtime(0), payloads.numbered_downtime(1)], 3)
    # A downtime created meanwhile pushed #1 onto the second page as well.
    second = payloads.list_page([payloads.numbered_downtime(1)], 3)
    dd.get(
        f"{API}/api/v2/downtime",
        json=first,
        match=[matchers.query_param_matcher({"include": "created_by,monitor", "page[limit]": "2"})],
    )
    dd.get(
        f"{API}/api/v2/downtime",
        json=second,
        match=[
            matchers.query_param_matcher(
                {"include": "created_by,monitor", "page[limit]": "2", "page[offset]": "2"}
            )
        ],
    )
    assert [d.scope for d in datadog.list_all_downtimes()] == ["host:h0", "host:h1"]


def test_list_all_downtimes_fetches_later_pages_concurrently(dd, settings):
    import threading
    import time

    settings.DATADOG_MAX_WORKERS = 4
    active = {"now": 0, "peak": 0}
    lock = threading.Lock()

    def page(request):
        offset = int(request.params.get("page[offset]", 0))
        with lock:
            active["now"] += 1
            active["peak"] = max(active["peak"], active["now"])
        time.sleep(0.05)
        with lock:
            active["now"] -= 1
        items = [payloads.numbered_downtime(i) for i in range(offset, min(offset + 2, 10))]
        return 200, {}, json.dumps(payloads.list_page(items, 10))

    dd.add_callback(responses.GET, f"{API}/api/v2/downtime", callback=page)
    downtimes = datadog.list_all_downtimes()
    assert len(downtimes) == 10
    assert active["peak"] > 1


def _numbered_pages(total: int, size: int, failures: dict[int, list[tuple[int, dict, str]]]):
    """A callback serving `total` downtimes `size` a page; `failures[offset]` answers first."""
    calls: dict[int, int] = {}

    def page(request):
        offset = int(request.params.get("page[offset]", 0))
        calls[offset] = calls.get(offset, 0) + 1
        if failures.get(offset):
            return failures[offset].pop(0)
        items = [payloads.numbered_downtime(i) for i in range(offset, min(offset + size, total))]
        headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "50"}
        return 200, headers, json.dumps(payloads.list_page(items, total))

    return page, calls


def test_one_failing_page_of_the_whole_set_is_retried_alone(dd):
    bad = [
        (503, {}, "<html>down</html>"),
        (429, {"X-RateLimit-Reset": "2"}, json.dumps({"errors": ["Too many requests"]})),
        (200, {}, '{"data": [{"type": "downt'),  # cut short
        (500, {}, json.dumps({"errors": ["Internal Server Error"]})),
    ]
    page, calls = _numbered_pages(10, 2, {4: bad})
    dd.add_callback(responses.GET, f"{API}/api/v2/downtime", callback=page)
    downtimes = datadog.list_all_downtimes(deadline_seconds=30)
    assert [d.scope for d in downtimes] == [f"host:h{i}" for i in range(10)]
    assert calls == {0: 1, 2: 1, 4: 5, 6: 1, 8: 1}
    assert 2.0 in dd.sleeps  # the 429 was waited out for its reset, inside the deadline


def test_a_page_that_never_answers_fails_the_load_with_its_real_reason(dd, settings):
    settings.DATADOG_BACKOFF = 0.01
    page, _ = _numbered_pages(6, 2, {2: [(500, {}, '{"errors": ["boom"]}')] * 50})
    dd.add_callback(responses.GET, f"{API}/api/v2/downtime", callback=page)
    with pytest.raises(datadog.Unavailable, match=r"answered 500\): boom"):
        datadog.list_all_downtimes(deadline_seconds=1)


def test_reading_the_whole_set_pauses_the_cycle_collector_and_always_resumes_it(dd, settings):
    import gc

    settings.DATADOG_BACKOFF = 0.01
    collecting = []
    page, _ = _numbered_pages(4, 2, {})

    def watched(request):
        collecting.append(gc.isenabled())
        return page(request)

    dd.add_callback(responses.GET, f"{API}/api/v2/downtime", callback=watched)
    assert len(datadog.list_all_downtimes()) == 4
    assert collecting == [False, False] and gc.isenabled()
    failing, _ = _numbered_pages(4, 2, {2: [(500, {}, '{"errors": ["boom"]}')] * 50})
    dd.remove(responses.GET, f"{API}/api/v2/downtime")
    dd.add_callback(responses.GET, f"{API}/api/v2/downtime", callback=failing)
    with pytest.raises(datadog.Unavailable):
        datadog.list_all_downtimes(deadline_seconds=0.5)
    assert gc.isenabled()


def test_a_load_given_the_last_fingerprints_reads_only_pages_that_changed(dd, monkeypatch):
    from downtimes_app.datadog import whole

    renamed = {}

    def page(request):
        offset = int(request.params.get("page[offset]", 0))
        items = [payloads.numbered_downtime(i) for i in range(offset, min(offset + 2, 6))]
        for item in items:
            item["attributes"]["scope"] = renamed.get(item["id"], item["attributes"]["scope"])
        return 200, {}, json.dumps(payloads.list_page(items, 6))

    dd.add_callback(responses.GET, f"{API}/api/v2/downtime", callback=page)
    parsed = []
    original = whole.parse_downtime_page
    monkeypatch.setattr(whole, "parse_downtime_page", lambda d: parsed.append(1) or original(d))
    first = datadog.load_all_downtimes()
    assert len(first.items) == 6 and len(first.prints) == 3 and len(parsed) == 3
    again = datadog.load_all_downtimes(known=first.prints)
    assert again.items is None and again.prints == first.prints
    assert len(parsed) == 4  # only the first page, which says how many there are
    renamed[first.items[4].id] = "host:renamed"
    changed = datadog.load_all_downtimes(known=first.prints)
    assert [d.scope for d in changed.items] == [
        *(d.scope for d in first.items[:4]),
        "host:renamed",
        first.items[5].scope,
    ]
    assert changed.prints[:2] == first.prints[:2] and changed.prints[2] != first.prints[2]


def test_pages_at_once_follow_what_the_rate_limit_has_left(dd, settings):
    import threading
    import time

    settings.DATADOG_MAX_WORKERS = 16
    active = {"now": 0, "peak": 0}
    lock = threading.Lock()

    def page(request):
        offset = int(request.params.get("page[offset]", 0))
        with lock:
            active["now"] += 1
            active["peak"] = max(active["peak"], active["now"])
        time.sleep(0.02)
        with lock:
            active["now"] -= 1
        items = [payloads.numbered_downtime(i) for i in range(offset, min(offset + 2, 40))]
        headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "3"}
        return 200, headers, json.dumps(payloads.list_page(items, 40))

    dd.add_callback(responses.GET, f"{API}/api/v2/downtime", callback=page)
    assert len(datadog.list_all_downtimes()) == 40
    assert 1 < active["peak"] <= 3


def test_a_timeout_says_how_long_it_waited_not_how_long_it_could_have(dd, settings):
    settings.DATADOG_RETRIES = 0
    dd.get(f"{API}/api/v2/downtime/x", body=requests.ConnectTimeout("refused at once"))
    with pytest.raises(datadog.Unavailable) as caught:
        datadog.get_downtime("x")
    assert "in time (waited 0.0s)" in str(caught.value)
    assert "within" not in str(caught.value)


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


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "error", "text"),
    [
        (
            400,
            {"errors": ["All values must have a key"]},
            datadog.BadRequest,
            "All values must have a key",
        ),
        (403, {"errors": ["Forbidden"]}, datadog.AuthError, "refused the API or application key"),
        (401, {"errors": ["Unauthorized"]}, datadog.AuthError, "Unauthorized"),
        (404, {"errors": ["Downtime not found"]}, datadog.NotFound, "Downtime not found"),
        (
            409,
            {"errors": [{"title": "Conflict", "detail": "duplicate"}]},
            datadog.BadRequest,
            "duplicate",
        ),
    ],
)
def test_error_statuses_map_to_one_hierarchy(dd, status, body, error, text):
    dd.get(f"{API}/api/v2/downtime/x", status=status, json=body)
    with pytest.raises(error, match=text) as caught:
        datadog.get_downtime("x")
    assert isinstance(caught.value, datadog.DatadogError)
    assert dd.sleeps == []


def test_bad_request_keeps_datadogs_messages(dd):
    dd.post(f"{API}/api/v2/downtime", status=400, json={"errors": ["a", "b"]})
    with pytest.raises(datadog.BadRequest) as caught:
        datadog.create_downtime(attributes={"scope": "x"})
    assert caught.value.errors == ("a", "b")


def test_body_that_is_not_json_is_malformed(dd):
    dd.get(f"{API}/api/v2/downtime/x", body='{"data": [{"type": "downt')
    with pytest.raises(datadog.MalformedResponse):
        datadog.get_downtime("x")


def test_document_without_data_is_malformed(dd):
    dd.get(f"{API}/api/v2/downtime", json={"unexpected": True})
    with pytest.raises(datadog.MalformedResponse):
        datadog.list_downtimes()


def test_connection_refused_is_unavailable(dd):
    dd.get(f"{API}/api/v2/downtime/x", body=requests.ConnectionError("refused"))
    dd.get(f"{API}/api/v2/downtime/x", body=requests.ConnectionError("refused"))
    dd.get(f"{API}/api/v2/downtime/x", body=requests.ConnectionError("refused"))
    with pytest.raises(datadog.Unavailable, match=r"could not reach Datadog at api\.datadoghq"):
        datadog.get_downtime("x")
    assert len(dd.sleeps) == 2


def test_read_timeout_is_unavailable_after_retries(dd):
    for _ in range(3):
        dd.get(f"{API}/api/v2/downtime/x", body=requests.ReadTimeout("slow"))
    with pytest.raises(datadog.Unavailable, match="did not answer"):
        datadog.get_downtime("x")
    assert len(dd.calls) == 3


# --- the retry policy for reads -------------------------------------------------------------


def test_read_waits_for_rate_limit_reset_then_succeeds(dd):
    dd.get(
        f"{API}/api/v2/downtime/x",
        status=429,
        json={"errors": ["Too many requests"]},
        headers={
            "X-RateLimit-Reset": "3",
            "X-RateLimit-Limit": "100",
            "X-RateLimit-Remaining": "0",
        },
    )
    dd.get(f"{API}/api/v2/downtime/x", json=payloads.TAG_DOWNTIME)
    assert datadog.get_downtime("x").id == "85428b34-0187-11ee-bb05-da7ad0900002"
    assert dd.sleeps == [3.0]


def test_rate_limit_reset_beyond_cap_fails_at_once_with_reset(dd):
    dd.get(
        f"{API}/api/v2/downtime/x",
        status=429,
        json={"errors": ["Too many requests"]},
        headers={"X-RateLimit-Reset": "42"},
    )
    with pytest.raises(datadog.RateLimited, match="resets in 42s") as caught:
        datadog.get_downtime("x")
    assert caught.value.reset == 42.0
    assert dd.sleeps == []


def test_server_errors_back_off_exponentially_then_succeed(dd, settings):
    settings.DATADOG_BACKOFF = 1.0
    dd.get(f"{API}/api/v2/downtime/x", status=500, json={"errors": ["Internal Server Error"]})
    dd.get(f"{API}/api/v2/downtime/x", status=502, body="<html>bad gateway</html>")
    dd.get(f"{API}/api/v2/downtime/x", json=payloads.TAG_DOWNTIME)
    datadog.get_downtime("x")
    first, second = dd.sleeps
    assert 0.5 <= first <= 1.0  # backoff * 2**0 with jitter
    assert 1.0 <= second <= 2.0  # backoff * 2**1 with jitter


def test_server_errors_give_up_after_the_retries(dd):
    for _ in range(3):
        dd.get(f"{API}/api/v2/downtime/x", status=503, body="down")
    with pytest.raises(datadog.Unavailable, match="answered 503"):
        datadog.get_downtime("x")
    assert len(dd.sleeps) == 2


def test_client_errors_are_not_retried(dd):
    dd.get(
        f"{API}/api/v2/downtime/x",
        status=400,
        json={"errors": ["Invalid URL param: downtime_id must be an uuid"]},
    )
    with pytest.raises(datadog.BadRequest):
        datadog.get_downtime("x")
    assert len(dd.calls) == 1


# --- keys stay secret ------------------------------------------------------------------------


def test_keys_never_appear_in_errors_or_logs(dd, caplog):
    caplog.set_level(logging.DEBUG)
    dd.get(f"{API}/api/v2/downtime/x", status=403, json={"errors": ["Forbidden"]})
    for _ in range(3):
        dd.get(f"{API}/api/v2/downtime/y", status=500, json={"errors": ["boom"]})
    errors = []
    for downtime_id in ("x", "y"):
        with pytest.raises(datadog.DatadogError) as caught:
            datadog.get_downtime(downtime_id)
        errors.append(caught.value)
    text = " ".join(f"{e} {e!r} {e.args}" for e in errors) + caplog.text
    text += repr(client.Config.from_settings())
    assert "retrying" in caplog.text  # the retries were logged...
    assert API_KEY not in text  # ...without the keys
    assert APP_KEY not in text


# --- deadlines: a page must answer before its worker is killed ---------------------------------


def test_read_timeout_never_exceeds_what_is_left_of_the_call_deadline(dd, settings):
    settings.DATADOG_CALL_DEADLINE = 0.25
    seen = {}

    def callback(request):
        seen["timeout"] = request.req_kwargs["timeout"]
        return 200, {}, json.dumps(payloads.TAG_DOWNTIME)

    dd.add_callback(responses.GET, f"{API}/api/v2/downtime/x", callback=callback)
    datadog.get_downtime("x")
    connect, read = seen["timeout"]
    assert 0 < read <= 0.25 and 0 < connect <= 0.25


def test_retries_stop_where_waiting_would_pass_the_deadline(dd, settings):
    settings.DATADOG_CALL_DEADLINE = 1.0
    settings.DATADOG_RATE_LIMIT_WAIT_CAP = 5.0
    dd.get(
        f"{API}/api/v2/downtime/x",
        status=429,
        json={"errors": ["Too many requests"]},
        headers={"X-RateLimit-Reset": "3"},
    )
    with pytest.raises(datadog.RateLimited):
        datadog.get_downtime("x")
    assert dd.sleeps == []  # a 3 s wait cannot fit in a 1 s deadline: fail now, with the reason


def test_whole_set_gives_up_at_its_deadline(dd):
    with pytest.raises(datadog.Unavailable, match="gave up"):
        datadog.list_all_downtimes(deadline_seconds=0)
    assert len(dd.calls) == 0


def test_probe_makes_one_quick_attempt(dd):
    seen = {}

    def callback(request):
        seen["timeout"] = request.req_kwargs["timeout"]
        seen["params"] = dict(request.params)
        return 503, {}, "down"

    dd.add_callback(responses.GET, f"{API}/api/v2/downtime", callback=callback)
    with pytest.raises(datadog.Unavailable):
        datadog.probe(seconds=2)
    assert len(dd.calls) == 1 and dd.sleeps == []
    assert seen["timeout"][1] <= 2
    assert seen["params"] == {"page[limit]": "1"}


@pytest.mark.parametrize("reset", ["-5", "nan", "1e400", "\u00b2", "9" * 5000])
def test_a_rate_limit_reset_that_is_no_whole_number_of_seconds_backs_off_instead(dd, reset):
    dd.get(
        f"{API}/api/v2/downtime/x",
        status=429,
        json={"errors": ["Too many requests"]},
        headers={"X-RateLimit-Reset": reset},
    )
    dd.get(f"{API}/api/v2/downtime/x", json=payloads.TAG_DOWNTIME)
    assert datadog.get_downtime("x").id == "85428b34-0187-11ee-bb05-da7ad0900002"
    assert len(dd.sleeps) == 1 and 0 <= dd.sleeps[0] < 1
