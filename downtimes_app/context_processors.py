from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from downtimes_app import __version__, attention
from downtimes_app.access import can_read, can_write
from downtimes_app.timekeeping import now


def _attention_count(request: HttpRequest) -> int:
    """The top bar's "Needs attention" count: from the copies as they are (never a call to
    Datadog), and only for someone who may read the list."""
    if not _reads(request):
        return 0
    return attention.count(now())


def _reads(request: HttpRequest) -> bool:
    """Whether the frame shows the pages: a role, or anonymous reads for someone not signed in."""
    user = getattr(request, "user", None)
    if user is None:
        return False
    return can_read(user) or (settings.DASHBOARD_ANONYMOUS_READ and not user.is_authenticated)


def dashboard(request: HttpRequest) -> dict[str, Any]:
    """What every page's frame needs: the viewer's role, which Datadog it is (never the keys)."""
    return {
        "sandbox_mode": settings.DATADOG_SANDBOX,
        "datadog_site": settings.DATADOG_SITE,
        "datadog_app_url": settings.DATADOG_APP_URL,
        "anonymous_read": settings.DASHBOARD_ANONYMOUS_READ,
        "can_write": can_write(request.user) if hasattr(request, "user") else False,
        "can_read": _reads(request),
        "app_version": __version__,
        # Lazy: worked out only by a page that shows the top bar.
        "attention_count": SimpleLazyObject(lambda: _attention_count(request)),
        # The viewer's zone (set by ViewerZoneMiddleware); absent on pages Django renders alone.
        "zone": request.zone.key if hasattr(request, "zone") else "UTC",
    }
