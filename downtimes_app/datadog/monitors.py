"""Monitor reads: the v1 list, search and get the form's selector uses, and v2 downtime_matches.

Every call goes through `client._request`, looked up when called, like every other call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..domain import Monitor
from . import client
from .client import Config
from .codec import MatchPage, MonitorPage, parse_match_page, parse_monitor, parse_monitor_list
from .errors import MalformedResponse


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
    return client._request(
        "GET",
        f"/api/v2/monitor/{int(monitor_id)}/downtime_matches",
        params=params,
        config=config,
        parse=parse_match_page,
    )


def search_monitors(
    *,
    query: str = "",
    page: int = 0,
    per_page: int = 30,
    config: Config | None = None,
) -> MonitorPage:
    """`GET /api/v1/monitor/search`: Datadog's monitor search syntax, e.g. `db tag:team:db`."""
    params = {"query": query, "page": page, "per_page": per_page}
    return client._request(
        "GET", "/api/v1/monitor/search", params=params, config=config, parse=parse_monitor_list
    )


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
    return client._request(
        "GET", "/api/v1/monitor", params=params, config=config, parse=parse_monitor_list
    )


def _one_monitor(document: Any) -> Monitor:
    if not isinstance(document, Mapping):
        raise MalformedResponse("the monitor response is not a JSON object")
    return parse_monitor(document)


def get_monitor(monitor_id: int, *, config: Config | None = None) -> Monitor:
    return client._request(
        "GET", f"/api/v1/monitor/{int(monitor_id)}", config=config, parse=_one_monitor
    )
