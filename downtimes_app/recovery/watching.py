"""Watching a downtime "until it recovers": start, stop, and the every-minute look.

- `start` records the intent beside a downtime just created with it (one row per downtime, by a
  unique constraint: a resent form or a double click makes one). A write asks for it by sending
  `ends_on_recovery=True` with the `audit.writes.written` signal; `after_write` listens.
- A person who ends, cancels or extends the downtime, or edits its end, has chosen its end:
  `after_write` stops the watch (the cap it was created with no longer stands).
- `check_all` is the worker's look, every minute: each watched downtime is read from the shared
  copies (the downtime set and the monitor list; they refresh themselves, so an unreachable
  Datadog only means the next minute tries again), judged by `rules.look`, and, once all it mutes
  has recovered, ended through End now's own path (`actions.end_now`). One conditional UPDATE
  claims the watch first, so two workers at once end it once; a failed end gives the claim back.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q
from django.dispatch import receiver

from downtimes_app import datadog, store
from downtimes_app.audit.entries import actor_name
from downtimes_app.audit.writes import written
from downtimes_app.core import presenters
from downtimes_app.core.clock import now as clock
from downtimes_app.core.domain import (
    CANCELED,
    ENDED,
    SCHEDULED,
    Downtime,
    MonitorGroup,
    OneTimeSchedule,
)
from downtimes_app.core.status import live_status
from downtimes_app.downtimes import actions
from downtimes_app.models import AuditEntry, RecoveryWatch
from downtimes_app.muting.mutes import reach
from downtimes_app.recovery import rules
from downtimes_app.store import monitors as monitor_copy

log = logging.getLogger(__name__)
State = RecoveryWatch.State
IN_FORCE = (State.WATCHING, State.ENDING)
# A finished watch is kept this long after its latest end, for its page; then it goes.
KEPT = timedelta(days=30)
# A claim older than this belongs to a worker that died while ending it: another may take it.
CLAIM_LEASE = timedelta(minutes=5)
# A person's writes that choose the downtime's end themselves.
CHOOSE_THE_END = (
    AuditEntry.Action.END_NOW,
    AuditEntry.Action.EXTEND,
    AuditEntry.Action.CANCEL,
    AuditEntry.Action.BULK_CANCEL,
)


class Dashboard(AnonymousUser):
    """The dashboard itself, acting on a person's standing request: the audit trail and the
    messages name it, and the person who asked."""

    def __init__(self, asked_by: str) -> None:
        super().__init__()
        self.acting_name = f"the dashboard, on recovery (muted by {asked_by})"[:150]


def settle() -> timedelta:
    return timedelta(minutes=settings.DASHBOARD_RECOVERY_SETTLE_MINUTES)


def settle_words() -> str:
    """How long everything must have been OK, in words: "5m", or "12 seconds" for the short
    waits tests and demonstrations use."""
    wait = settle()
    if wait < timedelta(minutes=1):
        return f"{round(wait.total_seconds())} seconds"
    return presenters.span(wait)


def what_of(downtime: Downtime) -> str:
    """What it mutes, as the words "ends when … has been OK" need: the scope's groups, or the
    monitor, or the monitors its tags pick."""
    scope = (downtime.scope or "*").strip()
    if scope != "*":
        return scope
    kind, what = presenters.target(downtime)
    return {"monitor": f"\u201c{what}\u201d", "tags": f"every monitor tagged {what}"}.get(
        kind, "every monitor"
    )


def can_watch(downtime: Downtime) -> str:
    """Why this downtime cannot end on recovery, or "" when it can: a one-time window with an
    end (its cap)."""
    schedule = downtime.schedule
    if not isinstance(schedule, OneTimeSchedule):
        return "Only a one-time window can end when it recovers; a recurring one repeats."
    if schedule.end is None:
        return "Until it recovers needs an end, at the latest: choose one."
    return ""


def start(downtime: Downtime, user: AbstractBaseUser | AnonymousUser) -> RecoveryWatch | None:
    """Watch it from now; None when it cannot be (`can_watch` says why)."""
    if can_watch(downtime):
        return None
    assert isinstance(downtime.schedule, OneTimeSchedule) and downtime.schedule.end is not None
    watch, _ = RecoveryWatch.objects.get_or_create(
        downtime_id=downtime.id,
        defaults={
            "what": what_of(downtime)[:300],
            "cap": downtime.schedule.end,
            "requested_by": user if user.is_authenticated else None,
            "requested_by_name": actor_name(user),
            "started": clock(),
        },
    )
    return watch


def stop(downtime_id: str, reason: str) -> int:
    """No longer watched (if it was), even while a worker is ending it: its end on recovery
    then finds the watch stopped and gives nothing back. `reason` in words."""
    return RecoveryWatch.objects.filter(downtime_id=downtime_id, state__in=IN_FORCE).update(
        state=State.STOPPED, reason=reason[:300]
    )


def _end_of(downtime: Downtime | None) -> datetime | None:
    schedule = downtime.schedule if downtime is not None else None
    return schedule.end if isinstance(schedule, OneTimeSchedule) else None


@receiver(written, dispatch_uid="downtimes_app.recovery.watching.after_write")
def after_write(sender, *, entry: AuditEntry, downtime: Downtime | None, **kwargs) -> None:
    """A write through the dashboard: start a watch it asked for, or stop one whose end a person
    has now chosen (the dashboard's own end on recovery has claimed its watch already)."""
    if not entry.downtime_id:
        return
    if entry.action == AuditEntry.Action.CREATE and kwargs.get("ends_on_recovery"):
        if downtime is not None:
            start(downtime, entry.actor or AnonymousUser())
        return
    if entry.actor_id is None:
        return  # the dashboard's own end on recovery (`Dashboard`): its watch is claimed
    if entry.action in CHOOSE_THE_END:
        label = AuditEntry.Action(entry.action).label.lower()
        stop(entry.downtime_id, f"{label} by {entry.actor_name}")
    elif entry.action == AuditEntry.Action.EDIT:
        watched = RecoveryWatch.objects.filter(downtime_id=entry.downtime_id).first()
        if watched is not None and _end_of(downtime) != watched.cap:
            stop(entry.downtime_id, f"its end was edited by {entry.actor_name}")


# --- the worker's look ---------------------------------------------------------------------------


def muted_groups(downtime: Downtime, monitors: store.Snapshot) -> list[MonitorGroup]:
    """Every group it mutes, surely or perhaps (a group it may mute is waited for too: the cap
    ends it whatever happens, and ending it while that group alerts would page)."""
    if downtime.monitor_id is not None:
        monitor = monitors.get(downtime.monitor_id)
        candidates = [monitor] if monitor is not None else []
    else:
        candidates = list(monitors.items)
    found: list[MonitorGroup] = []
    for monitor in candidates:
        reached = reach(downtime, monitor)
        if reached is not None:
            found += [*reached.groups, *reached.maybe]
    return found


def _claim(watch: RecoveryWatch, now: datetime) -> bool:
    """Take the watch to end its downtime: one UPDATE decides between workers."""
    free = Q(state=State.WATCHING) | Q(state=State.ENDING, claimed_at__lt=now - CLAIM_LEASE)
    taken = RecoveryWatch.objects.filter(free, pk=watch.pk).update(
        state=State.ENDING, claimed_at=now
    )
    return bool(taken)


def _finish(watch: RecoveryWatch, state: str, reason: str) -> None:
    RecoveryWatch.objects.filter(pk=watch.pk, state=State.ENDING).update(
        state=state, reason=reason[:300]
    )


def _give_back(watch: RecoveryWatch, error: str) -> None:
    """Datadog could not be reached: the next minute's look tries again."""
    RecoveryWatch.objects.filter(pk=watch.pk, state=State.ENDING).update(
        state=State.WATCHING, reason=f"could not end it, trying again: {error}"[:300]
    )


def end(watch: RecoveryWatch, because: str, now: datetime) -> bool:
    """End its downtime now, once, through End now's path; whether this call ended it."""
    if not _claim(watch, now):
        return False
    summary = f"Ended: {because} (OK for {settle_words()})"
    try:
        actions.end_now(Dashboard(watch.requested_by_name), watch.downtime_id, now, summary=summary)
    except datadog.NotFound:
        _finish(watch, State.STOPPED, "Datadog no longer has it")
        return False
    except actions.Refused as refusal:
        if refusal.downtime is None:  # it could not be read first: nothing was sent
            _give_back(watch, str(refusal))
        else:  # it ended, or ends within seconds, already
            _finish(watch, State.STOPPED, str(refusal))
        return False
    except datadog.DatadogError as error:
        _give_back(watch, str(error))
        return False
    _finish(watch, State.RECOVERED, because)
    return True


def _gone(watch: RecoveryWatch, downtime: Downtime | None, status: str) -> str:
    """Why the watch has nothing left to do, or ""."""
    if downtime is None:
        return "Datadog no longer has it"
    return {CANCELED: "it was canceled", ENDED: "it ended at its latest end"}.get(status, "")


def _stop(watch: RecoveryWatch, reason: str) -> None:
    RecoveryWatch.objects.filter(pk=watch.pk, state__in=IN_FORCE).update(
        state=State.STOPPED, reason=reason[:300]
    )


def _counted_from(watch: RecoveryWatch, downtime: Downtime) -> datetime:
    """The wait counts from the mute, or from its window's start when that comes later."""
    schedule = downtime.schedule
    start = schedule.start if isinstance(schedule, OneTimeSchedule) else None
    return max(watch.started, start) if start is not None else watch.started


def _note(watch: RecoveryWatch, ok_since: datetime | None, words: str, **more: Any) -> None:
    RecoveryWatch.objects.filter(pk=watch.pk, state=State.WATCHING).update(
        ok_since=ok_since, reason=words[:300], **more
    )


def check(watch: RecoveryWatch, now: datetime) -> bool:
    """One look at one watch; whether it ended the downtime."""
    downtimes, monitors = store.current().snapshot, monitor_copy.current().snapshot
    if downtimes is None or monitors is None:
        return False  # no copy yet (Datadog unreachable from the start): next minute
    downtime = downtimes.get(watch.downtime_id)
    if downtime is None and downtimes.fetched_at < watch.started:
        return False  # a copy from before the mute: the next one has it
    status = live_status(downtime, now) if downtime is not None else ""
    gone = _gone(watch, downtime, status)
    if gone:
        _stop(watch, gone)
        return False
    assert downtime is not None
    if _end_of(downtime) != watch.cap:  # someone chose another end, in Datadog or elsewhere
        _stop(watch, "its end was changed outside this watch")
        return False
    if status == SCHEDULED:
        _note(watch, None, "waiting for its window to start")
        return False
    found = rules.look(
        muted_groups(downtime, monitors),
        seen_at=monitors.fetched_at,
        started=_counted_from(watch, downtime),
        ok_since=watch.ok_since,
        settle=settle(),
        failed_seen=watch.failed_seen,
    )
    if found.end:
        return end(watch, found.words, now)
    seen = {"failed_seen": monitors.fetched_at} if found.failing else {}
    _note(watch, found.ok_since, found.words, **seen)
    return False


def check_all(now: datetime) -> list[str]:
    """Every watched downtime, looked at once; the ids this look ended. Watches finished a
    month past their latest end are forgotten."""
    RecoveryWatch.objects.exclude(state__in=IN_FORCE).filter(cap__lt=now - KEPT).delete()
    free = Q(state=State.WATCHING) | Q(state=State.ENDING, claimed_at__lt=now - CLAIM_LEASE)
    ended = []
    for watch in RecoveryWatch.objects.filter(free).order_by("started"):
        try:
            if check(watch, now):
                ended.append(watch.downtime_id)
        except Exception:  # one watch's trouble must not keep the others waiting
            log.exception("Looking at the recovery of %s failed", watch.downtime_id)
    return ended


def watched(downtime_ids: set[str] | None = None) -> dict[str, RecoveryWatch]:
    """The watches still in force, by downtime id (for the pages' words)."""
    rows = RecoveryWatch.objects.filter(state__in=IN_FORCE)
    if downtime_ids is not None:
        rows = rows.filter(downtime_id__in=downtime_ids)
    return {row.downtime_id: row for row in rows}
