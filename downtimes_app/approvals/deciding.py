"""Deciding on a request for approval, once, by someone other than the person who asked.

- **Approve.** One conditional UPDATE claims the request: still pending and not expired (or
  being sent under a claim older than a write can take: a worker that died), and not asked by
  the approver. Exactly one approver's UPDATE matches; every other one is told who decided.
  The claimant sends the downtime through `saving.send_approved` (the form's once-only saving
  under the request's own token), so two approvers at once, or a double click, make one.
- **Decline**, with a reason, by one conditional UPDATE; the requester may withdraw their own.
- **Expire**: a request nobody decided within `DASHBOARD_APPROVAL_MINUTES` is not sent.

Each decision is an audit entry naming the person who decided; the write an approval makes
names both (`approved by …, asked by …`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q

from downtimes_app.audit.entries import actor_name, entry, record
from downtimes_app.editing import saving
from downtimes_app.models import ApprovalRequest, AuditEntry

State = ApprovalRequest.State
User = AbstractBaseUser | AnonymousUser
REASON_MAX = 500
DASHBOARD = "the dashboard"


@dataclass(frozen=True)
class Decided:
    """What a decision did: `ok` and the words for the person who clicked."""

    ok: bool
    words: str
    downtime_id: str = ""


def stale_claim() -> timedelta:
    """Longer than any write takes (its timeouts and a margin): a claim this old has died."""
    seconds = settings.DATADOG_CONNECT_TIMEOUT + settings.DATADOG_READ_TIMEOUT
    return timedelta(seconds=seconds + 5)


def state_of(row: ApprovalRequest, now: datetime) -> str:
    """Its state as a person should read it: a pending request past its time has expired,
    whether or not the worker has marked it yet."""
    if row.state == State.PENDING and row.expires_at <= now:
        return State.EXPIRED
    return row.state


def _why_not(row: ApprovalRequest, approver: User, now: datetime) -> str:
    state = state_of(row, now)
    if row.requested_by_id is not None and row.requested_by_id == approver.pk:
        return "You asked for this downtime; another editor must approve it."
    if state == State.EXPIRED:
        return "This request has expired: nobody decided on it in time. Nothing was sent."
    if state == State.SENDING:
        return f"{row.decided_by_name} approved it; it is being sent now."
    if state == State.APPROVED:
        return f"{row.decided_by_name} already approved it; nothing was sent twice."
    if state == State.DECLINED:
        return f"{row.decided_by_name} declined it: {row.reason}"
    return f"It was {row.get_state_display().lower()}; nothing was sent."


def approve(approver: User, pk: int, now: datetime) -> Decided:
    row = ApprovalRequest.objects.get(pk=pk)
    name = actor_name(approver)[:150]
    taken = (
        ApprovalRequest.objects.filter(pk=pk)
        .exclude(requested_by=approver)
        .filter(
            Q(state=State.PENDING, expires_at__gt=now)
            | Q(state=State.SENDING, claimed_at__lt=now - stale_claim())
        )
        .update(
            state=State.SENDING,
            decided_by=approver,
            decided_by_name=name,
            decided_at=now,
            claimed_at=now,
        )
    )
    if not taken:
        return Decided(False, _why_not(row, approver, now))
    row.refresh_from_db()
    summary = f"{row.summary} (asked by {row.requested_by_name}, approved by {name})"
    outcome = saving.send_approved(approver, row, now=now, summary=summary)
    return _settle(row, approver, outcome)


def _settle(row: ApprovalRequest, approver: User, outcome: saving.Outcome) -> Decided:
    mine = ApprovalRequest.objects.filter(pk=row.pk, state=State.SENDING, decided_by=approver)
    match outcome:
        case saving.Saved(downtime=downtime):
            mine.update(state=State.APPROVED, result_id=downtime.id, error="")
            return Decided(True, "Approved and sent.", downtime.id)
        case saving.AlreadySaved(downtime_id=downtime_id):
            mine.update(state=State.APPROVED, result_id=downtime_id, error="")
            return Decided(True, "Approved; it had already been sent.", downtime_id)
        case saving.InFlight():
            return Decided(False, "Approved; it is being sent now.")
        case saving.Refused(messages=said):
            error = "Datadog refused it: " + " ".join(said)
            mine.update(state=State.FAILED, error=error)
            return Decided(False, f"Approved, but {error[0].lower()}{error[1:]}")
        case saving.Failed(banner=banner):
            # Back to waiting: approving again is safe (the request's own token).
            mine.update(state=State.PENDING, error=banner, claimed_at=None)
            return Decided(False, f"Nothing was made yet: {banner}")
    raise AssertionError(outcome)  # pragma: no cover


def decline(user: User, pk: int, reason: str, now: datetime) -> Decided:
    reason = " ".join(reason.split())[:REASON_MAX]
    row = ApprovalRequest.objects.get(pk=pk)
    if not reason:
        return Decided(False, "Say why it is declined: the person who asked reads it.")
    name = actor_name(user)[:150]
    taken = ApprovalRequest.objects.filter(pk=pk, state=State.PENDING, expires_at__gt=now).update(
        state=State.DECLINED, decided_by=user, decided_by_name=name, decided_at=now, reason=reason
    )
    if not taken:
        return Decided(False, _why_not(row, user, now))
    own = row.requested_by_id is not None and row.requested_by_id == user.pk
    what = "Withdrew own request" if own else f"Declined the request of {row.requested_by_name}"
    record(
        user,
        AuditEntry.Action.DECLINED,
        downtime_id=row.downtime_id,
        summary=f"{what}: {row.summary}. Reason: {reason}",
    )
    return Decided(True, "Withdrawn." if own else "Declined; nothing was sent.")


def expire(now: datetime) -> int:
    """Mark the requests nobody decided in time; each is an entry in the trail."""
    due = ApprovalRequest.objects.filter(state=State.PENDING, expires_at__lte=now)
    expired = 0
    for row in due:
        if ApprovalRequest.objects.filter(pk=row.pk, state=State.PENDING).update(
            state=State.EXPIRED, decided_at=now
        ):
            expired += 1
            entry(
                actor=None,
                actor_name=DASHBOARD,
                action=AuditEntry.Action.APPROVAL_EXPIRED,
                downtime_id=row.downtime_id,
                summary=f"Expired unapproved: {row.requested_by_name} asked for {row.summary}",
                outcome=AuditEntry.Outcome.OK,
            )
    return expired
