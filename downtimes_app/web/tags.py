from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

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


@lru_cache(maxsize=32)
def _choices(choices: tuple[tuple[Any, str], ...]) -> tuple[tuple[str, str], ...]:
    # Escaped once per set of choices (the list's creators and monitors change with the copy).
    return tuple(
        (str(value), format_html('value="{}">{}', value, label)) for value, label in choices
    )


@register.simple_tag
def select_options(choices: Iterable[tuple[Any, str]], selected: Any) -> SafeString:
    """`<option>`s for (value, label) pairs, the one equal to `selected` (as text) selected: the
    list's filters draw hundreds of creators on every page, which a template loop made slow."""
    chosen = "" if selected is None else str(selected)
    return mark_safe(  # noqa: S308 - every part was escaped by format_html above
        "".join(
            f"<option {'selected ' if value == chosen else ''}{rest}</option>"
            for value, rest in _choices(tuple(choices))
        )
    )


@register.filter
def detail_url(downtime_id: str) -> str:
    """`{% url 'downtimes:detail' id %}` for pages that link many downtimes: each address is
    reversed once per process (a reverse costs tens of microseconds, and a calendar page links
    a hundred or more)."""
    return _detail_url(get_script_prefix(), downtime_id)


@lru_cache(maxsize=16_384)
def _detail_url(prefix: str, downtime_id: str) -> str:
    return reverse("downtimes:detail", args=[downtime_id])  # under `prefix`, this request's
