"""The schedule form's live parts, which htmx swaps in as a person types.

The preview, a recurrence's controls and raw rule kept in step, the scope check, and the monitor
lookups. Each is also part of the whole page (`schedule.py` renders the same partials), so the
form works without JavaScript.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from downtimes_app import datadog, store
from downtimes_app.core import parsing
from downtimes_app.core.clock import now
from downtimes_app.core.domain import Downtime, OneTimeSchedule
from downtimes_app.core.scope import MAX_TYPED, check_scope, scope_chips
from downtimes_app.editing import lookups, preview
from downtimes_app.editing.forms.downtime import RecurrenceForm
from downtimes_app.editing.forms.draft import Draft
from downtimes_app.editing.forms.recurrences import resolve
from downtimes_app.editing.forms.values import MONITOR_QUERY_MAX, PREFIX, split_tags
from downtimes_app.web.access import editor_required
from downtimes_app.web.plumbing import Request

EDIT = "edit"


def to_int(value: Any) -> int | None:
    """A whole number (an id, an index) from a request, or None (`parsing.maybe_whole`)."""
    return parsing.maybe_whole(value if isinstance(value, str) else None)


def locked_start(original: Downtime | None, moment: Any) -> Any:
    """The start of a one-time window in progress: Datadog does not let it move."""
    if original is None or not isinstance(original.schedule, OneTimeSchedule):
        return None
    start = original.schedule.start or original.created
    end = original.schedule.end
    if start is not None and start <= moment and (end is None or end > moment):
        return start
    return None


def scope_context(text: str) -> dict[str, Any]:
    problem = check_scope(text) if text.strip() else ""
    return {
        "scope_problem": problem,
        # No chips for a scope too long to check: its parts would fill the page.
        "scope_chips": scope_chips(text) if text.strip() and len(text) <= MAX_TYPED else (),
    }


def monitor_choices(query: str, selected_id: int | None) -> dict[str, Any]:
    """The search results, with the chosen monitor kept at the top whatever was searched."""
    selected = lookups.monitor(selected_id)
    query = query.strip()
    if len(query) > MONITOR_QUERY_MAX:
        found = lookups.MonitorSample(
            (), None, f"Search for at most {MONITOR_QUERY_MAX} characters of a monitor's name."
        )
    elif query:
        found = lookups.search(query)
    else:
        found = lookups.MonitorSample((), None)
    return {
        "monitor_query": query[:MONITOR_QUERY_MAX],
        "selected_monitor": selected,
        "selected_id": selected_id,
        "monitor_results": [m for m in found.monitors if selected is None or m.id != selected.id],
        "monitor_total": found.total,
        "monitor_error": found.error,
    }


def tag_matches(tags: list[str]) -> dict[str, Any]:
    return {"tags": tags, "tag_sample": lookups.tagged(tags) if tags else None}


def _editing(downtime_id: str) -> Downtime | None:
    """The downtime an edit's preview compares with: the cached copy, else one read."""
    snapshot = store.current().snapshot
    found = snapshot.get(downtime_id) if snapshot and downtime_id else None
    if found is None and downtime_id:
        try:
            found = datadog.get_downtime(downtime_id)
        except datadog.DatadogError:
            return None
    return found


@editor_required
@require_POST
def preview_part(request: Request) -> HttpResponse:
    moment = now()
    data = request.POST.copy()
    mode = EDIT if data.get("_mode") == EDIT else "new"
    original = _editing(data.get("_downtime") or "") if mode == EDIT else None
    draft = Draft(data, now=moment, original=original, locked_start=locked_start(original, moment))
    built = preview.build(
        draft, now=moment, viewer=request.zone, editing=original, user=request.user
    )
    return render(request, "editing/partials/_preview.html", {"preview": built, "mode": mode})


@editor_required
@require_POST
def recurrence_part(request: Request) -> HttpResponse:
    """After a change in one recurrence: the side that must follow the other, out of band.

    Only that side is swapped, never what the user is changing, so a second change made while
    the first one's answer is on its way is not overwritten.
    """
    index = to_int(request.POST.get("_index")) or 0
    prefix = f"{PREFIX}-{index}-"
    rule = (request.POST.get(prefix + "rrule") or "").strip()
    data = resolve(request.POST.copy())
    # Also swap the controls when the server filled some in (the nth weekday of the month).
    filled = any(
        (request.POST.get(prefix + name) or "") != (data.get(prefix + name) or "")
        for name in ("nth", "nth_weekday")
    )
    form = RecurrenceForm(data, prefix=prefix.rstrip("-"))
    form.is_valid()
    context = {
        "rform": form,
        "index": index,
        "rule_side": filled or (bool(rule) and rule != (request.POST.get(prefix + "synced") or "")),
        "show_errors": True,
    }
    return render(request, "editing/partials/_recurrence_sync.html", context)


@editor_required
@require_GET
def scope_check(request: Request) -> HttpResponse:
    context = scope_context(request.GET.get("scope", ""))
    return render(request, "editing/partials/_scope_check.html", context)


@editor_required
@require_GET
def monitor_search(request: Request) -> HttpResponse:
    context = monitor_choices(
        request.GET.get("monitor_query", ""), to_int(request.GET.get("monitor_id"))
    )
    return render(request, "editing/partials/_monitor_results.html", context)


@editor_required
@require_GET
def tag_search(request: Request) -> HttpResponse:
    tags = split_tags(" ".join(request.GET.getlist("monitor_tags")))
    return render(request, "editing/partials/_tag_matches.html", tag_matches(tags))
