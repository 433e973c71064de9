"""The "Remind before it ends" choice as the form and the quick mute's confirmation draw it: each
configured destination by its label (never its URL), ticked or not."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from downtimes_app.core import presenters
from downtimes_app.notify import outbox


def names() -> list[str]:
    """The configured destinations' names, in the setting's order (the first is the default)."""
    return list(outbox.destinations())


def context(picked: Iterable[str]) -> dict[str, Any]:
    chosen = set(picked)
    return {
        "reminder_choices": [
            {"name": d.name, "label": d.label, "checked": d.name in chosen}
            for d in outbox.destinations().values()
        ],
        "reminder_minutes": presenters.span(outbox.lead()),
    }
