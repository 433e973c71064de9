"""The only code that speaks HTTP to Datadog (or to the sandbox, through the same path).

Every call goes through `_request()`: it adds the keys and a User-Agent, applies the timeout,
retries reads (never writes) on 429, 5xx and connection failures, and turns every failure into
one of the errors in `errors.py`. Operations are named after Datadog's own.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings
from django.utils.module_loading import import_string

from downtimes_app import __version__
from downtimes_app.core import parsing
from downtimes_app.core.domain import Downtime
from downtimes_app.datadog.codec import (
    DowntimePage,
    decode_json,
    parse_downtime_document,
    parse_downtime_page,
    request_body,
)
from downtimes_app.datadog.errors import (
    DatadogError,
    MalformedResponse,
    RateLimited,
    Unavailable,
    error_for,
)

log = logging.getLogger(__name__)

USER_AGENT = f"downtime-dashboard/{__version__} (+python-requests/{requests.__version__})"
DEFAULT_INCLUDE = ("created_by", "monitor")

# Patched by tests so that the retry policy is checked without real waiting.
_sleep = time.sleep
# When the person waiting on this request must have an answer (time.monotonic()), if set.
_answer_by: ContextVar[float | None] = ContextVar("answer_by", default=None)


@contextmanager
def answer_within(seconds: float) -> Iterator[None]:
    """Every call made inside gives up `seconds` from now at the latest (or sooner, when an
    enclosing budget ends sooner): one request that makes several calls still answers in time."""
    mine = time.monotonic() + seconds
    enclosing = _answer_by.get()
    token = _answer_by.set(mine if enclosing is None else min(mine, enclosing))
    try:
        yield
    finally:
        _answer_by.reset(token)


def seconds_left(default: float) -> float:
    """What is left of the budget `answer_within` set (`default` when there is none)."""
    by = _answer_by.get()
    return default if by is None else min(default, max(0.0, by - time.monotonic()))


# The longest pause between two tries of a read, whatever the number of tries before.
MAX_BACKOFF = 4.0


@dataclass(frozen=True, slots=True)
class Config:
    base_url: str
    api_key: str
    app_key: str
    # Dotted path of a requests adapter class to mount for base_url instead of real HTTP ("" for
    # none): how the built-in sandbox is reached in-process, without the client knowing of it.
    transport: str
    connect_timeout: float
    read_timeout: float
    retries: int
    backoff: float
    rate_limit_wait_cap: float
    page_size: int
    max_workers: int
    # Seconds one call may take, retries included: a page must answer before its worker is killed.
    call_deadline: float = 12.0
    # An absolute time.monotonic() shared by a group of calls (the pages of the whole set).
    deadline: float | None = None

    @classmethod
    def from_settings(cls) -> Config:
        return cls(
            base_url=settings.DATADOG_API_URL.rstrip("/"),
            api_key=settings.DATADOG_API_KEY,
            app_key=settings.DATADOG_APP_KEY,
            transport=settings.DATADOG_TRANSPORT,
            connect_timeout=settings.DATADOG_CONNECT_TIMEOUT,
            read_timeout=settings.DATADOG_READ_TIMEOUT,
            retries=settings.DATADOG_RETRIES,
            backoff=settings.DATADOG_BACKOFF,
            rate_limit_wait_cap=settings.DATADOG_RATE_LIMIT_WAIT_CAP,
            page_size=settings.DATADOG_PAGE_SIZE,
            max_workers=settings.DATADOG_MAX_WORKERS,
            call_deadline=settings.DATADOG_CALL_DEADLINE,
        )

    def __repr__(self) -> str:  # keys stay out of tracebacks and debug output
        return f"Config(base_url={self.base_url!r}, transport={self.transport!r})"


def upstream() -> str:
    """Which Datadog (and which org's keys) the dashboard talks to now, as a name for what it
    keeps of it: the API's host and a fingerprint of the URL and key pair, never a key. Copies,
    journals, locks and lookups are filed under it, so a change of keys, another deployment on
    the same Redis, or a restart against another org never shows one org's data as another's."""
    return _upstream(settings.DATADOG_API_URL, settings.DATADOG_API_KEY, settings.DATADOG_APP_KEY)


@functools.lru_cache(maxsize=16)
def _upstream(base_url: str, api_key: str, app_key: str) -> str:
    # SHA-256 of high-entropy keys, cut to 64 bits: tells key pairs apart, gives no key back.
    digest = hashlib.sha256(f"{base_url}\n{api_key}\n{app_key}".encode()).hexdigest()[:16]
    # The host and port only: a user and password written into the URL (a relay's) stay out.
    parts = urlsplit(base_url)
    host = f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname
    return f"{host or 'datadog'}/{digest}"


_sessions: dict[tuple[str, str, int], requests.Session] = {}
_sessions_lock = threading.Lock()
# One answer read at a time in a process. Reading JSON is CPU work under the GIL: sixteen page
# threads reading at once gain nothing, and a page being served would queue behind all of them
# for every slice of the GIL it needs. Waiting on this lock costs the GIL nothing.
_reading = threading.Lock()


def _session(config: Config) -> requests.Session:
    """One pooled session per target, shared by every thread of the process."""
    key = (config.base_url, config.transport, config.max_workers)
    with _sessions_lock:
        session = _sessions.get(key)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
            session.headers["Accept"] = "application/json"
            if config.transport:
                session.mount(config.base_url, import_string(config.transport)())
            else:
                adapter = requests.adapters.HTTPAdapter(
                    pool_connections=4, pool_maxsize=max(10, config.max_workers)
                )
                session.mount("https://", adapter)
                session.mount("http://", adapter)
            _sessions[key] = session
        return session


def threads_allowed(config: Config | None = None) -> bool:
    """Whether pages may be fetched on other threads; a transport may say no for now.

    A transport that answers in-process from this process's database says no while this thread
    is inside a transaction, whose rows other threads cannot see (`concurrent()` returns False).
    """
    config = config or Config.from_settings()
    adapter = _session(config).get_adapter(config.base_url)
    concurrent = getattr(adapter, "concurrent", None)
    return concurrent() if callable(concurrent) else True


@dataclass(frozen=True, slots=True)
class RateLimit:
    """What Datadog's X-RateLimit-* headers said about the calls left in the current period."""

    limit: int | None
    remaining: int | None
    reset: float | None  # seconds until the period starts again

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimit:
        def number(name: str, high: int) -> int | None:
            # Whole numbers only: not `-5`, `nan` or `1e400`, which would wreck the arithmetic.
            return parsing.maybe_whole(headers.get(name), high=high)

        reset = number("X-RateLimit-Reset", 86_400)
        return cls(
            number("X-RateLimit-Limit", 10**9),
            number("X-RateLimit-Remaining", 10**9),
            float(reset) if reset is not None else None,
        )


def _retry_delay(error: DatadogError, attempt: int, config: Config) -> float | None:
    """Seconds to wait before the next try of a read, or None when waiting is pointless."""
    if isinstance(error, RateLimited) and error.reset is not None:
        # Datadog tells us when the window resets; wait for it only if that is soon.
        return error.reset if error.reset <= config.rate_limit_wait_cap else None
    if isinstance(error, RateLimited | Unavailable | MalformedResponse):
        # Exponential backoff with jitter so that parallel page fetches do not retry in step;
        # capped, so that a long run of retries keeps trying within its deadline.
        delay = min(config.backoff * (2**attempt), MAX_BACKOFF)
        return delay * (0.5 + random.random() / 2)  # noqa: S311
    return None


def _request(
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    body: Mapping[str, Any] | None = None,
    config: Config | None = None,
    parse: Callable[[Any], Any] | None = None,
    read: Callable[[bytes], Any] | None = None,
    on_limits: Callable[[RateLimit], None] | None = None,
) -> Any:
    """Send one call to Datadog and return its decoded JSON (None for an empty body).

    `parse` reads the JSON inside the attempt, so that a read whose body cannot be read is
    retried like any other failed read (`read` instead takes the body as bytes, undecoded);
    `on_limits` hears the rate-limit headers of the answer.
    """
    config = config or Config.from_settings()
    # Writes are never retried: a write that timed out may have been applied already.
    attempts = 1 + config.retries if method == "GET" else 1
    started = time.monotonic()
    deadline = started + seconds_left(config.call_deadline)
    if config.deadline is not None:
        deadline = min(deadline, config.deadline)
    result: Any = None
    for attempt in range(attempts):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        reader = read or _decoder(method, path, parse)
        result = _attempt(method, path, params, body, config, remaining, reader, on_limits)
        if not isinstance(result, DatadogError):
            return result
        if attempt + 1 < attempts:
            delay = _retry_delay(result, attempt, config)
            # Waiting past the deadline would only fail later; fail now with the real reason.
            if delay is not None and time.monotonic() + delay < deadline:
                log.info(
                    "datadog %s %s failed (%s); retrying in %.2fs", method, path, result, delay
                )
                _sleep(delay)
                continue
        raise result
    if isinstance(result, DatadogError):
        raise result  # the last real reason, not "timed out"
    waited = time.monotonic() - started
    raise Unavailable(
        f"Datadog did not answer {method} {path} in time; gave up after {waited:.1f}s"
    )


def _attempt(
    method: str,
    path: str,
    params: Mapping[str, Any] | None,
    body: Mapping[str, Any] | None,
    config: Config,
    remaining: float,
    read: Callable[[bytes], Any],
    on_limits: Callable[[RateLimit], None] | None,
) -> Any:
    """One try: what `read` made of the answer's body, or the error it ended in (returned, not
    raised)."""
    url = f"{config.base_url}{path}"
    headers = {"DD-API-KEY": config.api_key, "DD-APPLICATION-KEY": config.app_key}
    if body is not None:
        headers["Content-Type"] = "application/json"
    started = time.monotonic()
    try:
        response = _session(config).request(
            method,
            url,
            params=params,
            json=body,
            headers=headers,
            timeout=(min(config.connect_timeout, remaining), min(config.read_timeout, remaining)),
            allow_redirects=False,
        )
    except requests.Timeout:
        waited = time.monotonic() - started
        return Unavailable(
            f"Datadog did not answer {method} {path} in time (waited {waited:.1f}s)"
            + ("" if method == "GET" else "; the change may or may not have been made")
        )
    except requests.RequestException as exc:
        return Unavailable(
            f"could not reach Datadog at {urlsplit(url).netloc} ({type(exc).__name__})"
        )
    elapsed = (time.monotonic() - started) * 1000
    log.debug("datadog %s %s -> %s in %.0fms", method, path, response.status_code, elapsed)
    if response.status_code >= 300:
        return error_for(response, method, path)
    try:
        with _reading:
            found = read(response.content)
    except MalformedResponse as error:
        return error
    if on_limits is not None:
        on_limits(RateLimit.from_headers(response.headers))
    return found


def _decoder(method: str, path: str, parse: Callable[[Any], Any] | None) -> Callable[[bytes], Any]:
    def read(body: bytes) -> Any:
        found = decode_json(body, f"{method} {path}")
        return parse(found) if parse is not None else found

    return read


def _include_param(include: tuple[str, ...] | list[str] | None) -> dict[str, str]:
    return {"include": ",".join(include)} if include else {}


def _downtime_path(downtime_id: str) -> str:
    return f"/api/v2/downtime/{quote(str(downtime_id), safe='')}"


# --- downtimes ---------------------------------------------------------------------------


def list_downtimes(
    *,
    current_only: bool = False,
    include: tuple[str, ...] | None = DEFAULT_INCLUDE,
    offset: int = 0,
    limit: int | None = None,
    config: Config | None = None,
    on_limits: Callable[[RateLimit], None] | None = None,
    read: Callable[[bytes], Any] | None = None,
) -> DowntimePage:
    """One page of `GET /api/v2/downtime` (what `read` makes of its body, when given)."""
    params: dict[str, Any] = _include_param(include)
    if current_only:
        params["current_only"] = "true"
    if offset:
        params["page[offset]"] = offset
    if limit is not None:
        params["page[limit]"] = limit
    return _request(
        "GET",
        "/api/v2/downtime",
        params=params,
        config=config,
        parse=parse_downtime_page,
        read=read,
        on_limits=on_limits,
    )


def get_downtime(
    downtime_id: str,
    *,
    include: tuple[str, ...] | None = DEFAULT_INCLUDE,
    config: Config | None = None,
) -> Downtime:
    return _request(
        "GET",
        _downtime_path(downtime_id),
        params=_include_param(include),
        config=config,
        parse=parse_downtime_document,
    )


def create_downtime(
    *,
    attributes: Mapping[str, Any],
    include: tuple[str, ...] | None = DEFAULT_INCLUDE,
    config: Config | None = None,
) -> Downtime:
    document = _request(
        "POST",
        "/api/v2/downtime",
        params=_include_param(include),
        body=request_body(attributes),
        config=config,
    )
    return parse_downtime_document(document)


def update_downtime(
    downtime_id: str,
    *,
    attributes: Mapping[str, Any],
    include: tuple[str, ...] | None = DEFAULT_INCLUDE,
    config: Config | None = None,
) -> Downtime:
    """PATCH with only the given attributes; Datadog keeps every other one as it is."""
    body = request_body(attributes)
    body["data"]["id"] = str(downtime_id)
    document = _request(
        "PATCH",
        _downtime_path(downtime_id),
        params=_include_param(include),
        body=body,
        config=config,
    )
    return parse_downtime_document(document)


def cancel_downtime(downtime_id: str, *, config: Config | None = None) -> None:
    _request("DELETE", _downtime_path(downtime_id), config=config)


def probe(*, seconds: float = 3.0, config: Config | None = None) -> None:
    """One quick call that needs both keys, with no retries: raises what Datadog answers.

    For health checks, which must answer fast and must not add retries to a struggling API.
    """
    config = dataclasses.replace(
        config or Config.from_settings(),
        retries=0,
        read_timeout=seconds,
        connect_timeout=min(seconds, 3.05),
        call_deadline=seconds,
    )
    list_downtimes(limit=1, include=None, config=config)


def validate_keys(*, config: Config | None = None) -> bool:
    """`GET /api/v1/validate`: True when Datadog accepts the API key."""
    document = _request("GET", "/api/v1/validate", config=config)
    return bool(isinstance(document, Mapping) and document.get("valid"))
