"""The monitor list's query string and the work it asks of the copy: search, filter, page."""

from __future__ import annotations

from datetime import timedelta

from downtimes_app.core.domain import ACTIVE, Downtime, Monitor, MonitorGroup, OneTimeSchedule
from downtimes_app.monitors import listing as monitor_listing
from downtimes_app.monitors.listing import Index, MonitorQuery
from downtimes_app.muting import mutes
from tests.factories import NOW

MONITORS = [
    Monitor(1, "api latency", "metric alert", "OK", ("team:web",), groups=(MonitorGroup("*"),)),
    Monitor(2, "api errors", "query alert", "Alert", ("team:web", "env:prod")),
    Monitor(3, "db health", "service check", "Warn", ("team:db",)),
    Monitor(4, "Queue depth", "metric alert", "No Data", ("team:db",)),
    Monitor(5, "disk", "metric alert", "OK", ("team:db",)),
]


def run(query: MonitorQuery, downtimes=()):
    return monitor_listing.run(Index(MONITORS), query, mutes.Mutes(downtimes, MONITORS), NOW)


def names(result) -> list[str]:
    return [m.name for m in result.rows]


def test_the_list_shows_the_worst_states_first_then_names():
    assert names(run(MonitorQuery())) == [
        "api errors",
        "Queue depth",
        "db health",
        "api latency",
        "disk",
    ]


def test_search_tag_type_and_state_narrow_it_and_the_counts_follow_the_search():
    assert names(run(MonitorQuery(q="API"))) == ["api errors", "api latency"]
    assert names(run(MonitorQuery(tag="team:db", type="metric alert"))) == ["Queue depth", "disk"]
    result = run(MonitorQuery(q="api", state="ok"))
    assert names(result) == ["api latency"]
    assert result.counts == {"alert": 1, "warn": 0, "nodata": 0, "ok": 1, "muted": 0}


def test_muted_now_is_a_state_to_filter_by():
    mute = Downtime(
        id="d",
        status=ACTIVE,
        scope="*",
        schedule=OneTimeSchedule(NOW - timedelta(hours=1), NOW + timedelta(hours=1)),
        monitor_tags=("team:db",),
    )
    result = run(MonitorQuery(state="muted"), [mute])
    assert names(result) == ["Queue depth", "db health", "disk"]
    assert result.counts["muted"] == 3


def test_pages_and_a_page_past_the_last():
    result = run(MonitorQuery(per_page=25, page=3))
    assert result.pages == 1 and result.page == 1
    assert result.notices == ["There is no page 3; showing the last page, 1."]


def test_bad_values_in_the_link_become_notices_and_defaults():
    query, notices = MonitorQuery.from_params(
        {"state": "sleeping", "per_page": "7", "page": "x", "tz": "Mars/Base", "q": "a" * 300}
    )
    assert query == MonitorQuery(q="a" * 200)
    assert len(notices) == 5


def test_the_url_is_the_state_and_a_new_filter_starts_at_page_one():
    query = MonitorQuery(q="api", page=3)
    assert query.url("/monitors/") == "/monitors/?q=api&page=3"
    assert query.url("/monitors/", state="muted") == "/monitors/?q=api&state=muted"
    parsed, notices = MonitorQuery.from_params({"q": "api", "state": "No Data", "page": "2"})
    assert parsed == MonitorQuery(q="api", state="nodata", page=2) and notices == []
