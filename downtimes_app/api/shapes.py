"""The API's JSON: a downtime as the API answers it, and a request's body as the form reads it.

A body uses the words of prefilled links (README: Prefilled links), so the API, the links and
the form are one vocabulary and one validation: the body becomes the query a link would carry,
`prefill.data_from_query` fills the form from it, and the form's own checks judge it. Each
field's error comes back under the body's own name for it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.datastructures import MultiValueDict

from downtimes_app import datadog
from downtimes_app.core.domain import Downtime

# The body's fields, and the form fields their errors are found under.
FIELDS = {
    "scope": ("scope",),
    "monitor_id": ("monitor_id", "target"),
    "monitor_tags": ("monitor_tags",),
    "start": ("start", "start_mode"),
    "end": ("end", "end_mode"),
    "duration": ("duration",),
    "timezone": ("timezone",),
    "message": ("message",),
    "notify_end_states": ("notify_end_states",),
    "notify_end_types": ("notify_end_types",),
    "mute_first_recovery_notification": ("mute_first_recovery_notification",),
}
LISTS = ("monitor_tags", "notify_end_states", "notify_end_types")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def downtime(record: Downtime) -> dict[str, Any]:
    """One downtime: Datadog's writable attributes as Datadog spells them, and what it is now."""
    window = record.window
    return {
        "id": record.id,
        "status": record.status,
        **datadog.attributes_of(record),
        "window": {"start": _iso(window.start), "end": _iso(window.end)} if window else None,
        "created": _iso(record.created),
        "modified": _iso(record.modified),
        "canceled": _iso(record.canceled),
        "creator": record.creator.display_name if record.creator else None,
        "monitor_name": record.monitor.name if record.monitor else None,
        "url": reverse("downtimes:detail", args=[record.id]),
    }


class BadBody(ValueError):
    """A body that is not what the API takes; `errors` by field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("bad body")
        self.errors = errors


def read(raw: bytes) -> Any:
    """A request's JSON body ({} for none); BadBody when it is not JSON."""
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadBody({"body": ["The body is not JSON (or is nested too deep)."]}) from None


def _text(name: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadBody({name: [f"{name} must be a string or a number."]})
    return str(value)


def as_query(body: Any, *, known: tuple[str, ...] = tuple(FIELDS)) -> MultiValueDict:
    """The query a prefilled link would carry for this body; BadBody for a wrong shape."""
    if not isinstance(body, dict):
        raise BadBody({"body": ["The body must be a JSON object."]})
    unknown = sorted(set(body) - set(known) - {"rrule", "recurrences"})
    if unknown:
        raise BadBody({name: [f"{name} is not a field this API takes."] for name in unknown})
    query = MultiValueDict()
    for name, value in body.items():
        if value is None:
            if name == "end":
                query["end"] = "never"
            continue
        if name == "recurrences":
            _recurrences(query, value)
        elif name in LISTS:
            items = value if isinstance(value, list) else [value]
            query.setlist(name, [_text(name, item) for item in items] or [""])
        elif name == "mute_first_recovery_notification":
            query[name] = "1" if value is True else ""
        else:
            query[name] = _text(name, value)
    return query


def _recurrences(query: MultiValueDict, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise BadBody({"recurrences": ["recurrences must be a list of {rrule, start, duration}."]})
    for index, item in enumerate(value):
        for field in ("rrule", "start", "duration"):
            if field not in item:
                raise BadBody({f"recurrences[{index}].{field}": [f"Give its {field}."]})
            query.appendlist(field, _text(field, item[field]))


def field_errors(problems: list[tuple[str, str]]) -> dict[str, list[str]]:
    """The form's problems ((field id, words)) under the body's names for the fields."""
    names = {form: body for body, forms in FIELDS.items() for form in forms}
    found: dict[str, list[str]] = {}
    for field_id, words in problems:
        form = field_id.removeprefix("id_")
        if form.startswith("r-") and form.count("-") >= 2:
            _, index, part = form.split("-", 2)
            name = f"recurrences[{index}].{part}"
        else:
            name = names.get(form, "body")
        found.setdefault(name, []).append(words)
    return found


def digest(body: Any) -> str:
    """The body's fingerprint, whatever the order of its keys."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
