"""The whole downtime set, as fast as Datadog allows and no faster, and without reading again
what has not changed.

Datadog's list filters by nothing but `current_only`, so the dashboard reads every page. The
first page gives the total; the rest are asked for at once, as many as the rate limit has left.
Each page that fails (a 429, a 5xx, a timeout, a body that cannot be read) is retried on its
own within the load's deadline, so one bad page does not cost the others.

Each page's body is fingerprinted. Given the fingerprints of the last load, a page whose body is
byte for byte what it was is not decoded or parsed at all; when every page is, the load says so
instead of building the same set again. Most refreshes find nothing changed, and this is most of
what they cost the process that runs them.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from downtimes_app.core.domain import Downtime
from downtimes_app.datadog.client import (
    DEFAULT_INCLUDE,
    Config,
    RateLimit,
    list_downtimes,
    threads_allowed,
)
from downtimes_app.datadog.codec import DowntimePage, decode_json, parse_downtime_page

# How often one page of the whole set is tried before its deadline ends the load anyway.
PAGE_RETRIES = 8
WHAT = "GET /api/v2/downtime"


@dataclass(frozen=True)
class Loaded:
    """A whole-set load: the set (None when every page was as `known` had it), and each page's
    fingerprint, in order, for the next load (none for a set read in one piece)."""

    items: tuple[Any, ...] | None
    prints: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Page:
    print: str
    body: bytes
    parsed: DowntimePage | None  # None: the same bytes as last time, not read


def _fingerprint(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def _page_workers(config: Config, pages: int, limits: RateLimit | None) -> int:
    """How many pages to ask for at once: no more than the rate limit has left for now.

    Pages past what is left wait for the period to reset (a 429's X-RateLimit-Reset), each on
    its own, so asking for more at once would only turn calls into 429s.
    """
    workers = min(config.max_workers, pages)
    if limits is not None and limits.remaining is not None:
        workers = min(workers, max(1, limits.remaining))
    return workers if threads_allowed(config) else 1


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Reading a whole set makes hundreds of thousands of dicts, lists and records, none of them
    in a cycle; meanwhile the cycle collector would walk the whole heap again and again, which
    doubles the time it takes. Plain reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def within(config: Config, deadline_seconds: float | None) -> Config:
    """The config for the calls of one whole load, which `deadline_seconds` bounds: inside it,
    a page is tried again and again, and any rate limit that fits is waited out."""
    if deadline_seconds is None:
        return config
    return dataclasses.replace(
        config,
        deadline=time.monotonic() + deadline_seconds,
        # Inside a deadline, keep trying a page, and wait out any rate limit that fits.
        retries=max(config.retries, PAGE_RETRIES),
        rate_limit_wait_cap=max(config.rate_limit_wait_cap, deadline_seconds),
        call_deadline=max(config.call_deadline, deadline_seconds),
    )


@cycle_collection_paused()
def load_all_downtimes(
    *,
    known: tuple[str, ...] = (),
    current_only: bool = False,
    include: tuple[str, ...] | None = DEFAULT_INCLUDE,
    deadline_seconds: float | None = None,
    config: Config | None = None,
) -> Loaded:
    """The whole set, or None for it when every page is as the fingerprints in `known` say.

    `deadline_seconds` bounds the whole load, every page and retry included; only a page that
    never answers within it fails the load.
    """
    config = within(config or Config.from_settings(), deadline_seconds)
    limits: list[RateLimit] = []

    def page(offset: int, number: int) -> _Page:
        def read(body: bytes) -> _Page:
            mark = _fingerprint(body)
            if number and number < len(known) and known[number] == mark:
                return _Page(mark, body, None)
            return _Page(mark, body, parse_downtime_page(decode_json(body, WHAT)))

        return list_downtimes(
            current_only=current_only,
            include=include,
            offset=offset,
            limit=config.page_size,
            config=config,
            on_limits=limits.append,
            read=read,
        )

    first = page(0, 0)  # always read: it says how many there are
    assert first.parsed is not None
    pages = [first]
    # If Datadog serves fewer per page than asked, step by what it serves, or we would skip some.
    step, total = len(first.parsed.downtimes), first.parsed.total
    if total is None:
        # Without a total we cannot plan; walk until a short (or empty) page.
        while step and len(_parsed(pages[-1]).downtimes) == step:
            pages.append(page(len(pages) * step, len(pages)))
    elif total > step > 0:
        offsets = range(step, total, step)
        workers = _page_workers(config, len(offsets), limits[0] if limits else None)
        numbered = [(offset, n) for n, offset in enumerate(offsets, start=1)]
        if workers > 1:
            with ThreadPoolExecutor(workers, thread_name_prefix="datadog-page") as pool:
                pages.extend(pool.map(lambda o: page(*o), numbered))
        else:
            pages.extend(page(*o) for o in numbered)
    prints = tuple(p.print for p in pages)
    if prints == known:
        return Loaded(None, prints)
    # A downtime created while we paged can shift items across page boundaries; keep the first.
    seen: dict[str, Downtime] = {}
    for result in pages:
        for downtime in _parsed(result).downtimes:
            seen.setdefault(downtime.id, downtime)
    return Loaded(tuple(seen.values()), prints)


def _parsed(page: _Page) -> DowntimePage:
    """A page's downtimes; one skipped as unchanged is read now (its bytes were good before)."""
    return page.parsed or parse_downtime_page(decode_json(page.body, WHAT))


def list_all_downtimes(
    *,
    current_only: bool = False,
    include: tuple[str, ...] | None = DEFAULT_INCLUDE,
    deadline_seconds: float | None = None,
    config: Config | None = None,
) -> tuple[Downtime, ...]:
    """The whole set (see `load_all_downtimes`), read whole."""
    loaded = load_all_downtimes(
        current_only=current_only,
        include=include,
        deadline_seconds=deadline_seconds,
        config=config,
    )
    assert loaded.items is not None  # nothing was known, so everything was read
    return loaded.items
