"""What a search looks through for a downtime, and when a search matches: one rule for the
list, the calendar and the history's moments. Pure."""

from __future__ import annotations

from downtimes_app.core.domain import Downtime

# Between what anyone may search and the creator's addresses, which only members may: a search
# for anonymous readers stops at it, so an address cannot be spelled out letter by letter.
PRIVATE = "\x00"


def haystack(downtime: Downtime) -> str:
    """The text a search looks through: scope, message, monitor, monitor tags, the creator's
    shown name; then, after PRIVATE, the creator's handle and e-mail address."""
    parts = [downtime.scope, downtime.message or "", downtime.id, *downtime.monitor_tags]
    if downtime.monitor is not None:
        parts.append(downtime.monitor.name)
    if downtime.monitor_id is not None:
        parts.append(str(downtime.monitor_id))
    creator = downtime.creator
    if creator is not None:
        parts += [creator.display_name, PRIVATE, creator.handle or "", creator.email or ""]
    return "\n".join(parts).lower()


def matches(text: str, terms: list[str], public: bool) -> bool:
    if public:
        text = text.partition(PRIVATE)[0]
    return all(term in text for term in terms)
