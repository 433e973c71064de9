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


def test_a_moment_worked_out_once_still_shows_a_version_recorded_after(
    recorded, viewer_client, api, frozen_now
):
    from datetime import timedelta

    from sandbox import clock
    from tests.history.support import one_time

    at = {"at": "2026-11-16T09:32Z"}
    clock.set_now(frozen_now + timedelta(minutes=1))
    start = frozen_now + timedelta(minutes=1)
    body = one_time(start, start + timedelta(hours=1), message="Made between two refreshes")
    clock.set_now(frozen_now + timedelta(minutes=5))
    assert "Made between two refreshes" not in viewer_client.get("/history/", at).content.decode()
    clock.set_now(frozen_now + timedelta(minutes=1))
    assert api.post("/api/v2/downtime", body).status_code == 200
    clock.set_now(frozen_now + timedelta(minutes=5))
    refresh()  # seen four minutes later, but Datadog says it was made at 09:31
    assert "Made between two refreshes" in viewer_client.get("/history/", at).content.decode()


def test_another_orgs_record_is_never_shown(recorded, viewer_client, stories):
    from downtimes_app.models import DowntimeVersion

    mine = DowntimeVersion.objects.filter(downtime_id=str(stories["incident"].uuid)).first()
    mine.pk, mine.upstream, mine.downtime_id = None, "api.datadoghq.eu/0123456789abcdef", "theirs"
    mine.state = {**mine.state, "data": {**mine.state["data"], "id": "theirs"}}
    mine.save()
    page = viewer_client.get("/history/", {"at": "2026-11-16T09:30Z"}).content.decode()
    assert str(stories["incident"].uuid) in page and "/downtimes/theirs/" not in page
    assert viewer_client.get("/downtimes/theirs/history.json").status_code == 404


def test_an_offset_whose_plus_became_a_space_in_a_pasted_link_still_reads(recorded, viewer_client):
    page = viewer_client.get("/history/?at=2026-11-16T10:30+01:00").content.decode()
    assert "is not a date and time" not in page
    assert "at=2026-11-16T09%3A30Z" in page  # the permalink: 10:30 at +01:00 is 09:30 UTC
