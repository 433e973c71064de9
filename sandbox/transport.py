"""Hand the service module's requests to the sandbox in-process.

In sandbox mode the service module's `requests.Session` mounts `InProcessAdapter` for the
sandbox's base URL. Requests still go through the same code path (headers, timeouts, retries,
error mapping), but instead of a socket the adapter builds a Django request and calls the
sandbox's view directly, so a single-worker server never waits on itself.
"""

from __future__ import annotations

import io
import logging
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

log = logging.getLogger(__name__)

SANDBOX_URLCONF = "sandbox.urls"
IN_PROCESS = "sandbox.in_process"


class SimulatedTimeout(Exception):
    """Raised by a sandbox view in-process instead of keeping the caller waiting."""


def _environ(request: requests.PreparedRequest) -> dict[str, Any]:
    url = urlsplit(request.url or "")
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method or "GET",
        "PATH_INFO": url.path or "/",
        "QUERY_STRING": url.query,
        "SERVER_NAME": url.hostname or "sandbox",
        "SERVER_PORT": str(url.port or 80),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": url.scheme or "http",
        "CONTENT_LENGTH": str(len(body)),
        IN_PROCESS: True,
    }
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key != "CONTENT_LENGTH":
            environ[f"HTTP_{key}"] = value
    return environ


def _dispatch(django_request: WSGIRequest) -> HttpResponse:
    try:
        match = resolve(django_request.path_info, urlconf=SANDBOX_URLCONF)
    except Resolver404:
        return JsonResponse({"errors": ["Not found"]}, status=404)
    try:
        return match.func(django_request, *match.args, **match.kwargs)
    except SimulatedTimeout:
        raise
    except Exception:
        # A real server would answer 500; so does the in-process one, and it says why in the log.
        log.exception("sandbox view failed for %s %s", django_request.method, django_request.path)
        return JsonResponse({"errors": ["Internal Server Error"]}, status=500)


class InProcessAdapter(BaseAdapter):
    @staticmethod
    def concurrent() -> bool:
        """Whether the client may fetch pages on other threads.

        A worker thread has its own database connection and cannot see rows that the calling
        thread has written in a transaction that is still open, so inside one it stays here.
        """
        return not connection.in_atomic_block

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        django_request = WSGIRequest(_environ(request))
        had_connection = connection.connection is not None
        try:
            django_response = _dispatch(django_request)
        except SimulatedTimeout:
            read_timeout = timeout[1] if isinstance(timeout, tuple) else timeout
            time.sleep(min(float(read_timeout or 0), settings.SANDBOX_TIMEOUT_SECONDS))
            raise requests.ReadTimeout("the sandbox simulated a timeout", request=request) from None
        finally:
            # Page fetches on worker threads open a connection each; do not leave them behind.
            if not had_connection and not connection.in_atomic_block:
                connection.close()
        return self._response(request, django_response)

    @staticmethod
    def _response(
        request: requests.PreparedRequest, django_response: HttpResponse
    ) -> requests.Response:
        response = requests.Response()
        response.status_code = django_response.status_code
        response.reason = django_response.reason_phrase
        response.headers = CaseInsensitiveDict(dict(django_response.items()))
        response._content = django_response.content
        response.encoding = "utf-8"
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass
