"""One copy of the org's monitors, each with its groups' states, shared like the downtime set.

The monitor list, a monitor's page, "muted now" and "what would page if this ended" all read
it; so may anything later built on monitor states (reminders, an attention view). It is the same
mechanism as the downtime copy (`store.copies`): served at once once it exists, refreshed behind
the pages every `MONITOR_CACHE_TTL` seconds (one refresh at a time across instances), the last
good copy kept with its failure when Datadog fails, and no upstream call for a warm page.

What it offers, kept small on purpose:

- `current(force=False) -> Current`: `.monitors` is a tuple of `domain.Monitor`, each with its
  `.overall_state` and `.groups` (`domain.MonitorGroup`: `name`, `status`, `tags`,
  `last_triggered`, ...); `.snapshot.fetched_at` says how fresh; `.failure` why it is not
  fresher; `.loading` that the first copy is still on its way.
- `find(monitor_id) -> Monitor | None`: one monitor from the copy as it is, never asking Datadog.
- `peek() -> Snapshot | None`: the copy as it is (`.monitors`, `.get(id)`), never asking Datadog.
- `invalidate()`: forget it (tests and tools that change monitors behind its back).
"""

from __future__ import annotations

from downtimes_app import datadog
from downtimes_app.core.domain import Monitor
from downtimes_app.store.copies import Copy, Current
from downtimes_app.store.shared import Kind, Snapshot

__all__ = ["MONITORS", "Current", "Snapshot", "behind", "current", "find", "invalidate", "peek"]

MONITORS = Kind(
    "monitor",
    "monitors",
    # The monitor list comes in one piece: nothing to fingerprint page by page.
    lambda deadline, known: datadog.Loaded(
        datadog.list_all_monitors(group_states="all", deadline_seconds=deadline)
    ),
    ttl_setting="MONITOR_CACHE_TTL",
)
_copy = Copy(MONITORS)

current = _copy.current
peek = _copy.peek
latest = _copy.latest
behind = _copy.behind
invalidate = _copy.invalidate


def find(monitor_id: int) -> Monitor | None:
    snapshot = peek()
    return snapshot.get(monitor_id) if snapshot is not None else None
