"""Slack's two request URLs and the page that links a Slack person to an account.

Every request is checked as Slack documents (`signing`), then made once: a row keyed by its
signature and timestamp (unique) holds the first answer, and a retry (the same two) gets that
answer instead of acting again. Without `DASHBOARD_SLACK_SIGNING_SECRET` both URLs are 404.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from downtimes_app.core.clock import now
from downtimes_app.models import SlackRequest
from downtimes_app.slack import acting, blocks, linking, parsing, signing
from downtimes_app.web.access import members_only, role_free

log = logging.getLogger(__name__)
KEPT = timedelta(minutes=10)


def _refused(request: HttpRequest) -> JsonResponse | None:
    secret = settings.DASHBOARD_SLACK_SIGNING_SECRET
    if not secret:
        raise Http404("Slack is not set up here.")
    said = signing.refusal(
        secret,
        request.headers.get("X-Slack-Request-Timestamp", ""),
        request.body,
        request.headers.get("X-Slack-Signature", ""),
        time.time(),
    )
    return JsonResponse({"errors": [said]}, status=401) if said else None


def _once(request: HttpRequest, work) -> JsonResponse:
    """The answer to this request: worked out now, or the first one's for a retry."""
    sent = request.headers.get("X-Slack-Request-Timestamp", "") + request.headers.get(
        "X-Slack-Signature", ""
    )
    key = hashlib.sha256(sent.encode()).hexdigest()
    try:
        with transaction.atomic():
            row = SlackRequest.objects.create(key=key, received=now())
    except IntegrityError:
        first = SlackRequest.objects.filter(key=key).first()
        if first is not None and first.answer is not None:
            return JsonResponse(first.answer)
        return JsonResponse(blocks.answer("This is being handled already."))
    try:
        answer = work(key)
    except Exception:
        log.exception("A request from Slack failed")
        row.delete()  # a retry may try again
        return JsonResponse(blocks.answer("Something went wrong on the dashboard; try again."))
    SlackRequest.objects.filter(pk=row.pk).update(answer=answer)
    # Slack retries within minutes and refuses older timestamps: older rows have done their job.
    SlackRequest.objects.filter(received__lt=now() - KEPT).delete()
    return JsonResponse(answer)


def _unlinked(team_id: str, user_id: str, name: str) -> dict[str, Any]:
    token = linking.offer(team_id, user_id, name, now())
    url = acting.link(reverse("downtimes:slack_link", args=[token]))
    return blocks.answer(
        "Your Slack account is not linked to the dashboard yet, so nothing was done. Open this "
        "link while signed in to the dashboard (it works once, for 30 minutes), then try again.",
        link=url,
        label="Link my Slack account",
    )


@csrf_exempt
@login_not_required
@role_free
@require_POST
def commands(request: HttpRequest) -> JsonResponse:
    refused = _refused(request)
    if refused is not None:
        return refused
    form = request.POST

    def work(key: str) -> dict[str, Any]:
        team, who = form.get("team_id", ""), form.get("user_id", "")
        user = linking.person(team, who)
        if user is None:
            return _unlinked(team, who, form.get("user_name", ""))
        try:
            command = parsing.read(form.get("text", ""))
        except parsing.Unclear as unclear:
            return blocks.answer(str(unclear))
        return acting.run(command, user, key=key, now=now())

    return _once(request, work)


@csrf_exempt
@login_not_required
@role_free
@require_POST
def actions(request: HttpRequest) -> HttpResponse:
    refused = _refused(request)
    if refused is not None:
        return refused
    pressed = parsing.pressed(request.POST.get("payload", ""))
    if pressed is None:
        return JsonResponse({"errors": ["This is not a button Slack sent."]}, status=400)

    def work(key: str) -> dict[str, Any]:
        user = linking.person(pressed.team_id, pressed.user_id)
        if user is None:
            answer = _unlinked(pressed.team_id, pressed.user_id, pressed.user_name)
        else:
            answer = acting.press(pressed.action_id, pressed.value, user, now())
        acting.respond(pressed.response_url, answer)
        return answer

    return _once(request, work)


@members_only
@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    """A one-time link from Slack: shows whose Slack account it is, links it on a POST."""
    moment = now()
    if request.method == "POST":
        found = linking.link(token, request.user, moment)
        if found is not None:
            messages.success(request, "Linked: /downtime now acts as you, through Slack.")
            return redirect("downtimes:list")
    offer = linking.open_offer(token, moment)
    status = 200 if offer is not None else 404
    return render(request, "slack/link.html", {"offer": offer}, status=status)
