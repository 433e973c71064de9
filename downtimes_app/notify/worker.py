"""The background work, as Huey tasks: send a message, look at a downtime, sweep every minute.

- `deliver(id)`: one attempt at one message (`send.attempt`); a failure schedules the next
  attempt at the time `outbox` chose.
- `check(downtime_id)`: the reminders due now for one downtime; woken at the moment its next
  reminder is due, so reminders go out on time rather than on the next sweep.
- `sweep()`, every minute on every worker: every downtime someone chose to be reminded about,
  read from this process's view of the shared copy, and every message that is due or was left
  half-sent by a worker that died. Every worker sweeping is harmless: rows are made once and
  claimed once (`outbox`), so the sweep is also what makes a lost task or a crash heal.

`after_write` is how a write through the dashboard (`audit.perform`) reaches all this.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.dispatch import receiver
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from downtimes_app import store
from downtimes_app.audit.writes import written
from downtimes_app.core.clock import now as clock
from downtimes_app.core.domain import Downtime
from downtimes_app.models import AuditEntry, Delivery
from downtimes_app.notify import outbox, reminders, send

log = logging.getLogger(__name__)
# A reminder due within this long is woken at its moment rather than left to the next sweep.
WAKE_AHEAD = timedelta(seconds=90)
EVENTS = {
    AuditEntry.Action.CREATE: Delivery.Kind.CREATED,
    AuditEntry.Action.CANCEL: Delivery.Kind.CANCELED,
    AuditEntry.Action.BULK_CANCEL: Delivery.Kind.CANCELED,
    AuditEntry.Action.END_NOW: Delivery.Kind.ENDED,
}


@db_task()
def deliver(delivery_id: int) -> None:
    result = send.attempt(delivery_id)
    if result.retry_at is not None:
        wait = max((result.retry_at - clock()).total_seconds(), 0) + 1
        deliver.schedule((delivery_id,), delay=wait)


@db_task()
def check(downtime_id: str) -> None:
    snapshot = store.current().snapshot
    downtime = snapshot.get(downtime_id) if snapshot else None
    if downtime is not None:
        review(downtime, clock())


@db_periodic_task(crontab(minute="*"))
def sweep() -> None:
    sweep_once(clock())


def dispatch(ids: Iterable[int]) -> None:
    for delivery_id in ids:
        deliver(delivery_id)


def review(downtime: Downtime, now: datetime) -> None:
    """Bring one downtime's reminders in line with it: drop the ones whose window moved or
    that were canceled, make and send the ones due, and wake for the next one if it is soon."""
    if not outbox.chosen(downtime.id):
        return
    if downtime.canceled is not None or downtime.status == "canceled":
        outbox.drop_pending(downtime.id, "the downtime was canceled")
        return
    ends = {w.end for w in reminders.windows_ahead(downtime, now)}
    upcoming = reminders.next_due(downtime, now, outbox.lead())
    for end in outbox.pending_ends(downtime.id):
        if end is not None and end > now and end not in ends:
            moved = f"its window now ends at {upcoming.end:%Y-%m-%d %H:%M} UTC" if upcoming else ""
            outbox.drop_pending(downtime.id, moved or "its window was ended early", only_end=end)
    dispatch(outbox.make_due_reminders(downtime, now))
    if upcoming is not None and now < upcoming.at <= now + WAKE_AHEAD:
        check.schedule((downtime.id,), delay=(upcoming.at - now).total_seconds() + 1)


def sweep_once(now: datetime) -> None:
    snapshot = store.current().snapshot
    if snapshot is not None:
        for downtime_id in outbox.subscribed_downtimes():
            downtime = snapshot.get(downtime_id)
            if downtime is not None:
                review(downtime, now)
    dispatch(outbox.overdue(now))


@receiver(written, dispatch_uid="downtimes_app.notify.worker.after_write")
def written_through_dashboard(sender, *, entry: AuditEntry, downtime: Downtime | None, **kwargs):
    """A write through the dashboard is done and recorded: a failure to queue its messages must
    not undo that."""
    try:
        after_write(entry, downtime, remind_to=kwargs.get("remind_to"))
    except Exception:
        log.exception("The messages about %s could not be queued", entry.downtime_id)


def after_write(
    entry: AuditEntry,
    downtime: Downtime | None,
    *,
    remind_to: Iterable[str] | None = None,
) -> None:
    """What a write through the dashboard means for messages: the destinations chosen with it
    (a create without a choice takes the form's default), word of it, and its reminders moved."""
    downtime_id = entry.downtime_id or (downtime.id if downtime else "")
    if not downtime_id or not outbox.destinations():
        return
    if remind_to is not None:
        outbox.choose(downtime_id, remind_to, entry.actor_name)
    elif entry.action == AuditEntry.Action.CREATE and downtime is not None:
        first = next(iter(outbox.destinations()))
        outbox.choose(downtime_id, [first] if reminders.default_on(downtime.schedule) else [], "")
    now = clock()
    kind = EVENTS.get(entry.action)
    if kind == Delivery.Kind.CANCELED:
        outbox.drop_pending(downtime_id, "the downtime was canceled")
    if kind is not None:
        dispatch(outbox.announce(entry, kind, downtime_id, now))
    if downtime is not None:
        review(downtime, now)
