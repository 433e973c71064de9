"""The viewer's time zone, set on every request by middleware (the clock is `core.clock`)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse

from downtimes_app.core import schedules

TZ_COOKIE = "tz"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def viewer_zone(chosen: str, cookie: str | None) -> ZoneInfo:
    """The zone a viewer reads times in: one chosen in the link, else the browser's, else UTC."""
    for name in (chosen, unquote(cookie or "")):
        if name:
            try:
                return schedules.get_zone(name)
            except schedules.ScheduleError:
                continue
    return schedules.get_zone("UTC")


class ViewerZoneMiddleware:
    """Sets `request.zone`, the zone this viewer reads times in, once for every view.

    A link's `?tz=` first, then a posted form's own `tz` (the zone its times were typed in),
    then the browser's cookie, else UTC.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.GET.get("tz", "")
        # Only a form post: reading a JSON body here would leave nothing for the API to read.
        if not chosen and request.content_type in FORM_TYPES:
            chosen = request.POST.get("tz", "")
        request.zone = viewer_zone(chosen, request.COOKIES.get(TZ_COOKIE))  # type: ignore[attr-defined]
        return self.get_response(request)
