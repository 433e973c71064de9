"""One copy of the whole downtime set, shared by every page, user, worker and instance.

Datadog's list endpoint filters by nothing but `current_only`, so tabs, counts, search and
sorting all need the whole set. It is kept in the shared cache (the database, or Redis) as a
*base*, fetched from Datadog, and a *journal* of the dashboard's own writes since, each one
Datadog's answer to that write. A page reads the base with the journal laid over it:

- **Nobody waits for a refresh once a copy exists.** A copy older than `DOWNTIME_CACHE_TTL` is
  served at once while one refresh runs on a background thread; a lock in the shared cache keeps
  it to one at a time across workers and instances. Only the very first load waits.
- **Writes show at once, everywhere.** A write through the dashboard appends Datadog's answer to
  the journal; every worker lays new entries over its base before its next page, without a list
  call. A refresh that began before a write keeps that write laid over its result, so it never
  brings the old version back; the next refresh after it reconciles.
- **Failures keep the last good copy.** A failed refresh leaves the copy as it was, records the
  failure for pages to show, and holds off the next attempt for a few seconds (longer when a
  rate limit says so).
- **Forced refreshes are bounded.** The Refresh button reloads the set at most once per
  `DOWNTIME_FORCED_REFRESH_INTERVAL` across all users and instances.

`shared` holds how a copy is stored and read; `refresh` how it is renewed; `copies` what pages
and writes ask of any copy. This module is the downtime set's face (`current()`, `peek()`,
`record_write()`, ...); `store.monitors` is the monitor list's, on the same mechanism.
"""

from __future__ import annotations

from downtimes_app import datadog
from downtimes_app.core.domain import Downtime
from downtimes_app.store import copies, refresh, shared
from downtimes_app.store.copies import Current
from downtimes_app.store.refresh import refreshed
from downtimes_app.store.shared import Failure, Kind, Snapshot

__all__ = [
    "DOWNTIMES",
    "KEY_DATA",
    "KEY_FORCED",
    "KEY_FRESH",
    "KEY_JOURNAL_HEAD",
    "KEY_LOCK",
    "KEY_VERSION",
    "Current",
    "Failure",
    "Snapshot",
    "at_once",
    "behind",
    "current",
    "fetched_since",
    "find",
    "invalidate",
    "mark_stale",
    "peek",
    "record_write",
    "refresh",
    "refreshed",
    "shared",
]

DOWNTIMES = Kind(
    "downtime",
    "downtimes",
    # Looked up when called, so that tests and tools can wrap the client's call.
    lambda deadline, known: datadog.load_all_downtimes(known=known, deadline_seconds=deadline),
    ttl_setting="DOWNTIME_CACHE_TTL",
)
_copy = copies.Copy(DOWNTIMES)

# Where the copy lives in the shared cache (tests and tools read them): `KEY_DATA` and the
# rest, worked out when read, since they belong to the upstream the dashboard talks to now.
_KEYS = {
    "KEY_DATA": "data",
    "KEY_VERSION": "version",
    "KEY_FRESH": "fresh",
    "KEY_LOCK": "lock",
    "KEY_FORCED": "forced",
    "KEY_CHECKED": "checked",
    "KEY_JOURNAL": "journal",
    "KEY_JOURNAL_HEAD": "journal_head",
}


def __getattr__(name: str) -> str:
    if name in _KEYS:
        return getattr(DOWNTIMES, _KEYS[name])
    raise AttributeError(name)


# --- what pages and writes use -------------------------------------------------------------------

current = _copy.current  # the set for a page: at once, refreshed behind it when old
peek = _copy.peek  # the copy as it is, never asking Datadog
latest = _copy.latest  # the shared copy as it is now, never asking Datadog (for the worker)
at_once = _copy.at_once  # the same for a page, with its failure and age
behind = _copy.behind  # this process's copy at once, refreshed behind it when old
fetched_since = _copy.fetched_since  # a copy fetched after a moment, waited for within a deadline
record_write = _copy.record_write  # Datadog's answer to a write, laid over every copy at once
mark_stale = _copy.mark_stale  # a write's outcome is unknown: refresh behind the next page
invalidate = _copy.invalidate  # forget the copy (tests, tools)


def find(downtime_id: str) -> Downtime:
    """One downtime: from the copy a page would read, else from Datadog (one call; raises
    DatadogError). For what is not a page of the list: a message, the API."""
    copy = current().snapshot
    found = copy.get(downtime_id) if copy else None
    return found if found is not None else datadog.get_downtime(downtime_id)
