"""The sandbox's HTTP API: Datadog's paths, parameters, status codes and error bodies.

Each view is wrapped by `endpoint`, which does what Datadog's edge does before the API proper:
added latency, injected faults, rate limiting with honest headers, and the key check.
"""

from __future__ import annotations

import functools
import json
import math
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt

from . import clock, faults, matching, monitors, resources, writes
from .models import SandboxDowntime, SandboxMonitor, SandboxUser
from .resources import ApiError, bad_request
from .transport import IN_PROCESS, SimulatedTimeout

View = Callable[..., HttpResponse]
RATE_LIMIT_PERIOD = 10


def error_response(status: int, *errors: str, headers: dict | None = None) -> JsonResponse:
    return JsonResponse({"errors": list(errors)}, status=status, headers=headers)


class _RateLimiter:
    """A calendar-aligned window counter, reported in Datadog's X-RateLimit-* headers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.window = 0
        self.count = 0

    def hit(self, limit: int) -> tuple[bool, dict[str, str]]:
        now = time.time()
        window = int(now // RATE_LIMIT_PERIOD)
        with self.lock:
            if window != self.window:
                self.window, self.count = window, 0
            self.count += 1
            allowed = self.count <= limit
            remaining = max(0, limit - self.count)
        reset = max(1, math.ceil((window + 1) * RATE_LIMIT_PERIOD - now))
        return allowed, _rate_headers(limit, remaining, reset)


def _rate_headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Period": str(RATE_LIMIT_PERIOD),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(reset),
        "X-RateLimit-Name": "downtimes",
    }


_limiter = _RateLimiter()


def _fault_response(request: HttpRequest, fault: str, headers: dict[str, str]) -> HttpResponse:
    if fault == "429":
        headers = {**headers, "X-RateLimit-Remaining": "0"}
        return error_response(429, "Too many requests", headers=headers)
    if fault == "500":
        return error_response(500, "Internal Server Error", headers=headers)
    if fault in ("502", "503"):
        # What a proxy in front of the API sends: HTML, not JSON.
        title = "502 Bad Gateway" if fault == "502" else "503 Service Unavailable"
        return HttpResponse(
            f"<html><body><h1>{title}</h1></body></html>",
            status=int(fault),
            content_type="text/html",
        )
    if fault == "malformed":
        return HttpResponse(
            b'{"data": [{"type": "downtime", "id": "', content_type="application/json"
        )
    if fault == "timeout":
        if request.META.get(IN_PROCESS):
            raise SimulatedTimeout
        time.sleep(settings.SANDBOX_TIMEOUT_SECONDS)
        return error_response(504, "Gateway Timeout", headers=headers)
    raise AssertionError(fault)  # pragma: no cover


def _authenticate(request: HttpRequest, *, app_key: bool) -> JsonResponse | None:
    api = request.headers.get("DD-API-KEY", "")
    if not api:
        return error_response(403, "API key required")
    if not constant_time_compare(api, settings.SANDBOX_API_KEY):
        return error_response(403, "Forbidden")
    if app_key and not constant_time_compare(
        request.headers.get("DD-APPLICATION-KEY", ""), settings.SANDBOX_APP_KEY
    ):
        return error_response(403, "Forbidden")
    return None


def endpoint(*methods: str, app_key: bool = True) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @login_not_required
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                return error_response(
                    405, "Method Not Allowed", headers={"Allow": ", ".join(methods)}
                )
            latency, fault = faults.next_request()
            if latency:
                time.sleep(latency)
            allowed, headers = _limiter.hit(int(settings.SANDBOX_RATE_LIMIT))
            if not allowed:
                return error_response(429, "Too many requests", headers=headers)
            if fault:
                return _fault_response(request, fault, headers)
            denied = _authenticate(request, app_key=app_key)
            if denied is not None:
                return denied
            try:
                response = view(request, *args, **kwargs)
            except ApiError as exc:
                response = error_response(exc.status, *exc.errors)
            for name, value in headers.items():
                response[name] = value
            return response

        return wrapper

    return decorate


def _json_body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nested deeper than the parser goes ("[" * 100_000).
        raise bad_request("Invalid JSON: the request body could not be parsed") from None


def _page_params(request: HttpRequest, default_limit: int = 30) -> tuple[int, int]:
    return (
        resources.query_int(request.GET, "page[offset]", 0),
        resources.query_int(request.GET, "page[limit]", default_limit),
    )


def _key_owner() -> SandboxUser:
    """Datadog records the application key's owner as the creator of API-made downtimes."""
    owner = SandboxUser.objects.filter(owns_app_key=True).first()
    if owner is None:
        now = clock.now()
        owner, _ = SandboxUser.objects.get_or_create(
            handle="api-key-owner@example.com",
            defaults={
                "name": "API key owner",
                "email": "api-key-owner@example.com",
                "owns_app_key": True,
                "created_at": now,
                "modified_at": now,
            },
        )
    return owner


def _visible_downtimes():
    """What Datadog still shows: not canceled, nor (when a limit is set) ended, too long ago."""
    now = clock.now()
    rows = SandboxDowntime.objects.exclude(canceled__lt=now - resources.canceled_retention())
    ended = resources.ended_retention()
    return rows.exclude(ends__lt=now - ended) if ended else rows


def _find(downtime_id: str, *, not_found: str = "Downtime not found") -> SandboxDowntime:
    try:
        key = uuid.UUID(downtime_id)
    except ValueError:
        raise bad_request("Invalid URL param: downtime_id must be an uuid") from None
    downtime = _visible_downtimes().filter(uuid=key).first()
    if downtime is None:
        raise ApiError(404, not_found)
    return downtime


# --- v2 downtimes -----------------------------------------------------------------------------


@endpoint("GET", "POST")
def downtimes(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    if request.method == "POST":
        attributes = writes.request_attributes(_json_body(request))
        with transaction.atomic():
            downtime = writes.create(attributes, now, _key_owner())
        return JsonResponse(resources.document(downtime, now, resources.WRITE_INCLUDE))
    include = resources.parse_include(request.GET.get("include"))
    offset, limit = _page_params(request)
    current_only = request.GET.get("current_only", "").lower() == "true"
    rows = _visible_downtimes().order_by("id")
    if current_only:
        active = [
            d for d in rows.filter(canceled__isnull=True) if resources.status_of(d, now) == "active"
        ]
        return JsonResponse(
            resources.list_document(active[offset : offset + limit], len(active), now, include)
        )
    total = rows.count()
    page = rows[offset : offset + limit] if limit else rows.none()
    return JsonResponse(resources.list_document(page, total, now, include))


@endpoint("GET", "PATCH", "DELETE")
def downtime(request: HttpRequest, downtime_id: str) -> HttpResponse:
    now = clock.now()
    if request.method == "DELETE":
        found = _find(downtime_id, not_found=f"Downtime {downtime_id} not found")
        writes.cancel(found, now)
        # Datadog's 204 carries an empty HTML body.
        return HttpResponse(status=204, content_type="text/html; charset=utf-8")
    include = resources.parse_include(request.GET.get("include"))
    found = _find(downtime_id)
    if request.method == "PATCH":
        attributes = writes.request_attributes(_json_body(request), downtime_id=str(found.uuid))
        with transaction.atomic():
            writes.update(found, attributes, now)
        return JsonResponse(resources.document(found, now, resources.WRITE_INCLUDE))
    return JsonResponse(resources.document(found, now, include))


@endpoint("GET")
def downtime_matches(request: HttpRequest, monitor_id: str) -> HttpResponse:
    now = clock.now()
    found_id = resources.id_param(monitor_id)
    monitor = SandboxMonitor.objects.filter(id=found_id).first() if found_id else None
    if monitor is None:
        raise ApiError(404, f"Monitor with id {monitor_id[:40]} not found")
    offset, limit = _page_params(request)
    found = matching.matches(monitor, now)
    data = [
        {
            "type": "downtime_match",
            "id": str(match.downtime.uuid),
            "attributes": {
                "groups": match.groups,
                "scope": match.downtime.scope,
                "start": resources.iso(match.window.start),
                "end": resources.iso(match.window.end),
            },
        }
        for match in found[offset : offset + limit]
    ]
    return JsonResponse({"data": data, "meta": {"page": {"total_filtered_count": len(found)}}})


# --- v1 monitors and key validation ------------------------------------------------------------


@endpoint("GET")
def monitor_list(request: HttpRequest) -> HttpResponse:
    return JsonResponse(monitors.list_monitors(request.GET), safe=False)


@endpoint("GET")
def monitor_search(request: HttpRequest) -> HttpResponse:
    return JsonResponse(monitors.search_monitors(request.GET))


@endpoint("GET")
def monitor_detail(request: HttpRequest, monitor_id: str) -> HttpResponse:
    wanted = monitors.group_states(request.GET)
    return JsonResponse(monitors.serialize_monitor(monitors.get_monitor(monitor_id), wanted))


@endpoint("GET", app_key=False)
def validate(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"valid": True})
