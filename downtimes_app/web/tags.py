from __future__ import annotations

from functools import lru_cache

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from downtimes_app.core import schedules

register = template.Library()


@lru_cache(maxsize=1)
def _zone_datalist() -> SafeString:
    # About 600 names: built once per process instead of looped over on every page.
    options = format_html_join(
        "", '<option value="{}">', ((n,) for n in schedules.timezone_names())
    )
    return format_html('<datalist id="tz-names">{}</datalist>', options)


@register.simple_tag
def tz_datalist() -> SafeString:
    """A <datalist id="tz-names"> of every IANA time zone, for zone inputs to suggest from."""
    return _zone_datalist()
