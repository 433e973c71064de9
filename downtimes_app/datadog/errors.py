"""The one error hierarchy the service module raises.

Views catch `DatadogError` (or one of its kinds) and turn it into words; nothing above the
service module sees a `requests` exception. Messages never contain the API or application key:
they are built from the status, the path and Datadog's own error strings only.
"""

from __future__ import annotations

from collections.abc import Mapping

import requests

from downtimes_app.core import parsing


class DatadogError(Exception):
    """Datadog (or the sandbox) could not do what was asked."""

    status: int | None = None
    summary = "Datadog could not handle the request"

    def __init__(self, message: str | None = None, *, errors: tuple[str, ...] = ()) -> None:
        self.errors = tuple(errors)
        super().__init__(message or "; ".join(self.errors) or self.summary)

    @property
    def message(self) -> str:
        return str(self)


class BadRequest(DatadogError):
    """400: Datadog rejected what we sent; `errors` holds its messages."""

    status = 400
    summary = "Datadog rejected the request"


class AuthError(DatadogError):
    """401/403: the keys are missing, wrong, or lack a permission."""

    status = 403
    summary = "Datadog refused the API or application key"


class NotFound(DatadogError):
    status = 404
    summary = "Datadog has no such object"


class RateLimited(DatadogError):
    """429 that retries could not wait out; `reset` is Datadog's X-RateLimit-Reset in seconds."""

    status = 429
    summary = "Datadog is rate-limiting requests"

    def __init__(
        self,
        message: str | None = None,
        *,
        errors: tuple[str, ...] = (),
        reset: float | None = None,
    ) -> None:
        self.reset = reset
        super().__init__(message, errors=errors)


class Unavailable(DatadogError):
    """5xx, a timeout or a refused connection: worth trying again later."""

    summary = "Datadog is unavailable"


class MalformedResponse(DatadogError):
    """Datadog answered, but not with the JSON:API document we expected."""

    summary = "Datadog sent a response that could not be read"


# --- from an HTTP answer to one of these -------------------------------------------------


def _error_messages(response: requests.Response) -> tuple[str, ...]:
    try:
        body = response.json()
    except ValueError:
        return ()
    errors = body.get("errors") if isinstance(body, Mapping) else None
    messages = []
    for item in errors or ():
        if isinstance(item, Mapping):  # JSON:API error objects, seen on some v2 endpoints
            text = item.get("detail") or item.get("title")
            if text:
                messages.append(str(text))
        elif item:
            messages.append(str(item))
    return tuple(messages)


def header_seconds(response: requests.Response, name: str) -> float | None:
    """A header's whole seconds; None when absent or not that (`-5`, `nan`, `1e400`)."""
    seconds = parsing.maybe_whole(response.headers.get(name), high=86_400)
    return float(seconds) if seconds is not None else None


def error_for(response: requests.Response, method: str, path: str) -> DatadogError:
    status = response.status_code
    errors = _error_messages(response)
    where = f"{method} {path} answered {status}"
    detail = f": {'; '.join(errors)}" if errors else ""
    if status == 400 or status == 422 or status == 409:
        return BadRequest(f"Datadog rejected the request{detail}", errors=errors)
    if status in (401, 403):
        return AuthError(
            f"Datadog refused the API or application key ({where}){detail}", errors=errors
        )
    if status == 404:
        return NotFound(f"Datadog has no such object ({where}){detail}", errors=errors)
    if status == 429:
        reset = header_seconds(response, "X-RateLimit-Reset")
        when = f"; the limit resets in {reset:g}s" if reset is not None else ""
        return RateLimited(
            f"Datadog is rate-limiting requests ({where}){when}", errors=errors, reset=reset
        )
    if status >= 500:
        return Unavailable(f"Datadog is unavailable ({where}){detail}", errors=errors)
    return BadRequest(f"Datadog could not handle the request ({where}){detail}", errors=errors)
