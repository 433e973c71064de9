"""Words for a downtime that ends when it recovers, wherever a page shows one (`recovery_tags`).

Templates of other features load this library by name, so the list and a downtime's page say
"ends when host:web-3 has been OK for 5m, at the latest 14:00" without their views knowing
about watching. The watches still in force are read once per request, by their indexed state,
however many rows a page draws.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from downtimes_app.core import presenters, schedules
from downtimes_app.core.clock import now
from downtimes_app.models import RecoveryWatch
from downtimes_app.recovery import watching

register = template.Library()


def _watch(context: template.Context, downtime_id: str) -> RecoveryWatch | None:
    request = context.get("request")
    found = getattr(request, "_recovery_watches", None)
    if found is None:
        found = watching.watched()
        if request is not None:
            request._recovery_watches = found
    return found.get(downtime_id)


def words(watch: RecoveryWatch, zone_name: str) -> tuple[str, presenters.Moment]:
    """`ends when host:web-3 has been OK for 5m`, and its latest end as the viewer reads it."""
    try:
        zone = schedules.get_zone(zone_name)
    except schedules.ScheduleError:
        zone = schedules.get_zone("UTC")
    return f"ends when {watch.what} has been OK for {watching.settle_words()}", presenters.Moment(
        watch.cap, zone, now()
    )


@register.simple_tag(takes_context=True)
def recovery_note(context: template.Context, downtime: Any, *, long: bool = False) -> str:
    """The sentence for a watched downtime (its page: `long=True`, with the last look), or ""."""
    watch = _watch(context, downtime.id)
    if watch is None:
        return ""
    said, latest = words(watch, context.get("zone") or "UTC")
    if not long:
        return format_html(
            '<div class="recovery-note">{}, at the latest <time datetime="{}" title="{}">{}'
            "</time></div>",
            said[0].upper() + said[1:],
            latest.iso,
            latest.utc_title,
            latest.label,
        )
    look = f" Last look: {watch.reason}." if watch.reason else ""
    return format_html(
        '<p class="state-note recovery-note" role="status"><strong>{}, at the latest '
        '<time datetime="{}" title="{}">{} {}</time>.</strong> Muted until it recovers by {}; '
        "editing its end, extending it or ending it now stops the watching.{}</p>",
        said[0].upper() + said[1:],
        latest.iso,
        latest.utc_title,
        latest.label,
        latest.zone_label,
        watch.requested_by_name,
        look,
    )


@register.simple_tag
def recovery_settle() -> str:
    """How long everything must have been OK, in words ("5m")."""
    return watching.settle_words()
