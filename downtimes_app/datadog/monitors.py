"""Monitor reads: the v1 list, search and get (the form's selector, the cached monitor list, a
monitor's page), and v2 downtime_matches.

Every call goes through `client._request`, looked up when called, like every other call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from downtimes_app.core.domain import Monitor
from downtimes_app.datadog import client, whole
from downtimes_app.datadog.client import Config
from downtimes_app.datadog.codec import (
    MatchPage,
    MonitorPage,
    parse_match_page,
    parse_monitor,
    parse_monitor_list,
)
from downtimes_app.datadog.errors import MalformedResponse


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
    group_states: str | None = None,
    page: int | None = None,
    page_size: int | None = None,
    config: Config | None = None,
) -> MonitorPage:
    """`GET /api/v1/monitor` filtered by name substring and monitor tags (all must match);
    `group_states` (`all`, or some of `alert`, `warn`, `no data`) adds each group's state."""
    params: dict[str, Any] = {}
    if name:
        params["name"] = name
    if monitor_tags:
        params["monitor_tags"] = ",".join(monitor_tags)
    if group_states:
        params["group_states"] = group_states
    if page is not None:
        params["page"] = page
        params["page_size"] = page_size or 100
    return client._request(
        "GET", "/api/v1/monitor", params=params, config=config, parse=parse_monitor_list
    )


# Datadog's largest page of monitors.
MONITOR_PAGE_SIZE = 1000
# A walk through the pages stops here whatever Datadog says (a million monitors).
MAX_MONITOR_PAGES = 1000


@whole.cycle_collection_paused()
def list_all_monitors(
    *,
    group_states: str | None = "all",
    page_size: int = MONITOR_PAGE_SIZE,
    deadline_seconds: float | None = None,
    config: Config | None = None,
) -> tuple[Monitor, ...]:
    """Every monitor of the org, with each group's state: pages of `page_size` one after
    another until a short one, since Datadog's list says no total to plan by.

    `deadline_seconds` bounds the whole walk, each page tried again within it.
    """
    config = whole.within(config or client.Config.from_settings(), deadline_seconds)
    found: dict[int, Monitor] = {}
    for page in range(MAX_MONITOR_PAGES):
        monitors = list_monitors(
            group_states=group_states, page=page, page_size=page_size, config=config
        ).monitors
        for monitor in monitors:
            # A monitor made while we paged shifts the pages after it; keep the first seen.
            found.setdefault(monitor.id, monitor)
        if len(monitors) < page_size:
            break
    return tuple(found.values())


def _one_monitor(document: Any) -> Monitor:
    if not isinstance(document, Mapping):
        raise MalformedResponse("the monitor response is not a JSON object")
    return parse_monitor(document)


def get_monitor(
    monitor_id: int, *, group_states: str | None = None, config: Config | None = None
) -> Monitor:
    """`GET /api/v1/monitor/{id}`; `group_states="all"` adds each group's state."""
    params = {"group_states": group_states} if group_states else None
    return client._request(
        "GET",
        f"/api/v1/monitor/{int(monitor_id)}",
        params=params,
        config=config,
        parse=_one_monitor,
    )
