"""Words for the calendar's bars and agenda, in the viewer's zone (the template's `zone`)."""

from __future__ import annotations

from django import template

from .. import schedules
from ..calendar import page
from ..calendar.rows import Bar
from ..presenters import target

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
