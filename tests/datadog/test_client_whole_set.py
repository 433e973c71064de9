"""The service module at its HTTP boundary: the list, and the whole set in pages at once.

`responses` stands in for api.datadoghq.com; the bodies are shaped like Datadog's recorded ones."""

from __future__ import annotations

import json

import pytest
import requests
import responses
from responses import matchers

from downtimes_app import datadog
from tests import payloads
from tests.datadog.support import API

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
