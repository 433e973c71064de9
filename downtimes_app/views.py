from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import datadog


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and people: is the app up, its database reachable, Datadog willing?

    The answer names the kind of failure, never a key, URL or message that might carry one.
    A Datadog outage does not fail the check: the dashboard still serves its last good data.
    """
    checks: dict[str, str] = {"app": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except DatabaseError:
        checks["database"] = "unavailable"
    try:
        # One downtime is the cheapest call that needs both the API and the application key.
        datadog.list_downtimes(limit=1, include=None)
        checks["datadog"] = "ok"
    except datadog.AuthError:
        checks["datadog"] = "keys refused"
    except datadog.RateLimited:
        checks["datadog"] = "rate limited"
    except datadog.DatadogError:
        checks["datadog"] = "unavailable"
    status = 200 if checks["database"] == "ok" else 503
    return JsonResponse(checks, status=status)
