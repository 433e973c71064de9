from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from downtimes_app import __version__


def dashboard(request: HttpRequest) -> dict[str, Any]:
    """What every page's frame needs: which Datadog it talks to (never the keys)."""
    return {
        "sandbox_mode": settings.DATADOG_SANDBOX,
        "datadog_site": settings.DATADOG_SITE,
        "app_version": __version__,
    }
