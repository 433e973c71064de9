"""Cancel in bulk: pick downtimes by scope or by id from the cached copy (pure), then cancel
each through `audit.perform`, one entry a downtime, going on past a failure (the quick
actions' own rules: `actions.CANCELABLE`, `actions.ID_PATTERN`, and the 204 read as
canceled)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from downtimes_app import datadog
from downtimes_app.audit.writes import perform
from downtimes_app.core import presenters, scope
from downtimes_app.core.domain import Downtime
from downtimes_app.core.scope import ScopeError
from downtimes_app.core.status import live_status
from downtimes_app.downtimes.actions import CANCELABLE, ID_PATTERN, User, canceled_copy, unmutes
from downtimes_app.models import AuditEntry


def scope_terms(text: str) -> frozenset[str]:
    """The AND-ed parts of a scope, canonical; raises ScopeError for a scope Datadog refuses.

    v1's cancel-by-scope took comma-separated tags that must all match (`env:dev,env:prod`);
    commas are read that way here too, since no scope value can contain one.
    """
    text = (text or "").strip()
    if "," in text:
        text = " AND ".join(part.strip() for part in text.split(",") if part.strip())
    return scope.scope_terms(text)


def select_by_scope(
    downtimes: Iterable[Downtime], text: str, *, narrower: bool = False
) -> list[Downtime]:
    """Active and scheduled downtimes whose scope is `text` (or, if `narrower`, contains it).

    Raises ScopeError. `*` only ever matches `*`: "everything narrower than everything" would
    be every downtime in the org.
    """
    if len(text) > scope.MAX_TYPED:
        raise ScopeError(str(scope.check_scope(text)))
    wanted = scope_terms(text)
    found = []
    for downtime in downtimes:
        if downtime.status not in CANCELABLE:
            continue
        try:
            terms = scope_terms(downtime.scope)
        except ScopeError:
            continue
        if terms == wanted or (narrower and wanted != {"*"} and wanted <= terms):
            found.append(downtime)
    return found


@dataclass(frozen=True)
class Skipped:
    downtime_id: str
    downtime: Downtime | None
    reason: str


def select_by_ids(
    lookup: Callable[[str], Downtime | None], ids: Iterable[str]
) -> tuple[list[Downtime], list[Skipped]]:
    """The chosen downtimes that can be canceled, and the others with the reason why not."""
    chosen, skipped, seen = [], [], set()
    for downtime_id in ids:
        downtime_id = downtime_id.strip()
        if not downtime_id or downtime_id in seen:
            continue
        seen.add(downtime_id)
        if not ID_PATTERN.match(downtime_id):
            skipped.append(Skipped(downtime_id, None, "Not a downtime id."))
            continue
        downtime = lookup(downtime_id)
        if downtime is None:
            skipped.append(Skipped(downtime_id, None, "Not in Datadog's current list."))
        elif downtime.status not in CANCELABLE:
            skipped.append(Skipped(downtime_id, downtime, f"Already {downtime.status}."))
        else:
            chosen.append(downtime)
    return chosen, skipped


@dataclass(frozen=True)
class BulkOutcome:
    downtime_id: str
    label: str
    ok: bool
    error: str = ""


# After these, every further call would fail the same way: stop and say so instead.
_STOPPERS = (datadog.RateLimited, datadog.AuthError)


def _not_attempted(error: datadog.DatadogError) -> str:
    if isinstance(error, datadog.RateLimited) and error.reset is not None:
        return f"Not attempted: {error.summary}; try again in {error.reset:g}s."
    return f"Not attempted: {error.summary}."


def label(downtime: Downtime) -> str:
    return f"{presenters.target(downtime)[1]} \u00b7 {downtime.scope or '*'}"


def _bulk_call(downtime_id: str, downtime: Downtime | None, now: datetime):
    """The DELETE, answering with the canceled copy when the copy knew the downtime."""

    def call() -> Downtime | None:
        datadog.cancel_downtime(downtime_id)
        return canceled_copy(downtime, now) if downtime is not None else None

    return call


def cancel_many(
    user: User,
    downtimes: Sequence[Downtime],
    *,
    now: datetime,
    unknown_ids: Sequence[str] = (),
) -> list[BulkOutcome]:
    """Cancel each one (v2 DELETE, one by one, each audited); report each outcome.

    `before` comes from the cached copy the preview showed: a fresh read of each would double
    the calls during an incident, when rate limits bite, and its windows say (by the clock) which
    have ended since. Ids the copy does not hold are still sent; Datadog's answer says whether
    they exist.
    """
    outcomes: list[BulkOutcome] = []
    targets: list[tuple[str, Downtime | None]] = []
    for downtime in downtimes:
        status = live_status(downtime, now)
        if status in CANCELABLE:
            targets.append((downtime.id, downtime))
        else:
            # It ended or was canceled since the preview (or this confirm was sent twice).
            reason = f"Not sent: it has {status} already."
            outcomes.append(BulkOutcome(downtime.id, label(downtime), False, reason))
    targets += [(downtime_id, None) for downtime_id in unknown_ids]
    stopped: datadog.DatadogError | None = None
    for downtime_id, downtime in targets:
        name = label(downtime) if downtime else downtime_id
        if stopped is not None:
            outcomes.append(BulkOutcome(downtime_id, name, False, _not_attempted(stopped)))
            continue
        summary = f"Canceled in bulk; unmuted {unmutes(downtime)}" if downtime else "Canceled"
        try:
            perform(
                user,
                AuditEntry.Action.BULK_CANCEL,
                _bulk_call(downtime_id, downtime, now),
                downtime_id=downtime_id,
                summary=summary,
                before=datadog.attributes_of(downtime) if downtime else None,
            )
        except datadog.DatadogError as error:
            outcomes.append(BulkOutcome(downtime_id, name, False, str(error)))
            if isinstance(error, _STOPPERS):
                stopped = error
            continue
        outcomes.append(BulkOutcome(downtime_id, name, True))
    return outcomes
