"""One attempt at one message: claim it, check it still stands, word it, post it, record it.

The downtime comes from this process's view of the shared copy (`store`), with the dashboard's
own writes laid over it, so a reminder knows at once that its downtime was canceled or extended
through the dashboard. A reminder also asks Datadog, at send time, which monitors it mutes are
still alerting (their state, then `downtime_matches` to see that this downtime's scope mutes
them). Posting is one `requests` call with explicit timeouts; what a failure says is in our own
words (a status code, "no answer within 10 s"), because the library's messages print the URL.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

import requests
from django.conf import settings
from django.urls import reverse

from downtimes_app import datadog, store
from downtimes_app.core.clock import now as clock
from downtimes_app.core.domain import Downtime, Monitor
from downtimes_app.datadog import codec
from downtimes_app.models import ApprovalRequest, AuditEntry, Delivery
from downtimes_app.notify import outbox, reminders, words
from downtimes_app.notify.destinations import SLACK, Destination

log = logging.getLogger(__name__)
ALERTING_STATES = ("Alert", "Warn", "No Data")
# Monitors confirmed one by one with downtime_matches; past this, the rest are named unconfirmed.
CONFIRM_AT_MOST = 10
WORDY_BODY = re.compile(r"^[\w .:,-]{1,80}$")


@dataclass(frozen=True)
class Attempt:
    """What one attempt did: `retry_at` is set when it failed and will be tried again."""

    outcome: str  # sent, retry, failed, dropped, skipped (not ours to send)
    retry_at: datetime | None = None


def attempt(delivery_id: int) -> Attempt:
    now = clock()
    claimed = outbox.claim(delivery_id, now)
    if claimed is None:
        return Attempt("skipped")
    row, token = claimed
    destination = outbox.destinations().get(row.destination)
    if destination is None:
        outbox.failed(row, token, f"no destination named {row.destination!r} is configured now")
        return Attempt("failed")
    if row.kind == Delivery.Kind.APPROVAL:
        if not _still_asked(row, now):
            outbox.not_sent(row, token, "the request was decided, or expired, first")
            return Attempt("dropped")
        return _posted(row, token, destination, _request_notice(row, now))
    if row.kind == Delivery.Kind.OUTSIDE:
        if row.version is None or row.version.actor:
            outbox.not_sent(row, token, "it was a write through the dashboard after all")
            return Attempt("dropped")
        return _posted(row, token, destination, _outside_notice(row, now))
    downtime = _downtime(row.downtime_id)
    if downtime is None:
        outbox.retry_later(row, token, "the downtime could not be read from Datadog", now)
        return Attempt("retry")
    if row.kind == Delivery.Kind.REMINDER:
        reason = _no_longer(row, downtime, now)
        if reason:
            outbox.not_sent(row, token, reason)
            return Attempt("dropped")
    return _posted(row, token, destination, _notice(row, downtime, now))


def _posted(
    row: Delivery, token: str, destination: Destination, notice: words.Notice | words.Asked
) -> Attempt:
    error, wait = post(destination, notice)
    if not error:
        outbox.sent(row, token, clock())
        return Attempt("sent")
    log.warning("%s: attempt %s failed: %s", outbox.what(row), row.attempts, error)
    at = outbox.retry_later(row, token, error, clock(), wait, until=row.window_end)
    return Attempt("retry", at) if at else Attempt("failed")


def _downtime(downtime_id: str) -> Downtime | None:
    try:
        return store.find(downtime_id)
    except datadog.DatadogError:
        return None


def _no_longer(row: Delivery, downtime: Downtime, now: datetime) -> str:
    """Why a reminder no longer stands, or "" when it still does."""
    if downtime.canceled is not None or downtime.status == "canceled":
        return "the downtime was canceled"
    assert row.window_end is not None
    if now >= row.window_end:
        return "its window ended before it could be sent"
    if reminders.window_ending(downtime, row.window_end, now) is None:
        ahead = reminders.next_due(downtime, now, outbox.lead())
        if ahead is None:
            return "its window was ended early"
        return f"its window now ends at {ahead.end:%Y-%m-%d %H:%M} UTC (a reminder follows then)"
    return ""


# --- the message ---------------------------------------------------------------------------------


def _link(path: str) -> str:
    return settings.DASHBOARD_URL.rstrip("/") + path


def _created_by(downtime: Downtime) -> str:
    entry = (
        AuditEntry.objects.filter(
            downtime_id=downtime.id, action=AuditEntry.Action.CREATE, outcome=AuditEntry.Outcome.OK
        )
        .order_by("at")
        .first()
    )
    if entry is not None:
        return entry.actor_name
    return downtime.creator.display_name if downtime.creator else ""


def _window(row: Delivery, downtime: Downtime, now: datetime):
    if row.window_end is not None:
        found = reminders.window_ending(downtime, row.window_end, now)
        if found is not None:
            return found
    ahead = reminders.windows_ahead(downtime, now)
    return ahead[0] if ahead else downtime.window


def _notice(row: Delivery, downtime: Downtime, now: datetime) -> words.Notice:
    page = reverse("downtimes:detail", args=[downtime.id])
    alerting, unknown = (), ""
    if row.kind == Delivery.Kind.REMINDER:
        alerting, unknown = still_alerting(downtime)
    return words.Notice(
        event=row.kind,
        message_id=str(row.message_id),
        attempt=row.attempts,
        downtime=downtime,
        window=_window(row, downtime, now),
        created_by=_created_by(downtime),
        actor=row.cause.actor_name if row.cause else "",
        permalink=_link(page),
        extend_url=_link(f"{page}?extend=1#extend"),
        now=now,
        alerting=alerting,
        alerting_unknown=unknown,
        why=row.cause.summary if row.cause and row.kind == Delivery.Kind.ENDED else "",
        buttons=row.kind == Delivery.Kind.REMINDER
        and bool(settings.DASHBOARD_SLACK_SIGNING_SECRET),
    )


def _outside_notice(row: Delivery, now: datetime) -> words.Notice:
    """A change outside the dashboard, as the version that records it has the downtime."""
    version = row.version
    assert version is not None
    downtime = codec.parse_downtime_document(version.state)
    by = downtime.creator.display_name if downtime.creator and version.event == "created" else ""
    page = reverse("downtimes:detail", args=[downtime.id])
    return words.Notice(
        event=row.kind,
        message_id=str(row.message_id),
        attempt=row.attempts,
        downtime=downtime,
        window=downtime.window,
        created_by=downtime.creator.display_name if downtime.creator else "",
        actor="",
        permalink=_link(page),
        extend_url=_link(page),
        now=now,
        said=words.outside_sentence(version.event, downtime, version.changed, by),
    )


def _still_asked(row: Delivery, now: datetime) -> bool:
    number = row.downtime_id.removeprefix(outbox.APPROVAL_LABEL)
    return ApprovalRequest.objects.filter(
        pk=int(number) if number.isdigit() else 0,
        state=ApprovalRequest.State.PENDING,
        expires_at__gt=now,
    ).exists()


def _request_notice(row: Delivery, now: datetime) -> words.Asked:
    """A request for approval: its words are the audit entry's (who asked for what, and why)."""
    number = row.downtime_id.removeprefix(outbox.APPROVAL_LABEL)
    return words.Asked(
        message_id=str(row.message_id),
        attempt=row.attempts,
        text=row.cause.summary if row.cause else "A downtime waits for approval",
        actor=row.cause.actor_name if row.cause else "",
        link=_link(reverse("downtimes:approval", args=[number])),
        now=now,
    )


def _candidates(downtime: Downtime) -> list[Monitor]:
    if downtime.monitor_id is not None:
        return [datadog.get_monitor(downtime.monitor_id)]
    tags = tuple(t for t in downtime.monitor_tags if t and t != "*")
    return datadog.list_monitors(monitor_tags=tags).monitors


def still_alerting(downtime: Downtime) -> tuple[tuple[words.Alerting, ...], str]:
    """The monitors this downtime mutes that are in Alert, Warn or No Data, asked of Datadog."""
    try:
        alerting = [m for m in _candidates(downtime) if m.overall_state in ALERTING_STATES]
        found = []
        for index, monitor in enumerate(sorted(alerting, key=lambda m: m.name.lower())):
            if index < CONFIRM_AT_MOST and (downtime.scope or "*").strip() != "*":
                matches = datadog.list_monitor_downtimes(monitor.id).matches
                if not any(m.id == downtime.id for m in matches):
                    continue  # its alerting groups are outside this downtime's scope
            found.append(words.Alerting(monitor.id, monitor.name, monitor.overall_state or ""))
    except datadog.DatadogError as error:
        return (), str(error)
    return tuple(found), ""


# --- posting -------------------------------------------------------------------------------------


def payload(destination: Destination, notice: words.Notice | words.Asked) -> dict:
    if isinstance(notice, words.Asked):
        return words.asked_payload(notice, slack=destination.kind == SLACK)
    if destination.kind == SLACK:
        return words.slack_payload(notice)
    return words.webhook_body(notice)


def post(destination: Destination, notice: words.Notice | words.Asked) -> tuple[str, float]:
    """Send it: ("", 0) when the destination took it, else (why not, seconds it asked to wait)."""
    headers = {
        "User-Agent": "downtime-dashboard",
        # The same on every attempt: a receiver that keeps it drops repeats.
        "Idempotency-Key": notice.message_id,
    }
    try:
        answer = requests.post(
            destination.url,
            json=payload(destination, notice),
            headers=headers,
            timeout=settings.NOTIFY_TIMEOUT,
            allow_redirects=False,
        )
    except requests.Timeout:
        return f"no answer from {destination.host} within {settings.NOTIFY_TIMEOUT[1]:g} s", 0
    except requests.ConnectionError:
        return f"could not connect to {destination.host}", 0
    except requests.RequestException as error:  # the library's message would print the URL
        return f"the request to {destination.host} failed ({type(error).__name__})", 0
    if 200 <= answer.status_code < 300:
        return "", 0
    said = (answer.text or "").strip()
    said = f": {said}" if WORDY_BODY.match(said) and destination.url not in said else ""
    wait = answer.headers.get("Retry-After", "")
    return (
        f"{destination.host} answered HTTP {answer.status_code}{said}",
        float(wait) if wait.isdigit() else 0,
    )
