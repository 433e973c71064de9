"""The audit trail's entries: who, when, what, and how it went, each text on one line.

Every entry's texts are kept to one line (`logs.one_line`): a name or words from a request
cannot forge an entry's layout. Writes (`audit.writes`) and sign-in events (`signin.trail`)
both write their entries here; this module reaches only the model and that one text rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from downtimes_app.models import AuditEntry
from downtimes_app.web.logs import one_line


def actor_name(user: AbstractBaseUser | AnonymousUser) -> str:
    if not user.is_authenticated:
        # The dashboard acting on its own (`recovery.watching.Dashboard`) says so by name.
        return getattr(user, "acting_name", "anonymous")
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    name = f"{full} ({user.get_username()})" if full else user.get_username()
    # How a person acted when it was not a page of the dashboard ("through the API").
    through = getattr(user, "acting_through", "")
    return f"{name} {through}" if through else name


def entry(*, actor_name: str, summary: str, **fields: Any) -> AuditEntry:
    """An entry whose texts are one line each, cut to their columns."""
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
    return entry(
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
