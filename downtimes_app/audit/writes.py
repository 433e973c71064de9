"""Every write through the dashboard goes through `perform`: do it, record it, show it.

One place decides what a write leaves behind: an audit entry (who, when, what, before and after,
the outcome, Datadog's words on failure), and the downtime as Datadog answered, laid over the
shared copy of the set so that every page shows it at once (a failed write, whose outcome may
be unknown, asks for a refresh instead).

What else a write means (its messages and reminders) is for the parts above to say: they
connect to the `written` signal (`notify.worker` does), so running a write reaches neither the
messages nor the task queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.dispatch import Signal

from downtimes_app import datadog, store
from downtimes_app.audit.entries import record
from downtimes_app.core.domain import Downtime

T = TypeVar("T")
log = logging.getLogger(__name__)

# Sent once a write has worked and is recorded: `entry` (the AuditEntry), `downtime` (Datadog's
# answer, or None), `remind_to` (the destinations chosen for it; None: as they were) and
# `ends_on_recovery` (a new window to end once what it mutes has recovered).
written = Signal()


def perform(
    user: AbstractBaseUser | AnonymousUser,
    action: str,
    call: Callable[[], T],
    *,
    downtime_id: str = "",
    summary: str,
    before: Mapping[str, Any] | None = None,
    after: Callable[[T], Mapping[str, Any] | None] | None = None,
    remind_to: Iterable[str] | None = None,
    ends_on_recovery: bool = False,
) -> T:
    """Run one write against Datadog and leave its trace, whether it worked or not.

    A call that returns a downtime (Datadog's answer) puts it in the shared copy. `remind_to`
    names the destinations chosen for the downtime (None: as they were; a create without a
    choice takes the form's default); `ends_on_recovery`, that a created window should end
    once what it mutes has recovered (`recovery.watching` listens).
    """
    try:
        result = call()
    except datadog.DatadogError as error:
        # Even a failed write may have changed something (a timeout, say): look again.
        store.mark_stale()
        record(
            user, action, downtime_id=downtime_id, summary=summary, before=before, error=str(error)
        )
        raise
    if isinstance(result, Downtime):
        store.record_write(result)
        downtime_id = downtime_id or result.id
    entry = record(
        user,
        action,
        downtime_id=downtime_id,
        summary=summary,
        before=before,
        after=after(result) if after is not None else None,
    )
    downtime = result if isinstance(result, Downtime) else None
    # The write is done and recorded: a receiver's failure must not undo that.
    for receiver, outcome in written.send_robust(
        perform,
        entry=entry,
        downtime=downtime,
        remind_to=remind_to,
        ends_on_recovery=ends_on_recovery,
    ):
        if isinstance(outcome, Exception):
            log.error(
                "After the write to %s, %s failed",
                entry.downtime_id,
                getattr(receiver, "__qualname__", receiver),
                exc_info=outcome,
            )
    return result
