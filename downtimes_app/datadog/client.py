"""The only code that speaks HTTP to Datadog (or to the sandbox, through the same path).

Every call goes through `_request()`: it adds the keys and a User-Agent, applies the timeout,
retries reads (never writes) on 429, 5xx and connection failures, and turns every failure into
one of the errors in `errors.py`. Operations are named after Datadog's own.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings
from django.utils.module_loading import import_string

from downtimes_app import __version__, parsing

from ..domain import Downtime, Monitor
from .codec import (
    DowntimePage,
    MatchPage,
    MonitorPage,
    parse_downtime_document,
    parse_downtime_page,
    parse_match_page,
    parse_monitor,
    parse_monitor_list,
    request_body,
)
from .errors import (
    AuthError,
    BadRequest,
    DatadogError,
    MalformedResponse,
    NotFound,
    RateLimited,
    Unavailable,
)

log = logging.getLogger(__name__)

USER_AGENT = f"downtime-dashboard/{__version__} (+python-requests/{requests.__version__})"
DEFAULT_INCLUDE = ("created_by", "monitor")

# Patched by tests so that the retry policy is checked without real waiting.
_sleep = time.sleep


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


_sessions: dict[tuple[str, str, int], requests.Session] = {}
_sessions_lock = threading.Lock()


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


def _threads_allowed(config: Config) -> bool:
    """Whether pages may be fetched on other threads; a transport may say no for now.

    A transport that answers in-process from this process's database says no while this thread
    is inside a transaction, whose rows other threads cannot see (`concurrent()` returns False).
    """
    adapter = _session(config).get_adapter(config.base_url)
    concurrent = getattr(adapter, "concurrent", None)
    return concurrent() if callable(concurrent) else True


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


def _header_seconds(response: requests.Response, name: str) -> float | None:
    """A header's whole seconds; None when absent or not that (`-5`, `nan`, `1e400`)."""
    seconds = parsing.maybe_whole(response.headers.get(name), high=86_400)
    return float(seconds) if seconds is not None else None


def _error_for(response: requests.Response, method: str, path: str) -> DatadogError:
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
        reset = _header_seconds(response, "X-RateLimit-Reset")
        when = f"; the limit resets in {reset:g}s" if reset is not None else ""
        return RateLimited(
            f"Datadog is rate-limiting requests ({where}){when}", errors=errors, reset=reset
        )
    if status >= 500:
        return Unavailable(f"Datadog is unavailable ({where}){detail}", errors=errors)
    return BadRequest(f"Datadog could not handle the request ({where}){detail}", errors=errors)


def _retry_delay(error: DatadogError, attempt: int, config: Config) -> float | None:
    """Seconds to wait before the next try of a read, or None when waiting is pointless."""
    if isinstance(error, RateLimited) and error.reset is not None:
        # Datadog tells us when the window resets; wait for it only if that is soon.
        return error.reset if error.reset <= config.rate_limit_wait_cap else None
    if isinstance(error, RateLimited | Unavailable):
        # Exponential backoff with jitter so that parallel page fetches do not retry in step.
        return config.backoff * (2**attempt) * (0.5 + random.random() / 2)  # noqa: S311
    return None


def _request(
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    body: Mapping[str, Any] | None = None,
    config: Config | None = None,
) -> Any:
    """Send one call to Datadog and return its decoded JSON (None for an empty body)."""
    config = config or Config.from_settings()
    # Writes are never retried: a write that timed out may have been applied already.
    attempts = 1 + config.retries if method == "GET" else 1
    deadline = time.monotonic() + config.call_deadline
    if config.deadline is not None:
        deadline = min(deadline, config.deadline)
    for attempt in range(attempts):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Unavailable(f"Datadog did not answer {method} {path} in time; gave up")
        result = _attempt(method, path, params, body, config, remaining)
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
    raise AssertionError("unreachable")  # pragma: no cover


def _attempt(
    method: str,
    path: str,
    params: Mapping[str, Any] | None,
    body: Mapping[str, Any] | None,
    config: Config,
    remaining: float,
) -> Any:
    """One try: the decoded JSON, or the error it ended in (returned, not raised)."""
    url = f"{config.base_url}{path}"
    headers = {"DD-API-KEY": config.api_key, "DD-APPLICATION-KEY": config.app_key}
    if body is not None:
        headers["Content-Type"] = "application/json"
    read_timeout = min(config.read_timeout, remaining)
    started = time.monotonic()
    try:
        response = _session(config).request(
            method,
            url,
            params=params,
            json=body,
            headers=headers,
            timeout=(min(config.connect_timeout, remaining), read_timeout),
            allow_redirects=False,
        )
    except requests.Timeout:
        return Unavailable(
            f"Datadog did not answer {method} {path} within {read_timeout:g}s"
            + ("" if method == "GET" else "; the change may or may not have been made")
        )
    except requests.RequestException as exc:
        return Unavailable(
            f"could not reach Datadog at {urlsplit(url).netloc} ({type(exc).__name__})"
        )
    elapsed = (time.monotonic() - started) * 1000
    log.debug("datadog %s %s -> %s in %.0fms", method, path, response.status_code, elapsed)
    if response.status_code < 300:
        return _decode(response, method, path)
    return _error_for(response, method, path)


def _decode(response: requests.Response, method: str, path: str) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError as exc:
        raise MalformedResponse(
            f"Datadog answered {method} {path} with a body that is not JSON"
        ) from exc


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
) -> DowntimePage:
    """One page of `GET /api/v2/downtime`."""
    params: dict[str, Any] = _include_param(include)
    if current_only:
        params["current_only"] = "true"
    if offset:
        params["page[offset]"] = offset
    if limit is not None:
        params["page[limit]"] = limit
    return parse_downtime_page(_request("GET", "/api/v2/downtime", params=params, config=config))


def list_all_downtimes(
    *,
    current_only: bool = False,
    include: tuple[str, ...] | None = DEFAULT_INCLUDE,
    deadline_seconds: float | None = None,
    config: Config | None = None,
) -> tuple[Downtime, ...]:
    """The whole set: the first page gives the total, the rest are fetched concurrently.

    `deadline_seconds` bounds the whole load, every page and retry included.
    """
    config = config or Config.from_settings()
    if deadline_seconds is not None:
        config = dataclasses.replace(config, deadline=time.monotonic() + deadline_seconds)
    size = config.page_size

    def page(offset: int) -> DowntimePage:
        return list_downtimes(
            current_only=current_only, include=include, offset=offset, limit=size, config=config
        )

    first = page(0)
    pages = [first]
    # If Datadog serves fewer per page than asked, step by what it serves, or we would skip some.
    step = len(first.downtimes)
    if first.total is None:
        # Without a total we cannot plan; walk until a short (or empty) page.
        while step and len(pages[-1].downtimes) == step:
            pages.append(page(len(pages) * step))
    elif first.total > step > 0:
        offsets = range(step, first.total, step)
        workers = min(config.max_workers, len(offsets))
        if not _threads_allowed(config):
            workers = 1
        if workers > 1:
            with ThreadPoolExecutor(workers, thread_name_prefix="datadog-page") as pool:
                pages.extend(pool.map(page, offsets))
        else:
            pages.extend(page(offset) for offset in offsets)
    # A downtime created while we paged can shift items across page boundaries; keep the first.
    seen: dict[str, Downtime] = {}
    for result in pages:
        for downtime in result.downtimes:
            seen.setdefault(downtime.id, downtime)
    return tuple(seen.values())


def get_downtime(
    downtime_id: str,
    *,
    include: tuple[str, ...] | None = DEFAULT_INCLUDE,
    config: Config | None = None,
) -> Downtime:
    document = _request(
        "GET", _downtime_path(downtime_id), params=_include_param(include), config=config
    )
    return parse_downtime_document(document)


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


def list_monitor_downtimes(
    monitor_id: int,
    *,
    offset: int = 0,
    limit: int | None = None,
    config: Config | None = None,
) -> MatchPage:
    """`GET /api/v2/monitor/{id}/downtime_matches`: the active downtimes muting a monitor."""
    params: dict[str, Any] = {}
    if offset:
        params["page[offset]"] = offset
    if limit is not None:
        params["page[limit]"] = limit
    document = _request(
        "GET", f"/api/v2/monitor/{int(monitor_id)}/downtime_matches", params=params, config=config
    )
    return parse_match_page(document)


# --- monitors (v1: the selector needs search by name and by tags) -------------------------


def search_monitors(
    *,
    query: str = "",
    page: int = 0,
    per_page: int = 30,
    config: Config | None = None,
) -> MonitorPage:
    """`GET /api/v1/monitor/search`: Datadog's monitor search syntax, e.g. `db tag:team:db`."""
    params = {"query": query, "page": page, "per_page": per_page}
    document = _request("GET", "/api/v1/monitor/search", params=params, config=config)
    return parse_monitor_list(document)


def list_monitors(
    *,
    name: str | None = None,
    monitor_tags: tuple[str, ...] = (),
    page: int | None = None,
    page_size: int | None = None,
    config: Config | None = None,
) -> MonitorPage:
    """`GET /api/v1/monitor` filtered by name substring and monitor tags (all must match)."""
    params: dict[str, Any] = {}
    if name:
        params["name"] = name
    if monitor_tags:
        params["monitor_tags"] = ",".join(monitor_tags)
    if page is not None:
        params["page"] = page
        params["page_size"] = page_size or 100
    return parse_monitor_list(_request("GET", "/api/v1/monitor", params=params, config=config))


def get_monitor(monitor_id: int, *, config: Config | None = None) -> Monitor:
    document = _request("GET", f"/api/v1/monitor/{int(monitor_id)}", config=config)
    if not isinstance(document, Mapping):
        raise MalformedResponse("the monitor response is not a JSON object")
    return parse_monitor(document)


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
