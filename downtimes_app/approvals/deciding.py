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

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q

from downtimes_app import datadog
from downtimes_app.audit.entries import actor_name, entry, record
from downtimes_app.core.domain import Definition
from downtimes_app.editing import saving, submissions
from downtimes_app.models import ApprovalRequest, AuditEntry

log = logging.getLogger(__name__)

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
    """Longer than a send can take (the form's own in-flight limit, which a send's once-only
    record waits out, and the whole call's deadline): a claim this old died with its worker."""
    return submissions.in_flight_limit() + timedelta(seconds=settings.DATADOG_CALL_DEADLINE)


def stuck(row: ApprovalRequest, now: datetime) -> bool:
    """Being sent by someone whose worker died: it may be approved again."""
    return (
        row.state == State.SENDING
        and row.claimed_at is not None
        and row.claimed_at < now - stale_claim()
    )


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
    return f"It can no longer be approved ({row.get_state_display()}): {row.error}"


def unreadable(row: ApprovalRequest) -> str:
    """Why what the request holds cannot be sent, or "" when it can."""
    try:
        sent = datadog.parse_attributes(row.attributes)
        if row.action == "new":
            Definition(**sent)
    except (TypeError, ValueError, KeyError, AttributeError, datadog.DatadogError) as error:
        return f"What it holds cannot be read ({type(error).__name__}); ask again from the form."
    return ""


def approve(approver: User, pk: int, now: datetime) -> Decided:
    row = ApprovalRequest.objects.get(pk=pk)
    name = actor_name(approver)[:150]
    problem = unreadable(row)
    if problem:
        ApprovalRequest.objects.filter(pk=pk, state=State.PENDING).update(
            state=State.FAILED, error=problem
        )
        return Decided(False, problem)
    claim = secrets.token_hex(8)
    taken = (
        ApprovalRequest.objects.filter(pk=pk)
        # Not the person who asked, by account or (an account made anew) by name.
        .exclude(requested_by=approver)
        .exclude(requested_by_name=name)
        .filter(
            Q(state=State.PENDING, expires_at__gt=now)
            | Q(state=State.SENDING, claimed_at__lt=now - stale_claim())
        )
        .update(
            state=State.SENDING,
            decided_by=approver,
            decided_by_name=name,
            decided_at=now,
            claim=claim,
            claimed_at=now,
        )
    )
    if not taken:
        return Decided(False, _why_not(row, approver, now))
    row.refresh_from_db()
    # The names first: the trail's summary is cut at 500 characters, a long scope last.
    summary = f"Approved by {name}, asked by {row.requested_by_name}: {row.summary}"
    try:
        outcome = saving.send_approved(approver, row, now=now, summary=summary)
    except Exception:
        log.exception("Sending the approved request %s failed", pk)
        outcome = saving.Failed("Something went wrong while sending it; approving again is safe.")
    return _settle(row, claim, outcome)


def _settle(row: ApprovalRequest, claim: str, outcome: saving.Outcome) -> Decided:
    """Record the outcome, if the claim is still this send's (one taken over has lost it)."""
    mine = ApprovalRequest.objects.filter(pk=row.pk, state=State.SENDING, claim=claim)
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
            error = " ".join(said)
            mine.update(state=State.FAILED, error=error)
            return Decided(False, f"Approved, but it cannot be sent: {error}")
        case saving.Failed(banner=banner):
            # Back to waiting, undecided: approving again is safe (the request's own token).
            mine.update(
                state=State.PENDING,
                error=banner,
                claim="",
                claimed_at=None,
                decided_by=None,
                decided_by_name="",
                decided_at=None,
            )
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
