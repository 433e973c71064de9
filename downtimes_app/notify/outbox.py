"""The messages to send, each made once and sent once: `Delivery` rows and their life.

- **Made once.** Reminder rows are unique per downtime, window end and destination; event rows
  per audit entry and destination (constraints in `models.Delivery`). Two workers that find the
  same reminder due both try to insert it; the database keeps one.
- **Claimed once.** Before sending, a worker claims the row with one conditional UPDATE: it
  must still be pending and due, or be "sending" under a claim older than `NOTIFY_LEASE` (a
  worker that died mid-send). Exactly one UPDATE matches; every other worker sends nothing.
- **Recorded by its claimant.** Only the worker holding the claim records the outcome: sent,
  failed (retried with growing pauses for `NOTIFY_RETRY_FOR`, then failed for good), or not
  sent (the downtime was canceled, its window moved or ended first). Each outcome is also an
  audit entry on the downtime (action "notified"), naming the destination but never its URL.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce

from downtimes_app.core import presenters
from downtimes_app.core.domain import Downtime
from downtimes_app.models import AuditEntry, Delivery, Reminder
from downtimes_app.notify import reminders
from downtimes_app.notify.destinations import Destination

State, Kind = Delivery.State, Delivery.Kind
WORKER_NAME = "dashboard (background worker)"
# A request for approval's messages stand under this label and its number, where a downtime's
# id would be: there is no downtime yet.
APPROVAL_LABEL = "approval-"
FIRST_PAUSE = timedelta(seconds=30)
LONGEST_PAUSE = timedelta(minutes=10)


def destinations() -> dict[str, Destination]:
    return {d.name: d for d in settings.DASHBOARD_NOTIFY}


def lead() -> timedelta:
    return timedelta(minutes=settings.DASHBOARD_REMINDER_MINUTES)


# --- who hears about a downtime ------------------------------------------------------------------


def chosen(downtime_id: str) -> list[str]:
    """The configured destinations chosen for a downtime, in the setting's order."""
    names = set(
        Reminder.objects.filter(downtime_id=downtime_id).values_list("destination", flat=True)
    )
    return [name for name in destinations() if name in names]


def choose(downtime_id: str, names: Iterable[str], who: str) -> list[str]:
    """Make `names` (the configured ones among them) the downtime's destinations."""
    known = destinations()
    wanted = [name for name in dict.fromkeys(names) if name in known]
    Reminder.objects.filter(downtime_id=downtime_id).exclude(destination__in=wanted).delete()
    for name in wanted:
        try:
            with transaction.atomic():
                Reminder.objects.get_or_create(
                    downtime_id=downtime_id, destination=name, defaults={"chosen_by": who[:150]}
                )
        except IntegrityError:
            pass  # the same choice saved at the same moment by another request
    if not wanted:
        drop_pending(downtime_id, "no destination is chosen for it any more")
    return wanted


# --- making rows ---------------------------------------------------------------------------------


def _make(kind: str, downtime_id: str, destination: str, due: datetime, **key) -> Delivery:
    """The row for this message, made now or found (another worker or request made it)."""
    lookup = {"kind": kind, "downtime_id": downtime_id, "destination": destination, **key}
    try:
        with transaction.atomic():
            return Delivery.objects.get_or_create(**lookup, defaults={"due": due})[0]
    except IntegrityError:
        return Delivery.objects.get(**lookup)


def announce(entry: AuditEntry, kind: str, downtime_id: str, now: datetime) -> list[int]:
    """Word of a write through the dashboard (`entry`), for each chosen destination."""
    return [_make(kind, downtime_id, name, now, cause=entry).pk for name in chosen(downtime_id)]


def ask_around(entry: AuditEntry, label: str, now: datetime) -> list[int]:
    """Word of a request for approval (`entry`), for every configured destination: no
    downtime exists yet to have chosen some. `label` stands where a downtime's id would."""
    return [_make(Kind.APPROVAL, label, name, now, cause=entry).pk for name in destinations()]


def tell_outside(version_id: int, downtime_id: str, due: datetime) -> list[int]:
    """Word of a change seen outside the dashboard (the version that records it), for each
    destination `DASHBOARD_NOTIFY_OUTSIDE` names, to be sent at `due`."""
    known = destinations()
    names = [name for name in settings.DASHBOARD_NOTIFY_OUTSIDE if name in known]
    return [_make(Kind.OUTSIDE, downtime_id, name, due, version_id=version_id).pk for name in names]


def make_due_reminders(downtime: Downtime, now: datetime) -> list[int]:
    """The reminders due now for a downtime, one row per window and destination; their ids."""
    names = chosen(downtime.id)
    if not names:
        return []
    made = []
    for due in reminders.due_now(downtime, now, lead()):
        for name in names:
            row = _make(Kind.REMINDER, downtime.id, name, due.at, window_end=due.end)
            if row.state == State.PENDING:
                made.append(row.pk)
    return made


# --- claiming and recording ----------------------------------------------------------------------


def claim(delivery_id: int, now: datetime) -> tuple[Delivery, str] | None:
    """Take the row for one attempt, or None when it is not ours to send (one UPDATE decides)."""
    token = secrets.token_hex(8)
    expired = now - settings.NOTIFY_LEASE
    taken = (
        Delivery.objects.filter(pk=delivery_id)
        .filter(
            Q(state=State.PENDING, due__lte=now) | Q(state=State.SENDING, claimed_at__lt=expired)
        )
        .update(
            state=State.SENDING,
            claim=token,
            claimed_at=now,
            attempts=F("attempts") + 1,
            first_attempt=Coalesce("first_attempt", Value(now, output_field=DateTimeField())),
        )
    )
    if not taken:
        return None
    return Delivery.objects.select_related("cause").get(pk=delivery_id), token


def _settle(row: Delivery, token: str, **changes) -> bool:
    """Record an outcome, if the claim is still ours (a worker past its lease has lost it)."""
    return bool(Delivery.objects.filter(pk=row.pk, claim=token).update(**changes))


def _trail(row: Delivery, summary: str, *, error: str = "") -> None:
    AuditEntry.objects.create(
        actor=None,
        actor_name=WORKER_NAME,
        action=AuditEntry.Action.NOTIFIED,
        downtime_id=row.downtime_id,
        summary=summary[:500],
        outcome=AuditEntry.Outcome.FAILED if error else AuditEntry.Outcome.OK,
        error=error,
    )


def what(row: Delivery) -> str:
    """`Reminder to sre (Slack, hooks.slack.com)`: the row in words, without its URL."""
    where = destinations().get(row.destination)
    return f"{row.get_kind_display()} message to {where.label if where else row.destination}"


def sent(row: Delivery, token: str, now: datetime) -> None:
    if _settle(row, token, state=State.SENT, sent_at=now, error=""):
        tries = f" on attempt {row.attempts}" if row.attempts > 1 else ""
        _trail(row, f"{what(row)} sent{tries}")


def not_sent(row: Delivery, token: str, reason: str) -> None:
    """Nothing to send any more (canceled, moved, over); a retry that ran out is `failed`."""
    if row.attempts > 1 and row.error:
        failed(row, token, f"{reason}; the last attempt failed: {row.error}")
    elif _settle(row, token, state=State.DROPPED, error=reason[:300]):
        _trail(row, f"{what(row)} not sent: {reason}")


def failed(row: Delivery, token: str, error: str) -> None:
    if _settle(row, token, state=State.FAILED, error=error[:300]):
        _trail(row, f"{what(row)} failed after {row.attempts} attempt(s)", error=error)


def retry_later(
    row: Delivery,
    token: str,
    error: str,
    now: datetime,
    wait: float = 0,
    *,
    until: datetime | None = None,
) -> datetime | None:
    """After a failed attempt: when to try again, or None when there is no point (failed).

    Pauses double from 30 s up to 10 min, or are what the destination asked for (Retry-After),
    for `NOTIFY_RETRY_FOR` after the first attempt; a reminder's also end with its window.
    """
    started = row.first_attempt or now
    give_up = started + settings.NOTIFY_RETRY_FOR
    if now >= give_up:
        over = presenters.span(settings.NOTIFY_RETRY_FOR)
        failed(row, token, f"{error} (tried {row.attempts} times over {over})")
        return None
    pause = min(FIRST_PAUSE * 2 ** (row.attempts - 1), LONGEST_PAUSE)
    at = min(max(now + pause, now + timedelta(seconds=wait)), give_up)
    if until is not None and at >= until:
        failed(row, token, f"{error}; its window ends before another attempt")
        return None
    if _settle(row, token, state=State.PENDING, due=at, error=error[:300], claim=""):
        return at
    return None


# --- what is waiting ----------------------------------------------------------------------------


def pending_ends(downtime_id: str) -> set[datetime | None]:
    rows = Delivery.objects.filter(downtime_id=downtime_id, kind=Kind.REMINDER, state=State.PENDING)
    return set(rows.values_list("window_end", flat=True))


def drop_pending(downtime_id: str, reason: str, *, only_end: datetime | None = None) -> int:
    """Pending reminders of a downtime that will not be sent (canceled, or its end moved)."""
    pending = Delivery.objects.filter(
        downtime_id=downtime_id, kind=Kind.REMINDER, state=State.PENDING
    )
    if only_end is not None:
        pending = pending.filter(window_end=only_end)
    dropped = 0
    for row in pending:
        token = secrets.token_hex(8)
        if Delivery.objects.filter(pk=row.pk, state=State.PENDING).update(
            state=State.DROPPED, error=reason[:300], claim=token
        ):
            dropped += 1
            _trail(row, f"{what(row)} not sent: {reason}")
    return dropped


def overdue(now: datetime, limit: int = 500) -> list[int]:
    """Rows a worker should try now: pending and due, or claimed by a worker that went quiet."""
    expired = now - settings.NOTIFY_LEASE
    rows = Delivery.objects.filter(
        Q(state=State.PENDING, due__lte=now) | Q(state=State.SENDING, claimed_at__lt=expired)
    ).order_by("due")
    return list(rows.values_list("pk", flat=True)[:limit])


def subscribed_downtimes() -> list[str]:
    return list(Reminder.objects.values_list("downtime_id", flat=True).distinct())


def history(downtime_id: str, limit: int = 50) -> Sequence[Delivery]:
    return list(Delivery.objects.filter(downtime_id=downtime_id)[:limit])
