"""What pages and writes ask of a copy, whatever its kind: `Copy(kind).current()` and the rest.

The downtime set (`store`) and the monitor list (`store.monitors`) are each one `Copy`; their
modules give its calls the names their readers use.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache

from downtimes_app import datadog
from downtimes_app.core.clock import now
from downtimes_app.store import refresh
from downtimes_app.store.shared import KEEP_SECONDS, Failure, Kind, Named, Snapshot, Written, glance
from downtimes_app.store.shared import failure as _failure
from downtimes_app.store.shared import view as _view


@dataclass(frozen=True)
class Current(Named):
    """What a page gets: the data (if any was ever fetched) and the last failure, if newer."""

    snapshot: Snapshot | None
    failure: Failure | None = None
    # A forced refresh was asked for too soon after the last: seconds until one is allowed.
    forced_wait: float = 0.0
    # A refresh this page waited for is still under way: the page shows what there was.
    loading: bool = False
    # How old the copy is, when that is older than it may be shown without saying so
    # (`Kind.unlabelled`): pages put it in a banner.
    age: timedelta | None = None

    @property
    def stale(self) -> bool:
        return self.failure is not None or self.age is not None

    @property
    def items(self) -> tuple[Any, ...]:  # type: ignore[override]
        return self.snapshot.items if self.snapshot else ()


class Copy:
    """One shared copy: served at once once it exists, refreshed behind the pages."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind

    def _age(self, copy: Snapshot | None) -> timedelta | None:
        """The copy's age when it is past `Kind.unlabelled`, else None."""
        if copy is None:
            return None
        age = now() - copy.fetched_at
        return age if age > self.kind.unlabelled else None

    def _refresh_now(self, view: Snapshot | None) -> Current:
        """A new copy this request waits for, within `DOWNTIME_REFRESH_DEADLINE`."""
        waited = refresh.wait_for_copy(self.kind, view.fetched_at if view else None)
        loading = not waited.arrived and waited.failure is None  # it goes on behind the page
        return Current(waited.copy, waited.failure, loading=loading, age=self._age(waited.copy))

    def current(self, *, force: bool = False) -> Current:
        """The set for a page: the copy at once (refreshed behind it when old). A copy older
        than `Kind.unlabelled` (one kept across a restart, say) is first brought up to the
        shared one, then refreshed while the page waits within the deadline; what is still that
        old after that comes with its age, for the page to say."""
        kind = self.kind
        seen = glance(kind)
        view = _view(kind, seen)
        if force:
            return self._forced(view)
        if view is None:
            return self._first_copy()
        if self._age(view) is not None:
            view = _view(kind, seen, read_now=True)  # another process may have a newer one
        if seen.fresh:  # fresh, or a failure's pause: no new attempt yet
            return Current(view, _failure(kind, view, seen), age=self._age(view))
        if self._age(view) is not None:
            return self._refresh_now(view)
        refresh.start(kind, behind=True)
        view = _view(kind)  # where it ran here (without threads), what it made
        return Current(view, _failure(kind, view))

    def _first_copy(self) -> Current:
        """No copy anywhere yet: this request waits for the first one (once per cache)."""
        failure = _failure(self.kind, None)
        if failure is not None and cache.get(self.kind.fresh):
            return Current(None, failure)  # a failure's pause is on: do not ask again yet
        return self._refresh_now(None)

    def _forced(self, view: Snapshot | None) -> Current:
        """The Refresh button: a reload now, at most once an interval across everyone."""
        interval = settings.DOWNTIME_FORCED_REFRESH_INTERVAL
        if interval > 0 and view is not None:
            moment = time.time()
            if not cache.add(self.kind.forced, moment, interval):
                since = cache.get(self.kind.forced)
                wait = interval - (moment - since) if since is not None else interval
                return Current(
                    view,
                    _failure(self.kind, view),
                    forced_wait=max(0.0, wait),
                    age=self._age(view),
                )
        return self._refresh_now(view)

    def at_once(self) -> Current:
        """The copy as it is, never waiting, with its age when past `Kind.unlabelled`: for a page
        that already waited for another copy."""
        view = _view(self.kind)
        failure = _failure(self.kind, view)
        return Current(view, failure, loading=view is None, age=self._age(view))

    def peek(self) -> Snapshot | None:
        """The copy as it is, however old, without ever asking Datadog: for fallbacks after a
        failed read, and for requests that must not cause upstream calls."""
        return _view(self.kind)

    def latest(self) -> Snapshot | None:
        """The shared copy as it is now, read at once when this process holds an older one, never
        asking Datadog: for work done on the background worker, where no page waits."""
        return _view(self.kind, read_now=True)

    def behind(self) -> Snapshot | None:
        """The copy as this process last saw it, at once, with a refresh started behind it when
        there is none or it is past its time to live: for what a page shows beside its own
        content (the top bar's count), which must neither wait nor make a cache round trip on
        every page. A failure's pause holds, as for pages."""
        local = self.kind.local
        with local.lock:
            seen = local.view or local.base
        # A copy read after "now" (the org's clock was set back) is not known to be fresh.
        if seen is not None and timedelta(0) <= now() - seen.fetched_at < timedelta(
            seconds=self.kind.ttl
        ):
            return seen
        if not glance(self.kind).fresh:
            refresh.start(self.kind, behind=True)
        return _view(self.kind)

    def fetched_since(self, moment: datetime) -> Snapshot:
        """A copy whose fetch began after `moment`: this one if it did, else a new one, waited
        for within `DOWNTIME_REFRESH_DEADLINE`. Raises DatadogError when none can be had."""
        view = _view(self.kind)
        if view is not None and view.fetched_at > moment:
            return view
        waited = refresh.wait_for_copy(self.kind, moment)
        if waited.arrived and waited.copy is not None:
            return waited.copy
        if waited.failure is not None:
            raise datadog.Unavailable(waited.failure.message)
        seconds = settings.DOWNTIME_REFRESH_DEADLINE
        raise datadog.Unavailable(
            f"the whole {self.kind.name} set did not arrive from Datadog in {seconds:g}s"
        )

    def record_write(self, item: Any) -> None:
        """After a write through the dashboard: Datadog's answer, laid over every copy at once."""
        kind = self.kind
        head = cache.get(kind.journal_head) or 0
        for seq in range(head + 1, head + 1000):
            if cache.add(f"{kind.journal}:{seq}", Written(seq, item), KEEP_SECONDS):
                break
        else:  # pragma: no cover - a thousand writers racing
            self.mark_stale()
            return
        if seq > (cache.get(kind.journal_head) or 0):
            # Never expires: bases remember where they were.
            cache.set(kind.journal_head, seq, None)

    def mark_stale(self) -> None:
        """After a write whose outcome is unknown (a timeout, say): refresh behind the next
        page."""
        cache.delete(self.kind.fresh)

    def invalidate(self) -> None:
        """Forget the copy: the next page waits for a new one (for tests and tools that change
        Datadog behind the dashboard's back)."""
        kind = self.kind
        kind.local.forget()
        cache.delete_many([kind.data, kind.version, kind.fresh, kind.checked])
