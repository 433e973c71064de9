"""The shared copy of the downtime set: no request waits for a refresh once a copy exists, one
refresh at a time, writes laid over every copy at once, stale data on failure."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import timedelta

import pytest
from django.core.cache import cache

from downtimes_app import datadog, store
from downtimes_app.datadog import client as service
from sandbox import clock, faults, seed
from tests.store.support import wait_until

SECOND = timedelta(seconds=1)


def settled() -> None:
    """Wait until the copy a cold load fetched is stored for everyone (that goes on behind)."""
    wait_until(lambda: cache.get(store.KEY_LOCK) is None and cache.get(store.KEY_VERSION))


def another_worker() -> None:
    """As if the next call came from another process sharing the cache: nothing in memory."""
    store.DOWNTIMES.local.forget()


@pytest.mark.django_db(transaction=True)
def test_many_concurrent_cold_readers_cause_one_refresh(frozen_now, list_calls):
    seed.seed(downtimes=30, now=frozen_now)
    results: list[store.Current] = []
    with faults.inject(latency_ms=100):
        threads = [
            threading.Thread(target=lambda: results.append(store.current())) for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(list_calls) == 1
    assert len(results) == 8
    assert {len(r.downtimes) for r in results} == {30}
    assert len({r.snapshot.version for r in results}) == 1


@pytest.mark.django_db(transaction=True)
def test_an_expired_copy_is_served_without_a_fetch_in_the_request(frozen_now, list_calls):
    seed.seed(downtimes=30, now=frozen_now)
    first = store.current()
    settled()
    clock.set_now(frozen_now + SECOND)
    cache.delete(store.KEY_FRESH)  # what the time to live does when it runs out
    with faults.inject(latency_ms=300):
        served = store.current()
        assert served.snapshot is first.snapshot  # at once, the copy it had
        renewed = wait_until(
            lambda: store.current().snapshot.fetched_at > first.snapshot.fetched_at
        )
    assert list_calls == ["downtime-refresh", "downtime-refresh"]  # never on the request's own
    assert renewed


def test_a_refresh_that_finds_nothing_changed_stores_only_when_it_looked(
    org, frozen_now, monkeypatch
):
    first = store.current().snapshot
    other = store.shared.Local()  # a worker that read this base earlier
    other.publish(first)
    clock.set_now(frozen_now + SECOND)
    cache.delete(store.KEY_FRESH)
    refreshed = store.current().snapshot
    assert refreshed.version == first.version  # the list's indexes for it stay good
    assert refreshed.fetched_at == frozen_now + SECOND
    reads = []
    original = cache.get
    monkeypatch.setattr(
        cache, "get", lambda key, *a, **kw: reads.append(key) or original(key, *a, **kw)
    )
    monkeypatch.setattr(store.DOWNTIMES, "local", other)
    seen_there = store.current().snapshot
    assert seen_there.fetched_at == frozen_now + SECOND  # as fresh there as here
    assert seen_there.downtimes is first.downtimes
    assert store.KEY_DATA not in reads  # without reading the set again


def test_a_refresh_that_finds_a_change_makes_a_new_version_for_everyone(org, list_calls):
    first = store.current().snapshot
    made = datadog.create_downtime(
        attributes={"scope": "env:behind", "monitor_identifier": {"monitor_tags": ["team:x"]}}
    )  # behind the dashboard's back: no journal entry
    cache.delete(store.KEY_FRESH)
    refreshed = store.current().snapshot
    assert refreshed.version != first.version
    assert refreshed.get(made.id) is not None
    another_worker()
    assert store.current().snapshot.version == refreshed.version
    assert len(list_calls) == 2


@pytest.mark.django_db(transaction=True)
def test_one_refresh_at_a_time_however_many_find_the_copy_expired(frozen_now, list_calls):
    seed.seed(downtimes=30, now=frozen_now)
    store.current()
    settled()
    cache.delete(store.KEY_FRESH)
    with faults.inject(latency_ms=200):
        for _ in range(20):
            store.current()
        wait_until(lambda: cache.get(store.KEY_LOCK) is None and cache.get(store.KEY_FRESH))
    assert list_calls == ["downtime-refresh", "downtime-refresh"]


def test_fresh_copy_is_served_without_refetching(org, list_calls):
    first = store.current()
    second = store.current()
    assert len(list_calls) == 1
    assert second.snapshot is first.snapshot  # the process keeps the copy it last read


def test_another_process_reads_the_shared_copy_by_version(org, list_calls):
    first = store.current()
    another_worker()
    second = store.current()
    assert len(list_calls) == 1
    assert second.snapshot.version == first.snapshot.version
    assert second.snapshot.downtimes == first.snapshot.downtimes


def test_the_shared_copy_is_stored_compressed(org):
    store.current()
    stored = cache.get(store.KEY_DATA)
    assert isinstance(stored, bytes)
    assert store.shared.unpack(stored).version == cache.get(store.KEY_VERSION)


def test_a_write_shows_in_every_worker_without_a_list_call(org, list_calls):
    snapshot = store.current().snapshot
    target = snapshot.downtimes[0]
    changed = dataclasses.replace(target, message="changed", modified=target.modified)
    store.record_write(changed)
    assert store.current().snapshot.get(target.id).message == "changed"  # this worker
    another_worker()
    assert store.current().snapshot.get(target.id).message == "changed"  # and any other
    assert len(list_calls) == 1


def test_a_downtime_made_since_the_copy_joins_it_last(org):
    snapshot = store.current().snapshot
    made = dataclasses.replace(snapshot.downtimes[0], id="new-one", message="new")
    store.record_write(made)
    view = store.current().snapshot
    assert view.downtimes[-1] == made and len(view.downtimes) == len(snapshot.downtimes) + 1


def test_a_refresh_begun_before_a_write_does_not_undo_it(org, monkeypatch):
    snapshot = store.current().snapshot
    target = snapshot.downtimes[0]
    original = datadog.load_all_downtimes

    def write_lands_meanwhile(**kwargs):
        found = original(**kwargs)  # read before the write below
        store.record_write(dataclasses.replace(target, message="written meanwhile"))
        return found

    monkeypatch.setattr(datadog, "load_all_downtimes", write_lands_meanwhile)
    cache.delete(store.KEY_FRESH)
    refreshed = store.current().snapshot
    assert refreshed.get(target.id).message == "written meanwhile"
    another_worker()
    assert store.current().snapshot.get(target.id).message == "written meanwhile"


def test_a_newer_copy_in_the_base_wins_over_an_older_write(org):
    snapshot = store.current().snapshot
    target = snapshot.downtimes[0]
    older = dataclasses.replace(target, message="older", modified=target.modified - SECOND)
    store.record_write(older)
    assert store.current().snapshot.get(target.id).message == target.message


def test_writers_racing_for_the_journal_both_land(org):
    snapshot = store.current().snapshot
    a, b = snapshot.downtimes[0], snapshot.downtimes[1]
    cache.set(store.KEY_JOURNAL_HEAD, 0, None)
    store.record_write(dataclasses.replace(a, message="a"))
    cache.set(store.KEY_JOURNAL_HEAD, 0, None)  # as if the second writer read the head first
    store.record_write(dataclasses.replace(b, message="b"))
    another_worker()
    view = store.current().snapshot
    assert (view.get(a.id).message, view.get(b.id).message) == ("a", "b")


def test_a_forced_refresh_reloads_once_an_interval(org, list_calls, settings):
    store.current()
    forced = store.current(force=True)
    again = store.current(force=True)
    assert len(list_calls) == 2
    assert forced.forced_wait == 0
    assert 0 < again.forced_wait <= settings.DOWNTIME_FORCED_REFRESH_INTERVAL


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_forced_refreshes_from_many_sessions_reloads_once(frozen_now, list_calls):
    seed.seed(downtimes=30, now=frozen_now)
    store.current()
    settled()
    results: list[store.Current] = []
    with faults.inject(latency_ms=50):
        threads = [
            threading.Thread(target=lambda: results.append(store.current(force=True)))
            for _ in range(12)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(list_calls) == 2  # the first copy, and one forced reload
    assert sum(1 for r in results if r.forced_wait) == 11


def test_failure_keeps_last_good_data_and_pauses_retries(org, frozen_now, list_calls, monkeypatch):
    monkeypatch.setattr(service, "_sleep", lambda s: None)
    good = store.current()
    store.mark_stale()
    with faults.inject(rates={"503": 1.0}):
        failed = store.current()
        again = store.current()
    assert failed.snapshot is good.snapshot
    assert failed.stale and failed.failure.kind == "Unavailable"
    assert again.stale  # still the old copy, still saying so
    assert len(list_calls) == 2  # the failure held off an immediate second attempt
    cache.delete(store.KEY_FRESH)  # the pause is over
    clock.set_now(frozen_now + SECOND)
    recovered = store.current()
    assert not recovered.stale
    assert recovered.snapshot.fetched_at > good.snapshot.fetched_at
    assert len(list_calls) == 3


def test_no_copy_and_a_recent_failure_does_not_ask_again_at_once(org, list_calls, monkeypatch):
    monkeypatch.setattr(service, "_sleep", lambda s: None)
    with faults.inject(rates={"503": 1.0}):
        first = store.current()
        second = store.current()
    assert first.snapshot is None and second.snapshot is None
    assert second.failure is not None
    assert len(list_calls) == 1


def test_rate_limit_pause_follows_the_reset(org, settings, monkeypatch):
    captured = {}
    original = cache.set

    def spy(key, value, timeout=None, **kwargs):
        captured[key] = timeout
        return original(key, value, timeout, **kwargs)

    monkeypatch.setattr(service, "_sleep", lambda s: None)
    settings.DATADOG_RATE_LIMIT_WAIT_CAP = 0
    settings.DOWNTIME_REFRESH_DEADLINE = 0.5  # shorter than any reset the sandbox announces
    monkeypatch.setattr(cache, "set", spy)
    with faults.inject(rates={"429": 1.0}):
        result = store.current()
    assert result.snapshot is None and result.failure.kind == "RateLimited"
    assert captured[store.KEY_FRESH] >= settings.DOWNTIME_FAILURE_PAUSE


def test_reader_without_data_waits_for_the_refresh_in_progress(org, list_calls):
    cache.add(store.KEY_LOCK, "someone-else", 30)

    def finish_elsewhere():
        # The other request's refresh lands while this one waits.
        cache.delete(store.KEY_LOCK)

    timer = threading.Timer(0.2, finish_elsewhere)
    timer.start()
    result = store.current()
    timer.join()
    assert result.snapshot is not None
    assert len(list_calls) == 1  # it fetched once the lock was gone, and only once


def test_snapshot_looks_up_by_id(org):
    snapshot = store.current().snapshot
    first = snapshot.downtimes[0]
    assert snapshot.get(first.id) is first
    assert snapshot.get("nope") is None


def test_peek_never_fetches(org, list_calls):
    assert store.peek() is None
    store.current()
    store.mark_stale()
    assert store.peek() is not None
    assert len(list_calls) == 1


def test_fetched_since_uses_the_copy_when_it_is_new_enough(org, list_calls, frozen_now):
    store.current()
    assert store.fetched_since(frozen_now - SECOND) is not None
    assert len(list_calls) == 1
    store.fetched_since(frozen_now)  # not fetched after it: one refresh
    assert len(list_calls) == 2


@pytest.mark.django_db(transaction=True)
def test_a_person_waits_at_most_the_deadline_and_the_refresh_goes_on_behind(
    frozen_now, list_calls, settings
):
    seed.seed(downtimes=30, now=frozen_now)
    settings.DOWNTIME_REFRESH_DEADLINE = 0.2
    with faults.inject(latency_ms=400):
        started = time.monotonic()
        first = store.current()
        waited = time.monotonic() - started
        assert first.snapshot is None and first.loading and not first.stale
        assert waited < 0.4  # the page did not wait for Datadog's answer
        arrived = wait_until(lambda: store.current().snapshot)
    assert len(arrived.downtimes) == 30
    assert list_calls == ["downtime-refresh"]  # the same refresh, finished behind the page


def test_a_refresh_behind_the_pages_may_wait_out_what_a_person_would_not(
    org, monkeypatch, settings
):
    deadlines = []
    original = datadog.load_all_downtimes

    def spy(**kwargs):
        deadlines.append(kwargs["deadline_seconds"])
        return original(**kwargs)

    monkeypatch.setattr(datadog, "load_all_downtimes", spy)
    store.current()
    assert deadlines == [settings.DOWNTIME_REFRESH_BEHIND_DEADLINE]
    assert settings.DOWNTIME_REFRESH_BEHIND_DEADLINE >= 30 > settings.DOWNTIME_REFRESH_DEADLINE


@pytest.mark.django_db(transaction=True)
def test_fetched_since_waits_out_a_refresh_begun_too_early_then_has_its_own(frozen_now, list_calls):
    seed.seed(downtimes=30, now=frozen_now)
    store.current()
    settled()
    cache.delete(store.KEY_FRESH)
    with faults.inject(latency_ms=200):
        store.current()  # a refresh starts behind the page, before the moment below
        wait_until(lambda: len(list_calls) == 2)  # it has begun
        clock.set_now(frozen_now + SECOND)
        copy = store.fetched_since(frozen_now + SECOND / 2)
    assert copy.fetched_at == frozen_now + SECOND
    assert list_calls == ["downtime-refresh"] * 3
