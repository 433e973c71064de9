"""A strict Content-Security-Policy: our own scripts and styles only, nothing inline.

`form-action` also names the identity provider's origin when single sign-on is on: signing out
is a form whose answer redirects to the provider's sign-out page, and browsers hold redirects
after a form to `form-action` too.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Everything is served by the dashboard; avatars come from Datadog's Gravatar links only when
# DASHBOARD_GRAVATAR asks for them (`policy` adds that origin then).
GRAVATAR = "https://secure.gravatar.com"
DIRECTIVES = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def policy() -> str:
    directives = list(DIRECTIVES)
    if settings.DASHBOARD_GRAVATAR:
        directives[directives.index("img-src 'self' data:")] = f"img-src 'self' data: {GRAVATAR}"
    if settings.OIDC_ENABLED:
        config = settings.OIDC
        origins = sorted({o for o in (_origin(config.issuer), _origin(config.discovery_url)) if o})
        form_action = " ".join(["form-action 'self'", *origins])
        directives[directives.index("form-action 'self'")] = form_action
    return "; ".join(directives)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", policy())
        return response
