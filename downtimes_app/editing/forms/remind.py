"""The form's "Remind before it ends" choice: which destinations hear about this downtime.

Read from raw form data rather than a Django field: a destination removed from the setting
since the page was drawn is dropped quietly instead of failing the whole form. `remind_shown`
tells a form that showed the choice (and so may mean "none") from one that did not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.datastructures import MultiValueDict

from downtimes_app.editing.forms.values import END_NEVER, ONCE

SHOWN = "remind_shown"
FIELD = "remind"
NONE_WORDS = ("none", "no", "off", "0")


def default(data: Mapping[str, Any], names: Sequence[str]) -> list[str]:
    """On, to the first destination, for a one-time window with an end; else off."""
    once = (data.get("schedule") or ONCE) == ONCE
    return [names[0]] if names and once and data.get("end_mode") != END_NEVER else []


def with_choice(
    data: MultiValueDict,
    names: Sequence[str],
    *,
    chosen: Iterable[str] | None = None,
    asked: str | None = None,
) -> MultiValueDict:
    """The form's data with its reminder choice set: `chosen` (an edit's current choice), else
    a link's `remind=sre,ops` (or `remind=none`), else the default."""
    if not names:
        return data
    if chosen is None and asked is not None:
        given = [n.strip().lower() for n in asked.split(",") if n.strip()]
        chosen = [] if any(g in NONE_WORDS for g in given) else [n for n in given if n in names]
    data.setlist(FIELD, list(chosen) if chosen is not None else default(data, names))
    data[SHOWN] = "1"
    return data


def chosen(data: Mapping[str, Any], names: Sequence[str]) -> list[str] | None:
    """What a posted form chose (configured names only); None when it did not show the choice."""
    if not names or not data.get(SHOWN):
        return None
    getter = getattr(data, "getlist", None)
    picked = set(getter(FIELD) if getter else [])
    return [name for name in names if name in picked]
