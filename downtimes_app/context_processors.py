from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from downtimes_app import __version__
from downtimes_app.access import can_write


def dashboard(request: HttpRequest) -> dict[str, Any]:
    """What every page's frame needs: the viewer's role, which Datadog it is (never the keys)."""
    return {
        "sandbox_mode": settings.DATADOG_SANDBOX,
        "datadog_site": settings.DATADOG_SITE,
        "datadog_app_url": settings.DATADOG_APP_URL,
        "anonymous_read": settings.DASHBOARD_ANONYMOUS_READ,
        "can_write": can_write(request.user) if hasattr(request, "user") else False,
        "app_version": __version__,
        # The viewer's zone (set by ViewerZoneMiddleware); absent on pages Django renders alone.
        "zone": request.zone.key if hasattr(request, "zone") else "UTC",
    }
