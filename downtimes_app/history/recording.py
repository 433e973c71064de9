"""Recording versions: each refresh and each write compared with the last version recorded.

- **A refresh** (`store.refreshed`) that stored the same set as before costs one comparison of
  two strings: the copy's version is the one last recorded. Otherwise each downtime is compared
  with what this process last recorded of it (the same record object, when its page was not
  read again; else its digest), and only the ones that differ are looked up in the database,
  whose last version decides. Downtimes the set no longer has become "gone" once.
- **A write** through the dashboard (`audit.writes.written`) records Datadog's answer with its
  person. When a refresh recorded that very answer a moment earlier (it saw the write in the
  journal), one conditional UPDATE gives the version its person instead.
- **Once.** `seq` is unique per downtime: two writers that both make the next version keep one;
  the loser reads again. A version recorded after a refresh began is newer than anything that
  refresh saw, so the refresh never records an older state over it.

What counts as a change is `domain.comparable`'s: what Datadog would store differently. Its
computed status and `modified` time alone are not a change; being canceled is.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.dispatch import receiver

from downtimes_app import datadog, store
from downtimes_app.audit.writes import written
from downtimes_app.core import domain
from downtimes_app.core.clock import now as clock
from downtimes_app.core.domain import CANCELED, Downtime
from downtimes_app.datadog import codec
from downtimes_app.history import outside, spans
from downtimes_app.models import AuditEntry, DowntimeVersion

log = logging.getLogger(__name__)
Event = DowntimeVersion.Event
GONE = "gone"
CHUNK = 500
# A version a refresh recorded this long before a write is recorded may be that write's answer.
SAME_WRITE = timedelta(minutes=2)

# What this process last recorded, per upstream: downtime id -> (record, digest); what the last
# refresh it recorded lacked; and the copy's version and the record's generation it last
# compared. Only shortcuts: the database decides.
_seen: dict[str, dict[str, tuple[Downtime | None, str]]] = {}
_missing: dict[str, set[str]] = {}
_recorded: dict[str, tuple[str, str | None]] = {}


def enabled() -> bool:
    return settings.DASHBOARD_HISTORY_DAYS > 0


def forget() -> None:
    """This process's shortcuts, dropped (tests; a restart does the same)."""
    _seen.clear()
    _missing.clear()
    _recorded.clear()


def _generation_key(upstream: str) -> str:
    return f"history:generation:{upstream}"


def generation(upstream: str) -> str | None:
    """Changes whenever a version is added, closed or pruned in any process (None: unknown,
    after the shared cache was emptied): what a process's shortcuts must be checked against."""
    return cache.get(_generation_key(upstream))


def changed_record(upstream: str) -> None:
    """Once the transaction that changed the record commits, every process hears of it."""
    transaction.on_commit(lambda: cache.set(_generation_key(upstream), uuid.uuid4().hex, None))


def _plain(value: Any) -> Any:
    if isinstance(value, frozenset | set):
        return sorted((_plain(v) for v in value), key=repr)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def digest(downtime: Downtime) -> str:
    """What Datadog stores of it, as a short string that is equal exactly when that is."""
    values = downtime.definition.attributes()
    plain = {name: _plain(domain.comparable(name, value)) for name, value in values.items()}
    plain["canceled"] = downtime.canceled is not None
    text = json.dumps(plain, sort_keys=True, default=str)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def changed_names(before: Downtime | None, after: Downtime) -> list[str]:
    if before is None:
        return []
    names = list(domain.changed(before.definition.attributes(), after.definition.attributes()))
    if (before.canceled is None) != (after.canceled is None):
        names.append("canceled")
    return names


def state_of(row: DowntimeVersion) -> Downtime:
    return codec.parse_downtime_document(row.state)


# --- making a version ----------------------------------------------------------------------------


def _valid_from(event: str, downtime: Downtime, seen_at: datetime, last: DowntimeVersion | None):
    """From when a version was Datadog's: Datadog's own time for the change, when it has one
    that is not in the future, else when the dashboard saw it; never before the last one."""
    said = {
        Event.CANCELED: downtime.canceled,
        Event.CREATED: downtime.created,
        # First seen as it is: it has been so since its last change, whatever it was before.
        Event.SEEN: downtime.modified or downtime.created,
        Event.CHANGED: downtime.modified,
    }.get(event)
    moment = said if said is not None and said <= seen_at else seen_at
    return max(moment, last.valid_from) if last is not None else moment


def _close(last: DowntimeVersion, until: datetime) -> None:
    """The last version stops being Datadog's at `until`: its muting span ends there too."""
    last.valid_until = until
    span = spans.schedule_span(state_of(last), last.seen_at) if last.event != Event.GONE else None
    last.mutes_from, last.mutes_until, last.reach = spans.mutes(last.valid_from, until, span)


def _version(
    upstream: str,
    downtime: Downtime,
    signature: str,
    last: DowntimeVersion | None,
    seen_at: datetime,
    *,
    first: str = Event.SEEN,
    actor: str = "",
    entry: AuditEntry | None = None,
) -> DowntimeVersion:
    # A downtime back after it was taken for gone compares with the state it had then.
    before = state_of(last) if last is not None else None
    if before is None:
        event = first
    elif downtime.canceled is not None and before.canceled is None:
        event = Event.CANCELED
    else:
        event = Event.CHANGED
    if downtime.canceled is not None and downtime.status != CANCELED:
        downtime = replace(downtime, status=CANCELED)
    valid_from = _valid_from(event, downtime, seen_at, last)
    span = spans.schedule_span(downtime, seen_at)
    mutes_from, mutes_until, reach = spans.mutes(valid_from, None, span)
    return DowntimeVersion(
        upstream=upstream,
        downtime_id=downtime.id,
        seq=(last.seq + 1) if last is not None else 1,
        event=event,
        changed=changed_names(before, downtime),
        seen_at=seen_at,
        valid_from=valid_from,
        modified=downtime.modified,
        actor=actor[:150],
        entry=entry,
        digest=signature,
        state=codec.downtime_document(downtime),
        mutes_from=mutes_from,
        mutes_until=mutes_until,
        reach=reach,
        recurring=downtime.is_recurring,
        target=spans.target_key(downtime),
    )


def _gone(last: DowntimeVersion, seen_at: datetime) -> DowntimeVersion:
    return DowntimeVersion(
        upstream=last.upstream,
        downtime_id=last.downtime_id,
        seq=last.seq + 1,
        event=Event.GONE,
        seen_at=seen_at,
        valid_from=max(seen_at, last.valid_from),
        modified=last.modified,
        digest=GONE,
        state=last.state,
        target=last.target,
    )


def _save(new: Sequence[DowntimeVersion], closing: dict[str, DowntimeVersion]) -> None:
    """Add the new versions and close the ones they follow, all or nothing."""
    for row in new:
        last = closing.get(row.downtime_id)
        if last is not None:
            _close(last, row.valid_from)
    fields = ["valid_until", "mutes_from", "mutes_until", "reach"]
    with transaction.atomic():
        DowntimeVersion.objects.bulk_create(new, batch_size=CHUNK)
        closed = [closing[r.downtime_id] for r in new if r.downtime_id in closing]
        DowntimeVersion.objects.bulk_update(closed, fields, batch_size=CHUNK)
        changed_record(new[0].upstream)


def last_versions(upstream: str, ids: Iterable[str]) -> dict[str, DowntimeVersion]:
    """The last version of each downtime in `ids` that has one."""
    rows = DowntimeVersion.objects.filter(upstream=upstream, valid_until__isnull=True)
    ids = list(ids)
    found: dict[str, DowntimeVersion] = {}
    for at in range(0, len(ids), CHUNK):
        found.update((r.downtime_id, r) for r in rows.filter(downtime_id__in=ids[at : at + CHUNK]))
    return found


# --- after a refresh -----------------------------------------------------------------------------


def record_set(items: Sequence[Downtime], started: datetime, version: str = "") -> list[int]:
    """Record what a refreshed set (`items`, fetched from `started`) changed; the new versions'
    ids. `version`: the copy's, so that the same copy is never compared twice while the record
    is unchanged. A downtime the set lacks is gone once two refreshes in a row lack it: one
    read of Datadog's pages can miss one that moved between two pages."""
    upstream = datadog.upstream()
    mark = (version, generation(upstream))
    if version and _recorded.get(upstream) == mark and not _missing.get(upstream):
        return []  # the same set, the same record, nothing waiting to be taken for gone
    seen = _seen.get(upstream)
    if seen is None or mark[1] is None or _recorded.get(upstream, ("", None))[1] != mark[1]:
        # Another process changed the record since (a write through the dashboard, say): what
        # this one remembers may no longer be the last version. The database says what is.
        lasts = DowntimeVersion.objects.filter(upstream=upstream, valid_until__isnull=True)
        seen = {i: (None, d) for i, d in lasts.values_list("downtime_id", "digest")}
        _seen[upstream] = seen
    candidates: dict[str, tuple[Downtime, str]] = {}
    present = set()
    for downtime in items:
        present.add(downtime.id)
        known = seen.get(downtime.id)
        if known is not None and known[0] is not None and known[0] == downtime:
            continue
        signature = digest(downtime)
        if known is not None and known[1] == signature:
            seen[downtime.id] = (downtime, signature)
            continue
        candidates[downtime.id] = (downtime, signature)
    missing = {i for i, (_, d) in seen.items() if d != GONE and i not in present}
    gone = sorted(missing & _missing.get(upstream, set()))
    _missing[upstream] = missing
    made = _record_changes(upstream, candidates, gone, started)
    for i, pair in candidates.items():
        seen[i] = pair
    for i in gone:
        seen[i] = (None, GONE)
    if version:
        # What this refresh recorded changed the generation: remember the one after it.
        _recorded[upstream] = (version, generation(upstream) if made else mark[1])
    return made


def _record_changes(
    upstream: str, candidates: dict[str, tuple[Downtime, str]], gone: list[str], started: datetime
) -> list[int]:
    if not candidates and not gone:
        return []
    lasts = last_versions(upstream, [*candidates, *gone])
    # New downtimes are "created" once a refresh has recorded this org (first sight records
    # what is there as "seen"); a write through the dashboard first does not count.
    watching = DowntimeVersion.objects.filter(upstream=upstream, actor="").exists()
    moment = clock()
    new = []
    for downtime_id, (downtime, signature) in candidates.items():
        last = lasts.get(downtime_id)
        if last is not None and (last.digest == signature or last.seen_at > started):
            continue
        first = Event.CREATED if watching else Event.SEEN
        new.append(_version(upstream, downtime, signature, last, moment, first=first))
    for downtime_id in gone:
        last = lasts.get(downtime_id)
        if last is not None and last.digest != GONE and last.seen_at <= started:
            new.append(_gone(last, moment))
    if not new:
        return []
    try:
        _save(new, lasts)
    except IntegrityError:
        # Another process recorded some of these meanwhile: one at a time, each read again.
        log.info("history: versions recorded meanwhile elsewhere; recording one at a time")
        return _one_by_one(upstream, candidates, gone, started)
    return [row.pk for row in new]


def _one_by_one(
    upstream: str, candidates: dict[str, tuple[Downtime, str]], gone: list[str], started: datetime
) -> list[int]:
    made = []
    for downtime_id, pair in candidates.items():
        try:
            made += _record_changes(upstream, {downtime_id: pair}, [], started)
        except IntegrityError:
            continue
    for downtime_id in gone:
        try:
            made += _record_changes(upstream, {}, [downtime_id], started)
        except IntegrityError:
            continue
    return made


@receiver(store.refreshed, dispatch_uid="downtimes_app.history.recording.after_refresh")
def after_refresh(sender, *, kind, snapshot, **kwargs) -> None:
    if kind is not store.DOWNTIMES or not enabled():
        return
    # What Datadog listed, without the dashboard's writes laid over it: each write records its
    # own version, with its person, so none of them is ever taken for a change made outside.
    made = record_set(snapshot.items, snapshot.fetched_at, snapshot.version)
    if made:
        outside.announce(made)


# --- after a write -------------------------------------------------------------------------------


def record_written(entry: AuditEntry, downtime: Downtime) -> DowntimeVersion | None:
    """Datadog's answer to a write through the dashboard, recorded with its person."""
    upstream = datadog.upstream()
    signature = digest(downtime)
    first = Event.CREATED if entry.action == AuditEntry.Action.CREATE else Event.SEEN
    for _attempt in range(3):
        last = last_versions(upstream, [downtime.id]).get(downtime.id)
        if last is not None and last.digest == signature:
            _claim(last, entry)
            return None
        row = _version(
            upstream, downtime, signature, last, clock(), first=first,
            actor=entry.actor_name, entry=entry,
        )  # fmt: skip
        try:
            _save([row], {downtime.id: last} if last is not None else {})
        except IntegrityError:
            continue  # another process made this number first: read again
        return row
    return None


def _claim(last: DowntimeVersion, entry: AuditEntry) -> None:
    """A refresh recorded this write's answer a moment before the write did: it is the write's."""
    if last.actor or last.entry_id or last.seen_at < clock() - SAME_WRITE:
        return
    claimed = DowntimeVersion.objects.filter(pk=last.pk, actor="", entry__isnull=True).update(
        actor=entry.actor_name[:150], entry=entry
    )
    if claimed:
        changed_record(last.upstream)


CANCELS = (AuditEntry.Action.CANCEL, AuditEntry.Action.BULK_CANCEL)


@receiver(written, dispatch_uid="downtimes_app.history.recording.after_write")
def after_write(sender, *, entry: AuditEntry, downtime: Downtime | None, **kwargs) -> None:
    if not enabled():
        return
    if downtime is None and entry.action in CANCELS and entry.downtime_id:
        # A cancel Datadog answered without the downtime (it was not in the copy): the last
        # version, canceled now, so that the next refresh does not take it for outside.
        last = last_versions(datadog.upstream(), [entry.downtime_id]).get(entry.downtime_id)
        if last is not None and last.event != Event.GONE:
            downtime = replace(state_of(last), canceled=clock(), status=CANCELED)
    if downtime is not None:
        record_written(entry, downtime)
