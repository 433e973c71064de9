"""A downtime's versions, and a moment's downtimes, as CSV and JSON (for incident write-ups).

Rows are plain values: times in UTC ISO 8601, the downtime as Datadog's JSON in `state`. A CSV
cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) starts with a `'`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from downtimes_app.core import presenters
from downtimes_app.history.reading import Muting, Version

VERSION_COLUMNS = (
    "downtime_id", "version", "event", "changed", "valid_from", "valid_until", "seen_at",
    "by", "through_dashboard", "datadog_modified", "status_then", "scope", "target", "schedule",
    "message", "created_by",
)  # fmt: skip
MOMENT_COLUMNS = (
    "downtime_id", "version", "scope", "target", "window_start", "window_end", "made_by",
    "made_outside", "changed_by", "forgotten", "message",
)  # fmt: skip
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _target(version: Version) -> str:
    kind, what = presenters.target(version.downtime)
    return {"monitor": f"monitor {what}", "tags": f"tags {what}"}.get(kind, "every monitor")


def version_row(version: Version) -> dict[str, Any]:
    row, d = version.row, version.downtime
    return {
        "downtime_id": row.downtime_id,
        "version": row.seq,
        "event": row.event,
        "changed": list(row.changed),
        "valid_from": _iso(row.valid_from),
        "valid_until": _iso(row.valid_until),
        "seen_at": _iso(row.seen_at),
        "by": version.by,
        "through_dashboard": version.through_dashboard,
        "datadog_modified": _iso(row.modified),
        "status_then": d.status,  # as Datadog said when the dashboard saw it
        "scope": d.scope,
        "target": _target(version),
        "schedule": row.state["data"]["attributes"].get("schedule"),
        "message": d.message or "",
        "created_by": version.creator,
    }


def moment_row(muting: Muting) -> dict[str, Any]:
    version = muting.version
    return {
        "downtime_id": version.row.downtime_id,
        "version": version.row.seq,
        "scope": version.downtime.scope,
        "target": _target(version),
        "window_start": _iso(muting.window.start),
        "window_end": _iso(muting.window.end),
        "made_by": muting.made_by,
        "made_outside": muting.made_outside,
        "changed_by": version.by,
        "forgotten": muting.forgotten,
        "message": version.downtime.message or "",
    }


def _cell(value: Any) -> str:
    if isinstance(value, list | dict):
        value = json.dumps(value, sort_keys=True)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA) else text


def as_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[name]) for name in columns])
    return out.getvalue()


def versions_json(downtime_id: str, versions: Sequence[Version]) -> str:
    body = {
        "downtime_id": downtime_id,
        "versions": [{**version_row(v), "state": v.row.state} for v in versions],
    }
    return json.dumps(body, indent=2)


def moment_json(moment: datetime, mutings: Sequence[Muting], notices: list[str]) -> str:
    body = {
        "at": _iso(moment),
        "notices": notices,
        "downtimes": [{**moment_row(m), "state": m.version.row.state} for m in mutings],
    }
    return json.dumps(body, indent=2)
