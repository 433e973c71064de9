"""Browsing: the downtime list, the home page and the health check."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from downtimes_app import datadog, store
from downtimes_app.core import presenters
from downtimes_app.core.clock import now
from downtimes_app.downtimes import listing
from downtimes_app.downtimes.index import list_index, my_downtime_ids
from downtimes_app.web.plumbing import Request, is_fragment


@require_GET
def home(request: Request) -> HttpResponseRedirect:
    return redirect("downtimes:list")


def _searcher(request: Request, query: listing.ListQuery) -> dict[str, Any]:
    """Who searches: their own downtimes for "created by me"; an anonymous reader, never by a
    creator's address."""
    mine = my_downtime_ids(request.user) if query.creator == listing.ME else ()
    return {"mine": mine, "public": not request.user.is_authenticated}


@require_GET
def downtime_list(request: Request) -> HttpResponse:
    query, notices = listing.ListQuery.from_params(request.GET)
    path = reverse("downtimes:list")
    if request.GET.get("refresh"):
        # Without JavaScript the refresh button is a link; refresh, then show the clean URL.
        forced = store.current(force=True)
        if forced.forced_wait:
            messages.info(request, _refresh_wait_words(forced.forced_wait))
        return redirect(query.url(path, page=query.page))
    current = store.current(force=request.headers.get("X-Refresh") == "1")
    moment = now()
    zone = request.zone
    index = list_index(current.snapshot)
    result = listing.run(index.downtimes, query, index=index, **_searcher(request, query))
    context = {
        "query": query,
        "result": result,
        "rows": [presenters.row(d, moment, zone) for d in result.rows],
        "notices": notices + result.notices,
        "current": current,
        "fetched": (
            presenters.Moment(current.snapshot.fetched_at, zone, moment)
            if current.snapshot
            else None
        ),
        "failed": presenters.Moment(current.failure.at, zone, moment) if current.failure else None,
        "tabs": [
            (tab, listing.TAB_LABELS[tab], result.counts[tab], query.url(path, status=tab))
            for tab in listing.TABS
        ],
        "page_url": query.url(path, page=result.page),
        "prev_url": query.url(path, page=result.page - 1) if result.page > 1 else "",
        "next_url": query.url(path, page=result.page + 1) if result.page < result.pages else "",
        "refresh_url": query.url(path, page=result.page, extra={"refresh": "1"}),
        "creators": index.creators,
        "monitors": index.monitors,
        "sorts": listing.SORTS,
        "kinds": listing.KINDS,
        "page_sizes": listing.PAGE_SIZES,
        "zone_label": moment.astimezone(zone).strftime("%Z"),
        "ttl": settings.DOWNTIME_CACHE_TTL,
        "nav": "list",
        "refresh_wait": _refresh_wait_words(current.forced_wait) if current.forced_wait else "",
        "tab_label": listing.TAB_LABELS[query.status],
        "glance": (glance := listing.glance(index, moment)),
        "next_up": presenters.row(glance.next_up, moment, zone) if glance.next_up else None,
        "calendar_url": query.filters_only().url(reverse("downtimes:calendar")),
    }
    if is_fragment(request):
        response = render(request, "downtimes/partials/_results.html", context)
        if request.htmx.trigger == "filters":
            # The form sends every field, empty or default; the address bar gets the clean link.
            response["HX-Push-Url"] = context["page_url"]
        return response
    return render(request, "downtimes/list.html", context)


def _refresh_wait_words(seconds: float) -> str:
    return (
        "The list was refreshed from Datadog moments ago, so it was not reloaded again; "
        f"Refresh works again in {max(1, round(seconds))} s."
    )


HEALTH_CACHE_SECONDS = 60


def _datadog_health() -> str:
    """Whether Datadog accepts the keys: asked at most once a minute, in one quick try.

    Probes come every few seconds from every load balancer, and anyone may send them; each must
    not cost a call against the org's rate limit, nor wait out Datadog's retries.
    """
    key = f"healthz:{datadog.upstream()}"  # what this org's keys got, not another's
    state = cache.get(key)
    if state is None:
        try:
            datadog.probe()
            state = "ok"
        except datadog.AuthError:
            state = "keys refused"
        except datadog.RateLimited:
            state = "rate limited"
        except datadog.DatadogError:
            state = "unavailable"
        cache.set(key, state, HEALTH_CACHE_SECONDS)
    return state


HEALTH_METHODS = ["GET", "HEAD", "OPTIONS"]


@login_not_required
@require_http_methods(HEALTH_METHODS)
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and people: is the app up, its database reachable, Datadog willing?

    The answer names the kind of failure, never a key, URL or message that might carry one.
    A Datadog outage does not fail the check: the dashboard still serves its last good data.
    Some load balancers probe with HEAD or OPTIONS: each gets the same status (HEAD without
    the body), OPTIONS with the methods allowed.
    """
    checks: dict[str, str] = {"app": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except DatabaseError:
        checks["database"] = "unavailable"
    checks["datadog"] = _datadog_health()
    status = 200 if checks["database"] == "ok" else 503
    response = JsonResponse(checks, status=status)
    if request.method == "OPTIONS":
        response["Allow"] = ", ".join(HEALTH_METHODS)
    return response
