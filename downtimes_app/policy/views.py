"""`/policies/`: the rules in force, in words, for everyone who can read: the ones for every
editor, each group's, and (for a signed-in person) the ones that apply to them."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from downtimes_app.policy import judging
from downtimes_app.web.plumbing import Request


@require_GET
def policies(request: Request) -> HttpResponse:
    policy = judging.policy()
    groups = [(name, rules.lines()) for name, rules in policy.groups]
    mine = None
    if request.user.is_authenticated and judging.in_force():
        names = set(request.user.groups.values_list("name", flat=True))
        listed = [name for name, _ in policy.groups if name in names]
        mine = (listed, judging.rules_of(request.user).lines())
    context = {
        "in_force": judging.in_force(),
        "base": policy.base.lines(),
        "groups": groups,
        "mine": mine,
        "approval_minutes": settings.DASHBOARD_APPROVAL_MINUTES,
        "nav": "policies",
    }
    return render(request, "policy/policies.html", context)
