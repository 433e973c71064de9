"""A moment's rows as the page shows them: plain words and links, worked out here once rather
than looked up attribute by attribute in the template (a page of them is most of its cost)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse

from downtimes_app.core import presenters
from downtimes_app.history.reading import Muting

MESSAGE_SHOWN = 90


@dataclass(frozen=True)
class MomentRow:
    href: str
    mutes: str
    forgotten: bool
    recurring: bool
    message: str
    scope: str
    start: presenters.Moment
    end: presenters.Moment | None
    made_by: str
    made_outside: bool
    version: str  # "Changed 16 Nov 10:01 by Erin (erin)"


def _mutes(muting: Muting) -> str:
    kind, what = presenters.target(muting.version.downtime)
    return {"tags": f"Monitors tagged {what}", "monitor": what}.get(kind, "Every monitor")


def moment_rows(mutings: list[Muting], zone: ZoneInfo, now: datetime) -> list[MomentRow]:
    page = reverse("downtimes:detail", args=["ID"])
    rows = []
    for muting in mutings:
        version, window = muting.version, muting.window
        downtime, row = version.downtime, version.row
        when = presenters.Moment(row.valid_from, zone, now)
        message = downtime.message or ""
        if len(message) > MESSAGE_SHOWN:
            message = message[: MESSAGE_SHOWN - 1] + "…"
        rows.append(
            MomentRow(
                href=page.replace("ID", downtime.id),
                mutes=_mutes(muting),
                forgotten=muting.forgotten,
                recurring=downtime.is_recurring,
                message=message,
                scope=downtime.scope or "*",
                start=presenters.Moment(window.start, zone, now),
                end=presenters.Moment(window.end, zone, now) if window.end else None,
                made_by=muting.made_by or "someone",
                made_outside=muting.made_outside,
                version=f"{row.get_event_display()} {when.label} "
                + (f"by {version.by}" if version.through_dashboard else "outside the dashboard"),
            )
        )
    return rows
