"""Where messages go: named Slack incoming webhooks and plain JSON webhooks, from one setting.

`DASHBOARD_NOTIFY="sre=slack:https://hooks.slack.com/services/…,ops=webhook:https://ops.example
.com/hook"` names each destination, its kind and its URL. A webhook URL is a secret (whoever
has it can post to the channel), so a `Destination` never shows it: its `repr`, its `label` and
every error here name the destination, its kind and its host at most. Pure: no Django, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

SLACK, WEBHOOK = "slack", "webhook"
KINDS = {SLACK: "Slack", WEBHOOK: "webhook"}
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_DESTINATIONS = 20


class BadDestinations(ValueError):
    """The setting cannot be read; the message never contains a URL."""


@dataclass(frozen=True)
class Destination:
    name: str
    kind: str  # SLACK or WEBHOOK
    # compare=False and repr=False: equality and every printed form leave the secret out.
    url: str = field(repr=False, compare=False)

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "?"

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def label(self) -> str:
        """What a page, a log line or the audit trail may say: `sre (Slack, hooks.slack.com)`."""
        return f"{self.name} ({self.kind_label}, {self.host})"

    def __str__(self) -> str:
        return self.label


def _one(item: str, position: int) -> Destination:
    name, equals, rest = item.partition("=")
    name = name.strip().lower()
    where = f"the {_ordinal(position)} destination"
    if not equals or not NAME.match(name):
        raise BadDestinations(
            f"{where} needs a name of lower-case letters, digits, - or _ then =, as in "
            "sre=slack:https://hooks.slack.com/services/…"
        )
    kind, colon, url = rest.strip().partition(":")
    kind = kind.strip().lower()
    if not colon or kind not in KINDS:
        raise BadDestinations(f"destination {name!r} must say slack: or webhook: before its URL")
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("https", "http") or not parts.hostname:
        raise BadDestinations(f"destination {name!r} needs an http:// or https:// URL")
    return Destination(name, kind, url.strip())


def _ordinal(n: int) -> str:
    return {1: "first", 2: "second", 3: "third"}.get(n, f"{n}th")


def parse(text: str) -> tuple[Destination, ...]:
    """`name=kind:url` items separated by commas (a URL holds no comma); empty: none."""
    items = [item for item in (text or "").split(",") if item.strip()]
    if len(items) > MAX_DESTINATIONS:
        raise BadDestinations(f"at most {MAX_DESTINATIONS} destinations may be named")
    found: dict[str, Destination] = {}
    for position, item in enumerate(items, start=1):
        destination = _one(item, position)
        if destination.name in found:
            raise BadDestinations(f"destination {destination.name!r} is named twice")
        found[destination.name] = destination
    return tuple(found.values())
