"""`/history/?at=`: the URL is the state; a time it cannot use becomes a notice, never an error."""

from __future__ import annotations

import pytest

from tests.history.support import refresh


@pytest.fixture
def recorded(org):
    refresh()  # the record begins at NOW (2026-11-16 09:30 UTC)


@pytest.mark.parametrize(
    ("at", "notice"),
    [
        ("yesterday at noon", "is not a date and time; showing now"),
        ("2026-13-45T99:00", "is not a date and time; showing now"),
        ("0001-01-01T00:00", "is out of range"),
        ("9999-12-31T23:59Z", "is out of range"),
        ("2099-01-01T00:00Z", "has not happened yet; showing now"),
        ("2020-01-01T00:00Z", "The record begins"),
        ("x" * 500, "is not a date and time"),
    ],
)
def test_a_time_it_cannot_use_is_a_notice(recorded, viewer_client, at, notice):
    page = viewer_client.get("/history/", {"at": at})
    assert page.status_code == 200
    assert notice in page.content.decode()


def test_bad_filters_are_notices_and_the_rest_still_applies(recorded, viewer_client):
    page = viewer_client.get(
        "/history/", {"kind": "weekly", "through": "pigeon", "monitor": "abc", "page": "x"}
    )
    text = page.content.decode()
    assert page.status_code == 200
    for words in ("Unknown kind", "Unknown through", "is not a monitor id", "is not a page number"):
        assert words in text


def test_search_and_filters_narrow_a_moment_as_on_the_list(recorded, viewer_client, stories):
    at = {"at": "2026-11-16T09:30Z"}
    everything = viewer_client.get("/history/", at).content.decode()
    incident = str(stories["incident"].uuid)
    upgrade = str(stories["upgrade"].uuid)
    assert incident in everything and upgrade in everything
    found = viewer_client.get("/history/", {**at, "q": "payments-db"}).content.decode()
    assert incident in found and upgrade not in found
    recurring = viewer_client.get("/history/", {**at, "kind": "recurring"}).content.decode()
    assert incident not in recurring
    mine = viewer_client.get("/history/", {**at, "through": "dashboard"}).content.decode()
    assert incident not in mine  # the demo org's downtimes were all made outside


def test_the_moment_needs_a_signed_in_person(recorded, client, settings):
    settings.DASHBOARD_ANONYMOUS_READ = True
    for path in ("/history/", "/history/moment.csv", "/history/moment.json"):
        answer = client.get(path)
        assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_an_unknown_downtimes_history_export_is_a_json_404(recorded, viewer_client):
    answer = viewer_client.get("/downtimes/not-one/history.json")
    assert answer.status_code == 404
    assert answer.json()["errors"]
