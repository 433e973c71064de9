"""Who renews an old copy: the background worker while a consumer of the task queue says it is
there, so that the work is not done in a web process beside its requests; a thread of the page's
process when none is, or when a person waits for the copy."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache

from downtimes_app import store
from downtimes_app.store import refresh
from sandbox import clock, seed
from tests.store.support import wait_until


def an_expired_copy(moment) -> store.Snapshot:
    seed.seed(downtimes=30, now=moment)
    first = store.current().snapshot
    wait_until(lambda: cache.get(store.KEY_LOCK) is None and cache.get(store.KEY_VERSION))
    clock.set_now(moment + timedelta(seconds=1))
    cache.delete(store.KEY_FRESH)  # what the time to live does when it runs out
    return first


def names(tasks) -> list[str]:
    return [task.name for task in tasks]


@pytest.mark.django_db(transaction=True)
def test_with_a_consumer_there_an_old_copy_is_renewed_by_the_queue_not_on_a_page(
    frozen_now, list_calls, queue
):
    first = an_expired_copy(frozen_now)
    refresh.consumer_here.call_local()  # what each consumer does every minute
    list_calls.clear()
    served = store.current()
    assert served.snapshot.fetched_at == first.fetched_at  # at once, the copy it had
    assert list_calls == []  # nothing read on the page's process
    pending = queue.pending()
    assert names(pending) == ["refresh_behind"]
    store.current()  # another page meanwhile: the lock is held, nothing more is queued
    assert len(queue.pending()) == 1
    queue.execute(queue.dequeue())  # the consumer runs it
    assert list_calls == [threading.current_thread().name]
    renewed = store.current().snapshot
    assert renewed.fetched_at > first.fetched_at
    # The worker took the shared copy as its base: a set found unchanged stays one version.
    assert renewed.version == first.version
    assert cache.get(store.KEY_LOCK) is None


@pytest.mark.django_db(transaction=True)
def test_without_a_consumer_the_page_process_renews_it_on_a_thread(frozen_now, list_calls, queue):
    first = an_expired_copy(frozen_now)
    list_calls.clear()
    assert store.current().snapshot.fetched_at == first.fetched_at
    wait_until(lambda: store.current().snapshot.fetched_at > first.fetched_at)
    assert list_calls == ["downtime-refresh"]
    assert queue.pending() == []


@pytest.mark.django_db(transaction=True)
def test_a_stopping_consumer_hands_refreshes_back_to_the_pages(frozen_now, list_calls, queue):
    first = an_expired_copy(frozen_now)
    refresh.consumer_here.call_local()
    refresh._consumer_stopping()
    list_calls.clear()
    store.current()
    wait_until(lambda: store.current().snapshot.fetched_at > first.fetched_at)
    assert list_calls == ["downtime-refresh"] and queue.pending() == []


@pytest.mark.django_db(transaction=True)
def test_a_refresh_a_person_waits_for_stays_on_their_process(frozen_now, list_calls, queue):
    an_expired_copy(frozen_now)
    refresh.consumer_here.call_local()
    list_calls.clear()
    store.current(force=True)  # the Refresh button
    assert list_calls and queue.pending() == []


@pytest.mark.django_db(transaction=True)
def test_a_handed_over_refresh_whose_lock_expired_does_nothing(frozen_now, list_calls, queue):
    first = an_expired_copy(frozen_now)
    refresh.consumer_here.call_local()
    list_calls.clear()
    store.current()
    cache.delete(store.KEY_LOCK)  # the consumer was slower than DOWNTIME_REFRESH_LOCK_SECONDS
    queue.execute(queue.dequeue())
    assert list_calls == []
    assert store.peek().fetched_at == first.fetched_at


@pytest.mark.django_db(transaction=True)
def test_a_queue_that_refuses_the_task_leaves_the_refresh_to_a_thread(
    frozen_now, list_calls, queue, monkeypatch
):
    first = an_expired_copy(frozen_now)
    refresh.consumer_here.call_local()

    def refused(*args, **kwargs):
        raise ConnectionError("the queue is not answering")

    monkeypatch.setattr(queue, "enqueue", refused)
    list_calls.clear()
    assert store.current().snapshot.fetched_at == first.fetched_at
    wait_until(lambda: store.current().snapshot.fetched_at > first.fetched_at)
    assert list_calls == ["downtime-refresh"]
