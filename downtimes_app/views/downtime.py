"""One downtime: its permalink page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import datadog, presenters, store
from ..timekeeping import TZ_COOKIE, now, viewer_zone


def _not_found(request: HttpRequest, downtime_id: str, reason: str) -> HttpResponse:
    return render(
        request,
        "downtimes/not_found.html",
        {"downtime_id": downtime_id, "reason": reason},
        status=404,
    )


@require_GET
def downtime_detail(request: HttpRequest, downtime_id: str) -> HttpResponse:
    """The permalink: one fresh read from Datadog, or the cached copy when Datadog fails."""
    failure: datadog.DatadogError | None = None
    try:
        downtime = datadog.get_downtime(downtime_id)
    except datadog.NotFound:
        return _not_found(request, downtime_id, "Datadog has no downtime with this id.")
    except datadog.BadRequest:
        return _not_found(request, downtime_id, "This is not a downtime id.")
    except datadog.DatadogError as error:
        cached = store.current().snapshot
        downtime = cached.get(downtime_id) if cached else None
        if downtime is None:
            return render(
                request,
                "downtimes/unavailable.html",
                {"downtime_id": downtime_id, "error": error},
                status=503,
            )
        failure = error
    moment = now()
    zone = viewer_zone(request.GET.get("tz", ""), request.COOKIES.get(TZ_COOKIE))
    context = {
        "downtime": downtime,
        "row": presenters.row(downtime, moment, zone),
        "failure": failure,
        "zone": zone.key,
    }
    return render(request, "downtimes/detail.html", context)
