"""What a downtime mutes, in what state, and what would notify if it ended now: a part of its
page loaded after it (htmx), or a page of its own without JavaScript. Read from the cached
copies, so it costs no upstream call once they are warm."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from downtimes_app import store
from downtimes_app.core import presenters
from downtimes_app.core.clock import now
from downtimes_app.muting import monitoring
from downtimes_app.muting import words as monitor_words
from downtimes_app.web.plumbing import Request, downtime_or_error, render_page

SHOWN = 50


@require_GET
def downtime_aftermath(request: Request, downtime_id: str) -> HttpResponse:
    copy = store.current().snapshot
    downtime = copy.get(downtime_id) if copy is not None else None
    if downtime is None:  # made since the copy was fetched, or not a downtime at all
        found = downtime_or_error(request, downtime_id)
        if isinstance(found, HttpResponse):
            return found
        downtime = found[0]
    moment, zone = now(), request.zone
    result, seen = monitoring.aftermath(downtime, moment)
    monitors = seen.monitors
    context = {
        "downtime": downtime,
        "result": result,
        "affected": [
            (a, monitor_words.slug(a.monitor.overall_state)) for a in result.affected[:SHOWN]
        ],
        "more": max(0, len(result.affected) - SHOWN),
        "current": monitors,
        "fetched": (
            presenters.Moment(monitors.snapshot.fetched_at, zone, moment)
            if monitors.snapshot
            else None
        ),
        "row": presenters.row(downtime, moment, zone),
    }
    return render_page(
        request, "downtimes/aftermath.html", "downtimes/partials/_aftermath.html", context
    )
