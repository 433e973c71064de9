"""The monitor copy: the same shared mechanism as the downtime copy, a copy of its own."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache

from downtimes_app import datadog, store
from downtimes_app.datadog import client as service
from downtimes_app.store import monitors as monitor_store
from sandbox import clock, faults, seed
from sandbox.models import SandboxMonitor


@pytest.fixture
def loads(monkeypatch):
    """Each load of the whole monitor list: (thread, group_states asked for)."""
    calls = []
    original = datadog.list_all_monitors

    def counting(**kwargs):
        calls.append((threading.current_thread().name, kwargs.get("group_states")))
        return original(**kwargs)

    monkeypatch.setattr(datadog, "list_all_monitors", counting)
    return calls


def test_the_first_page_loads_every_monitor_with_its_groups_and_then_reads_the_copy(org, loads):
    first = monitor_store.current()
    assert len(first.monitors) == SandboxMonitor.objects.count()
    assert loads == [(threading.current_thread().name, "all")]
    grouped = next(m for m in SandboxMonitor.objects.all() if len(m.groups) > 1)
    found = monitor_store.find(grouped.id)
    assert {g.name: g.status for g in found.groups} == {
        g["name"]: g["status"] for g in grouped.groups
    }
    assert monitor_store.current().snapshot is first.snapshot
    assert len(loads) == 1


def test_the_two_copies_are_kept_apart(org, loads):
    monitor_store.current()
    store.current()
    cache.delete(store.KEY_FRESH)  # the downtime copy expires...
    monitor_store.current()
    assert len(loads) == 1  # ...and the monitor copy does not notice
    cache.delete(monitor_store.MONITORS.fresh)
    monitor_store.current()
    assert len(loads) == 2
    assert monitor_store.MONITORS.data != store.KEY_DATA


def test_a_failed_refresh_keeps_the_last_good_monitors_and_says_why(org, loads, monkeypatch):
    monkeypatch.setattr(service, "_sleep", lambda s: None)
    good = monitor_store.current()
    cache.delete(monitor_store.MONITORS.fresh)
    with faults.inject(rates={"503": 1.0}):
        failed = monitor_store.current()
    assert failed.snapshot is good.snapshot
    assert failed.stale and failed.failure.kind == "Unavailable"


def wait_until(check) -> None:
    for _ in range(500):
        if check():
            return
        threading.Event().wait(0.02)
    raise AssertionError("timed out waiting")


@pytest.mark.django_db(transaction=True)
def test_an_expired_copy_is_served_at_once_and_refreshed_behind(frozen_now, loads):
    seed.seed(downtimes=0, now=frozen_now)
    kind = monitor_store.MONITORS
    first = monitor_store.current()
    wait_until(lambda: cache.get(kind.lock) is None and cache.get(kind.version))  # stored
    cache.delete(kind.fresh)  # what the time to live does when it runs out
    served = monitor_store.current()
    assert served.snapshot is first.snapshot  # at once, the copy it had
    wait_until(lambda: len(loads) == 2 and cache.get(kind.lock) is None)
    assert [name for name, _ in loads] == ["monitor-refresh", "monitor-refresh"]


@pytest.mark.django_db(transaction=True)
def test_a_copy_read_at_a_later_moment_is_not_taken_for_fresh_once_the_clock_is_set_back(
    frozen_now, loads
):
    """This process's copy read at a later moment of the org's clock (as between two tests, or
    after the clock is set back) is not known to be fresh: the top bar gets none and a new
    copy is loaded, instead of another moment's monitors."""
    seed.seed(downtimes=0, now=frozen_now)
    kind = monitor_store.MONITORS
    clock.advance(timedelta(days=19))
    later = monitor_store.current().snapshot
    wait_until(lambda: cache.get(kind.lock) is None and cache.get(kind.version))
    assert monitor_store.behind() is later
    cache.clear()  # what the next test starts with
    clock.set_now(frozen_now)
    shown = monitor_store.behind()  # none yet, or the new copy if its refresh was that quick
    assert shown is None or shown.fetched_at == frozen_now
    wait_until(lambda: len(loads) == 2 and cache.get(kind.lock) is None)
    assert monitor_store.behind().fetched_at == frozen_now  # the new copy, not the later one


def test_a_page_that_waited_for_the_monitors_does_not_wait_for_the_downtimes_too(org, monkeypatch):
    """The first downtime copy loads behind the monitors' own; a page that already waited
    takes what there is of it instead of waiting out a second deadline."""
    from types import SimpleNamespace

    from downtimes_app.muting import monitoring

    clock = iter(range(0, 1000, 5))  # every look at the clock finds five seconds gone
    monkeypatch.setattr(monitoring, "time", SimpleNamespace(monotonic=lambda: next(clock)))

    def waits(**kwargs):
        raise AssertionError("waited for the downtime copy again")

    monkeypatch.setattr(store, "current", waits)
    seen = monitoring.overview()
    assert seen.monitors.snapshot is not None
    # Started before the monitors (here, without threads, it ran there and then).
    assert seen.downtimes.snapshot is not None and not seen.downtimes.loading
