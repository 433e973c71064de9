"""Template helpers for the downtime page and the audit trail."""

from __future__ import annotations

from django import template

from downtimes_app.core import presenters
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
