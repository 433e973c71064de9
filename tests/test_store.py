"""The cached downtime set: one refresh at a time, stale data on failure, cheap warm reads."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache

from downtimes_app import datadog, store
from downtimes_app.datadog import client as service
from sandbox import faults, seed


@pytest.fixture
def list_calls(monkeypatch):
    calls = []
    original = datadog.list_all_downtimes

    def counting(**kwargs):
        calls.append(threading.current_thread().name)
        return original(**kwargs)

    monkeypatch.setattr(datadog, "list_all_downtimes", counting)
    return calls


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


def test_fresh_copy_is_served_without_refetching(org, list_calls):
    first = store.current()
    second = store.current()
    assert len(list_calls) == 1
    assert second.snapshot is first.snapshot  # the process keeps the copy it last read


def test_another_process_reads_the_shared_copy_by_version(org, list_calls, monkeypatch):
    first = store.current()
    monkeypatch.setattr(store, "_local", None)  # as if a second instance shares the cache
    second = store.current()
    assert len(list_calls) == 1
    assert second.snapshot.version == first.snapshot.version
    assert second.snapshot.downtimes == first.snapshot.downtimes


def test_force_refreshes(org, list_calls):
    store.current()
    store.current(force=True)
    assert len(list_calls) == 2


def test_failure_keeps_last_good_data_and_pauses_retries(org, list_calls, monkeypatch):
    monkeypatch.setattr(service, "_sleep", lambda s: None)
    good = store.current()
    store.invalidate()
    with faults.inject(rates={"503": 1.0}):
        failed = store.current()
        again = store.current()
    assert failed.snapshot is good.snapshot
    assert failed.stale and failed.failure.kind == "Unavailable"
    assert again.stale  # still the old copy, still saying so
    assert len(list_calls) == 2  # the failure held off an immediate second attempt
    cache.delete(store.KEY_FRESH)  # the pause is over
    recovered = store.current()
    assert not recovered.stale
    assert recovered.snapshot.version != good.snapshot.version


def test_rate_limit_pause_follows_the_reset(org, settings, monkeypatch):
    captured = {}
    original = cache.set

    def spy(key, value, timeout=None, **kwargs):
        captured[key] = timeout
        return original(key, value, timeout, **kwargs)

    monkeypatch.setattr(service, "_sleep", lambda s: None)
    settings.DATADOG_RATE_LIMIT_WAIT_CAP = 0
    monkeypatch.setattr(cache, "set", spy)
    with faults.inject(rates={"429": 1.0}):
        result = store.current()
    assert result.snapshot is None and result.failure.kind == "RateLimited"
    assert captured[store.KEY_FRESH] >= settings.DOWNTIME_FAILURE_PAUSE


def test_reader_without_data_waits_for_the_refresh_in_progress(org, list_calls, monkeypatch):
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


def test_a_write_during_a_refresh_is_not_hidden_by_it(org, monkeypatch):
    """The copy a refresh read before a write must not be marked fresh after it."""
    original = datadog.list_all_downtimes

    def write_lands_meanwhile(**kwargs):
        found = original(**kwargs)
        store.invalidate()  # a write through the dashboard, while the pages were in flight
        return found

    monkeypatch.setattr(datadog, "list_all_downtimes", write_lands_meanwhile)
    store.current()
    assert cache.get(store.KEY_FRESH) is None
    monkeypatch.setattr(datadog, "list_all_downtimes", original)
    store.current()
    assert cache.get(store.KEY_FRESH) is True


def test_peek_never_fetches(org, list_calls):
    assert store.peek() is None
    store.current()
    store.invalidate()
    assert store.peek() is not None
    assert len(list_calls) == 1
