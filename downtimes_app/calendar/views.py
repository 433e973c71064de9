"""The calendar: the timeline page, the subscribe page, the feed, and one downtime's .ics.

Every view reads the cached copy of the whole set (`store.current()`): none makes an upstream
call while the copy is fresh. The work lives in `downtimes_app/calendar/`; these views read the
request, call it and render.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from downtimes_app import store
from downtimes_app.calendar import feed, page, query, tokens
from downtimes_app.calendar.index import CalendarIndex
from downtimes_app.core.clock import now
from downtimes_app.core.domain import Downtime
from downtimes_app.downtimes import listing
from downtimes_app.downtimes.index import list_index, my_downtime_ids
from downtimes_app.store.memo import Kept, per_snapshot
from downtimes_app.web.access import can_read, members_only
from downtimes_app.web.plumbing import Request, downtime_or_error, is_fragment

_indexes: Kept[CalendarIndex] = Kept()
# Feeds as sent, by copy version, filters and address: calendar apps ask every few hours, and
# writing 10,000 events takes the iCalendar library seconds.
_feeds: OrderedDict[tuple, bytes] = OrderedDict()
_FEEDS_KEPT = 8


def calendar_index(snapshot: store.Snapshot | None) -> CalendarIndex:
    return per_snapshot(_indexes, snapshot, CalendarIndex)


def _filtered(
    filters: listing.ListQuery, index: listing.Index, user: AbstractBaseUser | AnonymousUser
) -> tuple[Sequence[int], Hashable]:
    """The positions the list's filters leave, and a key that tells these filters apart."""
    if not (filters.q or filters.creator or filters.monitor or filters.kind):
        return range(len(index.downtimes)), None
    mine = frozenset(my_downtime_ids(user)) if filters.creator == listing.ME else frozenset()
    public = not user.is_authenticated  # an anonymous reader never searches by address
    key = (filters.q.lower(), filters.creator, filters.monitor, filters.kind, mine, public)
    return index.search(filters, mine, public=public), key


@require_GET
def calendar_page(request: Request) -> HttpResponse:
    wanted, notices = query.CalendarQuery.from_params(request.GET)
    current = store.current()
    moment = now()
    lindex = list_index(current.snapshot)
    positions, key = _filtered(wanted.filters, lindex, request.user)
    built = page.build(
        wanted,
        calendar_index(current.snapshot),
        positions,
        key,
        now=moment,
        zone=request.zone,
        new_path=reverse("downtimes:new"),
    )
    context = _context(request, built, current, lindex)
    context["notices"] = notices + (
        [f"There is no page {wanted.page}; showing the last page, {built.pages}."]
        if wanted.page > built.pages
        else []
    )
    if is_fragment(request):
        response = render(request, "calendar/partials/_body.html", context)
        if request.htmx.trigger == "calendar-filters":
            response["HX-Push-Url"] = context["here"]
        return response
    return render(request, "calendar/page.html", context)


def _context(request: Request, built: page.Page, current: store.Current, lindex) -> dict:
    path = reverse("downtimes:calendar")
    wanted = built.query
    today = query.today_in(request.zone, now())
    shown = wanted.first_day(today)
    return {
        "page": built,
        "query": wanted,
        "filters": wanted.filters,
        "current": current,
        "nav": "calendar",
        "here": wanted.url(path, page=built.page),
        "prev_url": wanted.moved(path, today, -1),
        "next_url": wanted.moved(path, today, 1),
        "today_url": wanted.url(path, day=None) if shown != today else "",
        "spans": [(k, label, wanted.url(path, span=k)) for k, (label, _) in query.SPANS.items()],
        "groups": [(k, label, wanted.url(path, group=k)) for k, label in query.GROUPS.items()],
        "prev_page": wanted.url(path, page=built.page - 1) if built.page > 1 else "",
        "next_page": wanted.url(path, page=built.page + 1) if built.page < built.pages else "",
        "list_url": wanted.list_url(reverse("downtimes:list")),
        "subscribe_url": query.CalendarQuery(filters=wanted.filters).url(
            reverse("downtimes:calendar_subscribe")
        ),
        "creators": lindex.creators,
        "monitors": lindex.monitors,
        "kinds": listing.KINDS,
        "zone_label": now().astimezone(request.zone).strftime("%Z"),
    }


# --- subscribing -------------------------------------------------------------------------------


def _feed_url(request: Request, token: str, filters: listing.ListQuery) -> str:
    """The absolute feed URL for these filters (not the zone: a feed's times carry theirs)."""
    path = reverse("downtimes:calendar_feed", args=[token])
    wanted = query.CalendarQuery(filters=replace(filters.filters_only(), tz=""))
    return request.build_absolute_uri(wanted.url(path))


@members_only  # a feed is a signed-in person's own: anonymous readers are sent to sign in
@require_http_methods(["GET", "POST"])
def subscribe(request: Request) -> HttpResponse:
    """The person's own feed URL for these filters; a new token on request (any signed-in user:
    a viewer may have one too)."""
    wanted, notices = query.CalendarQuery.from_params(request.GET)
    here = query.CalendarQuery(filters=wanted.filters).url(request.path)
    if request.method == "POST":
        if request.POST.get("action") == "off":
            tokens.turn_off(request.user)
            messages.info(request, "Your calendar feed is off: its URL no longer works.")
        else:
            had = tokens.feed_of(request.user) is not None
            tokens.regenerate(request.user)
            messages.info(
                request,
                "A new feed URL is ready; the old one stopped working."
                if had
                else "Your feed URL is ready.",
            )
        return redirect(here)
    mine = tokens.feed_of(request.user)
    url = _feed_url(request, tokens.token_of(mine), wanted.filters) if mine else ""
    context = {
        "notices": notices,
        "feed_url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[1] if url else "",
        "query": wanted,
        "here": here,
        "calendar_url": query.CalendarQuery(filters=wanted.filters).url(
            reverse("downtimes:calendar")
        ),
        "nav": "calendar",
    }
    response = render(request, "calendar/subscribe.html", context)
    response["Cache-Control"] = "no-store"  # the page shows a secret
    response["Referrer-Policy"] = "no-referrer"
    return response


def _no_feed() -> HttpResponse:
    # The same answer for a token that never existed, was regenerated or was turned off.
    return HttpResponse("No such feed.\n", status=404, content_type="text/plain; charset=utf-8")


def _spelled_as_given(request: Request) -> bool:
    """Whether the feed's path came as the subscribe page wrote it. A server decodes
    `/calendar/%66eed/<token>.ics` to the feed's path, but a proxy's log filter for
    `/calendar/feed/` would not see it there; the raw request line, when the server passes it
    (gunicorn's RAW_URI, uWSGI's and Apache's REQUEST_URI), shows such a spelling, and a feed's
    own path has nothing to escape."""
    sent = request.META.get("RAW_URI") or request.META.get("REQUEST_URI") or ""
    return "%" not in sent.split("?", 1)[0]


def _ics(body: bytes, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    kind = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{kind}; filename="{filename}"'
    return response


@login_not_required
@require_safe
def calendar_feed(request: Request, token: str) -> HttpResponse:
    """A feed for a calendar app: the URL's token stands for its owner, who need not sign in."""
    if not _spelled_as_given(request):
        return _no_feed()
    user = tokens.owner(token)
    if user is None or not can_read(user):  # a role removed closes the feed at once
        return _no_feed()
    wanted, _ = query.CalendarQuery.from_params(request.GET)
    current = store.current()
    if current.snapshot is None:
        response = HttpResponse("Datadog is not answering yet.\n", status=503)
        response["Retry-After"] = "60"
        return response
    lindex = list_index(current.snapshot)
    positions, key = _filtered(wanted.filters, lindex, user)
    detail = request.build_absolute_uri(reverse("downtimes:detail", args=["ID"]))
    cache_key = (current.snapshot.version, key, detail)
    body = _feeds.get(cache_key)
    if body is None:
        prefix, suffix = detail.split("ID", 1)
        body = feed.calendar(
            (lindex.downtimes[p] for p in positions),
            now=current.snapshot.fetched_at,
            link=lambda d: f"{prefix}{d.id}{suffix}",
            name="Downtimes" + (f" matching {wanted.filters.q}" if wanted.filters.q else ""),
        )
        _feeds[cache_key] = body
        while len(_feeds) > _FEEDS_KEPT:
            _feeds.popitem(last=False)
    response = _ics(body, "downtimes.ics", attachment=False)
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def downtime_ics(request: Request, downtime_id: str) -> HttpResponse | HttpResponseRedirect:
    """One downtime as an .ics file, from the cached copy (one read when it is not there yet)."""
    snapshot = store.current().snapshot
    found: Downtime | None = snapshot.get(downtime_id) if snapshot else None
    if found is None:
        read = downtime_or_error(request, downtime_id)
        if isinstance(read, HttpResponse):
            return read
        found = read[0]
    link = request.build_absolute_uri(reverse("downtimes:detail", args=[found.id]))
    body = feed.calendar([found], now=now(), link=lambda d: link, name="Downtime")
    return _ics(body, f"downtime-{found.id}.ics", attachment=True)
