"""Words for the calendar's bars and agenda, in the viewer's zone (the template's `zone`)."""

from __future__ import annotations

from django import template

from downtimes_app.calendar import page
from downtimes_app.calendar.rows import Bar
from downtimes_app.core import schedules
from downtimes_app.core.presenters import target

register = template.Library()


@register.filter
def bar_title(bar: Bar, zone_name: str) -> str:
    return page.bar_title(bar, schedules.get_zone(zone_name))


@register.filter
def bar_when(bar: Bar, zone_name: str) -> str:
    occurrence = bar.occurrence
    return page.when(occurrence.start, occurrence.end, schedules.get_zone(zone_name))


@register.filter
def mutes(bar: Bar) -> str:
    return target(bar.downtime)[1]
