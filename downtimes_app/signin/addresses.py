"""Which address a request comes from: one rule for lockouts and the audit trail alike.

Without proxies (`DASHBOARD_PROXY_COUNT=0`, the default) it is the connection's address, which
nobody can forge. Behind N proxies that each append to `X-Forwarded-For`, it is the N-th address
from the right: the one the outermost trusted proxy saw. Addresses to the left of it were sent by
the client and are ignored, so a client cannot pick the address it is counted under.
"""

from __future__ import annotations

from ipaddress import ip_address

from django.conf import settings
from django.http import HttpRequest


def _valid(text: str) -> str | None:
    try:
        return str(ip_address(text.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    remote = _valid(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.DASHBOARD_PROXY_COUNT
    if not proxies:
        return remote
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < proxies:
        # Fewer hops than proxies: the request skipped a proxy; count it under who connected.
        return remote
    return _valid(hops[-proxies]) or remote
