"""What the record says: one downtime's versions, what muted at a moment, what muted a monitor.

Every answer is the history of the Datadog the dashboard talks to now (`datadog.upstream()`):
another org's record, kept in the same database, is never shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Min, Q

from downtimes_app import datadog
from downtimes_app.core import presenters
from downtimes_app.core.domain import Downtime, Monitor, Window
from downtimes_app.datadog import codec
from downtimes_app.history import spans
from downtimes_app.models import DowntimeVersion

Event = DowntimeVersion.Event
OUTSIDE = "outside the dashboard"


@dataclass(frozen=True)
class Version:
    """One version, read: the row and the downtime as it was."""

    row: DowntimeVersion
    downtime: Downtime

    @property
    def by(self) -> str:
        """Who made this version: a person, through the dashboard; else outside it."""
        return self.row.actor or OUTSIDE

    @property
    def through_dashboard(self) -> bool:
        return bool(self.row.actor)

    @property
    def creator(self) -> str:
        """Who Datadog says created the downtime (an outside creator: a person, terraform-ci)."""
        return self.downtime.creator.display_name if self.downtime.creator else ""

    @property
    def forgotten(self) -> bool:
        return self.row.event == Event.GONE


def _read(row: DowntimeVersion) -> Version:
    return Version(row, codec.parse_downtime_document(row.state))


def _rows():
    return DowntimeVersion.objects.filter(upstream=datadog.upstream())


def versions(downtime_id: str) -> list[Version]:
    """Every version of one downtime, oldest first."""
    return [_read(row) for row in _rows().filter(downtime_id=downtime_id).order_by("seq")]


@dataclass(frozen=True)
class Shown:
    """A version as a downtime's page lists it: what it changed, field by field."""

    version: Version
    changes: list[presenters.Change]


def _attributes(version: Version) -> dict:
    attrs = dict(version.row.state["data"]["attributes"])
    attrs.pop("status", None)  # Datadog's computed status is not a change anyone made
    attrs.pop("modified", None)
    return attrs


def shown(downtime_id: str) -> list[Shown]:
    """Every version, newest first, each with the fields it changed from the one before."""
    found = versions(downtime_id)
    listed = []
    for before, version in zip([None, *found], found, strict=False):
        changes = []
        if before is not None and version.row.event != Event.GONE:
            changes = presenters.attribute_changes(_attributes(before), _attributes(version))
        listed.append(Shown(version, changes))
    return listed[::-1]


def last_known(downtime_id: str) -> Version | None:
    """The last version Datadog had of it (before it forgot it), if the record has one."""
    row = _rows().filter(downtime_id=downtime_id).exclude(event=Event.GONE).order_by("-seq").first()
    return _read(row) if row is not None else None


def first_versions(downtime_ids: Iterable[str]) -> dict[str, Version]:
    ids = list(downtime_ids)
    rows = _rows().filter(downtime_id__in=ids, seq=1) if ids else []
    return {row.downtime_id: _read(row) for row in rows}


def span() -> tuple[datetime | None, datetime | None]:
    """The first and last moments the record covers (None, None when it is empty)."""
    found = _rows().aggregate(first=Min("valid_from"), last=Max("seen_at"))
    return found["first"], found["last"]


# --- a moment -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Muting:
    """A downtime that muted at a moment: the version that was Datadog's then, and its window."""

    version: Version
    window: Window
    made_by: str  # who created it: a person through the dashboard, else Datadog's creator
    made_outside: bool
    forgotten: bool  # Datadog has forgotten it since


def _spanning(moment: datetime) -> Q:
    """Versions whose muting span contains `moment`, class by class (`spans`)."""
    found = Q(reach=spans.LONG, mutes_from__lte=moment) & (
        Q(mutes_until__isnull=True) | Q(mutes_until__gt=moment)
    )
    for c in spans.CLASSES:
        found |= Q(
            reach=c,
            mutes_from__gt=moment - spans.lookback(c),
            mutes_from__lte=moment,
            mutes_until__gt=moment,
        )
    return found


def muting_at(moment: datetime) -> list[Muting]:
    """Every downtime that muted at `moment`, as it was then, in the order they started."""
    rows = list(_rows().filter(_spanning(moment)))
    found = []
    for row in rows:
        version = _read(row)
        window = spans.window_at(version.downtime, moment)
        if window is not None:
            found.append(version)
    ids = [v.row.downtime_id for v in found]
    firsts = first_versions(ids)
    gone = (
        set(
            _rows()
            .filter(downtime_id__in=ids, valid_until__isnull=True, event=Event.GONE)
            .values_list("downtime_id", flat=True)
        )
        if ids
        else set()
    )
    result = []
    for version in found:
        first = firsts.get(version.row.downtime_id, version)
        made_outside = not first.through_dashboard
        result.append(
            Muting(
                version=version,
                window=spans.window_at(version.downtime, moment),  # type: ignore[arg-type]
                made_by=first.row.actor or first.creator,
                made_outside=made_outside,
                forgotten=version.row.downtime_id in gone,
            )
        )
    result.sort(key=lambda m: (m.window.start, m.version.row.downtime_id))
    return result


# --- a monitor ------------------------------------------------------------------------------------


def targets_of(monitor: Monitor, known: Iterable[str]) -> list[str]:
    """Which recorded targets (`known`, as `spans.target_key` writes them) reach this monitor:
    its id, every monitor, or tags it all carries."""
    tags = set(monitor.tags)
    found = [f"monitor:{monitor.id}", "all"]
    for key in known:
        if key.startswith("tags:") and set(key[5:].split(",")) <= tags:
            found.append(key)
    return found


def muted_monitor(monitor: Monitor, limit: int = 50) -> tuple[list[Version], int]:
    """The downtimes Datadog has forgotten that targeted this monitor, each as its last
    version (the latest forgotten first), and how many there are."""
    rows = _rows().filter(valid_until__isnull=True, event=Event.GONE)
    known = rows.filter(target__startswith="tags:").values_list("target", flat=True).distinct()
    mine = rows.filter(target__in=targets_of(monitor, known))
    shown = [_read(row) for row in mine.order_by("-valid_from")[:limit]]
    return shown, len(shown) if len(shown) < limit else mine.count()
