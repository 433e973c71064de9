"""Every write through the dashboard goes through `perform`: do it, record it, show it.

Sign-in events (`record_event`) share the trail: who, or which name was tried, from where.
Every entry's texts are kept to one line (`logs.one_line`, in `_entry`): a name or words from a
request cannot forge an entry's layout.

One place decides what a write leaves behind: an audit entry (who, when, what, before and after,
the outcome, Datadog's words on failure), the downtime as Datadog answered, laid over the
shared copy of the set so that every page shows it at once (a failed write, whose outcome may
be unknown, asks for a refresh instead), and its messages: the destinations chosen for it, word
of a create, cancel or end to them, and its reminders moved with its window (`notify`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from . import datadog, store
from .domain import Downtime
from .logs import one_line
from .models import AuditEntry
from .notify import worker

T = TypeVar("T")
log = logging.getLogger(__name__)


def actor_name(user: AbstractBaseUser | AnonymousUser) -> str:
    if not user.is_authenticated:
        return "anonymous"
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return f"{full} ({user.get_username()})" if full else user.get_username()


def _entry(*, actor_name: str, summary: str, **fields: Any) -> AuditEntry:
    """An entry whose texts are one line each (a name or words from a request cannot forge
    the trail's layout), cut to their columns."""
    return AuditEntry.objects.create(
        actor_name=one_line(actor_name)[:150], summary=one_line(summary)[:500], **fields
    )


def record(
    user: AbstractBaseUser | AnonymousUser,
    action: str,
    *,
    downtime_id: str,
    summary: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    error: str = "",
) -> AuditEntry:
    return _entry(
        actor=user if user.is_authenticated else None,
        actor_name=actor_name(user),
        action=action,
        downtime_id=downtime_id,
        summary=summary,
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
        outcome=AuditEntry.Outcome.FAILED if error else AuditEntry.Outcome.OK,
        error=error,
    )


def record_event(
    user: AbstractBaseUser | AnonymousUser | None,
    action: str,
    *,
    name: str = "",
    summary: str,
    address: str | None = None,
    failed: bool = False,
) -> AuditEntry:
    """A sign-in event: `user` when known, else `name` (what was typed, or the provider's name)."""
    known = user is not None and user.is_authenticated
    return _entry(
        actor=user if known else None,
        actor_name=actor_name(user) if known else name or "unknown",
        action=action,
        summary=summary,
        outcome=AuditEntry.Outcome.FAILED if failed else AuditEntry.Outcome.OK,
        address=address,
    )


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
) -> T:
    """Run one write against Datadog and leave its trace, whether it worked or not.

    A call that returns a downtime (Datadog's answer) puts it in the shared copy. `remind_to`
    names the destinations chosen for the downtime (None: as they were; a create without a
    choice takes the form's default).
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
    _messages(entry, result if isinstance(result, Downtime) else None, remind_to)
    return result


def _messages(entry: AuditEntry, downtime: Downtime | None, remind_to) -> None:
    """The write is done and recorded: a failure to queue its messages must not undo that."""
    try:
        worker.after_write(entry, downtime, remind_to=remind_to)
    except Exception:
        log.exception("The messages about %s could not be queued", entry.downtime_id)
