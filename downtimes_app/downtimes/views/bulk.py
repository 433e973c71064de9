"""Cancel many downtimes at once: by the rows chosen on the list, or by scope (v1's by_scope).

First a preview of exactly which downtimes will be canceled, taken from the cached copy of the
set (no extra call to find them); then, on confirmation, one v2 DELETE each, and a result that
lists what was canceled and what failed and why. The preview is a GET, so it can be bookmarked
and shared; canceling is a POST by an editor, of exactly the ids the preview listed.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from downtimes_app import store
from downtimes_app.core import presenters
from downtimes_app.core.clock import now
from downtimes_app.core.scope import ScopeError
from downtimes_app.downtimes import actions, bulk
from downtimes_app.web.access import editor_required, members_only
from downtimes_app.web.plumbing import Request, is_fragment, render_page

RESULTS_KEY = "bulk_cancel_results"
# Results kept in the session for the redirect after the POST; a few are enough to go back to.
RESULTS_KEPT = 5


def _preview(request: Request, params: QueryDict) -> dict[str, Any]:
    current = store.current()
    snapshot = current.snapshot
    scope = params.get("scope", "").strip()
    narrower = params.get("match") == "narrower"
    ids = [i for i in params.getlist("id") if i.strip()]
    chosen: list = []
    skipped: list = []
    scope_error = ""
    mode = ""
    if ids:
        mode = "ids"
        chosen, skipped = bulk.select_by_ids(snapshot.get if snapshot else (lambda _id: None), ids)
    elif scope:
        mode = "scope"
        try:
            chosen = bulk.select_by_scope(current.downtimes, scope, narrower=narrower)
        except ScopeError as error:
            scope_error = str(error)
    moment = now()
    zone = request.zone
    return {
        "mode": mode,
        "scope": scope,
        "narrower": narrower,
        "scope_error": scope_error,
        "rows": [presenters.row(d, moment, zone) for d in chosen],
        "skipped": skipped,
        "current": current,
        "fetched": (
            presenters.Moment(snapshot.fetched_at, zone, moment) if snapshot is not None else None
        ),
        "zone": zone.key,
        "zone_label": moment.astimezone(zone).strftime("%Z"),
    }


def _results(request: Request, token: str) -> list[dict[str, Any]] | None:
    return request.session.get(RESULTS_KEY, {}).get(token)


def _keep_results(request: Request, outcomes: list[bulk.BulkOutcome]) -> str:
    token = secrets.token_urlsafe(8)
    kept = dict(list(request.session.get(RESULTS_KEY, {}).items())[-(RESULTS_KEPT - 1) :])
    kept[token] = [
        {"downtime_id": o.downtime_id, "label": o.label, "ok": o.ok, "error": o.error}
        for o in outcomes
    ]
    request.session[RESULTS_KEY] = kept
    return token


def _summary(outcomes: list[dict[str, Any]] | list[bulk.BulkOutcome]) -> str:
    done = sum(1 for o in outcomes if (o["ok"] if isinstance(o, dict) else o.ok))
    failed = len(outcomes) - done
    text = f"Canceled {done} downtime{'' if done == 1 else 's'}"
    return text + (f"; {failed} not canceled." if failed else ".")


def _page(request: Request, context: dict[str, Any]) -> HttpResponse:
    return render_page(
        request, "downtimes/bulk_cancel.html", "downtimes/partials/_bulk.html", context
    )


@members_only  # a page that exists to write: nothing for anonymous readers
@require_http_methods(["GET", "POST"])
def bulk_cancel(request: Request) -> HttpResponse:
    if request.method == "POST":
        return _bulk_cancel_post(request)
    token = request.GET.get("done", "")
    if token:
        outcomes = _results(request, token)
        if outcomes is None:
            messages.warning(request, "That result is no longer available; here is a new preview.")
            return redirect("downtimes:bulk_cancel")
        return render(
            request,
            "downtimes/bulk_cancel.html",
            {"outcomes": outcomes, "summary": _summary(outcomes), "mode": "done"},
        )
    return _page(request, _preview(request, request.GET))


@editor_required
def _bulk_cancel_post(request: Request) -> HttpResponse:
    if request.POST.get("confirm") != "yes":
        # Rows posted from the list: show what would happen, change nothing.
        return _page(request, _preview(request, request.POST))
    ids = list(
        dict.fromkeys(
            i.strip() for i in request.POST.getlist("id") if actions.ID_PATTERN.match(i.strip())
        )
    )
    if not ids:
        messages.error(request, "Nothing was chosen, so nothing was canceled.")
        return redirect("downtimes:bulk_cancel")
    # The copy, with the dashboard's own writes laid over it: a confirm sent twice finds them
    # canceled the second time, and one that ended since the preview is left alone.
    snapshot = store.current().snapshot
    known = [d for i in ids if snapshot and (d := snapshot.get(i)) is not None]
    unknown = [i for i in ids if not snapshot or snapshot.get(i) is None]
    outcomes = bulk.cancel_many(request.user, known, now=now(), unknown_ids=unknown)
    if is_fragment(request):
        return render(
            request,
            "downtimes/partials/_bulk.html",
            {"outcomes": outcomes, "summary": _summary(outcomes), "mode": "done"},
        )
    token = _keep_results(request, outcomes)
    level = messages.SUCCESS if all(o.ok for o in outcomes) else messages.WARNING
    messages.add_message(request, level, _summary(outcomes))
    return redirect(f"{reverse('downtimes:bulk_cancel')}?done={token}")
