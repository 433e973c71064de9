"""The dashboard's JSON API (`/api/`): the list and one downtime, create, extend, end, cancel,
and leases a job keeps alive. Every write goes the way the pages' writes go: the form's
validation, the policy, once-only saving (`Idempotency-Key`), the audit trail and reminders."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from downtimes_app import datadog, store
from downtimes_app.api import schema, shapes
from downtimes_app.api.access import endpoint, problem
from downtimes_app.core import schedules
from downtimes_app.core.clock import now
from downtimes_app.downtimes import actions, listing
from downtimes_app.downtimes.index import list_index, my_downtime_ids
from downtimes_app.editing import saving, submissions
from downtimes_app.editing.forms import prefill
from downtimes_app.editing.forms.draft import Draft
from downtimes_app.models import Lease
from downtimes_app.policy import judging
from downtimes_app.web.access import role_free

UTC = ZoneInfo("UTC")
ENDS = ("end", "duration", "rrule", "recurrences")
LONGEST_LEASE = timedelta(days=7)
IDEMPOTENCY_SECONDS = 24 * 60 * 60


def _body(request: HttpRequest) -> Any:
    return shapes.read(request.body)


def _bad(errors: dict[str, list[str]]) -> JsonResponse:
    said = [f"{name}: {words}" for name, all_words in errors.items() for words in all_words]
    return problem(400, *said, fields=errors)


# --- reading -------------------------------------------------------------------------------------


@endpoint(["GET", "POST"], writes=["POST"])
def downtimes(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        return create(request)
    query, notices = listing.ListQuery.from_params(request.GET)
    current = store.current()
    index = list_index(current.snapshot)
    mine = my_downtime_ids(request.user) if query.creator == listing.ME else ()
    result = listing.run(index.downtimes, query, index=index, mine=mine)
    fetched = current.snapshot.fetched_at.isoformat() if current.snapshot else None
    return JsonResponse(
        {
            "downtimes": [shapes.downtime(d) for d in result.rows],
            "page": result.page,
            "pages": result.pages,
            "total": result.total,
            "counts": result.counts,
            "notices": [*notices, *result.notices],
            "fetched_at": fetched,
            "stale": str(current.failure.error) if current.failure else None,
        }
    )


def _found(downtime_id: str) -> datadog.Downtime | JsonResponse:
    if not actions.ID_PATTERN.match(downtime_id):
        return problem(404, "This is not a downtime id.")
    try:
        return store.find(downtime_id)
    except (datadog.NotFound, datadog.BadRequest):
        return problem(404, "Datadog has no downtime with this id.")
    except datadog.DatadogError as error:
        return problem(503, f"Datadog could not be asked: {error}")


@endpoint(["GET", "DELETE"], writes=["DELETE"])
def downtime(request: HttpRequest, downtime_id: str) -> JsonResponse:
    if request.method == "DELETE":
        return _acted(lambda: actions.cancel(request.user, downtime_id, now()))
    found = _found(downtime_id)
    if isinstance(found, JsonResponse):
        return found
    return JsonResponse({"downtime": shapes.downtime(found)})


# --- writing -------------------------------------------------------------------------------------


def _token(request: HttpRequest, body: Any) -> str | JsonResponse:
    """The once-only token for this request: its Idempotency-Key, kept apart per person (two
    people's pipelines may pick the same key), or a new one. A key sent again with another
    body is refused (422) rather than answered with what the first body made."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return submissions.new_token()
    if not submissions.well_formed(key):
        return _bad({"Idempotency-Key": ["Use 1 to 64 letters, digits, - or _."]})
    token = "api-" + hashlib.sha256(f"{request.user.pk}\n{key}".encode()).hexdigest()[:40]
    digest, remembered = shapes.digest(body), f"api-idempotency:{token}"
    first = cache.add(remembered, digest, IDEMPOTENCY_SECONDS)
    if not first and cache.get(remembered) != digest:
        return problem(422, "This Idempotency-Key was sent before with another body.")
    return token


def _draft(body: Any, token: str) -> Draft | JsonResponse:
    try:
        query = shapes.as_query(body)
    except shapes.BadBody as bad:
        return _bad(bad.errors)
    if not any(name in body for name in ENDS):
        return _bad({"end": ['Give an end, a duration, or "end": null for no end.']})
    moment = now()
    draft = Draft(prefill.data_from_query(query, token, moment, UTC), now=moment)
    if not draft.is_valid():
        return _bad(shapes.field_errors([(p.field_id, p.message) for p in draft.problems()]))
    return draft


def create(request: HttpRequest, *, summary: str = "") -> JsonResponse:
    try:
        body = _body(request)
    except shapes.BadBody as bad:
        return _bad(bad.errors)
    token = _token(request, body)
    if isinstance(token, JsonResponse):
        return token
    draft = _draft(body, token)
    if isinstance(draft, JsonResponse):
        return draft
    outcome = saving.save_downtime(
        request.user, draft.definition(), token=token, now=draft.now, summary=summary
    )
    return _saved(outcome)


def _saved(outcome: saving.Outcome, **more: Any) -> JsonResponse:
    """The answer to a save; `more` joins a successful one's body (a lease)."""
    match outcome:
        case saving.Saved(downtime=made):
            return JsonResponse({"downtime": shapes.downtime(made), **more}, status=201)
        case saving.AlreadySaved(downtime_id=downtime_id):
            found = _found(downtime_id)
            if isinstance(found, JsonResponse):
                return JsonResponse({"downtime": {"id": downtime_id}, **more})
            return JsonResponse({"downtime": shapes.downtime(found), **more})
        case saving.InFlight():
            return problem(
                409, "A request with this Idempotency-Key is being sent; ask again soon."
            )
        case saving.Refused(messages=said):
            return problem(400, *said)
        case saving.Failed(banner=banner):
            return problem(502, banner)
        case saving.Forbidden(breaches=breaches):
            policy = [{"rule": b.rule, "words": b.words} for b in breaches]
            return problem(403, *(b.words for b in breaches), policy=policy)
        case saving.Asked(request=asked):
            return JsonResponse({"approval": schema.approval(asked)}, status=202)
    return problem(500, "This answer is not one the API knows.")  # pragma: no cover


def _acted(act, more=dict) -> JsonResponse:
    """A quick action's answer: the downtime as Datadog left it (and `more()`, asked after
    it acted), or why nothing was sent."""
    try:
        result = act()
    except datadog.NotFound:
        return problem(404, "Datadog has no downtime with this id.")
    except actions.PolicyRefused as refusal:
        return problem(403, str(refusal))
    except actions.Refused as refusal:
        return problem(409, str(refusal))
    except datadog.DatadogError as error:
        return problem(502, f"Datadog did not take it: {error}")
    changed, words = result if isinstance(result, tuple) else (result, "")
    return JsonResponse({"downtime": shapes.downtime(changed), "words": words, **more()})


@endpoint(["POST"], writes=["POST"])
def extend(request: HttpRequest, downtime_id: str) -> JsonResponse:
    try:
        body = _body(request)
    except shapes.BadBody as bad:
        return _bad(bad.errors)
    if not isinstance(body, dict) or not (body.get("by") or body.get("until")):
        return _bad({"by": ['Give "by" (a duration such as 1h) or "until" (a time).']})
    by, until = str(body.get("by") or ""), str(body.get("until") or "")
    try:
        if by:
            schedules.parse_duration(by)
        else:
            actions.parse_until(until, UTC)
    except (schedules.ScheduleError, actions.Refused) as error:
        return _bad({"by" if by else "until": [str(error)]})
    moment = now()
    return _acted(
        lambda: actions.extend(request.user, downtime_id, moment, by=by, until=until, zone=UTC)
    )


@endpoint(["POST"], writes=["POST"])
def end(request: HttpRequest, downtime_id: str) -> JsonResponse:
    return _acted(lambda: actions.end_now(request.user, downtime_id, now()))


# --- leases --------------------------------------------------------------------------------------


def _ttl(value: Any) -> timedelta | JsonResponse:
    try:
        ttl = schedules.parse_duration(str(value or "")).delta
    except schedules.ScheduleError as error:
        return _bad({"ttl": [f"{error}"]})
    if ttl > LONGEST_LEASE:
        return _bad({"ttl": ["A lease lasts at most 7 days between renewals."]})
    return ttl


def _lease(lease: Lease) -> dict[str, Any]:
    return {
        "id": lease.downtime_id,
        "ttl": str(schedules.duration_from_delta(timedelta(seconds=lease.ttl_seconds))),
        "holder": lease.holder_name,
        "renewed": lease.renewed.isoformat(),
        "renew_url": reverse("downtimes:api_lease_renew", args=[lease.downtime_id]),
    }


@endpoint(["POST"], writes=["POST"])
def leases(request: HttpRequest) -> JsonResponse:
    try:
        body = _body(request)
    except shapes.BadBody as bad:
        return _bad(bad.errors)
    if not isinstance(body, dict):
        return _bad({"body": ["The body must be a JSON object."]})
    ttl = _ttl(body.get("ttl"))
    if isinstance(ttl, JsonResponse):
        return ttl
    token = _token(request, body)
    if isinstance(token, JsonResponse):
        return token
    fields = {k: v for k, v in body.items() if k != "ttl"}
    if {"start", "end", "duration", "rrule", "recurrences"} & set(fields):
        return _bad({"ttl": ["A lease starts now and lasts its ttl; give no start, end or rrule."]})
    fields["duration"] = str(schedules.duration_from_delta(ttl))
    draft = _draft(fields, token)
    if isinstance(draft, JsonResponse):
        return draft
    held = judging.judge(request.user, draft.definition(), draft.now).needs
    if held:
        why = "; ".join(n.words for n in held)
        return problem(
            403, f"A lease cannot wait for approval; the policy asks a second editor for {why}."
        )
    words = f"Lease for {fields['duration']}: ends by itself unless its job renews it"
    outcome = saving.save_downtime(
        request.user, draft.definition(), token=token, now=draft.now, summary=words
    )
    if isinstance(outcome, saving.Saved):
        made = outcome.downtime.id
    elif isinstance(outcome, saving.AlreadySaved):
        made = outcome.downtime_id
    else:
        return _saved(outcome)
    lease, _ = Lease.objects.get_or_create(
        downtime_id=made,
        defaults={
            "ttl_seconds": int(ttl.total_seconds()),
            "holder": request.user,
            "holder_name": request.user.get_username()[:150],
            "created": draft.now,
            "renewed": draft.now,
        },
    )
    return _saved(outcome, lease=_lease(lease))


@endpoint(["POST"], writes=["POST"])
def renew(request: HttpRequest, downtime_id: str) -> JsonResponse:
    lease = Lease.objects.filter(downtime_id=downtime_id).first()
    if lease is None:
        return problem(404, "No lease was taken on this downtime through the API.")
    if lease.holder_id != request.user.pk:
        return problem(403, f"Only {lease.holder_name}, who took this lease, renews it.")
    moment = now()
    ttl = timedelta(seconds=lease.ttl_seconds)
    words = f"Lease renewed: ends {schedules.duration_from_delta(ttl)} from now"

    def moved():
        changed = actions.extend_to(request.user, downtime_id, moment, moment + ttl, summary=words)
        Lease.objects.filter(pk=lease.pk).update(renewed=moment)
        lease.renewed = moment
        return changed

    return _acted(moved, more=lambda: {"lease": _lease(lease)})


# --- the description and everything else ------------------------------------------------------


@endpoint(["GET"])
def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(schema.document(request.build_absolute_uri("/api")))


@csrf_exempt
@login_not_required
@role_free
def not_found(request: HttpRequest) -> JsonResponse:
    return problem(404, "There is nothing at this address of the API; see /api/openapi.json.")
