"""`/history/?at=…`: what was muting at a moment; and the record's exports.

Thin: `query` reads the URL, `reading` answers from the record, `exports` writes CSV and JSON.
For people who signed in, even where anonymous reading is open: the record names people.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from downtimes_app.core import presenters
from downtimes_app.core.clock import now
from downtimes_app.history import exports, reading
from downtimes_app.history import shown as shown_rows
from downtimes_app.history.query import KINDS, PAGE_SIZES, THROUGH, MomentQuery, permalink_at
from downtimes_app.web.access import members_only
from downtimes_app.web.plumbing import Request
from downtimes_app.web.query import Paged, page_of


def _moment(request: Request) -> tuple[MomentQuery, datetime, list, list[str]]:
    """The query, the moment it asks about, the versions that muted then (their state not yet
    read) and the notices."""
    query, notices = MomentQuery.from_params(request.GET)
    moment, more = query.resolve(request.zone, now())
    return query, moment, reading.muting_rows(moment), notices + more


def _page(query: MomentQuery, rows: list, moment: datetime) -> tuple[Paged, int]:
    """One page of the moment, read whole, and how many there are. Unfiltered, only the page's
    versions are read; a search or filter reads every one, as it must to judge them."""
    if query.narrowing:
        found = query.narrow(reading.mutings(rows, moment))
        return page_of(found, query.page, query.per_page), len(found)
    shown = page_of(rows, query.page, query.per_page)
    return replace(shown, items=reading.mutings(shown.items, moment)), len(rows)


@members_only
@require_GET
def moment_page(request: Request) -> HttpResponse:
    query, moment, rows, notices = _moment(request)
    shown, total = _page(query, rows, moment)
    zone, clock = request.zone, now()
    first = reading.begins()
    if first is None:
        notices.append(
            "The dashboard has recorded nothing yet: it records from its first refresh on."
        )
    elif moment < first:
        notices.append(
            f"The record begins {presenters.Moment(first, zone, clock)}: the dashboard knows "
            "nothing about what was muting before that."
        )
    stamp = permalink_at(moment)
    permalink = request.build_absolute_uri(query.url(request.path, at=stamp, page=query.page))
    context = {
        "query": query,
        "moment": presenters.Moment(moment, zone, clock),
        "picker": f"{moment.astimezone(zone):%Y-%m-%dT%H:%M}",
        "stamp": stamp,
        "zone": zone.key,
        "notices": [*notices, *shown.notices],
        "rows": shown_rows.moment_rows(shown.items, zone, clock),
        "shown": shown,
        "previous_url": query.url(request.path, page=shown.page - 1) if shown.page > 1 else "",
        "next_url": query.url(request.path, page=shown.page + 1)
        if shown.page < shown.pages
        else "",
        "total": total,
        "permalink": permalink,
        "csv_url": query.url(_export_path("csv"), at=stamp, page=1),
        "json_url": query.url(_export_path("json"), at=stamp, page=1),
        "kinds": KINDS,
        "throughs": THROUGH,
        "page_sizes": PAGE_SIZES,
        "nav": "history",
    }
    return render(request, "history/moment.html", context)


def _export_path(fmt: str) -> str:
    return reverse("downtimes:history_export", args=[fmt])


def _download(body: str, name: str, fmt: str) -> HttpResponse:
    kind = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@members_only
@require_GET
def moment_export(request: Request, fmt: str) -> HttpResponse:
    """What was muting at the moment, with the page's filters, as CSV or JSON (every row)."""
    query, moment, rows, notices = _moment(request)
    mutings = query.narrow(reading.mutings(rows, moment))
    name = f"muting-{permalink_at(moment).replace(':', '')}"
    if fmt == "csv":
        rows = (exports.moment_row(m) for m in mutings)
        return _download(exports.as_csv(exports.MOMENT_COLUMNS, rows), name, fmt)
    return _download(exports.moment_json(moment, mutings, notices), name, fmt)


@members_only
@require_GET
def downtime_export(request: Request, downtime_id: str, fmt: str) -> HttpResponse:
    """Every version of one downtime the record has, as CSV or JSON."""
    versions = reading.versions(downtime_id[:64])
    if not versions:
        return JsonResponse(
            {"errors": [f"The history has no version of downtime {downtime_id[:64]!r}."]},
            status=404,
        )
    name = f"downtime-{downtime_id[:64]}-history"
    if fmt == "csv":
        rows = (exports.version_row(v) for v in versions)
        return _download(exports.as_csv(exports.VERSION_COLUMNS, rows), name, fmt)
    return _download(exports.versions_json(downtime_id, versions), name, fmt)
