"""The top bar's attention count: worked out once for every process, on the background worker
while a consumer is there, else on a thread of the first process that asks, and never on a page's
own thread; every other process takes the shared count."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache

from downtimes_app import attention, store
from downtimes_app.attention import counting
from downtimes_app.datadog import upstream
from downtimes_app.store import monitors as monitor_store
from downtimes_app.store import refresh
from sandbox import clock, seed
from tests.store.support import wait_until


@pytest.fixture
def reviews(monkeypatch):
    """The thread of each review worked out in this process; and this process's memory of
    counts and reviews, cleared as another process would start. A count is asked for at once
    rather than a second after the page; an earlier test's asking is over first."""
    wait_until(no_count_asked)
    monkeypatch.setattr(counting, "COUNT_SETTLE", 0)
    made = []
    original = attention._review

    def counting_reviews(*args):
        made.append(threading.current_thread().name)
        return original(*args)

    monkeypatch.setattr(attention, "_review", counting_reviews)
    another_process()
    return made


def no_count_asked() -> bool:
    return not any(thread.name == "attention-count" for thread in threading.enumerate())


def another_process() -> None:
    counting.forget()
    attention._reviews.clear()


def both_copies(moment):
    """The demo org, both copies loaded and stored for everyone; the count they should give."""
    seed.seed(downtimes=0, now=moment)
    downtimes, monitors = store.current().snapshot, monitor_store.current().snapshot
    wait_until(lambda: cache.get(store.KEY_LOCK) is None and cache.get(store.KEY_VERSION))
    wait_until(lambda: cache.get(monitor_store.MONITORS.lock) is None)
    expected = len(attention._review(moment, downtimes, monitors).items)
    assert expected == 2  # the forgotten mute and the one that mutes nothing
    return expected


@pytest.mark.django_db(transaction=True)
def test_with_a_consumer_there_the_count_is_worked_out_on_the_worker_and_shared(
    frozen_now, queue, reviews
):
    expected = both_copies(frozen_now)
    refresh.consumer_here.call_local()  # what each consumer does every minute
    reviews.clear()
    assert counting.count(frozen_now) == 0  # none known yet: the page does not wait
    asked = wait_until(queue.pending)
    assert [task.name for task in asked] == ["count_behind"]
    counting.count(frozen_now)
    another_process()
    counting.count(frozen_now)  # two more pages, one on another process: asked for once
    wait_until(no_count_asked)
    assert len(queue.pending()) == 1 and reviews == []  # nothing reviewed on a page's process
    queue.execute(queue.dequeue())  # the consumer runs it
    assert reviews == [threading.current_thread().name]
    another_process()
    assert counting.count(frozen_now) == expected  # taken from the cache, not reviewed again
    assert len(reviews) == 1 and queue.pending() == []


@pytest.mark.django_db(transaction=True)
def test_a_new_minute_asks_again_and_shows_the_last_count_meanwhile(frozen_now, queue, reviews):
    expected = both_copies(frozen_now)
    refresh.consumer_here.call_local()
    counting.count(frozen_now)
    queue.execute(wait_until(queue.dequeue))
    assert counting.count(frozen_now) == expected
    later = frozen_now + timedelta(minutes=1)
    clock.set_now(later)
    assert counting.count(later) == expected  # the last one, while the new one is worked out
    assert [task.name for task in wait_until(queue.pending)] == ["count_behind"]


@pytest.mark.django_db(transaction=True)
def test_without_a_consumer_the_first_process_to_ask_counts_on_a_thread_and_shares_it(
    frozen_now, queue, reviews
):
    expected = both_copies(frozen_now)
    reviews.clear()
    assert counting.count(frozen_now) == 0
    wait_until(lambda: reviews and counting.count(frozen_now) == expected)
    assert reviews == ["attention-count"] and queue.pending() == []
    another_process()
    assert counting.count(frozen_now) == expected
    assert reviews == ["attention-count"]  # the other process took the shared count


@pytest.mark.django_db(transaction=True)
def test_a_process_behind_the_shared_copies_shows_the_count_of_this_minute_not_an_older_one(
    frozen_now, queue, reviews
):
    both_copies(frozen_now)
    refresh.consumer_here.call_local()
    reviews.clear()
    minute = frozen_now.replace(second=0, microsecond=0)
    newer = ("a version", "this process has not read", minute)
    cache.set(counting._shared_key(), (newer, 5))  # what the worker counted from the newest
    assert counting.count(frozen_now) == 5
    cache.set(counting._shared_key(), ((*newer[:2], minute - timedelta(minutes=1)), 4))
    assert counting.count(frozen_now) == 0  # a minute gone by: not this one's count
    assert reviews == []


@pytest.mark.django_db(transaction=True)
def test_the_worker_counts_nothing_for_a_minute_gone_by_or_for_another_orgs_pages(
    frozen_now, reviews
):
    both_copies(frozen_now)
    reviews.clear()
    counting.count_behind.call_local(frozen_now.isoformat(), "another-org/0000")
    counting.count_behind.call_local((frozen_now - timedelta(minutes=1)).isoformat(), upstream())
    assert reviews == [] and cache.get(counting._shared_key()) is None
    counting.count_behind.call_local(frozen_now.isoformat(), upstream())
    assert cache.get(counting._shared_key())[1] == 2
