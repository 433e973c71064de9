"""When a downtime "until it recovers" may end: a pure rule over one look at the monitor copy.

Every group the downtime mutes must be OK (anything but Alert, Warn or No Data; a group whose
state Datadog did not say is not known to be OK) and have stayed so for the settle time. The
settle time runs from the latest of: when the watch began (a group already OK when it was muted
still gets its settle time), the last look that saw a group failing (a stale `last_resolved`
cannot make a recovery older than a failure seen), when a look first saw everything OK, and each
group's `last_resolved` as Datadog reports it (a group that alerted and resolved again between
two looks restarts the wait, though no look saw it alert). It is judged at the moment the copy
was read, not "now": what the copy says is known only up to then. A copy read before the watch
began, or before a failure was seen, says nothing newer, so it is not looked at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from downtimes_app.core.domain import ALERT, NO_DATA, WARN, MonitorGroup

NOT_OK = (ALERT, WARN, NO_DATA)
SHOWN = 3  # group names in words before "and N more"


@dataclass(frozen=True)
class Look:
    """What one look found: since when all is OK (None: not all of it), whether to end now,
    and in words (for the watch's last look, or the audit trail's line when it ends);
    `failing` is true when a group was seen failing (the look's moment is then kept)."""

    ok_since: datetime | None
    end: bool
    words: str
    failing: bool = False


def names(groups: Sequence[MonitorGroup]) -> str:
    shown = [g.name for g in groups[:SHOWN]]
    more = len(groups) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def _failing(groups: Sequence[MonitorGroup]) -> str:
    failing = [g for g in groups if g.status in NOT_OK or g.status is None]
    states = sorted({g.status or "of unknown state" for g in failing})
    verb = "is" if len(failing) == 1 else "are"
    return f"{names(failing)} {verb} {' or '.join(states)}" if failing else ""


def look(
    groups: Sequence[MonitorGroup],
    *,
    seen_at: datetime,
    started: datetime,
    ok_since: datetime | None,
    settle: timedelta,
    failed_seen: datetime | None = None,
) -> Look:
    """One look at the groups the downtime mutes, as a copy read at `seen_at` had them;
    `failed_seen`: when a look last saw one failing."""
    if seen_at < started or (failed_seen is not None and seen_at <= failed_seen):
        return Look(ok_since, False, "waiting for a monitor copy read after the last look")
    if not groups:
        return Look(None, False, "Datadog reports no group it mutes yet")
    failing = _failing(groups)
    if failing:
        return Look(None, False, failing, failing=True)
    resolved = [g.last_resolved for g in groups if g.last_resolved is not None]
    first_seen = ok_since if ok_since is not None else max(resolved, default=seen_at)
    since = max([started, failed_seen or started, first_seen, *resolved])
    if seen_at - since >= settle:
        return Look(since, True, f"{names(groups)} recovered")
    return Look(since, False, f"all OK since {since:%H:%M:%S} UTC; waiting for it to stay so")
