"""Answers to Slack in Block Kit: a section of text and, where there is one, the link to the
page it concerns. Text from Datadog or from a person is escaped for Slack's mrkdwn, so a scope
cannot ping a channel or forge a link. Pure."""

from __future__ import annotations

from typing import Any

from downtimes_app.notify.words import SECTION_MAX, escape

HELP = (
    "*/downtime* mutes, lists, extends and ends Datadog downtimes through the dashboard "
    "(its policy, audit trail and reminders included):\n"
    "• `/downtime mute <monitor id or name> <30m|1h|4h|until 18:00> [group]`\n"
    "• `/downtime list [search]`: what is muted now\n"
    "• `/downtime extend <downtime id> <30m|1h|4h>`\n"
    "• `/downtime end <downtime id>`\n"
    "Times are UTC."
)


def _cut(text: str) -> str:
    return text if len(text) <= SECTION_MAX else text[: SECTION_MAX - 1] + "…"


def answer(
    text: str, *, link: str = "", label: str = "Open it", safe: bool = False
) -> dict[str, Any]:
    """An ephemeral answer: `text` (escaped unless `safe`, already mrkdwn of ours) and a link."""
    shown = _cut(text if safe else escape(text))
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": shown}}]
    if link:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"<{link}|{label}>"}]}
        )
    return {"response_type": "ephemeral", "text": shown, "blocks": blocks}


def lines(title: str, items: list[str], *, link: str = "", label: str = "") -> dict[str, Any]:
    """A title and a list, each item already mrkdwn of ours (escaped where it came from
    outside)."""
    text = f"*{escape(title)}*\n" + "\n".join(items)
    return answer(text, link=link, label=label or "Open the list", safe=True)
