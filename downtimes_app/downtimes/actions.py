"""Quick actions on one downtime (cancel, end now, extend) and cancel in bulk.

Planning is pure: a record and "now" in, the attributes to PATCH (or a refusal in words) out.
Performing reads the downtime fresh, plans against that copy rather than against what the page
showed a minute ago, and writes through `audit.perform`. A refusal sends nothing; a write that
Datadog refuses changes nothing; both leave the downtime as it was.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from downtimes_app import datadog
from downtimes_app.audit.writes import perform
from downtimes_app.core import parsing, presenters, schedules
from downtimes_app.core.domain import ACTIVE, CANCELED, ENDED, SCHEDULED, Downtime, OneTimeSchedule
from downtimes_app.models import AuditEntry
from downtimes_app.policy import judging

User = AbstractBaseUser | AnonymousUser

# "End now" moves the end of the window in progress to a moment just ahead rather than to now:
# Datadog refuses an end in the past ("Downtime cannot be scheduled in the past"), and our clock
# and Datadog's, plus the time the request takes to arrive, are never exactly in step. A few
# seconds of extra mute is the price of a request that is not refused.
END_NOW_MARGIN = timedelta(seconds=10)

EXTENSIONS: dict[str, tuple[timedelta, str]] = {
    "30m": (timedelta(minutes=30), "30 minutes"),
    "1h": (timedelta(hours=1), "1 hour"),
    "4h": (timedelta(hours=4), "4 hours"),
}

CANCELABLE = (ACTIVE, SCHEDULED)
# Datadog's ids are UUIDs; anything outside this is not worth a request, or a link.
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


class Refused(Exception):
    """An action this downtime does not allow; nothing was sent to Datadog."""

    def __init__(self, message: str, downtime: Downtime | None = None) -> None:
        super().__init__(message)
        self.downtime = downtime


class PolicyRefused(Refused):
    """The dashboard's policy does not allow it (or holds it for approval); nothing was sent."""


@dataclass(frozen=True)
class Offers:
    """Which quick actions make sense for a downtime now, and why the others do not."""

    cancel: bool
    end_now: bool
    extend: bool
    # A one-time window with no end: "extend" sets an end instead of moving one.
    open_ended: bool
    notes: tuple[str, ...]


RECURRING_NOTE = (
    "Recurring schedules have no End now or Extend: Datadog cannot end or stretch one window "
    "of a series. Cancel stops the whole series (this window and every later one); Edit changes "
    "the schedule of every window."
)


def offers(downtime: Downtime) -> Offers:
    status = downtime.status
    if status in (CANCELED, ENDED):
        # The page's own banner says it no longer mutes anything; there is nothing to act on.
        return Offers(False, False, False, False, ())
    if downtime.is_recurring:
        return Offers(True, False, False, False, (RECURRING_NOTE,))
    schedule = downtime.schedule
    open_ended = isinstance(schedule, OneTimeSchedule) and schedule.end is None
    notes = ()
    if status == SCHEDULED:
        notes = ("End now is for a window in progress; this one has not started: cancel it.",)
    return Offers(True, status == ACTIVE, True, open_ended, notes)


# --- planning ---------------------------------------------------------------------------------


def _start_of(downtime: Downtime) -> datetime:
    schedule = downtime.schedule
    assert isinstance(schedule, OneTimeSchedule)
    start = schedule.start or downtime.created
    if start is None:
        raise Refused("Datadog did not say when this downtime starts; edit it instead.", downtime)
    return start


def _one_time_patch(start: datetime, end: datetime) -> dict:
    # The start is sent unchanged alongside the new end: Datadog refuses a moved start for a
    # window in progress, and an explicit start cannot be read as "start now".
    return {"schedule": {"start": start.isoformat(), "end": end.isoformat()}}


def plan_end_now(downtime: Downtime, now: datetime) -> dict:
    if downtime.is_recurring:
        raise Refused(RECURRING_NOTE, downtime)
    if downtime.status != ACTIVE:
        raise Refused(
            f"End now needs a window in progress; this downtime is {downtime.status}.", downtime
        )
    end = now + END_NOW_MARGIN
    schedule = downtime.schedule
    if isinstance(schedule, OneTimeSchedule) and schedule.end is not None and schedule.end <= end:
        raise Refused("It ends within seconds already.", downtime)
    return _one_time_patch(_start_of(downtime), end)


def parse_until(text: str, zone: ZoneInfo) -> datetime:
    """A `datetime-local` value typed in the viewer's zone, as an aware UTC moment."""
    try:
        local = parsing.date_time(text, what="a date and time such as 2026-11-16T14:00")
    except parsing.Unreadable as exc:
        raise Refused(f"{exc}.") from None
    if local.tzinfo is not None:
        return local
    return schedules.to_utc(local, zone)


def plan_extend(
    downtime: Downtime,
    now: datetime,
    *,
    by: timedelta | None = None,
    until: datetime | None = None,
) -> tuple[dict, datetime]:
    """The PATCH that moves the end later (or sets one), and the new end."""
    if downtime.is_recurring:
        raise Refused(RECURRING_NOTE, downtime)
    if downtime.status not in CANCELABLE:
        raise Refused(
            f"It has {downtime.status}; clone it to mute the same monitors again.", downtime
        )
    schedule = downtime.schedule
    assert isinstance(schedule, OneTimeSchedule)
    start = _start_of(downtime)
    if until is not None:
        end = until
        if schedule.end is not None and end <= schedule.end:
            raise Refused(
                "That is not later than its current end; to end it sooner use End now or Edit.",
                downtime,
            )
    elif by is not None:
        # Without an end, "an hour" means an hour from now, or from its start if that is later.
        end = (schedule.end or max(now, start)) + by
    else:
        raise Refused("Say how long to extend it by, or until when.", downtime)
    if end <= now + END_NOW_MARGIN:
        raise Refused("That time has passed; Datadog refuses an end in the past.", downtime)
    if end <= start:
        raise Refused("The end must come after the start.", downtime)
    return _one_time_patch(start, end), end


# --- performing -------------------------------------------------------------------------------


def _utc_words(moment: datetime | None) -> str:
    if moment is None:
        return "no end"
    return f"{moment.astimezone(ZoneInfo('UTC')):%Y-%m-%d %H:%M} UTC"


def _end_of(downtime: Downtime) -> datetime | None:
    schedule = downtime.schedule
    return schedule.end if isinstance(schedule, OneTimeSchedule) else None


def unmutes(downtime: Downtime) -> str:
    """What stops being muted, in words: "[prod] payments-db latency on env:prod"."""
    kind, what = presenters.target(downtime)
    who = {
        "monitor": f"the monitor {what}",
        "tags": f"monitors tagged {what}",
    }.get(kind, "all monitors")
    scope = (downtime.scope or "*").strip()
    return f"{who} in every scope" if scope == "*" else f"{who} for scope {scope}"


def _write(
    user: User,
    action: str,
    current: Downtime,
    summary: str,
    attributes: dict,
) -> Downtime:
    return perform(
        user,
        action,
        lambda: datadog.update_downtime(current.id, attributes=attributes),
        downtime_id=current.id,
        summary=summary,
        before=datadog.attributes_of(current),
        after=datadog.attributes_of,
    )


def fresh(downtime_id: str) -> Downtime:
    """The downtime as Datadog has it now, read before any write is planned.

    A failed read means nothing was sent, which is a refusal; an unknown id stays NotFound (and
    a malformed one, which Datadog answers with 400, is unknown too).
    """
    try:
        return datadog.get_downtime(downtime_id)
    except datadog.NotFound:
        raise
    except datadog.BadRequest as error:
        raise datadog.NotFound(str(error), errors=error.errors) from error
    except datadog.DatadogError as error:
        raise Refused(
            f"Could not read it from Datadog first, so nothing was sent: {error}"
        ) from error


def _check_seen(current: Downtime, seen: str) -> None:
    """Refuse when the downtime changed since the page that asked was drawn.

    The page sends the `modified` time it showed; a second click of the same button (or a
    change someone else made) finds a newer one, and nothing is sent twice or on stale ground.
    """
    if seen and current.modified is not None and current.modified.isoformat() != seen:
        raise Refused(
            "It changed since this page was loaded, so nothing was sent: look at it again "
            "and choose.",
            current,
        )


def end_now(
    user: User, downtime_id: str, now: datetime, *, seen: str = "", summary: str = ""
) -> tuple[Downtime, str]:
    """End the window in progress; `summary` says in the audit trail why, when it was not a
    person's click (the dashboard's own end on recovery)."""
    current = fresh(downtime_id)
    _check_seen(current, seen)
    attributes = plan_end_now(current, now)
    summary = summary or f"Ended now (it was to end at {_utc_words(_end_of(current))})"
    updated = _write(user, AuditEntry.Action.END_NOW, current, summary, attributes)
    seconds = int(END_NOW_MARGIN.total_seconds())
    return updated, f"Ended. It stops muting {unmutes(current)} within {seconds} seconds."


def extend(
    user: User,
    downtime_id: str,
    now: datetime,
    *,
    by: str = "",
    until: str = "",
    zone: ZoneInfo | None = None,
    seen: str = "",
) -> tuple[Downtime, str]:
    current = fresh(downtime_id)
    _check_seen(current, seen)
    if by:
        attributes, end = plan_extend(current, now, by=_by(by, current))
    elif until.strip():
        try:
            moment = parse_until(until, zone or ZoneInfo("UTC"))
        except Refused as refusal:
            raise Refused(str(refusal), current) from None
        attributes, end = plan_extend(current, now, until=moment)
    else:
        raise Refused(
            "Choose 30 minutes, 1 hour or 4 hours, or a time to extend it until.", current
        )
    _obey_policy(user, current, end, now)
    summary = f"Moved the end from {_utc_words(_end_of(current))} to {_utc_words(end)}"
    updated = _write(user, AuditEntry.Action.EXTEND, current, summary, attributes)
    # The trail keeps UTC; the person who clicked reads the new end in their own zone.
    shown = presenters.Moment(end, zone or ZoneInfo("UTC"), now)
    return updated, f"Extended: it now ends {shown.label} {shown.zone_label}."


def _obey_policy(
    user: User, current: Downtime, end: datetime, now: datetime, *, edit_hint: bool = True
) -> None:
    """Extend answers to the policy for the window it makes (`judging.unheld`)."""
    longer = dataclasses.replace(
        current.definition, schedule=OneTimeSchedule(start=_start_of(current), end=end)
    )
    refusal = judging.unheld(user, longer, now, before=current.definition, edit_hint=edit_hint)
    if refusal:
        raise PolicyRefused(refusal, current)


def _by(text: str, current: Downtime) -> timedelta:
    """The page's choices (30m, 1h, 4h), or any duration the API is sent."""
    try:
        return EXTENSIONS[text][0] if text in EXTENSIONS else schedules.parse_duration(text).delta
    except schedules.ScheduleError:
        raise Refused(f"Extend by a duration such as {', '.join(EXTENSIONS)}.", current) from None


def extend_to(user: User, downtime_id: str, now: datetime, end: datetime, *, summary: str):
    """Move a one-time window's end to `end` (a lease's renewal), as Extend does; an end no
    later than the current one changes nothing."""
    current = fresh(downtime_id)
    current_end = _end_of(current)
    if current_end is not None and end <= current_end and current.status in CANCELABLE:
        return current
    attributes, end = plan_extend(current, now, until=end)
    _obey_policy(user, current, end, now, edit_hint=False)
    return _write(user, AuditEntry.Action.EXTEND, current, summary, attributes)


def canceled_copy(current: Downtime, now: datetime) -> Downtime:
    """What Datadog's 204 means, for when it cannot be asked again straight away."""
    return dataclasses.replace(current, status=CANCELED, canceled=now, modified=now)


def _cancel_then_read(current: Downtime, now: datetime) -> Downtime:
    """Datadog's DELETE answers 204 and nothing more: read what it left, or infer it."""
    datadog.cancel_downtime(current.id)
    try:
        return datadog.get_downtime(current.id)
    except datadog.DatadogError:
        return canceled_copy(current, now)


def cancel(user: User, downtime_id: str, now: datetime) -> tuple[Downtime, str]:
    current = fresh(downtime_id)
    if current.status == CANCELED:
        raise Refused("It was already canceled; nothing was sent.", current)
    if current.status == ENDED:
        raise Refused("It has already ended, so canceling would unmute nothing.", current)
    updated = perform(
        user,
        AuditEntry.Action.CANCEL,
        lambda: _cancel_then_read(current, now),
        downtime_id=downtime_id,
        summary=f"Canceled; unmuted {unmutes(current)}",
        before=datadog.attributes_of(current),
    )
    return updated, f"Canceled. It no longer mutes {unmutes(current)}."
