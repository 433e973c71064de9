"""Template helpers for the downtime list, the downtime page and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django import template
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from downtimes_app.core import presenters
from downtimes_app.core.domain import ACTIVE, SCHEDULED
from downtimes_app.core.scope import Chip
from downtimes_app.models import AuditEntry

register = template.Library()


@register.filter
def changes(entry: AuditEntry) -> list[presenters.Change]:
    """What an audited write changed, field by field (nothing for a cancel: it has no after)."""
    return presenters.attribute_changes(entry.before, entry.after)


@register.filter
def initials(name: str) -> str:
    return presenters.initials(name or "")


@register.filter
def span(delta) -> str:
    """A length of time in words ("3d 4h"): how old a copy shown with a banner is."""
    return presenters.span(delta) if delta is not None else ""


# --- the list's rows ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shown:
    """Everything one row of the list draws, and nothing else.

    `_row.html` sees only this, so two rows equal here draw the same HTML: a row drawn once is
    reused until any word of it changes (its relative times change once a minute). Drawing 25
    rows through the template engine was half a warm list page's time; a reused row costs the
    building of this record.
    """

    id: str
    status: str
    selectable: bool  # an editor's checkbox for bulk cancel
    badges: tuple[presenters.Badge, ...]
    chips: tuple[Chip, ...]
    excerpt: str
    target_kind: str
    target: str
    monitor_tags: tuple[str, ...]
    recurring: bool
    schedule: str
    window_text: str
    start: tuple[str, str, str] | None  # iso, UTC title, label
    end: tuple[str, str, str] | None  # iso, UTC title, label (its time alone on the same day)
    creator: str
    note: str  # what `recovery_note` says of it, or ""


def _moment(moment: presenters.Moment | None, short: bool = False) -> tuple[str, str, str] | None:
    if moment is None:
        return None
    return moment.iso, moment.utc_title, moment.time if short else moment.label


def shown(row: presenters.Row, can_write: bool, note: str = "") -> Shown:
    d = row.downtime
    same_day = row.start is not None and row.end is not None and row.end.day == row.start.day
    return Shown(
        id=d.id,
        status=d.status,
        selectable=can_write and d.status in (ACTIVE, SCHEDULED),
        badges=row.badges,
        chips=row.chips,
        excerpt=row.excerpt,
        target_kind=row.target_kind,
        target=row.target,
        monitor_tags=d.monitor_tags,
        recurring=d.is_recurring,
        schedule=row.schedule,
        window_text=row.window_text,
        start=_moment(row.start),
        end=_moment(row.end, short=same_day),
        creator=row.creator,
        note=str(note),
    )


@lru_cache(maxsize=4096)
def _drawn(row: Shown) -> SafeString:
    return mark_safe(get_template("downtimes/partials/_row.html").render({"r": row}))  # noqa: S308 - a template's own escaped output


@register.simple_tag(takes_context=True)
def list_row(context: template.Context, row: presenters.Row, note: str = "") -> SafeString:
    """One row of the downtime list (`_row.html`), drawn once for as long as it reads the same."""
    return _drawn(shown(row, bool(context.get("can_write")), note))
