"""Asking for a second editor: a downtime the policy holds is stored as a request, recorded in
the audit trail and announced to the message destinations, once.

Made once: the form's one-time token is unique among requests, so a double-clicked or re-sent
submit finds the request the first one made (the outbox's pattern: a unique constraint, and the
loser of a race reads the winner's row). Deciding on it is the `approvals` feature's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction

from downtimes_app import datadog
from downtimes_app.audit.entries import actor_name, record
from downtimes_app.models import ApprovalRequest, AuditEntry
from downtimes_app.notify import outbox, worker
from downtimes_app.policy.rules import Need

User = AbstractBaseUser | AnonymousUser


def lifetime() -> timedelta:
    return timedelta(minutes=settings.DASHBOARD_APPROVAL_MINUTES)


def reasons(needs: Sequence[Need]) -> list[str]:
    return [f"The policy asks a second editor to approve {need.words}." for need in needs]


def ask(
    user: User,
    *,
    token: str,
    attributes: Mapping[str, Any],
    summary: str,
    needs: Sequence[Need],
    now: datetime,
    downtime_id: str = "",
    remind_to: Sequence[str] | None = None,
    ends_on_recovery: bool = False,
) -> ApprovalRequest:
    """The request for this submit (`token`): made now, or the one an earlier submit made.
    `attributes` are typed, as the form's save would send them."""
    said = reasons(needs)
    fields = {
        "action": "edit" if downtime_id else "new",
        "downtime_id": downtime_id,
        "attributes": datadog.request_body(attributes)["data"]["attributes"],
        "summary": summary[:500],
        "reasons": said,
        "remind_to": list(remind_to) if remind_to is not None else None,
        "ends_on_recovery": ends_on_recovery,
        "requested_by": user if user.is_authenticated else None,
        "requested_by_name": actor_name(user)[:150],
        "requested_at": now,
        "expires_at": now + lifetime(),
    }
    try:
        with transaction.atomic():
            row, made = ApprovalRequest.objects.get_or_create(token=token, defaults=fields)
    except IntegrityError:
        return ApprovalRequest.objects.get(token=token)
    if made:
        entry = record(
            user,
            AuditEntry.Action.APPROVAL_ASKED,
            downtime_id=downtime_id,
            summary=f"Asked for approval: {summary}. " + " ".join(said),
            after=fields["attributes"],
        )
        if outbox.destinations():
            label = f"{outbox.APPROVAL_LABEL}{row.pk}"
            worker.dispatch(outbox.ask_around(entry, label, now))
    return row
