"""A person's API tokens, on their account page: make one (shown once), see when each was last
used, revoke one. Tokens act with their owner's role, so a viewer's token reads only."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from downtimes_app.api import tokens
from downtimes_app.models import ApiToken
from downtimes_app.web.access import can_write, members_only
from downtimes_app.web.plumbing import Request

JUST_MADE = "api-token-just-made"


@members_only
@require_http_methods(["GET", "POST"])
def tokens_page(request: Request) -> HttpResponse:
    if request.method == "POST":
        # Shown once, on the page this leads to: a reload shows it no more, and makes none.
        _, request.session[JUST_MADE] = tokens.make(request.user, request.POST.get("name", ""))
        return redirect("downtimes:account_tokens")
    context = {
        "tokens": ApiToken.objects.filter(user=request.user),
        "made": request.session.pop(JUST_MADE, ""),
        "writes": can_write(request.user),
        "name_max": tokens.NAME_MAX,
        "nav": "account",
    }
    response = render(request, "api/tokens.html", context)
    response["Cache-Control"] = "no-store"
    return response


@members_only
@require_POST
def revoke(request: Request, token_id: int) -> HttpResponse:
    if tokens.revoke(request.user, token_id):
        messages.success(request, "Revoked: the token no longer works.")
    else:
        messages.error(request, "There is no such token of yours.")
    return redirect("downtimes:account_tokens")
