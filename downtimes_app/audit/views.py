"""The audit trail: every write and sign-in event, filterable, with shareable links.

It names people and addresses, so it needs sign-in even when anonymous reads are on.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from downtimes_app.models import AuditEntry
from downtimes_app.web.access import members_only
from downtimes_app.web.query import Reader, page_of

PER_PAGE = 50


@members_only
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.select_related("actor")
    filters = {
        "actor": request.GET.get("actor", "").strip()[:150],
        "action": request.GET.get("action", "").strip(),
        "outcome": request.GET.get("outcome", "").strip(),
        "downtime": request.GET.get("downtime", "").strip()[:64],
    }
    notices = []
    if filters["actor"]:
        entries = entries.filter(actor_name__icontains=filters["actor"])
    if filters["action"] in AuditEntry.Action.values:
        entries = entries.filter(action=filters["action"])
    elif filters["action"]:
        notices.append(f"Unknown action {filters['action'][:40]!r}; showing every action.")
        filters["action"] = ""
    if filters["outcome"] in AuditEntry.Outcome.values:
        entries = entries.filter(outcome=filters["outcome"])
    elif filters["outcome"]:
        notices.append(f"Unknown outcome {filters['outcome'][:40]!r}; showing every outcome.")
        filters["outcome"] = ""
    if filters["downtime"]:
        entries = entries.filter(downtime_id=filters["downtime"])
    read = Reader(request.GET)
    page = page_of(entries, read.page() or 1, PER_PAGE)
    notices += [*read.notices, *page.notices]
    query = {k: v for k, v in filters.items() if v}
    return render(
        request,
        "audit/list.html",
        {
            "page": page,
            "entries": page.items,
            "filters": filters,
            "query": query,
            "notices": notices,
            "actions": AuditEntry.Action.choices,
            "outcomes": AuditEntry.Outcome.choices,
            "nav": "audit",
        },
    )
