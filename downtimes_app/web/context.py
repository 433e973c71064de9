"""What every page's frame needs; the attention count is the attention feature's own
(`attention.context`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from downtimes_app import __version__
from downtimes_app.web.access import can_write, reads_pages


def dashboard(request: HttpRequest) -> dict[str, Any]:
    """What every page's frame needs: the viewer's role, which Datadog it is (never the keys)."""
    return {
        "sandbox_mode": settings.DATADOG_SANDBOX,
        "datadog_site": settings.DATADOG_SITE,
        "datadog_app_url": settings.DATADOG_APP_URL,
        "anonymous_read": settings.DASHBOARD_ANONYMOUS_READ,
        "can_write": can_write(request.user) if hasattr(request, "user") else False,
        "can_read": reads_pages(request),
        "app_version": __version__,
        # Creators' Gravatar images over their initials, only when asked for (settings).
        "gravatar": settings.DASHBOARD_GRAVATAR,
        # The viewer's zone (set by ViewerZoneMiddleware); absent on pages Django renders alone.
        "zone": request.zone.key if hasattr(request, "zone") else "UTC",
    }
