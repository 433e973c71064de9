"""Needs attention (`/attention/`): the downtimes someone forgot or should look at, each with
why and the action that fits, done in place with the downtime page's own actions."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import actions, attention, monitoring, presenters
from ..domain import Downtime
from ..timekeeping import now
from .plumbing import Request, render_page

BACK = "attention"  # the actions' `back` value that brings a person here again
EXTEND_BY = (("1h", "1 h"), ("4h", "4 h"))


def _entry(item: attention.Item | None, downtime: Downtime, moment: datetime, zone: ZoneInfo):
    return {
        "row": presenters.row(downtime, moment, zone),
        "concerns": item.concerns if item else (),
        "actions": item.actions if item else (),
        "offers": actions.offers(downtime),
    }


@require_GET
def attention_list(request: Request) -> HttpResponse:
    seen = monitoring.overview(force=request.headers.get("X-Refresh") == "1")
    moment, zone = now(), request.zone
    found = attention.review(moment, seen.downtimes.snapshot, seen.monitors.snapshot)
    context = {
        "entries": [_entry(item, item.downtime, moment, zone) for item in found.items],
        "monitors_known": found.monitors_known,
        "current": seen.downtimes,
        "monitors": seen.monitors,
        "stale_days": settings.DASHBOARD_STALE_DAYS,
        "extend_by": EXTEND_BY,
        "back": BACK,
        "ttl": settings.DOWNTIME_CACHE_TTL,
        "zone_label": moment.astimezone(zone).strftime("%Z"),
        "nav": "attention",
    }
    return render_page(request, "attention/list.html", "attention/partials/_items.html", context)


def item_response(request: Request, downtime: Downtime, notice: tuple[str, str]) -> HttpResponse:
    """One downtime's row again after an action taken on it here (htmx), with what happened;
    it says so when it needs no attention any more."""
    moment, zone = now(), request.zone
    item = next((i for i in attention.review(moment).items if i.downtime.id == downtime.id), None)
    context = {
        "entry": _entry(item, downtime, moment, zone),
        "notice": notice,
        "extend_by": EXTEND_BY,
        "back": BACK,
    }
    return render(request, "attention/partials/_item.html", context)
