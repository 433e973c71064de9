"""The form's monitor lookups: by name, by tags, one by id, briefly cached.

Typing in the monitor selector asks on every pause; the cache keeps that from hammering Datadog
(and its rate limit) while a person types, and the answer is at most a minute old.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from downtimes_app import datadog
from downtimes_app.core.domain import Monitor

CACHE_SECONDS = 60
SAMPLE = 5
SEARCH_RESULTS = 12
# Longest search sent to Datadog: a name (200 characters) or the form's tags (1,000) as a query.
MAX_QUERY = 2000


@dataclass(frozen=True)
class MonitorSample:
    monitors: tuple[Monitor, ...]
    total: int | None
    error: str = ""


def _cached(key: str, fetch: Callable[[], Any]) -> Any:
    # The org's own: another org's monitors never answer this one's search.
    key = f"monitor-lookup:{datadog.upstream()}:" + hashlib.sha256(key.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = fetch()
        cache.set(key, found, CACHE_SECONDS)
    return found


def search(query: str, per_page: int = SEARCH_RESULTS) -> MonitorSample:
    """Datadog's monitor search; a failure becomes the sample's `error`, in words."""
    if len(query) > MAX_QUERY:
        return MonitorSample((), None, f"The search is longer than {MAX_QUERY} characters.")
    try:
        page = _cached(
            f"search:{per_page}:{query}",
            lambda: datadog.search_monitors(query=query, per_page=per_page),
        )
    except datadog.DatadogError as error:
        return MonitorSample((), None, f"Could not list monitors: {error}")
    return MonitorSample(page.monitors, page.total)


def tag_query(tags: Iterable[str]) -> str:
    # Datadog's monitor search: `tag:team:db tag:env:prod` matches monitors with both tags.
    return " ".join(f'tag:"{tag}"' if " " in tag else f"tag:{tag}" for tag in tags)


def tagged(tags: Iterable[str], per_page: int = SAMPLE) -> MonitorSample:
    return search(tag_query(tags), per_page)


def monitor(monitor_id: int | None) -> Monitor | None:
    """One monitor by id; None when there is none (or Datadog cannot say)."""
    if not monitor_id:
        return None
    try:
        return _cached(f"monitor:{monitor_id}", lambda: datadog.get_monitor(monitor_id))
    except datadog.DatadogError:
        return None
