"""Quick mute: a monitor, or one of its groups, quiet for 30 minutes, 1 hour, 4 hours or until a
chosen time, from the monitor's page or from a link in its alert.

`target` and `plan` are pure: the monitor, the group asked for (`host:web-3`), the length and
"now" in; the downtime to create (a `Definition`: the monitor by id, the group's tags as the
scope, a window from now) and what goes quiet, in words, out; or a `Refused` saying why not.
`mute` saves the plan as the schedule form saves (`saving.save_downtime`): the form's one-time
token makes a double click or a resent form save once, the write goes through `audit.perform`,
and the outcome is one of saving's.

"Until it recovers" (`duration=recovers`) is a downtime with a real end, its cap (4 hours,
12 hours or a day), that the dashboard's worker ends sooner once the group (or the whole
monitor) has been OK for the settle time (`recovery`). Datadog has no such field: a downtime
ends at a time or never, so the cap is what Datadog knows, and the dashboard being down only
means the mute lasts to its cap.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from downtimes_app.core import presenters, scope
from downtimes_app.core.domain import (
    Definition,
    Monitor,
    MonitorGroup,
    MonitorIdentifier,
    OneTimeSchedule,
)
from downtimes_app.downtimes import actions
from downtimes_app.editing import saving, submissions
from downtimes_app.muting.mutes import groups_of, query_tags

User = AbstractBaseUser | AnonymousUser

DURATIONS: dict[str, tuple[timedelta, str]] = actions.EXTENSIONS  # 30m, 1h, 4h
UNTIL = "until"
RECOVERS = "recovers"
# "Until it recovers, at most …": the caps offered, and the one chosen when none is said.
CAPS: dict[str, tuple[timedelta, str]] = {
    "4h": (timedelta(hours=4), "4 hours"),
    "12h": (timedelta(hours=12), "12 hours"),
    "1d": (timedelta(days=1), "1 day"),
}
DEFAULT_CAP = "4h"
DEFAULT = "1h"
MAX_MESSAGE = 4000
# Datadog refuses an end in the past; a moment's margin for the request to arrive.
MARGIN = actions.END_NOW_MARGIN
LONGEST = timedelta(days=3653)
# One tag of a group Datadog has not reported, as Datadog writes tags: a key that starts with a
# letter, then a value of letters, digits and `_ - . / :`. No wildcard, space, parenthesis,
# quote or leading `-`: a value that came from an alert's link must not become a pattern.
GROUP_TAG = re.compile(r"[^\W\d_][\w.\-/]*:[\w.\-/:]+")


class Refused(Exception):
    """A mute that cannot be planned as asked; nothing was sent."""


@dataclass(frozen=True)
class Target:
    """What goes quiet: a whole monitor, or one group of it (by the group's tags)."""

    monitor: Monitor
    group: MonitorGroup | None = None  # the group as Datadog reported it, when it did
    tags: tuple[str, ...] = ()  # the group's tags; none for the whole monitor
    notice: str = ""  # something the person should know about the group asked for

    @property
    def scope(self) -> str:
        return " AND ".join(self.tags) if self.tags else "*"

    @property
    def group_name(self) -> str:
        return self.group.name if self.group else ",".join(self.tags)

    @property
    def whole(self) -> bool:
        return not self.tags

    @property
    def words(self) -> str:
        """In words: `host:web-3 of “[prod] api latency”`, or `all 3 groups of “...”`."""
        name = f"\u201c{self.monitor.name}\u201d"
        if self.whole:
            count = len(self.monitor.groups)
            return f"all {count} groups of {name}" if count > 1 else name
        return f"{self.group_name} of {name}"


def _not_one_group(group: str) -> Refused:
    return Refused(
        f"{group[:80]} is not one group: quick mute mutes one group, named as Datadog names it "
        "(key:value tags joined by commas, such as env:prod,host:web-3). To mute by a pattern "
        "(*, OR, AND, NOT, parentheses, quotes), use the full form, which shows what the scope "
        "mutes before anything is sent."
    )


def _tags(text: str) -> tuple[str, ...]:
    """A group as Datadog names it, `env:prod,host:web-3`: tags joined by commas, each
    spelled as Datadog writes tags (`GROUP_TAG`)."""
    tags = tuple(sorted({part.strip() for part in text.split(",") if part.strip()}))
    for tag in tags:
        key, sep, value = tag.partition(":")
        if not sep or not key.strip() or not value.strip():
            raise Refused(
                f"{tag[:80]!r} is not a group: a group is named by key:value tags, such as "
                "host:web-3 (an alert's template variable may have come out empty)."
            )
    if not all(GROUP_TAG.fullmatch(tag) for tag in tags):
        raise _not_one_group(text)
    return tags


def _muted_by(monitor: Monitor, tags: Sequence[str]) -> list[MonitorGroup]:
    """The reported groups a scope of these tags surely mutes, judged as `mutes.reach` judges
    (a group's tags and its query's filter)."""
    verdict = scope.judge(" AND ".join(tags))
    known = query_tags(monitor.query)
    return [g for g in groups_of(monitor) if g.tags and verdict((*g.tags, *known)) is True]


def _given(monitor: Monitor, group: str) -> tuple[str, ...]:
    """The tags of the group asked for: a name the monitor reported, or tags of its keys."""
    reported = [g for g in groups_of(monitor) if g.tags]
    named = next((g for g in reported if g.name == group), None)
    if named is not None:
        return tuple(sorted(named.tags))
    tags = _tags(group)
    if not reported:
        raise Refused(
            f"\u201c{monitor.name}\u201d is not grouped, so it has no group {group[:80]}; "
            "mute the whole monitor instead."
        )
    keys = {t.partition(":")[0] for g in reported for t in g.tags}
    if {t.partition(":")[0] for t in tags} != keys:
        raise Refused(
            f"\u201c{monitor.name}\u201d groups by {', '.join(sorted(keys))}; "
            f"{group[:80]} names other tags."
        )
    return tags


def target(monitor: Monitor, group: str = "") -> Target:
    """The monitor (no group), or the one group named: one Datadog reported, or (from an
    alert's link, before the copy has seen it) one named by key:value tags of the keys the
    monitor groups by. Never a pattern, and never a scope that mutes a second reported group:
    what the confirmation names is what goes quiet."""
    group = group.strip()[:1000]
    if not group or group == "*":
        return Target(monitor)
    tags = _given(monitor, group)
    # Each tag one term of a scope that matches one value: a reported name is no exception.
    if not all(scope.plain_term(tag) for tag in tags):
        raise _not_one_group(group)
    hits = _muted_by(monitor, tags)
    if len(hits) > 1:
        names = ", ".join(g.name for g in hits[:5])
        raise Refused(
            f"{group[:80]} would mute {len(hits)} groups of \u201c{monitor.name}\u201d "
            f"({names}): quick mute mutes one group; use the full form for more."
        )
    if hits:  # as Datadog reported it, whatever the spelling asked for
        return Target(monitor, hits[0], tuple(sorted(hits[0].tags)))
    notice = (
        f"Datadog has not reported a group {','.join(tags)} for this monitor (yet): the mute "
        "applies to it whenever it reports."
    )
    return Target(monitor, None, tags, notice)


def scope_for(group: str) -> str:
    """The scope a group that was refused asked for, for the full form to check and show: a
    group's commas are Datadog's AND (`env:prod,host:*` is `env:prod AND host:*`)."""
    parts = [part.strip() for part in group.strip().split(",")]
    return " AND ".join(parts) if all(parts) else group.strip()


@dataclass(frozen=True)
class Plan:
    target: Target
    end: datetime  # for "until it recovers", its cap
    length: str  # "1 hour", or "" for a chosen time
    definition: Definition
    recovers: bool = False  # ends sooner, once what it mutes has recovered


def _end(
    now: datetime, duration: str, until: str, zone: ZoneInfo, cap: str
) -> tuple[datetime, str]:
    if duration in DURATIONS:
        delta, words = DURATIONS[duration]
        return now + delta, words
    if duration == RECOVERS:
        if cap not in CAPS:
            raise Refused(
                "Until it recovers needs an end at the latest: 4 hours, 12 hours or 1 day."
            )
        delta, words = CAPS[cap]
        return now + delta, f"at most {words}"
    if duration != UNTIL:
        raise Refused(
            "Choose 30 minutes, 1 hour, 4 hours, until it recovers, or a time to mute it until."
        )
    if not until.strip():
        raise Refused("Say until when: a date and time such as 2026-11-16T14:00.")
    try:
        end = actions.parse_until(until, zone)
    except actions.Refused as refusal:
        raise Refused(str(refusal)) from None
    if end <= now + MARGIN:
        raise Refused("That time has passed; choose a time ahead.")
    if end > now + LONGEST:
        raise Refused("That is more than ten years away; choose a nearer time.")
    return end, ""


def plan(
    chosen: Target,
    now: datetime,
    *,
    duration: str = DEFAULT,
    until: str = "",
    cap: str = DEFAULT_CAP,
    zone: ZoneInfo,
    message: str = "",
) -> Plan:
    """The downtime that mutes `chosen` from now: by the monitor's id, over the group's tags."""
    end, length = _end(now, duration, until, zone, cap)
    if len(message) > MAX_MESSAGE:
        raise Refused(f"The message is {len(message):,} characters; at most {MAX_MESSAGE:,}.")
    definition = Definition(
        scope=chosen.scope,
        monitor_identifier=MonitorIdentifier(monitor_id=chosen.monitor.id),
        schedule=OneTimeSchedule(start=None, end=end),  # from when Datadog receives it
        message=message.strip() or None,
        display_timezone=zone.key,
    )
    return Plan(chosen, end, length, definition, recovers=duration == RECOVERS)


def quiet_words(chosen: Plan, zone: ZoneInfo, now: datetime, settle: str = "") -> str:
    """What goes quiet, in words: `host:web-3 of “api latency” (Alert now) stops notifying
    until Today 15:30 CET (1 hour).`; for "until it recovers", how long it must be OK (`settle`,
    in words) and its latest end."""
    shown = presenters.Moment(chosen.end, zone, now)
    what = chosen.target
    if what.group is not None:
        state = what.group.status
    else:  # the whole monitor's state; none for a group Datadog has not reported
        state = what.monitor.overall_state if what.whole else None
    now_words = f" ({state} now)" if state else ""
    if chosen.recovers:
        return (
            f"{what.words}{now_words} stops notifying until it has been OK for "
            f"{settle}, at the latest {shown.label} {shown.zone_label} "
            f"({chosen.length})."
        )
    length = f" ({chosen.length})" if chosen.length else ""
    return (
        f"{what.words}{now_words} stops notifying until {shown.label} {shown.zone_label}{length}."
    )


def summary(chosen: Plan) -> str:
    """The audit trail's line for it."""
    what = "the whole monitor" if chosen.target.whole else chosen.target.group_name
    until = f"{chosen.end.astimezone(ZoneInfo('UTC')):%Y-%m-%d %H:%M} UTC"
    if chosen.recovers:
        until = f"it recovers, at the latest {until}"
    return f"Muted {what} of monitor {chosen.target.monitor.id} until {until} (quick mute)"


def mute(
    user: User,
    chosen: Plan,
    *,
    token: str,
    now: datetime,
    remind_to: Sequence[str] | None = None,
) -> saving.Outcome:
    """Create the downtime once for this token, however often it is sent; `remind_to`: the
    destinations reminded before it ends (None: the default, as for any new downtime)."""
    return saving.save_downtime(
        user,
        chosen.definition,
        token=token,
        now=now,
        summary=summary(chosen),
        remind_to=remind_to,
        ends_on_recovery=chosen.recovers,
    )


def alert_link_query(monitor: Monitor) -> str:
    """The query string a monitor's message template carries to mute the group that alerted:
    `group=host:{{host.name}}` from its query's `by {...}` (Datadog's tag variables)."""
    keys = _group_keys(monitor)
    if not keys:
        return ""
    return "group=" + ",".join(f"{key}:{{{{{key}.name}}}}" for key in keys)


def _group_keys(monitor: Monitor) -> list[str]:
    """The keys it groups by: from the groups Datadog reported, else from the query."""
    for group in groups_of(monitor):
        if group.tags:
            return [t.partition(":")[0] for t in group.tags]
    known = {t.partition(":")[0] for t in query_tags(monitor.query)}
    return [k for k in _by_keys(monitor.query or "") if k not in known]


def _by_keys(query: str) -> list[str]:
    start = query.find("by {")
    if start < 0:
        return []
    inner = query[start + 4 : query.find("}", start)]
    return [k.strip() for k in inner.split(",") if k.strip()]


def clean_token(value: str) -> str:
    """A posted one-time token, or "" for none this dashboard could have made."""
    value = value.strip()
    return value if submissions.well_formed(value) else ""
