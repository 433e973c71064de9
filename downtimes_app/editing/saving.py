"""Saving the schedule form, shaped like `actions.py`: a pure merge, then one perform.

`merge_edit` decides what an edit sends: only what this person changed, keeping what someone
else changed meanwhile, and naming the attributes both changed (a clash: nothing is sent until
the person has seen theirs). `save_downtime` claims the form's one-time token, merges, writes
through `audit.perform`, and answers with one typed outcome; the view only turns that outcome
into a page.

The edit's baseline (the downtime as the form was first drawn from it) stays on the server,
under the form's token, so it never travels through the browser.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache

from downtimes_app import datadog, store
from downtimes_app.audit.entries import actor_name
from downtimes_app.audit.writes import perform
from downtimes_app.core.clock import now
from downtimes_app.core.domain import CANCELED, Definition, Downtime, OneTimeSchedule, comparable
from downtimes_app.editing import submissions
from downtimes_app.models import ApprovalRequest, AuditEntry
from downtimes_app.notify import outbox
from downtimes_app.policy import asking, judging
from downtimes_app.policy.rules import Breach

User = AbstractBaseUser | AnonymousUser
BASELINE_SECONDS = 12 * 60 * 60


# --- the merge (pure) -----------------------------------------------------------------------


@dataclass(frozen=True)
class Merge:
    sent: dict[str, Any]  # typed attributes for the PATCH
    kept: tuple[str, ...]  # attributes someone else changed, left as they made them
    clashes: tuple[str, ...]  # attributes both changed differently: ask before sending


def merge_edit(baseline: Definition | None, before: Definition, mine: Definition) -> Merge:
    """An edit's three-way merge: the form's `baseline`, Datadog's `before` now, and `mine`.

    An unknown baseline (lost, expired) cannot tell whose change is whose, so every attribute
    this person would send is a clash unless it already equals Datadog's.
    """
    now, wanted = before.attributes(), mine.attributes()
    if baseline is None:
        differs = tuple(sorted(_changed(now, wanted)))
        return Merge({}, (), differs)
    base = baseline.attributes()
    my_changes, theirs = _changed(base, wanted), _changed(base, now)
    clashes = tuple(sorted(n for n in my_changes if n in theirs and _differ(n, wanted[n], now[n])))
    if clashes:
        return Merge({}, (), clashes)
    sent = {n: v for n, v in my_changes.items() if _differ(n, v, now[n])}
    return Merge(sent, tuple(sorted(theirs)), ())


def _differ(name: str, a: Any, b: Any) -> bool:
    return comparable(name, a) != comparable(name, b)


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    return {n: v for n, v in after.items() if _differ(n, v, before[n])}


# --- the edit's baseline, kept on the server ------------------------------------------------------


def _baseline_key(token: str, downtime_id: str) -> str:
    digest = hashlib.sha256(f"{downtime_id}\n{token}".encode()).hexdigest()
    return f"edit-baseline:{digest}"


def remember_baseline(token: str, downtime: Downtime) -> None:
    """The downtime as an edit form was drawn from it, for `save_downtime` to merge against."""
    cache.set(_baseline_key(token, downtime.id), downtime.definition, BASELINE_SECONDS)


def baseline(token: str, before: Downtime, seen: str) -> Definition | None:
    """The remembered baseline; else `before` itself when it has not changed since the form was
    drawn (`seen` is the `modified` time the form showed); else unknown."""
    found = cache.get(_baseline_key(token, before.id)) if token else None
    if found is None and before.modified is not None and before.modified.isoformat() == seen:
        return before.definition
    return found


# --- outcomes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    downtime: Downtime
    sent: tuple[str, ...] = ()  # what an edit changed
    kept: tuple[str, ...] = ()  # what someone else changed meanwhile, left as it was
    recovered: bool = False  # an earlier attempt that timed out had made it


@dataclass(frozen=True)
class AlreadySaved:
    downtime_id: str


@dataclass(frozen=True)
class InFlight:
    token: str


@dataclass(frozen=True)
class Unchanged:
    downtime_id: str
    # Nothing changed in Datadog, but the reminder choice did: the destinations now chosen.
    reminders: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Clash:
    attributes: tuple[str, ...]
    before: Downtime  # the downtime as it is now: the form's new baseline
    # False when the baseline was lost: these differ, but whose change each is is unknown.
    known: bool = True


@dataclass(frozen=True)
class Refused:
    """Datadog answered 400: its messages, for the form to place beside their fields."""

    messages: tuple[str, ...]


@dataclass(frozen=True)
class Failed:
    """Nothing was saved, or it cannot be told whether it was; `banner` says which, in words."""

    banner: str


@dataclass(frozen=True)
class Intent:
    """What a save means beyond the attributes sent: the audit trail's words (or "" for the
    form's own), the reminder choice, and whether a new window ends when it recovers."""

    summary: str = ""
    remind_to: Sequence[str] | None = None
    ends_on_recovery: bool = False


@dataclass(frozen=True)
class Forbidden:
    """The policy refuses it: each rule it breaks, in words. Nothing was sent."""

    breaches: tuple[Breach, ...]


@dataclass(frozen=True)
class Asked:
    """The policy holds it for a second editor: the request, waiting (or already decided)."""

    request: ApprovalRequest


Outcome = Saved | AlreadySaved | InFlight | Unchanged | Clash | Refused | Failed | Forbidden | Asked

CANCELED_BANNER = (
    "This downtime is canceled; Datadog does not change canceled downtimes. "
    "Clone it to schedule a new one."
)


# --- saving ---------------------------------------------------------------------------------------


def save_downtime(
    user: User,
    definition: Definition,
    *,
    token: str,
    now: datetime,
    original: Downtime | None = None,
    baseline: Definition | None = None,
    summary: str = "",
    remind_to: Sequence[str] | None = None,
    ends_on_recovery: bool = False,
) -> Outcome:
    """Create `definition`, or (with `original`, read fresh) edit that downtime into it;
    `summary` says in the audit trail what it was for, when the form's words would not. Every
    call to Datadog this makes fits in one call's deadline, so the page answers in time.

    `remind_to` is the reminder choice (None: the form did not show one; a create then takes
    the default); `ends_on_recovery` asks for a new one-time window to end early once what it
    mutes has recovered (`recovery`)."""
    intent = Intent(summary, remind_to, ends_on_recovery)
    with datadog.answer_within(settings.DATADOG_CALL_DEADLINE):
        return _save(user, definition, token, now, original, baseline, intent)


def _reminders_only(user: User, original: Downtime, remind_to: Sequence[str] | None) -> Unchanged:
    """An edit that changes nothing in Datadog may still change who is reminded."""
    if remind_to is None or set(remind_to) == set(outbox.chosen(original.id)):
        return Unchanged(original.id)
    who = actor_name(user)
    return Unchanged(original.id, tuple(outbox.choose(original.id, remind_to, who)))


def _save(
    user: User,
    definition: Definition,
    token: str,
    now: datetime,
    original: Downtime | None,
    baseline: Definition | None,
    intent: Intent,
) -> Outcome:
    kept: tuple[str, ...] = ()
    if original is None:
        sent = definition.attributes()
    elif original.status == CANCELED:
        return Failed(CANCELED_BANNER)
    else:
        merge = merge_edit(baseline, original.definition, definition)
        if merge.clashes:
            return Clash(merge.clashes, original, known=baseline is not None)
        if not merge.sent:
            return _reminders_only(user, original, intent.remind_to)
        sent, kept = merge.sent, merge.kept
    verdict = judging.judge(
        user,
        definition,
        now,
        changed=None if original is None else list(sent),
        before=original.definition if original is not None else None,
    )
    if verdict.breaches:
        return Forbidden(verdict.breaches)
    if verdict.needs:
        asked = asking.ask(
            user,
            token=token,
            attributes=sent,
            summary=intent.summary or _summary(sent, original),
            needs=verdict.needs,
            now=now,
            downtime_id=original.id if original else "",
            remind_to=intent.remind_to,
            ends_on_recovery=intent.ends_on_recovery,
        )
        return Asked(asked)
    outcome = _send(user, token, sent, now, original, intent)
    if isinstance(outcome, Saved) and not outcome.recovered:
        return Saved(outcome.downtime, tuple(sorted(sent)) if original else (), kept)
    return outcome


def _send(
    user: User,
    token: str,
    sent: dict[str, Any],
    now: datetime,
    original: Downtime | None,
    intent: Intent,
) -> Saved | AlreadySaved | InFlight | Refused | Failed:
    """Send what was decided, once for this token (`submissions`), through `perform`."""
    claim = submissions.claim(
        token,
        user,
        action="edit" if original else "new",
        attributes=sent,
        now=now,
        downtime_id=original.id if original else "",
    )
    if claim.outcome == submissions.DONE:
        return AlreadySaved(claim.row.downtime_id)
    if claim.outcome == submissions.IN_FLIGHT:
        return InFlight(claim.row.token)
    if claim.unsure and original is None:
        with datadog.answer_within(settings.DATADOG_CALL_DEADLINE / 2):  # the rest for the write
            earlier = _earlier_result(claim)
        if earlier is not None:
            return earlier
    return _write(user, claim, sent, original, intent)


def send_approved(
    approver: User, request: ApprovalRequest, *, now: datetime, summary: str
) -> Saved | AlreadySaved | InFlight | Refused | Failed:
    """Send what a request for approval holds, as its requester's form would have: once, under
    the request's own token, so a retry after a timeout looks for what the first attempt made.
    An edit is read fresh first: a downtime canceled meanwhile is not changed."""
    sent = datadog.parse_attributes(request.attributes)
    intent = Intent(summary, request.remind_to, request.ends_on_recovery)
    token = f"approval:{request.pk}"
    with datadog.answer_within(settings.DATADOG_CALL_DEADLINE):
        original = None
        if request.downtime_id:
            try:
                original = datadog.get_downtime(request.downtime_id)
            except datadog.NotFound:
                return Refused(("Datadog no longer has the downtime this edit changes.",))
            except datadog.DatadogError as error:
                return Failed(f"The downtime could not be read first, so nothing was sent: {error}")
            if original.status == CANCELED:
                return Refused((CANCELED_BANNER,))
        return _send(approver, token, sent, now, original, intent)


def _downtimes_since(attempts: tuple[Mapping[str, Any], ...]) -> tuple[Downtime, ...]:
    """Downtimes Datadog listed after the earlier attempts, as few calls as that takes.

    The shared copy when it was fetched since (no call at all); the active ones only, when
    every attempt was a window that would be muting now; else a copy refreshed now.
    """
    since = max(datetime.fromisoformat(a["at"]) for a in attempts)
    copy = store.peek()
    if copy is not None and copy.fetched_at > since:
        return copy.downtimes
    sent = [datadog.parse_attributes(a["attributes"]) for a in attempts]
    if all(_active_now(s.get("schedule"), since) for s in sent):
        # Its pages run on threads of their own, which the request's budget does not reach.
        deadline = datadog.seconds_left(settings.DOWNTIME_REFRESH_DEADLINE)
        return datadog.list_all_downtimes(current_only=True, deadline_seconds=deadline)
    return store.fetched_since(since).downtimes


def _active_now(schedule: Any, since: datetime) -> bool:
    """A one-time window that began when it was sent (or earlier) and has not ended."""
    if not isinstance(schedule, OneTimeSchedule):
        return schedule is None  # no schedule: it starts when Datadog receives it, no end
    started = schedule.start is None or schedule.start <= since
    return started and (schedule.end is None or schedule.end > now())


def _earlier_result(claim: submissions.Claim) -> Saved | Failed | None:
    """After an unknown outcome: the downtime it made, None if none, or why we cannot tell."""
    try:
        downtimes = _downtimes_since(claim.unsure)
    except datadog.DatadogError as error:
        message = (
            "An earlier attempt to save this form timed out, and Datadog cannot be asked "
            f"whether it went through ({error}). Nothing was sent, so that no second downtime "
            "is made; submit again in a moment."
        )
        submissions.failed(claim.row, message, uncertain=True)
        return Failed(message)
    earlier = submissions.earlier_result(claim.unsure, downtimes)
    if earlier is None:
        return None
    submissions.succeeded(claim.row, earlier.id)
    return Saved(earlier, recovered=True)


def _summary(sent: Mapping[str, Any], original: Downtime | None) -> str:
    if original is not None:
        return "Changed " + ", ".join(sorted(sent)) if sent else "Edited"
    identifier = sent["monitor_identifier"]
    if identifier.monitor_id is not None:
        what = f"monitor {identifier.monitor_id}"
    elif identifier.everything:
        what = "every monitor"
    else:
        what = "monitors tagged " + ", ".join(identifier.monitor_tags)
    return f"Scheduled for {what} over {sent['scope']}"


def _write(
    user: User,
    claim: submissions.Claim,
    sent: dict[str, Any],
    original: Downtime | None,
    intent: Intent,
) -> Saved | Refused | Failed:
    def call() -> Downtime:
        if original is not None:
            return datadog.update_downtime(original.id, attributes=sent)
        return datadog.create_downtime(attributes=sent)

    try:
        result = perform(
            user,
            AuditEntry.Action.EDIT if original else AuditEntry.Action.CREATE,
            call,
            downtime_id=original.id if original else "",
            summary=intent.summary or _summary(sent, original),
            before=datadog.attributes_of(original) if original else None,
            after=datadog.attributes_of,
            remind_to=intent.remind_to,
            ends_on_recovery=intent.ends_on_recovery and original is None,
        )
    except datadog.BadRequest as error:
        submissions.failed(claim.row, str(error), uncertain=False)
        return Refused(error.errors or (str(error),))
    except (datadog.Unavailable, datadog.MalformedResponse) as error:
        submissions.failed(claim.row, str(error), uncertain=True)
        return Failed(
            f"{error}. Everything you typed is still here. Submitting again is safe: the "
            "dashboard first checks whether the downtime was made, and will not make a second."
        )
    except datadog.DatadogError as error:
        submissions.failed(claim.row, str(error), uncertain=False)
        return Failed(f"Nothing was saved: {error}. Everything you typed is still here.")
    submissions.succeeded(claim.row, result.id)
    return Saved(result)
