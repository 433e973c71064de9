"""Work derived from a copy (an index, the mutes, the calendar's rows), done once per process per
version of the copies it reads, in one way for every page.

A `Kept` holds the value made for one key and drops it when a new key comes: the copies move on,
and nothing older is asked for again. `per_snapshot` patches the last value when a version only
lays the dashboard's own writes over the one it was made from.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from downtimes_app.core.domain import Downtime
from downtimes_app.store.shared import Snapshot

V = TypeVar("V")


class Kept(Generic[V]):
    """One value, kept for the key it was made for (a copy's version, or a pair of them)."""

    def __init__(self) -> None:
        self._kept: dict[Hashable, V] = {}

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        found = self._kept.get(key)
        if found is None:
            found = make()
            # Replaced whole: a page reading at the same time sees the old value or the new one.
            self._kept = {key: found}
        return found

    def peek(self, key: Hashable) -> V | None:
        return self._kept.get(key)

    def items(self) -> list[tuple[Hashable, V]]:
        return list(self._kept.items())

    def clear(self) -> None:
        self._kept = {}


class Derived(Protocol):
    def patched(self, downtimes: Sequence[Downtime]) -> Any: ...


D = TypeVar("D", bound=Derived)


def per_snapshot(
    kept: Kept[D], snapshot: Snapshot | None, make: Callable[[Sequence[Downtime]], D]
) -> D:
    """Work derived from the downtime copy (the list's index, the calendar's), done once per
    process per version of it. A version that only lays the dashboard's own writes over the last
    one patches the last one's work."""
    if snapshot is None:
        return make(())

    def made() -> D:
        base = snapshot.version.split(".")[0]
        related = [d for v, d in kept.items() if str(v).split(".")[0] == base]
        return related[0].patched(snapshot.downtimes) if related else make(snapshot.downtimes)

    return kept.get(snapshot.version, made)
