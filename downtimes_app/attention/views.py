"""Needs attention (`/attention/`): the downtimes someone forgot or should look at, each with
why and the action that fits, done in place with the downtime page's own actions."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from downtimes_app import attention
from downtimes_app.attention.query import RULE_LABELS, AttentionQuery, select
from downtimes_app.core import presenters
from downtimes_app.core.clock import now
from downtimes_app.core.domain import Downtime
from downtimes_app.downtimes import actions
from downtimes_app.muting import monitoring
from downtimes_app.web import backs
from downtimes_app.web.plumbing import Request, is_fragment, render_page

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
    query, notices = AttentionQuery.from_params(request.GET)
    seen = monitoring.overview(force=request.headers.get("X-Refresh") == "1")
    moment, zone = now(), request.zone
    found = attention.review(moment, seen.downtimes.snapshot, seen.monitors.snapshot)
    shown = select(found.items, query)
    here = reverse("downtimes:attention")
    tabs = [("", "Every reason", len(found.items), query.url(here, rule=""))]
    tabs += [(r, RULE_LABELS[r], n, query.url(here, rule=r)) for r, n in shown.counts.items()]
    if query.rule and query.rule not in shown.counts:
        tabs.append((query.rule, RULE_LABELS[query.rule], 0, query.url(here, page=1)))
    page = shown.page
    context = {
        "entries": [_entry(item, item.downtime, moment, zone) for item in shown.items],
        "shown": shown,
        "query": query,
        "tabs": tabs,
        "notices": [*notices, *shown.notices],
        "page_url": query.url(here, page=page),
        "prev_url": query.url(here, page=page - 1) if page > 1 else "",
        "next_url": query.url(here, page=page + 1) if page < shown.pages else "",
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


@require_GET
def attention_count(request: Request) -> HttpResponse:
    """The top bar's link and count alone, for htmx to fetch again after a change."""
    here = request.GET.get("here") == "attention"
    return render(request, "attention/partials/_count.html", {"nav": "attention" if here else ""})


def _answer(request: Request, downtime: Downtime | None, level: int, text: str, tone: str):
    """An action taken from this list (`back=attention`): its row again (htmx), or the list."""
    if is_fragment(request) and downtime is not None:
        response = item_response(request, downtime, (tone, text))
        return backs.after_change(response, level, messages.SUCCESS)
    messages.add_message(request, level, text)
    target = reverse("downtimes:attention")
    if not is_fragment(request):
        return redirect(target)
    response = HttpResponse(status=204)
    response["HX-Redirect"] = target
    return response


backs.register(BACK, _answer)
