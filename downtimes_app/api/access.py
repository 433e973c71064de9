"""Who is asking the API, and what every API answer looks like when something is wrong.

A request with `Authorization: Bearer <token>` acts as the token's owner, with their role now;
it needs no CSRF token (a browser never sends it on its own). A request without one may use a
signed-in session, and then a write needs the CSRF token, as every page's form does. Every
answer is JSON: a missing or wrong token is 401, a viewer's write 403, an unknown address 404,
a method the address does not take 405, and an error inside a view 500, each as
`{"errors": ["…"]}`, never an HTML page.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from downtimes_app.api import tokens
from downtimes_app.core.clock import now
from downtimes_app.web.access import can_read, can_write, role_free

log = logging.getLogger(__name__)
SAFE = ("GET", "HEAD", "OPTIONS")
THROUGH_API = "through the API"


def problem(status: int, *messages: str, **more: Any) -> JsonResponse:
    response = JsonResponse({"errors": list(messages), **more}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="downtimes"'
    return response


def _bearer(request: HttpRequest) -> str | None:
    """The bearer token sent, or None: no Authorization header, or another kind (a proxy's
    Basic credentials), which leaves the session to say who it is."""
    kind, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    return value.strip() if kind.lower() == "bearer" else None


def _csrf_refused(request: HttpRequest) -> bool:
    check = CsrfViewMiddleware(lambda _request: HttpResponse())
    return check.process_view(request, None, (), {}) is not None


def _who(request: HttpRequest) -> JsonResponse | None:
    """Set `request.user` from the token, or keep the session's; a JSON refusal otherwise."""
    token = _bearer(request)
    if token is not None:
        user = tokens.owner(token, now()) if token else None
        if user is None:
            return problem(401, "This API token is not valid: it was revoked, or never made here.")
        user.acting_through = THROUGH_API  # type: ignore[attr-defined]
        request.user = user
        return None
    if not request.user.is_authenticated:
        return problem(401, "Send an API token: Authorization: Bearer <token>.")
    if request.method not in SAFE and _csrf_refused(request):
        return problem(403, "A write from a signed-in session needs its CSRF token.")
    request.user.acting_through = THROUGH_API
    return None


def endpoint(methods: Iterable[str], *, writes: Iterable[str] = ()) -> Callable:
    """An API view: these methods only, a person with a role, an editor for `writes`."""
    allowed, writing = tuple(methods), tuple(writes)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                answer = problem(
                    405, f"{request.method} is not taken here; use {', '.join(allowed)}."
                )
                answer["Allow"] = ", ".join(allowed)
                return answer
            try:
                refused = _who(request)
                if refused is not None:
                    return refused
                if not can_read(request.user):
                    return problem(403, "This account has no role on the dashboard.")
                if request.method in writing and not can_write(request.user):
                    return problem(403, "Only editors can change downtimes.")
                return view(request, *args, **kwargs)
            except RequestDataTooBig:
                return problem(413, "The request is too large.")
            except Exception:
                log.exception("The API view %s failed", view.__name__)
                return problem(500, "Something went wrong on the dashboard; nothing more is known.")

        return csrf_exempt(login_not_required(role_free(wrapper)))

    return decorate
