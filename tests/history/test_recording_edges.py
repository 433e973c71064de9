"""The record stays exactly true at its edges: the first refresh after a write, a downtime a
refresh missed once, a revert behind a write, a cancel without an answer, who made what, a
downtime canceled before it was first seen, a recurring series, and a moment kept in memory."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from downtimes_app import store
from downtimes_app.core.clock import now
from downtimes_app.history import reading, recording
from downtimes_app.models import AuditEntry, Delivery, DowntimeVersion
from sandbox.models import SandboxDowntime
from tests.history.support import later, one_time, refresh


def _entry(action: str = "edit", downtime_id: str = "") -> AuditEntry:
    return AuditEntry.objects.create(
        actor_name="Erin (erin)", action=action, summary="x", outcome="ok", downtime_id=downtime_id
    )


def _events(downtime_id: str) -> list[str]:
    versions = DowntimeVersion.objects.filter(downtime_id=downtime_id).order_by("seq")
    return list(versions.values_list("event", flat=True))


@pytest.fixture
def told(settings, destinations):
    settings.DASHBOARD_NOTIFY_OUTSIDE = ("sre",)


def test_a_write_before_the_first_refresh_does_not_make_the_org_news(told, org, stories):
    store.current()  # the copy, read without the history: its first refresh comes later
    DowntimeVersion.objects.all().delete()
    recording.forget()
    incident = store.peek().get(str(stories["incident"].uuid))
    SandboxDowntime.objects.filter(pk=stories["incident"].pk).update(
        message="extended", modified=now()
    )
    recording.record_written(_entry(), replace(incident, message="extended"))
    refresh()
    events = set(DowntimeVersion.objects.filter(actor="").values_list("event", flat=True))
    assert events == {"seen"}
    assert not Delivery.objects.filter(kind="outside").exists()


def test_a_downtime_one_refresh_missed_is_not_forgotten_nor_news_when_it_is_back(
    told, org, stories
):
    refresh()
    row = stories["upgrade"]
    downtime_id, canceled = str(row.uuid), row.canceled
    # Hidden from the list for one read, as a page boundary moving under a refresh can do.
    SandboxDowntime.objects.filter(pk=row.pk).update(canceled=now() - timedelta(days=30))
    refresh()
    assert _events(downtime_id) == ["seen"]
    SandboxDowntime.objects.filter(pk=row.pk).update(canceled=canceled)
    refresh()
    assert _events(downtime_id) == ["seen"]
    SandboxDowntime.objects.filter(pk=row.pk).update(canceled=now() - timedelta(days=30))
    refresh()
    refresh()  # two refreshes in a row without it: gone
    assert _events(downtime_id) == ["seen", "gone"]
    SandboxDowntime.objects.filter(pk=row.pk).update(canceled=canceled)
    refresh()  # back as it was: a version, but no change anyone made, so no message
    assert _events(downtime_id) == ["seen", "gone", "changed"]
    assert DowntimeVersion.objects.get(downtime_id=downtime_id, seq=3).changed == []
    assert not Delivery.objects.filter(kind="outside").exists()


def test_a_revert_behind_a_write_recorded_elsewhere_is_recorded(
    org, stories, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refresh()
    row = stories["upgrade"]
    downtime = store.peek().get(str(row.uuid))
    later(1)
    with django_capture_on_commit_callbacks(execute=True):  # another process's write
        recording.record_written(_entry(), replace(downtime, message="through the dashboard"))
    later(1)  # Datadog still has (again) what this refresh process last recorded
    with django_capture_on_commit_callbacks(execute=True):
        refresh()
    last = DowntimeVersion.objects.filter(downtime_id=str(row.uuid)).order_by("-seq").first()
    assert (last.seq, last.actor) == (3, "")
    assert last.state["data"]["attributes"]["message"] == downtime.message


def test_a_cancel_answered_without_the_downtime_names_its_person(org, stories):
    refresh()
    downtime_id = str(stories["upgrade"].uuid)
    entry = _entry(AuditEntry.Action.BULK_CANCEL, downtime_id)
    recording.after_write(None, entry=entry, downtime=None)
    SandboxDowntime.objects.filter(pk=stories["upgrade"].pk).update(canceled=now())
    later(1)
    refresh()
    versions = DowntimeVersion.objects.filter(downtime_id=downtime_id).order_by("seq")
    assert [(v.event, v.actor) for v in versions] == [("seen", ""), ("canceled", "Erin (erin)")]


def test_made_by_is_who_created_it_not_who_first_changed_it(org, stories, viewer_client):
    refresh()
    downtime = store.peek().get(str(stories["incident"].uuid))
    later(1)
    recording.record_written(_entry(), replace(downtime, message="extended by Erin"))
    mine = [m for m in reading.muting_at(now()) if m.version.downtime.id == downtime.id]
    assert mine[0].made_outside and mine[0].made_by == downtime.creator.display_name


def test_a_downtime_canceled_before_it_was_first_seen_still_muted_until_then(api, org):
    refresh()
    start = later(1)
    made = api.post("/api/v2/downtime", one_time(start, start + timedelta(hours=1))).json()
    downtime_id = made["data"]["id"]
    later(20)
    assert api.delete(f"/api/v2/downtime/{downtime_id}").status_code == 204
    later(5)
    refresh()  # first sight: already canceled
    assert _events(downtime_id) == ["created"]
    at = {m.version.downtime.id for m in reading.muting_at(start + timedelta(minutes=10))}
    after = {m.version.downtime.id for m in reading.muting_at(start + timedelta(minutes=30))}
    assert downtime_id in at and downtime_id not in after


def test_a_recurring_series_mutes_inside_its_windows_only(org, stories):
    refresh()
    later(24 * 60)  # 2026-11-17 09:30: the night's window has come and gone
    nightly = str(stories["nightly"].uuid)  # every day 01:00-03:00 Berlin (00:00-02:00 UTC)

    def muting(at: str) -> bool:
        from datetime import datetime

        moment = datetime.fromisoformat(at)
        return nightly in {m.version.downtime.id for m in reading.muting_at(moment)}

    assert muting("2026-11-17T00:30+00:00")
    assert not muting("2026-11-16T23:30+00:00")
    assert not muting("2026-11-17T02:30+00:00")


def test_the_record_begins_when_the_dashboard_first_looked(org, viewer_client):
    refresh()  # at NOW, 2026-11-16 09:30 UTC; the demo org's downtimes are older
    page = viewer_client.get("/history/", {"at": "2026-11-15T09:30Z"}).content.decode()
    assert "The record begins" in page


def test_two_writers_making_the_same_next_version_keep_one(org, stories, monkeypatch):
    refresh()
    downtime = store.peek().get(str(stories["upgrade"].uuid))
    first = DowntimeVersion.objects.get(downtime_id=downtime.id)
    later(1)
    other = replace(downtime, message="the other process's write")
    recording.record_written(_entry(), other)  # made version 2 first
    reads = iter([{downtime.id: first}])  # this process read before it did: version 1 last

    def stale_then_fresh(upstream, ids=None):
        found = next(reads, None)
        return found if found is not None else original(upstream, ids)

    original = recording.last_versions
    monkeypatch.setattr(recording, "last_versions", stale_then_fresh)
    mine = recording.record_written(_entry(), replace(downtime, message="mine"))
    versions = DowntimeVersion.objects.filter(downtime_id=downtime.id).order_by("seq")
    assert [v.state["data"]["attributes"]["message"] for v in versions][1:] == [
        "the other process's write",
        "mine",
    ]
    assert mine is not None and mine.seq == 3


def test_a_moment_kept_in_memory_shows_a_version_recorded_since(
    org, viewer_client, api, frozen_now, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refresh()
    at = {"at": "2026-11-16T09:32Z"}
    later(5)
    assert "Between two refreshes" not in viewer_client.get("/history/", at).content.decode()
    assert recording.generation(recording.datadog.upstream()) is not None  # so it was kept
    from sandbox import clock

    clock.set_now(frozen_now + timedelta(minutes=1))
    body = one_time(now(), now() + timedelta(hours=1), message="Between two refreshes")
    assert api.post("/api/v2/downtime", body).status_code == 200
    clock.set_now(frozen_now + timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        refresh()
    assert "Between two refreshes" in viewer_client.get("/history/", at).content.decode()


def test_pruning_keeps_who_created_a_downtime_datadog_still_has(org, stories):
    from downtimes_app.history import worker

    refresh()
    downtime = store.peek().items[0]
    later(1)
    made = replace(downtime, id="made-here", message="v1")
    recording.record_written(_entry(AuditEntry.Action.CREATE, "made-here"), made)
    later(60)
    recording.record_written(_entry(), replace(made, message="v2"))
    later(60)
    worker.prune_before(now())  # version 1 stopped being Datadog's an hour ago
    kept = DowntimeVersion.objects.filter(downtime_id="made-here").order_by("seq")
    assert [(v.seq, v.event, v.actor) for v in kept] == [
        (1, "created", "Erin (erin)"),
        (2, "changed", "Erin (erin)"),
    ]


def test_a_downtime_two_refreshes_lack_is_gone_even_when_the_second_finds_the_same_set(api, org):
    from downtimes_app.store import refresh as refreshing

    refresh()
    start = later(1)
    made = api.post("/api/v2/downtime", one_time(start, start + timedelta(hours=1))).json()
    downtime_id = made["data"]["id"]
    refresh()
    SandboxDowntime.objects.filter(uuid=downtime_id).delete()  # gone from Datadog at once
    refresh()  # the set changed: it is missing once
    store.mark_stale()
    refreshing.start(store.DOWNTIMES)  # the same set again: missing twice
    assert _events(downtime_id) == ["created", "gone"]
