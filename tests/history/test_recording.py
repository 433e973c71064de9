"""What a refresh and a write record: only changes, once, never an older state over a newer."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from downtimes_app import store
from downtimes_app.core.clock import now
from downtimes_app.history import recording, worker
from downtimes_app.models import AuditEntry, DowntimeVersion
from downtimes_app.store import refresh as refreshing
from tests.history.support import later, refresh


def _unchanged_refresh() -> None:
    """A refresh that reads the set again and finds it as the copy has it."""
    store.mark_stale()
    refreshing.start(store.DOWNTIMES)


def test_the_first_refresh_sees_each_downtime_once(org):
    refresh()
    snapshot = store.peek()
    assert DowntimeVersion.objects.count() == len(snapshot.items)
    assert set(DowntimeVersion.objects.values_list("event", flat=True)) == {"seen"}


def test_a_refresh_that_finds_nothing_changed_writes_nothing_and_asks_nothing(org):
    refresh()
    before = DowntimeVersion.objects.count()
    with CaptureQueriesContext(connection) as queries:
        _unchanged_refresh()
    assert DowntimeVersion.objects.count() == before
    assert not [q for q in queries.captured_queries if "downtimeversion" in q["sql"].lower()]


def test_after_a_restart_the_same_set_is_compared_with_the_database_and_adds_nothing(org):
    refresh()
    before = DowntimeVersion.objects.count()
    recording.forget()  # a new process: nothing in memory
    refresh()
    assert DowntimeVersion.objects.count() == before


def test_a_computed_status_or_modified_time_alone_is_no_change(org, stories):
    refresh()
    before = DowntimeVersion.objects.count()
    later(24 * 60)  # a day on: windows started and ended, statuses with them
    stories["forgotten"].modified = now()
    stories["forgotten"].save()
    refresh()
    assert DowntimeVersion.objects.count() == before


def test_a_refresh_that_began_before_a_write_never_records_the_older_state(org):
    refresh()
    items = store.peek().items
    target = items[0]
    started = now()
    later(1)
    entry = AuditEntry.objects.create(actor_name="Erin", action="edit", summary="x", outcome="ok")
    newer = replace(target, message="changed through the dashboard")
    assert recording.record_written(entry, newer) is not None
    # The refresh fetched before the write: its set has the old message.
    recording.forget()
    recording.record_set(items, started)
    last = DowntimeVersion.objects.filter(downtime_id=target.id).order_by("-seq").first()
    assert last.actor == "Erin" and last.state["data"]["attributes"]["message"] == newer.message


def test_a_write_whose_answer_a_refresh_recorded_first_takes_that_version(org):
    refresh()
    target = store.peek().items[0]
    newer = replace(target, message="seen by the refresh first")
    later(1)
    recording.record_set([newer, *store.peek().items[1:]], now())
    entry = AuditEntry.objects.create(actor_name="Erin", action="edit", summary="x", outcome="ok")
    assert recording.record_written(entry, newer) is None  # nothing new to add
    last = DowntimeVersion.objects.filter(downtime_id=target.id).order_by("-seq").first()
    assert last.actor == "Erin" and last.entry_id == entry.pk
    assert DowntimeVersion.objects.filter(downtime_id=target.id).count() == 2


def test_two_writers_making_the_same_next_version_keep_one(org):
    refresh()
    target = store.peek().items[0]
    later(1)
    entry = AuditEntry.objects.create(actor_name="Erin", action="edit", summary="x", outcome="ok")
    newer = replace(target, message="once")
    recording.record_written(entry, newer)
    recording.record_written(entry, newer)
    recording.forget()
    recording.record_set([newer], now() - timedelta(minutes=5))
    assert DowntimeVersion.objects.filter(downtime_id=target.id).count() == 2


def test_pruning_keeps_what_datadog_still_has_and_drops_what_it_forgot_long_ago(outside):
    downtime_id, _monitor = outside
    kept = DowntimeVersion.objects.filter(valid_until=None).exclude(event="gone")
    alive = set(kept.values_list("downtime_id", flat=True))
    worker.prune_before(now() + timedelta(days=1))
    assert not DowntimeVersion.objects.filter(downtime_id=downtime_id).exists()
    assert set(DowntimeVersion.objects.values_list("downtime_id", flat=True)) == alive


def test_pruning_keeps_every_version_younger_than_the_cutoff(outside):
    downtime_id, _monitor = outside
    assert worker.prune_before(now() - timedelta(days=400)) == 0
    assert DowntimeVersion.objects.filter(downtime_id=downtime_id).count() == 4


def test_with_no_days_kept_nothing_is_recorded(org, settings):
    settings.DASHBOARD_HISTORY_DAYS = 0
    refresh()
    assert not DowntimeVersion.objects.exists()
