"""What `/downtime` and the reminders' buttons do, for a linked person, through the pages' own
paths: quick mute (as the monitor page mutes), Extend and End now (as a downtime's page does).
The policy, the once-only saving, the audit trail ("… through Slack") and reminders come with
them. Each answer names what goes quiet and until when, with the page to open."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from downtimes_app import datadog, store
from downtimes_app.core import presenters
from downtimes_app.core.domain import Monitor
from downtimes_app.downtimes import actions, listing
from downtimes_app.downtimes.index import list_index
from downtimes_app.editing import saving
from downtimes_app.monitors import quickmute
from downtimes_app.muting import monitoring
from downtimes_app.notify.words import escape
from downtimes_app.slack import blocks
from downtimes_app.slack.parsing import Command
from downtimes_app.web.access import can_read, can_write

log = logging.getLogger(__name__)
UTC = ZoneInfo("UTC")
THROUGH_SLACK = "through Slack"
LISTED = 10
NO_ROLE = "Your account on the dashboard has no role, so nothing was done."
NAMED = 5


def link(path: str) -> str:
    return (settings.DASHBOARD_URL or "").rstrip("/") + path


def _downtime_link(downtime_id: str) -> str:
    return link(reverse("downtimes:detail", args=[downtime_id]))


def run(command: Command, user: AbstractBaseUser, *, key: str, now: datetime) -> dict[str, Any]:
    """The answer to a command of a linked person (`key`: the request's, for once-only)."""
    user.acting_through = THROUGH_SLACK  # type: ignore[attr-defined]
    if not can_read(user):
        return blocks.answer(NO_ROLE)
    if command.verb == "help":
        return blocks.answer(blocks.HELP, safe=True)
    if command.verb == "list":
        return _list(command.subject, now)
    if not can_write(user):
        return blocks.answer("Only editors can change downtimes; your role here is viewer.")
    if command.verb == "mute":
        return _mute(command, user, key=key, now=now)
    if command.verb == "extend":
        return _quick(
            lambda: actions.extend(user, command.subject, now, by=command.duration, zone=UTC)
        )
    return _quick(lambda: actions.end_now(user, command.subject, now))


def _list(search: str, now: datetime) -> dict[str, Any]:
    query, _ = listing.ListQuery.from_params({"status": "active", "q": search[:200]})
    index = list_index(store.current().snapshot)
    result = listing.run(index.downtimes, query, index=index)
    items = []
    for downtime in result.rows[:LISTED]:
        _, target = presenters.target(downtime)
        window = downtime.window
        until = f"{window.end:%a %d %b %H:%M} UTC" if window and window.end else "no end"
        over = escape(downtime.scope or "*")
        items.append(
            f"• <{_downtime_link(downtime.id)}|{escape(target)}> over `{over}`, until {until}"
            f" · `{downtime.id}`"
        )
    more = f" ({result.total} in all)" if result.total > LISTED else ""
    title = f"Muted now{f' matching {search}' if search else ''}{more}"
    if not items:
        return blocks.answer(f"Nothing is muted now{f' matching {search}' if search else ''}.")
    return blocks.lines(title, items, link=link(query.url(reverse("downtimes:list"))))


def _monitor(subject: str) -> Monitor | str:
    """The monitor named by id or by (part of) its name, or why not in words."""
    try:
        if subject.isdigit():
            return monitoring.find_monitor(int(subject), monitoring.overview())
    except datadog.NotFound:
        return f"Datadog has no monitor {subject}."
    except datadog.DatadogError as error:
        return f"Datadog could not be asked: {error}"
    snapshot = monitoring.overview().monitors.snapshot
    wanted = subject.lower()
    found = [m for m in (snapshot.monitors if snapshot else ()) if wanted in m.name.lower()]
    exact = [m for m in found if m.name.lower() == wanted]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0]
    if not found:
        return f"No monitor's name contains “{subject}”."
    named = "; ".join(f"{m.id}: {m.name}" for m in found[:NAMED])
    return f"{len(found)} monitors match “{subject}”; say which by id: {named}."


def _until(text: str, now: datetime) -> str:
    """The next HH:MM in UTC, as the quick mute form's `until` (wall time)."""
    hours, minutes = (int(part) for part in text.split(":"))
    moment = now.astimezone(UTC).replace(hour=hours, minute=minutes, second=0, microsecond=0)
    if moment <= now:
        moment += timedelta(days=1)
    return f"{moment:%Y-%m-%dT%H:%M}"


def _mute(command: Command, user: AbstractBaseUser, *, key: str, now: datetime) -> dict[str, Any]:
    monitor = _monitor(command.subject)
    if isinstance(monitor, str):
        return blocks.answer(monitor)
    try:
        chosen = quickmute.plan(
            quickmute.target(monitor, command.group),
            now,
            duration=command.duration or quickmute.UNTIL,
            until=_until(command.until, now) if command.until else "",
            zone=UTC,
            message=f"Muted from Slack by {getattr(user, 'get_username', lambda: '')()}",
        )
    except quickmute.Refused as refusal:
        return blocks.answer(str(refusal))
    outcome = quickmute.mute(user, chosen, token=f"slack-{key[:40]}", now=now)
    return _muted(outcome, quickmute.quiet_words(chosen, UTC, now))


def _muted(outcome: saving.Outcome, words: str) -> dict[str, Any]:
    match outcome:
        case saving.Saved(downtime=made):
            return blocks.answer(f"Muted: {words}", link=_downtime_link(made.id))
        case saving.AlreadySaved(downtime_id=made):
            return blocks.answer(f"Already muted: {words}", link=_downtime_link(made))
        case saving.InFlight():
            return blocks.answer("This mute is being sent; look again in a moment.")
        case saving.Forbidden(breaches=breaches):
            said = " ".join(b.words for b in breaches)
            return blocks.answer(f"The dashboard's policy does not allow it: {said}")
        case saving.Asked(request=asked):
            page = link(reverse("downtimes:approval", args=[asked.pk]))
            return blocks.answer(
                "Nothing was sent yet: the policy asks a second editor to approve this mute.",
                link=page,
                label="The request",
            )
        case saving.Refused(messages=said):
            return blocks.answer("Datadog refused it: " + " ".join(said))
        case saving.Failed(banner=banner):
            return blocks.answer(banner)
    return blocks.answer("Nothing was done.")  # pragma: no cover


def _quick(act: Callable[[], tuple[Any, str]]) -> dict[str, Any]:
    try:
        changed, words = act()
    except datadog.NotFound:
        return blocks.answer("Datadog has no downtime with this id.")
    except actions.Refused as refusal:
        return blocks.answer(str(refusal))
    except datadog.DatadogError as error:
        return blocks.answer(f"Datadog did not take it: {error}")
    return blocks.answer(words, link=_downtime_link(changed.id))


def press(
    action_id: str, downtime_id: str, user: AbstractBaseUser, now: datetime
) -> dict[str, Any]:
    """A reminder's button: Extend 1 h or End now."""
    user.acting_through = THROUGH_SLACK  # type: ignore[attr-defined]
    if not can_read(user):
        return blocks.answer(NO_ROLE)
    if not can_write(user):
        return blocks.answer("Only editors can change downtimes; your role here is viewer.")
    if action_id == "extend_1h":
        return _quick(lambda: actions.extend(user, downtime_id, now, by="1h", zone=UTC))
    if action_id == "end_now":
        return _quick(lambda: actions.end_now(user, downtime_id, now))
    return blocks.answer("This button is not one the dashboard knows.")


def respond(url: str, answer: dict[str, Any]) -> None:
    """Post a button's answer to Slack's `response_url` (only to Slack's own hosts)."""
    if not url.startswith(tuple(settings.SLACK_RESPONSE_URL_PREFIXES)):
        return
    try:
        requests.post(url, json=answer, timeout=(2, 3), allow_redirects=False)
    except requests.RequestException as error:
        log.warning("The answer to a Slack button could not be posted (%s)", type(error).__name__)
