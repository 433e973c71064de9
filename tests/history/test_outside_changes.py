"""A downtime made, changed and canceled straight through the sandbox's API (as in Datadog's UI
or by Terraform), then forgotten by it: the dashboard's record keeps every version."""

from __future__ import annotations

from downtimes_app.models import DowntimeVersion


def test_outside_changes_are_each_a_version_until_datadog_forgets(outside):
    downtime_id, _monitor = outside
    versions = DowntimeVersion.objects.filter(downtime_id=downtime_id).order_by("seq")
    assert [v.event for v in versions] == ["created", "changed", "canceled", "gone"]
    assert versions[1].changed == ["message"]
    assert all(v.actor == "" for v in versions)  # all outside the dashboard
    assert versions[0].state["data"]["attributes"]["message"] == "Deploying payments-api"
    assert versions[1].state["data"]["attributes"]["message"] == "Deploy, second try"


def test_a_forgotten_downtime_keeps_its_page_with_every_version(outside, viewer_client):
    downtime_id, _monitor = outside
    page = viewer_client.get(f"/downtimes/{downtime_id}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Datadog no longer has this downtime" in text
    assert text.count('class="history-entry version-') == 4
    assert "outside the dashboard" in text
    assert "Deploy, second try" in text


def _moment(client, at: str, **params):
    query = "&".join(f"{k}={v}" for k, v in {"at": at, **params}.items())
    return client.get(f"/history/?{query}")


def test_the_moment_shows_it_only_while_it_muted_and_as_it_was_then(outside, viewer_client):
    downtime_id, _monitor = outside
    first = _moment(viewer_client, "2026-11-16T09:50Z").content.decode()
    assert downtime_id in first and "Deploying payments-api" in first
    second = _moment(viewer_client, "2026-11-16T10:15Z").content.decode()
    assert downtime_id in second and "Deploy, second try" in second
    assert "Deploying payments-api" not in second
    for before_or_after in ("2026-11-16T09:00Z", "2026-11-16T09:35Z", "2026-11-16T10:45Z"):
        page = _moment(viewer_client, before_or_after)
        assert page.status_code == 200
        assert downtime_id not in page.content.decode(), before_or_after


def test_a_moment_without_an_offset_is_in_the_viewers_zone(outside, viewer_client):
    downtime_id, _monitor = outside
    # 10:50 in Paris is 09:50 UTC, while it muted; 10:50 UTC it was canceled.
    paris = _moment(viewer_client, "2026-11-16T10:50", tz="Europe/Paris").content.decode()
    assert downtime_id in paris
    assert 'value="2026-11-16T10:50"' in paris  # the picker keeps the time as typed
    assert "at=2026-11-16T09%3A50Z" in paris  # the permalink names the moment in UTC
    utc = _moment(viewer_client, "2026-11-16T10:50", tz="UTC").content.decode()
    assert downtime_id not in utc


def test_the_monitors_page_lists_it_after_datadog_forgot_it(outside, viewer_client):
    downtime_id, monitor = outside
    page = viewer_client.get(f"/monitors/{monitor.id}/").content.decode()
    assert "Forgotten by Datadog, kept by the dashboard" in page
    assert f"/downtimes/{downtime_id}/" in page


def test_its_history_exports_as_csv_and_json(outside, viewer_client):
    downtime_id, _monitor = outside
    rows = viewer_client.get(f"/downtimes/{downtime_id}/history.csv").content.decode()
    lines = rows.strip().splitlines()
    assert lines[0].startswith("downtime_id,version,event,changed")
    assert [line.split(",")[2] for line in lines[1:]] == ["created", "changed", "canceled", "gone"]
    assert "outside the dashboard" in lines[1]
    body = viewer_client.get(f"/downtimes/{downtime_id}/history.json").json()
    assert [v["version"] for v in body["versions"]] == [1, 2, 3, 4]
    assert body["versions"][1]["changed"] == ["message"]
    assert body["versions"][1]["state"]["data"]["attributes"]["message"] == "Deploy, second try"


def test_a_moment_exports_what_muted_then(outside, viewer_client):
    downtime_id, _monitor = outside
    rows = viewer_client.get("/history/moment.csv?at=2026-11-16T10:15Z").content.decode()
    assert downtime_id in rows
    body = viewer_client.get("/history/moment.json?at=2026-11-16T10:15Z").json()
    assert body["at"] == "2026-11-16T10:15:00+00:00"
    mine = [d for d in body["downtimes"] if d["downtime_id"] == downtime_id]
    assert mine[0]["forgotten"] is True and mine[0]["made_outside"] is True
    assert mine[0]["message"] == "Deploy, second try"
    later = viewer_client.get("/history/moment.json?at=2026-11-16T10:45Z").json()
    assert downtime_id not in {d["downtime_id"] for d in later["downtimes"]}
