"""What every view needs, said once: the typed request, page or fragment, and one downtime.

- `Request`: Django's request as the middleware leaves it (`request.htmx`, `request.zone`).
- `render_page`: the whole page, or (for an htmx request) the partial the page includes.
- `downtime_or_error`: one fresh read of a downtime, or the page that explains why not.
- `link_preview`: a page's preview for a link unfurler that may not see the page.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.middleware import HtmxDetails

from downtimes_app import datadog, store
from downtimes_app.core.domain import Downtime


class Request(HttpRequest):
    """A request after the middleware: htmx's details and the viewer's zone are on it."""

    htmx: HtmxDetails
    zone: ZoneInfo


def is_fragment(request: HttpRequest) -> bool:
    """An htmx request for a part of a page (not a history restore, which wants all of it)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def render_page(
    request: HttpRequest,
    page: str,
    fragment: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    """`fragment` for htmx (the partial `page` includes), else the whole `page`."""
    template = fragment if is_fragment(request) else page
    return render(request, template, context, status=status)


def not_found(request: HttpRequest, downtime_id: str, reason: str) -> HttpResponse:
    context = {"downtime_id": downtime_id, "reason": reason}
    return render(request, "downtimes/not_found.html", context, status=404)


def unavailable(request: HttpRequest, downtime_id: str, error: Exception) -> HttpResponse:
    context = {"downtime_id": downtime_id, "error": error}
    return render(request, "downtimes/unavailable.html", context, status=503)


Found = tuple[Downtime, datadog.DatadogError | None]


def downtime_or_error(
    request: HttpRequest, downtime_id: str, *, stale_ok: bool = True
) -> Found | HttpResponse:
    """One fresh read; when Datadog fails, the cached copy and the failure (if `stale_ok`: a
    page to read, not a form to edit from); else the page that explains."""
    try:
        return datadog.get_downtime(downtime_id), None
    except datadog.NotFound:
        return not_found(request, downtime_id, "Datadog has no downtime with this id.")
    except datadog.BadRequest:
        return not_found(request, downtime_id, "This is not a downtime id.")
    except datadog.DatadogError as error:
        # Datadog just failed: show the last copy without asking it again.
        cached = store.peek() if stale_ok else None
        downtime = cached.get(downtime_id) if cached else None
        if downtime is None:
            return unavailable(request, downtime_id, error)
        return downtime, error


def link_preview(
    request: HttpRequest, title: str, description: str, *, what: str = ""
) -> HttpResponse:
    """What an unsigned visitor (a chat tool unfurling a link) sees: the title and description,
    and the way to sign in to see the page itself."""
    login = redirect_to_login(request.get_full_path())
    return render(
        request,
        "link_preview.html",
        {
            "permalink": request.build_absolute_uri(request.path),
            "share_title": title,
            "share_description": description,
            "login_url": login["Location"],
            **({"what": what} if what else {}),
        },
    )
