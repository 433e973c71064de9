"""Signing in and out: the sign-in page (password, single sign-on), lockouts, and their lifting.

The OIDC views are mozilla-django-oidc's, told the provider's endpoints found by discovery, and
made to answer a refused or failed sign-in with the sign-in page saying why (and an audit entry),
never an error page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.generic import View
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from downtimes_app.signin import guessing, oidc, trail
from downtimes_app.signin.addresses import client_address
from downtimes_app.web.access import staff_required

LOGIN_TEMPLATE = "signin/login.html"


def _sign_in_context(request: HttpRequest) -> dict[str, Any]:
    return {
        "sso_name": oidc.current().provider_name if settings.OIDC_ENABLED else "",
        "local_accounts": settings.DASHBOARD_LOCAL_ACCOUNTS,
        "failure_limit": settings.DASHBOARD_LOCKOUT_FAILURES,
    }


@login_not_required
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and not settings.DASHBOARD_LOCAL_ACCOUNTS:
        context = {**_sign_in_context(request), "form": AuthenticationForm(request)}
        context["refusal"] = "Password sign-in is turned off here."
        return render(request, LOGIN_TEMPLATE, context, status=403)
    view = LoginView.as_view(
        template_name=LOGIN_TEMPLATE,
        redirect_authenticated_user=True,
        extra_context=_sign_in_context(request),
    )
    return view(request)


def locked_out(
    request: HttpRequest, response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """Axes' answer to a locked-out sign-in: the sign-in page, saying in words when to try again."""
    until = guessing.handler().locked_until(request, credentials)
    zone = getattr(request, "zone", timezone.get_current_timezone())
    when = guessing.wait_words(until, timezone.now(), zone) if until else "in a few minutes"
    name = str((credentials or {}).get("username") or request.POST.get("username", ""))[:150]
    context = {
        **_sign_in_context(request),
        "form": AuthenticationForm(request, initial={"username": name}),
        "next": request.POST.get("next", ""),
        "lockout": when,
    }
    answer = render(request, LOGIN_TEMPLATE, context, status=429)
    # The trail logged this refusal in one line already; Django need not add a second.
    answer._has_been_logged = True  # type: ignore[attr-defined]
    return answer


def _back_to_sign_in(request: HttpRequest, next_url: str = "") -> HttpResponseRedirect:
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    return HttpResponseRedirect(reverse("login") + query)


@method_decorator(login_not_required, name="dispatch")
class SsoStart(OIDCAuthenticationRequestView):
    """Sends the browser to the provider (with state, nonce and PKCE), once discovery answers."""

    def __init__(self, **kwargs: Any) -> None:
        View.__init__(self, **kwargs)  # the library's reads endpoint settings; ours are discovered

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        if attr == "OIDC_RP_SCOPES":
            return oidc.current().scopes
        return import_from_settings(attr, *args)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404("Single sign-on is not configured.")
        try:
            found = oidc.provider()
        except oidc.ProviderUnavailable as unavailable:
            messages.error(request, f"Single sign-on did not start: {unavailable}.")
            return _back_to_sign_in(request, request.GET.get("next", ""))
        self.OIDC_OP_AUTH_ENDPOINT = found.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = oidc.current().client_id
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class SsoCallback(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back; a refusal comes back to the sign-in page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404("Single sign-on is not configured.")
        try:
            return super().get(request)
        except SuspiciousOperation:
            # The library's word for a state this browser never started (or already used).
            request.sso_refusal = "this sign-in was already used or was not started here"  # type: ignore[attr-defined]
            return self.login_failure()

    def login_failure(self) -> HttpResponse:
        request = self.request
        provider = oidc.current().provider_name
        reason = getattr(request, "sso_refusal", "")
        if not reason and request.GET.get("error"):
            reason = f"{provider} sent you back: {oidc.provider_error_words(request.GET['error'])}"
        reason = reason or f"{provider} did not confirm who you are"
        trail.sso_failed(request, reason, provider=provider, name=getattr(request, "sso_name", ""))
        messages.error(request, f"Signing in with {provider} did not work: {reason}.")
        return _back_to_sign_in(request)


@staff_required
@require_GET
def lockouts(request: HttpRequest) -> HttpResponse:
    moment = timezone.now()
    zone = getattr(request, "zone", timezone.get_current_timezone())
    rows = [
        {"lock": lock, "when": guessing.wait_words(lock.until, moment, zone) if lock.until else ""}
        for lock in guessing.remembered(moment)
    ]
    context = {
        "rows": rows,
        "failure_limit": settings.DASHBOARD_LOCKOUT_FAILURES,
        "cooldown": settings.DASHBOARD_LOCKOUT_SECONDS,
        "cooldown_max": settings.DASHBOARD_LOCKOUT_MAX_SECONDS,
        "here": client_address(request),
        "nav": "lockouts",
    }
    return render(request, "signin/lockouts.html", context)


@staff_required
@require_POST
def lift_lockout(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    value = request.POST.get("value", "").strip()[:255]
    if kind not in ("name", "address") or not value:
        messages.error(request, "Say which name or address to lift the lockout of.")
    elif guessing.lift(kind, value):
        what = f"the {kind} {value!r}"
        trail.lockout_lifted(request, request.user, what)
        messages.success(request, f"Lifted the lockout of {what}: its failures are forgotten.")
    else:
        messages.info(
            request, f"Nothing to lift for the {kind} {value!r}: no failures are remembered."
        )
    return redirect("lockouts")
