"""What a message says, and how it is put for Slack and for a plain webhook. Pure.

`Notice` holds everything a message carries: the event, the scope, what it mutes, the window in
UTC and in the schedule's zone, who created it, who acted, the permalink and (for a reminder)
the link to the page with its extend choices, and the monitors still alerting. `slack_payload`
writes Slack's incoming-webhook body (`text`, the notification's fallback, plus Block Kit
`blocks`); `webhook_body` the documented JSON (README: Payloads). Text from Datadog is escaped
for Slack's mrkdwn (`&`, `<`, `>`), so a scope cannot ping a channel or forge a link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from downtimes_app.core import presenters, schedules
from downtimes_app.core.domain import Downtime, Window

REMINDER, CREATED, CANCELED, ENDED = "reminder", "created", "canceled", "ended"
OUTSIDE = "outside"
HEADLINES = {
    REMINDER: "Downtime ends in {left}",
    CREATED: "Downtime scheduled",
    CANCELED: "Downtime canceled",
    ENDED: "Downtime ended now",
    OUTSIDE: "Downtime changed outside the dashboard",
}
ACTED = {CREATED: "Scheduled by", CANCELED: "Canceled by", ENDED: "Ended by"}
# Slack's limits (Block Kit reference): a header's text, a section's text and each field.
HEADER_MAX, SECTION_MAX, FIELD_MAX = 150, 3000, 2000
ALERTING_SHOWN = 10


@dataclass(frozen=True)
class Alerting:
    monitor_id: int
    name: str
    state: str  # Alert, Warn, No Data


@dataclass(frozen=True)
class Notice:
    event: str
    message_id: str
    attempt: int
    downtime: Downtime
    window: Window | None
    created_by: str
    actor: str  # who created, canceled or ended it (events)
    permalink: str
    extend_url: str
    now: datetime
    alerting: tuple[Alerting, ...] = ()
    # Why the monitors could not be asked about (the reminder still goes): words, or "".
    alerting_unknown: str = ""
    # An ending's own words from the audit trail ("Ended: host:web-3 recovered …"), or "".
    why: str = ""
    # Extend 1 h and End now buttons on a reminder (Slack's /slack/actions is set up).
    buttons: bool = False
    # A change outside the dashboard, in a sentence: "A downtime muting … was created in …".
    said: str = ""

    @property
    def zone(self) -> str:
        return self.downtime.schedule_zone or "UTC"

    @property
    def left(self) -> timedelta | None:
        if self.window is None or self.window.end is None:
            return None
        return max(self.window.end - self.now, timedelta(0))

    @property
    def headline(self) -> str:
        if self.said:
            return self.said
        left = self.left
        return HEADLINES[self.event].format(left=presenters.span(left) if left else "moments")

    @property
    def mutes(self) -> str:
        kind, what = presenters.target(self.downtime)
        return {"monitor": f"the monitor {what}", "tags": f"monitors tagged {what}"}.get(
            kind, "every monitor"
        )

    @property
    def scope(self) -> str:
        return (self.downtime.scope or "*").strip()

    def window_in(self, zone_name: str) -> str:
        """`2026-11-02 09:00 → 10:00 EST` (both days when they differ), or "no window"."""
        if self.window is None:
            return "no window"
        try:
            zone = schedules.get_zone(zone_name)
        except schedules.ScheduleError:
            zone = schedules.get_zone("UTC")
        start = self.window.start.astimezone(zone)
        if self.window.end is None:
            return f"{start:%Y-%m-%d %H:%M} {start:%Z} → no end"
        end = self.window.end.astimezone(zone)
        until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
        return f"{start:%Y-%m-%d %H:%M} → {until} {end:%Z}"

    @property
    def alerting_words(self) -> str:
        if self.alerting_unknown:
            return f"Could not ask Datadog which monitors are alerting: {self.alerting_unknown}."
        if not self.alerting:
            return "No monitor it mutes is in Alert, Warn or No Data."
        shown = [f"{a.name} ({a.state})" for a in self.alerting[:ALERTING_SHOWN]]
        more = len(self.alerting) - len(shown)
        return "Still alerting: " + "; ".join(shown) + (f"; and {more} more" if more else "")

    def summary(self) -> str:
        """One paragraph of plain text: Slack's notification fallback, the webhook's `text`."""
        lines = [
            f"{self.headline}: {self.mutes} over {self.scope}.",
            f"Window: {self.window_in('UTC')} ({self.window_in(self.zone)}, {self.zone}).",
            f"Created by {self.created_by}." if self.created_by else "",
            f"{ACTED[self.event]} {self.actor}." if self.event in ACTED and self.actor else "",
            f"{self.why}." if self.why else "",
            self.alerting_words if self.event == REMINDER else "",
            f"Extend it: {self.extend_url}" if self.event == REMINDER else "",
            f"Downtime: {self.permalink}",
        ]
        return "\n".join(line for line in lines if line)


def outside_sentence(event: str, downtime: Downtime, changed: list[str], by: str) -> str:
    """A change seen outside the dashboard, in one sentence: "A downtime muting [prod]
    payments-api was created in Datadog by terraform-ci"."""
    kind, what = presenters.target(downtime)
    muting = {"monitor": what, "tags": f"monitors tagged {what}"}.get(kind, "every monitor")
    done = {
        "created": "was created in Datadog",
        "canceled": "was canceled in Datadog",
        "changed": "was changed in Datadog",
    }.get(event, "changed in Datadog")
    if event == "changed" and changed:
        done += f" ({', '.join(name.replace('_', ' ') for name in changed)})"
    return f"A downtime muting {muting} {done}" + (f" by {by}" if by else "")


def escape(text: str) -> str:
    """Slack's mrkdwn control characters, as its formatting reference says to escape them."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _field(title: str, value: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": _cut(f"*{title}*\n{escape(value)}", FIELD_MAX)}


def slack_payload(notice: Notice) -> dict[str, Any]:
    """Slack's incoming-webhook body: `text` (the notification's fallback) and `blocks`."""
    links = f"<{notice.permalink}|Open the downtime>"
    if notice.event == REMINDER:
        links = f"<{notice.extend_url}|Extend it…> · " + links
    fields = [
        _field("Scope", notice.scope),
        _field("Mutes", notice.mutes),
        _field("Window (UTC)", notice.window_in("UTC")),
        _field(f"Window ({notice.zone})", notice.window_in(notice.zone)),
        _field("Created by", notice.created_by or "unknown"),
    ]
    if notice.event in ACTED and notice.actor:
        fields.append(_field(ACTED[notice.event], notice.actor))
    if notice.why:
        fields.append(_field("Why", notice.why))
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _cut(notice.headline, HEADER_MAX)},
        },
        {"type": "section", "fields": fields},
    ]
    if notice.event == REMINDER:
        text = _cut(escape(notice.alerting_words), SECTION_MAX)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
        if notice.buttons:
            blocks.append(_buttons(notice.downtime.id))
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": links}})
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"Message {notice.message_id}"}],
        }
    )
    return {"text": _cut(escape(notice.summary()), SECTION_MAX), "blocks": blocks}


@dataclass(frozen=True)
class Asked:
    """A request for approval, in the words of its audit entry, with the page to decide on."""

    message_id: str
    attempt: int
    text: str  # "Asked for approval: Scheduled for every monitor over * (…)"
    actor: str
    link: str
    now: datetime


def asked_payload(notice: Asked, *, slack: bool) -> dict[str, Any]:
    """The message asking for a second editor: Slack's blocks, or the webhook's JSON."""
    if not slack:
        return {
            "id": notice.message_id,
            "event": "approval",
            "attempt": notice.attempt,
            "sent_at": _iso(notice.now),
            "text": f"{notice.actor}: {notice.text}",
            "actor": notice.actor or None,
            "approval_url": notice.link,
        }
    text = _cut(escape(f"{notice.actor}: {notice.text}"), SECTION_MAX)
    return {
        "text": text,
        "blocks": [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": "Downtime waits for approval"},
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"<{notice.link}|Approve or decline…>"},
            },
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"Message {notice.message_id}"}],
            },
        ],
    }


def _buttons(downtime_id: str) -> dict[str, Any]:
    """A reminder's buttons; `/slack/actions` acts on them for the linked person who presses."""

    def button(action_id: str, text: str, **more: Any) -> dict[str, Any]:
        label = {"type": "plain_text", "text": text}
        return {
            "type": "button",
            "action_id": action_id,
            "value": downtime_id,
            "text": label,
            **more,
        }

    return {
        "type": "actions",
        "elements": [
            button("extend_1h", "Extend 1 h"),
            button("end_now", "End now", style="danger"),
        ],
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def webhook_body(notice: Notice) -> dict[str, Any]:
    """The documented JSON for plain webhooks (README: Payloads); `id` is the same on every
    attempt of one message, so a receiver drops a repeat by it."""
    d = notice.downtime
    window = notice.window
    return {
        "id": notice.message_id,
        "event": notice.event,
        "attempt": notice.attempt,
        "sent_at": _iso(notice.now),
        "text": notice.summary(),
        "downtime": {
            "id": d.id,
            "url": notice.permalink,
            "scope": notice.scope,
            "mutes": notice.mutes,
            "monitor_id": d.monitor_id,
            "monitor_tags": list(d.monitor_tags),
            "timezone": notice.zone,
            "window": {
                "start": _iso(window.start) if window else None,
                "end": _iso(window.end) if window else None,
                "utc": notice.window_in("UTC"),
                "local": notice.window_in(notice.zone),
            },
            "created_by": notice.created_by or None,
        },
        "actor": notice.actor or None,
        "why": notice.why or None,
        "extend_url": notice.extend_url if notice.event == REMINDER else None,
        "ends_in_minutes": int(notice.left.total_seconds() // 60)
        if notice.event == REMINDER and notice.left is not None
        else None,
        "alerting": [
            {"monitor_id": a.monitor_id, "name": a.name, "state": a.state} for a in notice.alerting
        ],
        "alerting_unknown": notice.alerting_unknown or None,
    }
