"""What `/downtime …` asks for, read from its text. Pure.

/downtime mute <monitor id or name> <30m|1h|4h|until 18:00> [group]
/downtime list [search]
/downtime extend <id> <30m|1h|4h>
/downtime end <id>
/downtime help
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

DURATIONS = ("30m", "1h", "4h")
CLOCK = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")
MAX_TEXT = 500


class Unclear(ValueError):
    """The text is not a command; the message says how to write one."""


@dataclass(frozen=True)
class Command:
    verb: str  # mute, list, extend, end, help
    subject: str = ""  # a monitor id or name, a downtime id, or search words
    duration: str = ""  # 30m, 1h, 4h, or "" with `until`
    until: str = ""  # HH:MM
    group: str = ""


USAGE = {
    "mute": "/downtime mute <monitor id or name> <30m|1h|4h|until 18:00> [group]",
    "list": "/downtime list [search]",
    "extend": "/downtime extend <downtime id> <30m|1h|4h>",
    "end": "/downtime end <downtime id>",
    "help": "/downtime help",
}


def read(text: str) -> Command:
    words = (text or "").strip()[:MAX_TEXT].split()
    if not words or words[0].lower() == "help":
        return Command("help")
    verb, rest = words[0].lower(), words[1:]
    if verb == "list":
        return Command("list", " ".join(rest))
    if verb == "end" and len(rest) == 1:
        return Command("end", rest[0])
    if verb == "extend" and len(rest) == 2 and rest[1].lower() in DURATIONS:
        return Command("extend", rest[0], duration=rest[1].lower())
    if verb == "mute":
        return _mute(rest)
    usage = USAGE.get(verb)
    raise Unclear(f"Write it as {usage}." if usage else f"There is no /downtime {verb}.")


def _mute(rest: list[str]) -> Command:
    """The monitor is what comes before the last duration (a name may hold `1h` itself)."""
    for index in range(len(rest) - 1, 0, -1):
        word = rest[index].lower()
        if word in DURATIONS:
            return Command(
                "mute", " ".join(rest[:index]), duration=word, group=" ".join(rest[index + 1 :])
            )
        if word == "until" and index + 1 < len(rest) and CLOCK.match(rest[index + 1]):
            group = " ".join(rest[index + 2 :])
            return Command("mute", " ".join(rest[:index]), until=rest[index + 1], group=group)
    raise Unclear(f"Say how long: write it as {USAGE['mute']}.")


@dataclass(frozen=True)
class Pressed:
    """A button pressed in a message: who, where, which, on what, and where to answer."""

    team_id: str
    user_id: str
    user_name: str
    action_id: str
    value: str
    response_url: str


def pressed(payload: str) -> Pressed | None:
    """Slack's `payload` field of a block_actions request; None when it is not one."""
    try:
        data = json.loads(payload[:100_000])
        action = data["actions"][0]
        return Pressed(
            team_id=str(data["team"]["id"]),
            user_id=str(data["user"]["id"]),
            user_name=str(data["user"].get("username") or data["user"].get("name") or ""),
            action_id=str(action["action_id"]),
            value=str(action.get("value") or ""),
            response_url=str(data.get("response_url") or ""),
        )
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None
