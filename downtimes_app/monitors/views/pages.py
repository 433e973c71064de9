"""Monitors first: the monitor list (search, filters, muted now) and a monitor's page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_safe

from downtimes_app import datadog, store
from downtimes_app.core import parsing, presenters
from downtimes_app.core.clock import now
from downtimes_app.downtimes import sharing
from downtimes_app.history import reading
from downtimes_app.monitors import listing as monitor_listing
from downtimes_app.monitors import quickmute
from downtimes_app.muting import monitoring
from downtimes_app.muting import words as monitor_words
from downtimes_app.store.memo import Kept
from downtimes_app.web import plumbing
from downtimes_app.web.access import link_preview
from downtimes_app.web.plumbing import Request, is_fragment


def monitor_number(text: str) -> int | None:
    return parsing.maybe_whole(text, high=parsing.MAX_ID)


def _freshness(current: Any, zone: Any, moment: Any) -> dict[str, Any]:
    snapshot = current.snapshot
    return {
        "fetched": presenters.Moment(snapshot.fetched_at, zone, moment) if snapshot else None,
        "failed": presenters.Moment(current.failure.at, zone, moment) if current.failure else None,
    }


def _downtimes_freshness(current: Any, zone: Any, moment: Any) -> dict[str, Any]:
    """The downtime copy beside the monitors, for a banner when it is old or failed."""
    snapshot = current.snapshot
    return {
        "downtimes": current,
        "downtimes_fetched": presenters.Moment(snapshot.fetched_at, zone, moment)
        if snapshot
        else None,
    }


_indexes: Kept[monitor_listing.Index] = Kept()


def _index(snapshot: store.Snapshot | None) -> monitor_listing.Index:
    """The monitor list's search index, once per process per version of the monitor copy."""
    if snapshot is None:
        return monitor_listing.Index(())
    return _indexes.get(snapshot.version, lambda: monitor_listing.Index(snapshot.monitors))


@require_GET
def monitor_list(request: Request) -> HttpResponse:
    query, notices = monitor_listing.MonitorQuery.from_params(request.GET)
    path = reverse("downtimes:monitors_list")
    seen = monitoring.overview(force=request.headers.get("X-Refresh") == "1")
    moment, zone = now(), request.zone
    index = _index(seen.monitors.snapshot)
    result = monitor_listing.run(index, query, seen.mutes, moment)
    muted = seen.mutes.muted_now(moment)
    context = {
        "query": query,
        "result": result,
        "rows": [monitor_words.row(m, muted.get(m.id), zone, moment) for m in result.rows],
        "notices": notices + result.notices,
        "current": seen.monitors,
        "downtimes_missing": seen.downtimes.snapshot is None,
        **_freshness(seen.monitors, zone, moment),
        **_downtimes_freshness(seen.downtimes, zone, moment),
        "states": [
            (key, label, result.counts[key], query.url(path, state=key))
            for key, label in monitor_listing.STATE_LABELS.items()
            if key
        ],
        "all_url": query.url(path, state=""),
        "page_url": query.url(path, page=result.page),
        "prev_url": query.url(path, page=result.page - 1) if result.page > 1 else "",
        "next_url": query.url(path, page=result.page + 1) if result.page < result.pages else "",
        "types": index.types,
        "page_sizes": monitor_listing.PAGE_SIZES,
        "ttl": settings.MONITOR_CACHE_TTL,
        "zone_label": moment.astimezone(zone).strftime("%Z"),
        "nav": "monitors",
    }
    if is_fragment(request):
        response = render(request, "monitors/partials/_results.html", context)
        if request.htmx.trigger == "monitor-filters":
            response["HX-Push-Url"] = context["page_url"]
        return response
    return render(request, "monitors/list.html", context)


def not_found(request: Request, monitor_id: str, reason: str) -> HttpResponse:
    context = {"monitor_id": monitor_id, "reason": reason}
    return render(request, "monitors/not_found.html", context, status=404)


def unavailable(request: Request, monitor_id: str, error: Exception) -> HttpResponse:
    context = {"monitor_id": monitor_id, "error": error}
    return render(request, "monitors/unavailable.html", context, status=503)


def _datadog_url(monitor_id: int) -> str:
    """The monitor in Datadog's UI; none in sandbox mode, where it exists nowhere else."""
    if settings.DATADOG_SANDBOX:
        return ""
    return sharing.datadog_monitor_url(settings.DATADOG_APP_URL, monitor_id)


@link_preview
@require_safe  # GET, and HEAD for link unfurlers that ask first
def monitor_detail(request: Request, monitor_id: str) -> HttpResponse:
    """A monitor's permalink: its groups' states, what mutes it now, later and before."""
    number = monitor_number(monitor_id)
    if not request.user.is_authenticated and not settings.DASHBOARD_ANONYMOUS_READ:
        return _link_preview(request, number)
    if number is None:
        return not_found(request, monitor_id, "This is not a monitor id.")
    moment = now()
    try:
        found = monitoring.page(number, moment)
    except datadog.NotFound:
        return not_found(request, monitor_id, "Datadog has no monitor with this id.")
    except datadog.DatadogError as error:
        return unavailable(request, monitor_id, error)
    return render(request, "monitors/detail.html", detail_context(request, found, moment))


def _until(found: monitoring.Page) -> Any:
    """When what mutes it now stops, by Datadog's matches (None: no end, or not muted)."""
    if found.now_failure is not None:
        return found.reckoned.until if found.reckoned else None
    ends = [n.match.end for n in found.now]
    return None if not ends or any(e is None for e in ends) else max(ends)


def mute_links(mute_url: str, group: str = "") -> list[tuple[str, str]]:
    """The quick mute's choices for the whole monitor or one group, each to its confirmation."""
    base = {"group": group} if group else {}
    choices = [(key, words) for key, (_, words) in quickmute.DURATIONS.items()]
    choices.append((quickmute.RECOVERS, "until it recovers"))
    choices.append((quickmute.UNTIL, "until\u2026"))
    return [(words, f"{mute_url}?{urlencode({**base, 'duration': key})}") for key, words in choices]


def _muted_text(found: monitoring.Page, groups: int, zone: Any, moment: Any) -> str:
    """`Muted until Today 10:30 UTC`, or `1 of 4 groups muted, no end`."""
    until = _until(found)
    names = found.muted_groups
    part = "" if "*" in names or len(names) >= groups else f"{len(names)} of {groups} groups "
    words = monitor_words.until_words(until, zone, moment)
    text = f"{part}muted{',' if until is None else ''} {words}"
    return text[0].upper() + text[1:]


def detail_context(request: Request, found: monitoring.Page, moment: Any) -> dict[str, Any]:
    monitor, zone = found.monitor, request.zone
    muted = bool(found.now) if found.now_failure is None else found.reckoned is not None
    groups = monitor_words.group_rows(monitor, found.muted_groups, zone, moment)
    mute_url = reverse("downtimes:monitor_mute", args=[monitor.id])
    alert_query = quickmute.alert_link_query(monitor)
    return {
        "monitor": monitor,
        "page": found,
        "row": monitor_words.row(monitor, found.reckoned, zone, moment),
        "group_summary": monitor_words.group_summary(monitor),
        "groups": [(g, mute_links(mute_url, g.group.name)) for g in groups],
        "whole_links": mute_links(mute_url),
        "grouped": any(g.group.tags for g in groups),
        "muted": muted,
        "muted_text": _muted_text(found, len(groups), zone, moment) if muted else "",
        "now_rows": [
            (n, presenters.row(n.downtime, moment, zone) if n.downtime else None) for n in found.now
        ],
        "later_rows": [(r, presenters.row(r.downtime, moment, zone)) for r in found.later],
        "missing_rows": [presenters.row(d, moment, zone) for d in found.missing],
        "before_rows": [(r, presenters.row(r.downtime, moment, zone)) for r in found.before],
        **_forgotten(monitor, moment, zone),
        "members": request.user.is_authenticated,
        "mute_url": mute_url,
        "alert_link": request.build_absolute_uri(mute_url)
        + (f"?{alert_query}" if alert_query else ""),
        "ui_url": _datadog_url(monitor.id),
        "zone_label": moment.astimezone(zone).strftime("%Z"),
        **_freshness(found.overview.monitors, zone, moment),
        **_downtimes_freshness(found.overview.downtimes, zone, moment),
        "permalink": request.build_absolute_uri(reverse("downtimes:monitor", args=[monitor.id])),
        "share_title": monitor_words.share_title(monitor),
        "share_description": monitor_words.share_description(monitor, found.reckoned, moment),
        "nav": "monitors",
    }


def _forgotten(monitor: Any, moment: Any, zone: Any) -> dict[str, Any]:
    """The downtimes that targeted it and that Datadog has forgotten, from the history."""
    versions, total = reading.muted_monitor(monitor)
    rows = [(v, presenters.row(v.downtime, moment, zone)) for v in versions]
    return {"forgotten_rows": rows, "forgotten_total": total}


def _link_preview(request: Request, number: int | None) -> HttpResponse:
    """What an unsigned visitor (a chat tool unfurling a link) sees: the preview, from the copy,
    never causing an upstream call of its own (right after a restart it waits for the copy)."""
    seen = monitoring.overview() if number is not None else None
    monitor = seen.monitors.snapshot.get(number) if seen and seen.monitors.snapshot else None
    if monitor is None or seen is None:
        return redirect_to_login(request.get_full_path())
    moment = now()
    return plumbing.link_preview(
        request,
        monitor_words.share_title(monitor),
        monitor_words.share_description(monitor, seen.mutes.muted(monitor, moment), moment),
        what="monitor",
    )
