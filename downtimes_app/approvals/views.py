"""`/approvals/`: the requests waiting for a second editor, and each request's own page, where
the person who asked sees what became of it and another editor approves or declines it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from downtimes_app import datadog
from downtimes_app.approvals import deciding
from downtimes_app.core import presenters
from downtimes_app.core.clock import now
from downtimes_app.core.domain import Definition, Downtime
from downtimes_app.models import ApprovalRequest
from downtimes_app.web.access import can_write, editor_required, members_only
from downtimes_app.web.plumbing import Request

State = ApprovalRequest.State
RECENT = 50


def _described(row: ApprovalRequest, moment: datetime, zone: ZoneInfo) -> list[tuple[str, str]]:
    """What would be sent, in words: a new downtime as the list shows one; an edit's values."""
    try:
        sent = datadog.parse_attributes(row.attributes)
        planned = Downtime.of(Definition(**sent)) if row.action == "new" else None
    except (TypeError, ValueError, datadog.DatadogError):
        planned = None
    if planned is None:
        return [(c.field, c.after) for c in presenters.attribute_changes({}, row.attributes)]
    kind, target = presenters.target(planned)
    return [
        ("Mutes", f"Monitors tagged {target}" if kind == "tags" else target),
        ("Scope", planned.scope or "*"),
        ("When", presenters.schedule_words(planned, zone, moment)),
        ("Message", planned.message or "(none)"),
    ]


def _entry(request: Request, row: ApprovalRequest, moment: datetime) -> dict[str, Any]:
    state = deciding.state_of(row, moment)
    mine = row.requested_by_id is not None and row.requested_by_id == request.user.pk
    open_ = state == State.PENDING
    withdrawn = state == State.DECLINED and row.decided_by_id == row.requested_by_id
    return {
        "withdrawn": withdrawn,
        "row": row,
        "state": state,
        "state_label": State(state).label,
        "described": _described(row, moment, request.zone),
        "mine": mine,
        "can_approve": (open_ or deciding.stuck(row, moment))
        and not mine
        and can_write(request.user),
        "can_decline": open_ and can_write(request.user),
        "expires": presenters.Moment(row.expires_at, request.zone, moment),
        "asked": presenters.Moment(row.requested_at, request.zone, moment),
    }


@members_only
@require_GET
def approval_list(request: Request) -> HttpResponse:
    moment = now()
    waiting = ApprovalRequest.objects.filter(
        state__in=(State.PENDING, State.SENDING), expires_at__gt=moment
    ).order_by("expires_at")
    decided = ApprovalRequest.objects.exclude(pk__in=waiting.values("pk"))[:RECENT]
    context = {
        "waiting": [_entry(request, row, moment) for row in waiting],
        "decided": [_entry(request, row, moment) for row in decided],
        "nav": "approvals",
    }
    return render(request, "approvals/list.html", context)


def _detail(
    request: Request, row: ApprovalRequest, *, reason: str = "", error: str = "", status: int = 200
):
    context = {
        "entry": _entry(request, row, now()),
        "reason": reason,
        "reason_error": error,
        "reason_max": deciding.REASON_MAX,
        "nav": "approvals",
    }
    return render(request, "approvals/detail.html", context, status=status)


@members_only
@require_GET
def approval_detail(request: Request, pk: int) -> HttpResponse:
    return _detail(request, get_object_or_404(ApprovalRequest, pk=pk))


@editor_required
@require_POST
def approval_approve(request: Request, pk: int) -> HttpResponse:
    get_object_or_404(ApprovalRequest, pk=pk)
    decided = deciding.approve(request.user, pk, now())
    if decided.ok and decided.downtime_id:
        messages.success(request, decided.words)
        return redirect("downtimes:detail", decided.downtime_id)
    messages.error(request, decided.words)
    return redirect("downtimes:approval", pk)


@editor_required
@require_POST
def approval_decline(request: Request, pk: int) -> HttpResponse:
    row = get_object_or_404(ApprovalRequest, pk=pk)
    reason = request.POST.get("reason", "")
    decided = deciding.decline(request.user, pk, reason, now())
    if not decided.ok and not reason.strip():
        return _detail(request, row, reason=reason, error=decided.words, status=400)
    (messages.success if decided.ok else messages.error)(request, decided.words)
    return redirect("downtimes:approval", pk)
