"""What the record says: one downtime's versions, what muted at a moment, what muted a monitor.

Every answer is the history of the Datadog the dashboard talks to now (`datadog.upstream()`):
another org's record, kept in the same database, is never shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from django.db.models import Q

from downtimes_app import datadog
from downtimes_app.core import presenters, status
from downtimes_app.core.clock import now as clock
from downtimes_app.core.domain import Downtime, Monitor, Window
from downtimes_app.datadog import codec
from downtimes_app.history import spans
from downtimes_app.history.recording import generation
from downtimes_app.models import DowntimeVersion
from downtimes_app.store import memo

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


# A downtime's page lists this many of its newest versions (a lease renewed every few minutes
# makes thousands); the export has them all.
SHOWN = 50


def shown(downtime_id: str, limit: int = SHOWN) -> tuple[list[Shown], int]:
    """Its newest versions first, each with the fields it changed from the one before, and how
    many it has in all."""
    rows = _rows().filter(downtime_id=downtime_id).order_by("-seq")
    found = [_read(row) for row in rows[: limit + 1]][::-1]  # and the one before the oldest
    listed = []
    for before, version in zip([None, *found], found, strict=False):
        changes = []
        if before is not None and version.row.event != Event.GONE:
            changes = presenters.attribute_changes(_attributes(before), _attributes(version))
        listed.append(Shown(version, changes))
    return listed[::-1][:limit], len(found) if len(found) <= limit else rows.count()


def last_known(downtime_id: str) -> Version | None:
    """The last version Datadog had of it (before it forgot it), if the record has one, with
    its status as the clock has it now (the stored one is as Datadog said it then)."""
    row = _rows().filter(downtime_id=downtime_id).exclude(event=Event.GONE).order_by("-seq").first()
    return _now(_read(row)) if row is not None else None


def _now(version: Version) -> Version:
    downtime = version.downtime
    return Version(version.row, replace(downtime, status=status.live_status(downtime, clock())))


def begins() -> datetime | None:
    """When the dashboard first recorded anything of this org (None while it is empty): what
    it says of a moment before that is what it learnt later."""
    return _rows().order_by("seen_at").values_list("seen_at", flat=True).first()


# --- a moment -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Muting:
    """A downtime that muted at a moment: the version that was Datadog's then, and its window."""

    version: Version
    window: Window
    made_by: str  # who created it: a person through the dashboard, else Datadog's creator
    made_outside: bool
    forgotten: bool  # Datadog has forgotten it since


@dataclass(frozen=True)
class Candidate:
    """A version that muted at a moment, before its state is read (a row of the index)."""

    pk: int
    downtime_id: str
    mutes_from: datetime
    recurring: bool


def _spanning(moment: datetime):
    """Versions whose muting span contains `moment`: one index range per class (`spans`), as a
    UNION ALL, since one query with their OR reads the whole index on SQLite."""
    rows = _rows()
    long = rows.filter(Q(mutes_until__isnull=True) | Q(mutes_until__gt=moment))
    parts = [long.filter(reach=spans.LONG, mutes_from__lte=moment)]
    for c in spans.CLASSES:
        parts.append(
            rows.filter(
                reach=c,
                mutes_from__gt=moment - spans.lookback(c),
                mutes_from__lte=moment,
                mutes_until__gt=moment,
            )
        )
    columns = ("pk", "downtime_id", "mutes_from", "recurring")
    return [p.values_list(*columns) for p in parts]


# The last moment asked for, per process, for as long as the record has the same versions: a
# permalink opened by everyone in an incident channel is worked out once.
_moments: memo.Kept[list[Candidate]] = memo.Kept()


def muting_rows(moment: datetime) -> list[Candidate]:
    """The versions that muted at `moment` (their state not read), in the order they began
    muting. Kept while the record's generation is the same (every version added, closed or
    pruned changes it, once committed); worked out each time while it is unknown."""
    upstream = datadog.upstream()
    mark = generation(upstream)
    if mark is None:
        return _muting_rows(moment)
    return _moments.get((upstream, moment, mark), lambda: _muting_rows(moment))


def _muting_rows(moment: datetime) -> list[Candidate]:
    """A one-time version's span is exact; a recurring one's is its series, so its state is
    read to see whether one of its windows was open then."""
    first, *rest = _spanning(moment)
    rows = [Candidate(*row) for row in first.union(*rest, all=True)]
    recurring = [row.pk for row in rows if row.recurring]
    if recurring:
        states = dict(DowntimeVersion.objects.filter(pk__in=recurring).values_list("pk", "state"))
        rows = [
            row
            for row in rows
            if not row.recurring
            or (
                row.pk in states  # pruned meanwhile: not shown
                and spans.window_at(codec.parse_downtime_document(states[row.pk]), moment)
            )
        ]
    rows.sort(key=lambda row: (row.mutes_from, row.downtime_id))
    return rows


def mutings(rows: list[Candidate], moment: datetime) -> list[Muting]:
    """The versions (from `muting_rows`) read whole, with who made each downtime."""
    ids = [row.downtime_id for row in rows]
    if not ids:
        return []
    # By key alone: beside the upstream's condition, SQLite would read that index instead.
    chosen = DowntimeVersion.objects.filter(pk__in=[row.pk for row in rows])
    full = {row.pk: _read(row) for row in chosen}
    # Who made each (the person of its "created" version: none when made outside, or before
    # the record began), and which Datadog has forgotten since: two queries, each one index's
    # exact lookups (one with their OR reads every version of each).
    rows_of = _rows().filter(downtime_id__in=ids)
    made = dict(rows_of.filter(event=Event.CREATED).values_list("downtime_id", "actor"))
    last_gone = rows_of.filter(event=Event.GONE, valid_until__isnull=True)
    gone = set(last_gone.values_list("downtime_id", flat=True))
    found = []
    for row in rows:
        version = full.get(row.pk)
        if version is None:  # pruned since the moment was worked out
            continue
        window = spans.window_at(version.downtime, moment)
        if window is None:  # pragma: no cover - muting_rows kept only the ones that muted
            continue
        person = made.get(row.downtime_id, "")
        found.append(
            Muting(
                version=version,
                window=window,
                made_by=person or version.creator,
                made_outside=not person,
                forgotten=row.downtime_id in gone,
            )
        )
    return found


def muting_at(moment: datetime) -> list[Muting]:
    """Every downtime that muted at `moment`, as it was then, read whole."""
    return mutings(muting_rows(moment), moment)


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
    shown = [_now(_read(row)) for row in mine.order_by("-valid_from")[:limit]]
    return shown, len(shown) if len(shown) < limit else mine.count()
