"""The downtime list through the Django test client, against the sandbox with a frozen clock."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.urls import reverse

from downtimes_app import datadog
from downtimes_app.models import AuditEntry
from sandbox import faults, seed
from sandbox.models import SandboxDowntime, SandboxMonitor
from tests.conftest import STORIES
from tests.factories import NOW

URL = reverse("downtimes:list")


def ids_on(response) -> list[str]:
    return re.findall(r'id="downtime-([0-9a-f-]{36})"', response.content.decode())


@pytest.fixture
def stories(stories) -> dict[str, str]:
    """The story downtimes' API ids, which is what the list shows."""
    return {name: str(row.uuid) for name, row in stories.items()}


def test_anonymous_visitors_are_sent_to_sign_in(client, org):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_home_leads_to_the_list(editor_client, org):
    assert editor_client.get("/")["Location"] == URL


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("active", {"incident", "forgotten", "upgrade"}),
        ("scheduled", {"tomorrow", "next_week", "patching", "nightly", "monthly"}),
        ("ended", {"ended", "reindex"}),
        ("canceled", {"canceled"}),
    ],
)
def test_each_tab_lists_its_downtimes(viewer_client, stories, status, expected):
    response = viewer_client.get(URL, {"status": status})
    assert response.status_code == 200
    assert set(ids_on(response)) == {stories[name] for name in expected}


def test_tabs_show_counts_and_all_lists_everything(viewer_client, stories):
    response = viewer_client.get(URL, {"status": "all", "per_page": 100})
    page = response.content.decode()
    assert set(ids_on(response)) == set(stories.values())
    counts = dict(
        re.findall(r'class="tab tab-(\w+)".*?<span class="count">(\d+)</span>', page, re.S)
    )
    assert counts == {"active": "3", "scheduled": "5", "ended": "2", "canceled": "1", "all": "11"}


def test_glance_says_what_is_muted_now_and_what_comes_next(viewer_client, stories):
    page = viewer_client.get(URL, {"tz": "UTC"}).content.decode()
    glance = re.search(r'<p class="glance">.*?</p>', page, re.S).group(0)
    assert "3 downtimes muting now" in glance
    assert "1 ends within the hour" in glance
    assert "1 with no end" in glance
    # The nightly ETL window (01:00 Berlin, 00:00 UTC) is the next thing to mute.
    assert f"/downtimes/{stories['nightly']}/" in glance
    assert "starts tomorrow 00:00" in glance


def test_default_tab_is_active_sorted_by_what_unmutes_first(viewer_client, stories):
    response = viewer_client.get(URL)
    # The incident mute ends in 35 minutes, the upgrade in 6 hours, the forgotten one never.
    assert ids_on(response) == [stories["incident"], stories["upgrade"], stories["forgotten"]]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("legacy-batch-01", {"forgotten"}),  # scope
        ("rolling upgrade", {"upgrade"}),  # message, both words
        ("team:search", {"upgrade"}),  # monitor tags
        ("Marcus", {"incident", "monthly"}),  # creator name
        ("PAYMENTS-DB DISK", {"incident"}),  # monitor name, any case
        ("nothing-matches-this", set()),
    ],
)
def test_search_looks_through_scope_message_monitor_tags_and_creator(
    viewer_client, stories, q, expected
):
    response = viewer_client.get(URL, {"status": "all", "q": q})
    assert set(ids_on(response)) == {stories[name] for name in expected}


def test_search_narrows_the_tab_counts(viewer_client, stories):
    page = viewer_client.get(URL, {"q": "Marcus"}).content.decode()
    counts = dict(
        re.findall(r'class="tab tab-(\w+)".*?<span class="count">(\d+)</span>', page, re.S)
    )
    assert counts["all"] == "2"
    assert counts["active"] == "1"


def test_filter_by_kind(viewer_client, stories):
    recurring = viewer_client.get(URL, {"status": "all", "kind": "recurring"})
    assert set(ids_on(recurring)) == {
        stories[n] for n in ("patching", "nightly", "monthly", "reindex")
    }
    one_time = viewer_client.get(URL, {"status": "all", "kind": "one-time", "per_page": 50})
    assert stories["patching"] not in ids_on(one_time)
    assert len(ids_on(one_time)) == 7


def test_filter_by_creator(viewer_client, stories, org):
    marcus = next(u for u in org.users if u.name == "Marcus Oyelaran")
    response = viewer_client.get(URL, {"status": "all", "creator": str(marcus.id)})
    assert set(ids_on(response)) == {stories["incident"], stories["monthly"]}


def test_filter_created_by_me_uses_the_dashboards_own_record(viewer_client, viewer, stories):
    AuditEntry.objects.create(
        actor=viewer,
        actor_name="victor",
        action="create",
        downtime_id=stories["nightly"],
        summary="s",
        outcome="ok",
    )
    AuditEntry.objects.create(
        actor=viewer,
        actor_name="victor",
        action="create",
        downtime_id=stories["ended"],
        summary="s",
        outcome="failed",
    )
    response = viewer_client.get(URL, {"status": "all", "creator": "me"})
    assert ids_on(response) == [stories["nightly"]]


def test_filter_by_monitor(viewer_client, stories):
    monitor_id = SandboxDowntime.objects.get(uuid=stories["next_week"]).monitor_id
    assert SandboxMonitor.objects.get(id=monitor_id).name.startswith("[prod] auth-api")
    response = viewer_client.get(URL, {"status": "all", "monitor": monitor_id})
    assert ids_on(response) == [stories["next_week"]]


@pytest.mark.parametrize(
    ("sort", "first", "last"),
    [
        # Recurring ones sort by their current window: the reindex ran out a month ago.
        ("start", "reindex", "next_week"),
        ("-start", "next_week", "reindex"),
        ("created", "monthly", "incident"),
        ("-created", "incident", "monthly"),
        ("end", "reindex", "forgotten"),
    ],
)
def test_sort_orders(viewer_client, stories, sort, first, last):
    ids = ids_on(viewer_client.get(URL, {"status": "all", "sort": sort}))
    assert ids[0] == stories[first]
    assert ids[-1] == stories[last]


def test_pagination_walks_the_whole_tab(viewer_client, db, frozen_now):
    seed.seed(downtimes=120, now=frozen_now)
    total = sum(1 for d in datadog.list_all_downtimes() if d.status == "ended")
    seen: list[str] = []
    page = 1
    while True:
        response = viewer_client.get(URL, {"status": "ended", "page": page})
        ids = ids_on(response)
        assert len(ids) <= 25
        seen += ids
        if 'rel="next"' not in response.content.decode():
            break
        page += 1
    assert len(seen) == len(set(seen)) == total > 25
    assert f"{total} downtimes" in response.content.decode()


@pytest.mark.parametrize("size", [25, 50, 100])
def test_page_size_choices(viewer_client, db, frozen_now, size):
    seed.seed(downtimes=150, now=frozen_now)
    assert len(ids_on(viewer_client.get(URL, {"status": "all", "per_page": size}))) == size


@pytest.mark.parametrize(
    ("params", "notice", "shown"),
    [
        (
            {"status": "bogus"},
            "There is no &#x27;bogus&#x27; tab; showing Active downtimes.",
            "active",
        ),
        (
            {"page": "abc"},
            "Page &#x27;abc&#x27; is not a page number; showing the first page.",
            "active",
        ),
        ({"page": "99999"}, "There is no page 99999; showing the last page, 1.", "active"),
        (
            {"per_page": "7"},
            "Page size &#x27;7&#x27; is not one of 25, 50, 100; showing 25.",
            "active",
        ),
        ({"sort": "color"}, "Cannot sort by &#x27;color&#x27;", "active"),
        ({"tz": "Mars/Base"}, "Unknown time zone &#x27;Mars/Base&#x27;", "active"),
        ({"q": "x" * 5000}, "The search was cut to its first 200 characters.", "active"),
        ({"monitor": "abc"}, "is not a monitor id", "active"),
    ],
)
def test_bad_input_falls_back_and_says_so(viewer_client, stories, params, notice, shown):
    response = viewer_client.get(URL, params)
    assert response.status_code == 200
    assert notice in response.content.decode()
    assert 'class="tab tab-active" aria-current="page"' in response.content.decode()


def test_htmx_request_gets_only_the_results_fragment(viewer_client, stories):
    response = viewer_client.get(URL, {"status": "scheduled"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="results"')
    assert "<html" not in page
    assert 'id="filter-status" value="scheduled" hx-swap-oob="true"' in page
    assert set(ids_on(response)) == {
        stories[n] for n in ("tomorrow", "next_week", "patching", "nightly", "monthly")
    }


def test_filter_form_pushes_the_clean_link_and_polling_pushes_nothing(viewer_client, stories):
    form = viewer_client.get(
        URL,
        {
            "status": "active",
            "q": "legacy",
            "creator": "",
            "monitor": "",
            "kind": "",
            "sort": "",
            "per_page": "25",
            "tz": "",
        },
        headers={"HX-Request": "true", "HX-Trigger": "filters"},
    )
    assert form["HX-Push-Url"] == f"{URL}?q=legacy"
    poll = viewer_client.get(
        URL, {"q": "legacy"}, headers={"HX-Request": "true", "HX-Trigger": "results"}
    )
    assert "HX-Push-Url" not in poll


def test_htmx_history_restore_gets_the_whole_page(viewer_client, stories):
    response = viewer_client.get(
        URL,
        {"status": "ended"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.content.decode()


def test_links_carry_the_whole_view_state(viewer_client, stories):
    page = viewer_client.get(
        URL, {"status": "scheduled", "q": "upgrade", "sort": "-start", "tz": "Asia/Tokyo"}
    ).content.decode()
    # The Ended tab keeps the search, sort and zone but starts again on page one.
    assert (
        'href="/downtimes/?status=ended&amp;q=upgrade&amp;sort=-start&amp;tz=Asia%2FTokyo"' in page
    )


def test_times_are_shown_in_the_viewers_zone_with_utc_on_hover(viewer_client, stories, client):
    tokyo = viewer_client.get(URL, {"tz": "Asia/Tokyo"}).content.decode()
    # The incident mute started at 08:20Z, which is 17:20 in Tokyo.
    assert 'title="2026-11-16 08:20 UTC">Today 17:20</time>' in tokyo
    viewer_client.cookies["tz"] = "America/New_York"
    new_york = viewer_client.get(URL).content.decode()
    assert 'title="2026-11-16 08:20 UTC">Today 03:20</time>' in new_york


def test_rows_show_monitor_schedule_window_creator_and_badges(viewer_client, stories):
    page = viewer_client.get(URL, {"status": "all", "per_page": 100, "tz": "UTC"}).content.decode()
    row = lambda name: re.search(rf'id="downtime-{stories[name]}".*?</tr>', page, re.S).group(0)  # noqa: E731
    incident = row("incident")
    assert "[prod] payments-db" in incident
    assert "ends in 35m" in incident
    assert "ends within the hour" in incident
    assert "Marcus Oyelaran" in incident
    forgotten = row("forgotten")
    assert "no end" in forgotten and "over a week" in forgotten
    # A creator with no name shows by the handle before its @: never an address, on any page.
    assert 'class="creator">dana.k<' in forgotten and "@example.com" not in forgotten
    assert 'class="chip chip-tag">team:data-platform' in forgotten
    patching = row("patching")
    assert "Every Tue and Thu, 02:00\u201305:00 America/New_York" in patching
    assert "starts tomorrow 07:00" in patching
    # Scopes read as Datadog writes them, so they can be copied back into Datadog.
    assert 'class="chip chip-not">-service:payments-db' in patching
    assert 'class="chip">region:(us-east-1 OR eu-west-1)</span>' in row("upgrade")
    assert "starts tomorrow 02:00" in row("tomorrow")
    assert "canceled 9h ago" in row("canceled")


# --- the cache: fresh without hammering Datadog ----------------------------------------------


def test_warm_page_views_make_no_upstream_call(viewer_client, stories, upstream_calls):
    viewer_client.get(URL)
    assert upstream_calls  # the cold view fetched the set
    upstream_calls.clear()
    viewer_client.get(URL)
    viewer_client.get(URL, {"status": "ended"})
    viewer_client.get(URL, {"q": "upgrade"})
    viewer_client.get(URL, {"status": "all", "page": 1, "per_page": 50, "sort": "start"})
    viewer_client.get(URL, {"status": "scheduled"}, headers={"HX-Request": "true"})
    assert upstream_calls == []


def test_refresh_button_fetches_again_at_most_once_an_interval(
    viewer_client, stories, upstream_calls
):
    from django.core.cache import cache

    from downtimes_app import store

    viewer_client.get(URL)
    upstream_calls.clear()
    viewer_client.get(URL, headers={"HX-Request": "true", "X-Refresh": "1"})
    assert upstream_calls
    upstream_calls.clear()
    response = viewer_client.get(URL, {"status": "ended", "refresh": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?status=ended"
    assert upstream_calls == []  # a second reload so soon is not made...
    assert "Refresh works again in" in viewer_client.get(response["Location"]).content.decode()
    cache.delete(store.KEY_FORCED)  # ...until the interval is over
    viewer_client.get(URL, {"refresh": "1"})
    assert upstream_calls


def test_cached_copy_expires_after_its_time_to_live(
    viewer_client, stories, upstream_calls, settings
):
    from django.core.cache import cache

    from downtimes_app import store

    viewer_client.get(URL)
    upstream_calls.clear()
    cache.delete(store.KEY_FRESH)  # what the TTL does when it runs out
    viewer_client.get(URL)
    assert upstream_calls


def test_datadog_failure_keeps_the_last_good_data_with_a_banner(
    viewer_client, stories, monkeypatch
):
    from django.core.cache import cache

    from downtimes_app import store
    from downtimes_app.datadog import client as service

    monkeypatch.setattr(service, "_sleep", lambda s: None)
    assert viewer_client.get(URL).status_code == 200
    cache.delete(store.KEY_FRESH)
    with faults.inject(rates={"500": 1.0}):
        response = viewer_client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert set(ids_on(response)) == {stories["incident"], stories["upgrade"], stories["forgotten"]}
    assert "Showing data from" in page
    assert "Datadog could not be reached for fresh data since" in page
    assert "answered 500" in page


def test_rate_limited_with_no_data_yet_is_a_page_not_an_error(
    viewer_client, stories, monkeypatch, settings
):
    from downtimes_app.datadog import client as service

    monkeypatch.setattr(service, "_sleep", lambda s: None)
    settings.DATADOG_RATE_LIMIT_WAIT_CAP = 0
    with faults.inject(rates={"429": 1.0}):
        response = viewer_client.get(URL)
    assert response.status_code == 200
    assert "No downtimes to show yet." in response.content.decode()
    assert "rate-limiting" in response.content.decode()


def test_a_write_through_the_dashboard_shows_at_once_without_a_list_call(
    viewer_client, stories, upstream_calls, editor
):
    from downtimes_app.downtimes import actions

    viewer_client.get(URL)
    actions.cancel(editor, stories["incident"], NOW)
    upstream_calls.clear()
    assert stories["incident"] not in ids_on(viewer_client.get(URL))
    assert stories["incident"] in ids_on(viewer_client.get(URL, {"status": "canceled"}))
    assert ("GET", "/api/v2/downtime") not in upstream_calls


def test_statuses_follow_the_clock_after_a_refresh(viewer_client, stories):
    from sandbox import clock

    assert stories["incident"] in ids_on(viewer_client.get(URL))
    clock.set_now(NOW + timedelta(hours=1))
    response = viewer_client.get(URL, headers={"X-Refresh": "1", "HX-Request": "true"})
    assert stories["incident"] not in ids_on(response)


@pytest.mark.django_db(transaction=True)
def test_a_first_page_slower_than_the_deadline_says_it_is_loading_and_fills_in(
    frozen_now, settings, viewer_client
):
    seed.seed(downtimes=0, now=frozen_now)
    settings.DOWNTIME_REFRESH_DEADLINE = 0.2
    with faults.inject(latency_ms=500):
        waiting = viewer_client.get(reverse("downtimes:list"))
        assert "Loading the downtimes from Datadog" in waiting.content.decode()
        assert 'hx-trigger="every 2s' in waiting.content.decode()  # it asks again soon
        filled = None
        for _ in range(100):
            filled = viewer_client.get(reverse("downtimes:list"), HTTP_HX_REQUEST="true")
            if "Loading the downtimes" not in filled.content.decode():
                break
            time.sleep(0.05)
    assert STORIES["incident"] in filled.content.decode()
