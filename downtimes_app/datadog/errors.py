"""The one error hierarchy the service module raises.

Views catch `DatadogError` (or one of its kinds) and turn it into words; nothing above the
service module sees a `requests` exception. Messages never contain the API or application key:
they are built from the status, the path and Datadog's own error strings only.
"""

from __future__ import annotations


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
