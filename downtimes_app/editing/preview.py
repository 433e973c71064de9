"""The form's live preview: what the downtime being typed will do, before it is saved.

The schedule in words and its next windows, the monitors it mutes, the downtimes that already
cover it, and the exact request Datadog will be sent. Built from the draft's typed records; the
presenters describe them as they describe any downtime.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse

from downtimes_app import datadog, store
from downtimes_app.core import planning, presenters, schedules
from downtimes_app.core.domain import Downtime, OneTimeSchedule, changed
from downtimes_app.core.scope import Chip, scope_chips
from downtimes_app.editing import lookups
from downtimes_app.editing.forms.draft import Draft, Problem
from downtimes_app.editing.forms.prefill import share_query
from downtimes_app.editing.forms.values import TARGET_ALL, TARGET_MONITOR, TARGET_TAGS
from downtimes_app.muting import monitoring
from downtimes_app.muting import mutes as muting
from downtimes_app.policy import judging
from downtimes_app.policy.rules import Verdict

COVERING_SHOWN = 5


@dataclass
class Preview:
    problems: list[Problem] = field(default_factory=list)
    sentence: str = ""
    windows: list[presenters.WindowRow] = field(default_factory=list)
    windows_note: str = ""
    schedule_zone: str = ""
    viewer_zone: str = ""
    mutes: str = ""
    mutes_tone: str = ""
    sample: lookups.MonitorSample | None = None
    scope_chips: tuple[Chip, ...] = ()
    covering: list[presenters.Row] = field(default_factory=list)
    covering_note: str = ""
    body: str = ""
    body_note: str = ""
    changed: list[str] = field(default_factory=list)
    share_url: str = ""
    # The monitors it would mute, their states, and what would notify if it ended now.
    aftermath: muting.Aftermath | None = None
    aftermath_note: str = ""
    # What the policy will say on save: refused (each rule) or held for a second editor.
    policy: Verdict | None = None


@dataclass(frozen=True)
class Mutes:
    words: str = ""
    tone: str = ""  # "", "warn" or "danger"
    sample: lookups.MonitorSample | None = None
    target: planning.Target | None = None


def _record(draft: Draft, now: datetime) -> Downtime | None:
    """The draft's schedule as a downtime record, so the list's words and windows describe it."""
    schedule = draft.schedule()
    if schedule is None:
        return None
    data = draft.form.cleaned_data
    return Downtime(
        id="",
        status="scheduled",
        scope=data.get("scope") or "",
        schedule=schedule,
        display_timezone=data.get("timezone") or "UTC",
        created=now,
    )


def _sentence(draft: Draft, record: Downtime, now: datetime) -> str:
    zone = schedules.get_zone(record.display_timezone)
    schedule = record.schedule
    if not isinstance(schedule, OneTimeSchedule):
        return presenters.schedule_words(record, zone, now)
    if not draft.starts_now:
        return "Once: " + presenters.schedule_words(record, zone, now)
    if schedule.end is None:
        return "Starts as soon as it is saved and never ends: someone will have to end it."
    end = presenters.Moment(schedule.end, zone, now)
    when = end.time if end.day == "Today" else end.label
    if draft.data.get("end_mode") == "after":
        length = schedules.parse_duration(draft.data.get("duration") or "1h")
        return (
            f"Starts as soon as it is saved and lasts {length.words()} "
            f"(until about {when} {end.zone_label})."
        )
    return f"Starts as soon as it is saved and ends {when} {end.zone_label}."


def mutes(draft: Draft) -> Mutes:
    """What the draft mutes, in words, with a sample of the monitors."""
    data = draft.form.cleaned_data
    target = data.get("target")
    if target == TARGET_MONITOR and data.get("monitor_id"):
        monitor = lookups.monitor(data["monitor_id"])
        if monitor is None:
            return Mutes(f"Monitor {data['monitor_id']} (not found in Datadog)", "warn")
        return Mutes(
            "Mutes one monitor",
            sample=lookups.MonitorSample((monitor,), 1),
            target=planning.Target(monitor_id=monitor.id, monitor_tags=monitor.tags),
        )
    identifier = draft.monitor_identifier()
    if target == TARGET_TAGS and identifier is not None:
        tags = identifier.monitor_tags
        sample = lookups.tagged(tags)
        count = "" if sample.total is None else f"{sample.total} "
        word = "monitor" if sample.total == 1 else "monitors"
        return Mutes(
            f"Mutes {count}{word} tagged {' and '.join(tags)}",
            "warn" if sample.total == 0 else "",
            sample,
            planning.Target(tags=tags),
        )
    if target == TARGET_ALL:
        sample = lookups.search("", lookups.SAMPLE)
        count = f" ({sample.total} today)" if sample.total is not None else ""
        return Mutes(f"Mutes every monitor{count}", "danger", sample, planning.Target(tags=("*",)))
    return Mutes()


def _covering(
    draft: Draft, target: planning.Target, record: Downtime | None, now: datetime, viewer: ZoneInfo
) -> tuple[list[presenters.Row], str]:
    current = store.current()
    if current.snapshot is None:
        return [], "Could not check other downtimes: Datadog is not answering."
    schedule = record.schedule if record else None
    found = planning.covering(
        current.downtimes,
        scope=draft.form.cleaned_data["scope"],
        target=target,
        starts=draft.first_start(),
        ends=schedule.end if isinstance(schedule, OneTimeSchedule) else None,
        exclude_id=draft.original.id if draft.original else None,
    )
    return [presenters.row(d, now, viewer) for d in found[:COVERING_SHOWN]], ""


AFTERMATH_SHOWN = 5


def _aftermath(draft: Draft, now: datetime) -> tuple[muting.Aftermath | None, str]:
    """From the cached copies (no upstream call once they are warm)."""
    record = Downtime.of(draft.definition(), created=now)
    result, seen = monitoring.aftermath(record, now)
    if seen.monitors.snapshot is None:
        failure = seen.monitors.failure
        why = f": {failure.message}" if failure else " yet"
        return None, f"The monitors' states could not be had from Datadog{why}."
    return result, ""


def _request(preview: Preview, draft: Draft, editing: Downtime | None) -> None:
    """The exact request: the whole create, or an edit's PATCH of what changed."""
    if not draft.is_valid():
        preview.body_note = "The request appears here once the form has no problems."
        return
    attributes = draft.definition().attributes()
    if editing is None:
        preview.body = json.dumps(datadog.request_body(attributes), indent=2)
        return
    differs = changed(editing.definition.attributes(), attributes)
    preview.changed = sorted(differs)
    if not differs:
        preview.body_note = "Nothing to send yet: no field differs from the downtime."
        return
    body = datadog.request_body(differs)
    body["data"]["id"] = editing.id
    preview.body = json.dumps(body, indent=2)


def _policy(draft: Draft, editing: Downtime | None, user: judging.User, now: datetime) -> Verdict:
    definition = draft.definition()
    edited = None
    if editing is not None:
        edited = list(changed(editing.definition.attributes(), definition.attributes()))
    before = editing.definition if editing is not None else None
    return judging.judge(user, definition, now, changed=edited, before=before)


def build(
    draft: Draft,
    *,
    now: datetime,
    viewer: ZoneInfo,
    editing: Downtime | None,
    user: judging.User | None = None,
) -> Preview:
    """The preview of a draft; `editing` is the downtime an edit would change; `user`, whose
    policy it is judged by (the same judgement the save makes)."""
    preview = Preview(viewer_zone=viewer.key)
    if not draft.is_valid():
        preview.problems = draft.problems()
    record = _record(draft, now)
    if record is not None:
        preview.sentence = _sentence(draft, record, now)
        preview.schedule_zone = record.schedule_zone
        preview.windows = presenters.next_windows(record, now, viewer, limit=10)
        if not preview.windows:
            preview.windows_note = presenters.windows_note(record, now)
    muted = mutes(draft)
    preview.mutes, preview.mutes_tone, preview.sample = muted.words, muted.tone, muted.sample
    scope = draft.form.cleaned_data.get("scope")
    if scope:
        preview.scope_chips = scope_chips(scope)
        if scope == "*" and muted.target is not None and muted.target.everything:
            preview.mutes_tone = "danger"
        if muted.target is not None:
            preview.covering, preview.covering_note = _covering(
                draft, muted.target, record, now, viewer
            )
    if draft.is_valid():
        preview.aftermath, preview.aftermath_note = _aftermath(draft, now)
        if user is not None and judging.in_force():
            preview.policy = _policy(draft, editing, user, now)
    _request(preview, draft, editing)
    preview.share_url = reverse("downtimes:new") + "?" + share_query(draft.data)
    return preview
