"""Scheduling maintenance: the create and edit form, its live preview and its lookups.

The page posts to itself. Its buttons say what the post is for (`_action`): save, preview, find
monitors, add or remove a recurrence, or a quick duration, so that every part of the form works
without JavaScript. With JavaScript, htmx fills the same partials as the user types.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import audit, datadog, forms, planning, presenters, schedules, store, submissions
from ..access import editor_required
from ..datadog import Downtime, Monitor, OneTimeSchedule, attributes_of
from ..datadog.records import parse_downtime
from ..models import AuditEntry, SubmissionToken
from ..scope import check_scope, scope_chips
from ..timekeeping import TZ_COOKIE, now, viewer_zone
from . import downtime as downtime_views

NEW, EDIT = "new", "edit"
MONITOR_CACHE_SECONDS = 60
MONITOR_SAMPLE = 5
SEARCH_RESULTS = 12


# --- monitors: the selector's lookups, cached briefly so typing does not hammer Datadog --------


@dataclass(frozen=True)
class MonitorSample:
    monitors: tuple[Monitor, ...]
    total: int | None
    error: str = ""


def _cached(key: str, fetch: Callable[[], Any]) -> Any:
    key = "schedule-form:" + hashlib.sha256(key.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = fetch()
        cache.set(key, found, MONITOR_CACHE_SECONDS)
    return found


def _search(query: str, per_page: int) -> MonitorSample:
    try:
        page = _cached(
            f"search:{per_page}:{query}",
            lambda: datadog.search_monitors(query=query, per_page=per_page),
        )
    except datadog.DatadogError as error:
        return MonitorSample((), None, f"Could not list monitors: {error}")
    return MonitorSample(page.monitors, page.total)


def _monitor(monitor_id: int | None) -> Monitor | None:
    if not monitor_id:
        return None
    try:
        return _cached(f"monitor:{monitor_id}", lambda: datadog.get_monitor(monitor_id))
    except datadog.DatadogError:
        return None


def _tag_query(tags: list[str]) -> str:
    # Datadog's monitor search: `tag:team:db tag:env:prod` matches monitors with both tags.
    return " ".join(f'tag:"{tag}"' if " " in tag else f"tag:{tag}" for tag in tags)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _monitor_choices(query: str, selected_id: int | None) -> dict[str, Any]:
    """The search results, with the chosen monitor kept at the top whatever was searched."""
    selected = _monitor(selected_id)
    found = _search(query.strip(), SEARCH_RESULTS) if query.strip() else MonitorSample((), None)
    results = [m for m in found.monitors if selected is None or m.id != selected.id]
    return {
        "monitor_query": query,
        "selected_monitor": selected,
        "selected_id": selected_id,
        "monitor_results": results,
        "monitor_total": found.total,
        "monitor_error": found.error,
    }


def _tag_matches(tags: list[str]) -> dict[str, Any]:
    sample = _search(_tag_query(tags), MONITOR_SAMPLE) if tags else None
    return {"tags": tags, "tag_sample": sample}


# --- the preview ------------------------------------------------------------------------------


@dataclass
class Preview:
    problems: list[forms.Problem] = field(default_factory=list)
    sentence: str = ""
    windows: list[presenters.WindowRow] = field(default_factory=list)
    schedule_zone: str = ""
    viewer_zone: str = ""
    mutes: str = ""
    mutes_tone: str = ""
    sample: MonitorSample | None = None
    scope_chips: tuple = ()
    covering: list[presenters.Row] = field(default_factory=list)
    covering_note: str = ""
    body: str = ""
    body_note: str = ""
    changed: list[str] = field(default_factory=list)
    share_url: str = ""


def _draft_record(draft: forms.Draft, moment: datetime) -> Downtime | None:
    """The draft as a downtime record, so the list's words and window table describe it."""
    schedule = draft.schedule_value()
    if schedule is None:
        return None
    zone = draft.form.cleaned_data.get("timezone") or "UTC"
    document = {
        "id": "draft",
        "attributes": {
            "scope": draft.form.cleaned_data.get("scope") or "",
            "display_timezone": zone,
            "schedule": schedule,
            "created": moment.isoformat(),
            "status": datadog.SCHEDULED,
        },
    }
    return parse_downtime(document)


def _one_time_end(record: Downtime | None) -> datetime | None:
    if record is None or not isinstance(record.schedule, OneTimeSchedule):
        return None
    return record.schedule.end


def _sentence(draft: forms.Draft, record: Downtime, moment: datetime) -> str:
    zone = schedules.get_zone(record.display_timezone)
    words = presenters.schedule_words(record, zone, moment)
    schedule = record.schedule
    if not isinstance(schedule, OneTimeSchedule) or schedule.start is not None:
        return ("Once: " if isinstance(schedule, OneTimeSchedule) else "") + words
    if schedule.end is None:
        return "Starts as soon as it is saved and never ends: someone will have to end it."
    end = presenters.Moment(schedule.end, zone, moment)
    when = f"{end.time}" if end.day == "Today" else f"{end.label}"
    if draft.data.get("end_mode") == forms.END_AFTER:
        length = schedules.parse_duration(draft.data.get("duration") or "1h")
        return (
            f"Starts as soon as it is saved and lasts {length.words()} "
            f"(until about {when} {end.zone_label})."
        )
    return f"Starts as soon as it is saved and ends {when} {end.zone_label}."


def _mutes(draft: forms.Draft) -> tuple[str, str, MonitorSample | None, planning.Target | None]:
    data = draft.form.cleaned_data
    target = data.get("target")
    if target == forms.TARGET_MONITOR and data.get("monitor_id"):
        monitor = _monitor(data["monitor_id"])
        if monitor is None:
            return (f"Monitor {data['monitor_id']} (not found in Datadog)", "warn", None, None)
        sample = MonitorSample((monitor,), 1)
        return (
            "Mutes one monitor",
            "",
            sample,
            planning.Target(monitor_id=monitor.id, monitor_tags=monitor.tags),
        )
    if (
        target == forms.TARGET_TAGS
        and data.get("monitor_tags")
        and "monitor_tags" not in draft.form.errors
    ):
        tags = data["monitor_tags"]
        sample = _search(_tag_query(tags), MONITOR_SAMPLE)
        count = "" if sample.total is None else f"{sample.total} "
        tone = "warn" if sample.total == 0 else ""
        word = "monitor" if sample.total == 1 else "monitors"
        return (
            f"Mutes {count}{word} tagged {' and '.join(tags)}",
            tone,
            sample,
            planning.Target(tags=tuple(tags)),
        )
    if target == forms.TARGET_ALL:
        sample = _search("", MONITOR_SAMPLE)
        count = f" ({sample.total} today)" if sample.total is not None else ""
        return (f"Mutes every monitor{count}", "danger", sample, planning.Target(tags=("*",)))
    return ("", "", None, None)


def build_preview(
    draft: forms.Draft,
    *,
    moment: datetime,
    viewer: ZoneInfo,
    mode: str,
    original: Downtime | None,
) -> Preview:
    preview = Preview(viewer_zone=viewer.key)
    valid = draft.is_valid()
    preview.problems = [] if valid else draft.problems()
    record = _draft_record(draft, moment)
    if record is not None:
        preview.sentence = _sentence(draft, record, moment)
        preview.schedule_zone = (
            record.schedule.timezone if record.is_recurring else record.display_timezone
        )
        preview.windows = presenters.next_windows(record, moment, viewer, limit=10)
    data = draft.form.cleaned_data
    preview.mutes, preview.mutes_tone, preview.sample, target = _mutes(draft)
    scope = data.get("scope")
    if scope:
        preview.scope_chips = scope_chips(scope)
        if scope == "*" and target is not None and target.everything:
            preview.mutes_tone = "danger"
    if scope and target is not None:
        current = store.current()
        if current.snapshot is None:
            preview.covering_note = "Could not check other downtimes: Datadog is not answering."
        else:
            found = planning.covering(
                current.downtimes,
                scope=scope,
                target=target,
                starts=draft.form.first_start,
                ends=_one_time_end(record),
                exclude_id=original.id if original else None,
            )
            preview.covering = [presenters.row(d, moment, viewer) for d in found[:5]]
    if valid:
        attributes = draft.attributes()
        if mode == EDIT and original is not None:
            changed = planning.changed_attributes(attributes_of(original), attributes)
            preview.changed = sorted(changed)
            if changed:
                body = datadog.request_body(changed)
                body["data"]["id"] = original.id
                preview.body = json.dumps(body, indent=2)
            else:
                preview.body_note = "Nothing to send yet: no field differs from the downtime."
        else:
            preview.body = json.dumps(datadog.request_body(attributes), indent=2)
    else:
        preview.body_note = "The request appears here once the form has no problems."
    preview.share_url = reverse("downtimes:new") + "?" + forms.share_query(draft.data)
    return preview


# --- rendering the page -------------------------------------------------------------------------


def _tz_options(viewer: ZoneInfo, chosen: str) -> list[tuple[str, str]]:
    """IANA names, the viewer's own first; an unknown chosen name stays so its error shows."""
    first = [viewer.key] + (["UTC"] if viewer.key != "UTC" else [])
    options = [(name, f"{name} (yours)" if name == viewer.key else name) for name in first]
    if chosen and chosen not in schedules.timezone_names() and chosen != "UTC":
        options.insert(0, (chosen, f"{chosen} (unknown)"))
    options += [(n, n) for n in schedules.timezone_names() if n not in first]
    return options


def _locked_start(original: Downtime | None, moment: datetime) -> datetime | None:
    """The start of a one-time window in progress: Datadog does not let it move."""
    if original is None or not isinstance(original.schedule, OneTimeSchedule):
        return None
    start = original.schedule.start or original.created
    end = original.schedule.end
    if start is not None and start <= moment and (end is None or end > moment):
        return start
    return None


def _page(
    request: HttpRequest,
    data: MultiValueDict,
    *,
    mode: str,
    original: Downtime | None = None,
    clone_of: Downtime | None = None,
    show_errors: bool = False,
    banner: str = "",
    draft: forms.Draft | None = None,
    focus: int | str | None = None,
    action_url: str = "",
) -> HttpResponse:
    moment = now()
    viewer = viewer_zone(request.GET.get("tz", ""), request.COOKIES.get(TZ_COOKIE))
    locked = _locked_start(original, moment)
    if draft is None:
        draft = forms.Draft(data, now=moment, original=original, locked_start=locked)
    data = draft.data
    preview = build_preview(draft, moment=moment, viewer=viewer, mode=mode, original=original)
    scope_text = data.get("scope") or ""
    context = {
        "mode": mode,
        "title": "Edit downtime" if mode == EDIT else "Schedule downtime",
        "draft": draft,
        "form": draft.form,
        "recurrences": draft.recurrences,
        "data": data,
        "original": original,
        "original_row": presenters.row(original, moment, viewer) if original else None,
        "clone_of": clone_of,
        "locked_start": (
            presenters.Moment(
                locked, schedules.get_zone(original.display_timezone or "UTC"), moment
            )
            if locked and original
            else None
        ),
        "locked_start_value": (
            forms.wall_text(schedules.to_local(locked, draft.form.zone or ZoneInfo("UTC")))
            if locked
            else ""
        ),
        "canceled": original is not None and original.status == datadog.CANCELED,
        "show_errors": show_errors,
        # Above the form, linked to the fields: on a phone the preview's list is far below.
        "problems": (
            [forms.Problem("", e) for e in draft.upstream_errors] + draft.problems()
            if show_errors
            else []
        ),
        "banner": banner,
        "preview": preview,
        "scope_problem": check_scope(scope_text) if scope_text.strip() else "",
        "scope_chips": scope_chips(scope_text) if scope_text.strip() else (),
        "tz_options": _tz_options(viewer, data.get("timezone") or ""),
        "quick_durations": forms.QUICK_DURATIONS,
        "max_recurrences": forms.MAX_RECURRENCES,
        "weekday_choices": forms.WEEKDAY_CHOICES,
        "nth_choices": list(forms.NTH_LABELS.items()),
        "month_days": list(range(1, 32)),
        "action_url": action_url
        or (
            reverse("downtimes:edit", args=[original.id])
            if mode == EDIT and original
            else reverse("downtimes:new")
        ),
        "zone": viewer.key,
        "baseline": _baseline_text(data, original) if mode == EDIT else "",
        # After adding or removing a recurrence without JavaScript, the reloaded page puts the
        # cursor (and so the scroll position) back where the user was working.
        "focus": focus,
        **_monitor_choices(data.get("monitor_query") or "", _int(data.get("monitor_id"))),
        **_tag_matches(forms.split_tags(data.get("monitor_tags") or "")),
    }
    return render(request, "downtimes/form.html", context)


# --- pages --------------------------------------------------------------------------------------


def _fetch(request: HttpRequest, downtime_id: str) -> Downtime | HttpResponse:
    """A fresh read to edit or clone from: never the cached copy, which may be out of date."""
    try:
        return datadog.get_downtime(downtime_id)
    except datadog.NotFound:
        return downtime_views.not_found(
            request, downtime_id, "Datadog has no downtime with this id."
        )
    except datadog.BadRequest:
        return downtime_views.not_found(request, downtime_id, "This is not a downtime id.")
    except datadog.DatadogError as error:
        return downtime_views.unavailable(request, downtime_id, error)


@editor_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _submit(request, mode=NEW, original=None)
    viewer = viewer_zone(request.GET.get("tz", ""), request.COOKIES.get(TZ_COOKIE))
    data = forms.data_from_query(request.GET, submissions.new_token(), now(), viewer)
    return _page(request, data, mode=NEW)


@editor_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, downtime_id: str) -> HttpResponse:
    original = _fetch(request, downtime_id)
    if isinstance(original, HttpResponse):
        if request.method == "POST" and original.status_code == 503:
            # Datadog is down: keep what was typed and say so, rather than lose the form.
            data = request.POST.copy()
            return _page(
                request,
                data,
                mode=EDIT,
                banner="Datadog could not be reached to load this downtime, so nothing was "
                "saved. Your changes are still here; try again in a moment.",
                # Still this downtime's edit: a resubmit must edit it, never create another.
                action_url=reverse("downtimes:edit", args=[downtime_id]),
            )
        return original
    if request.method == "POST":
        return _submit(request, mode=EDIT, original=original)
    data = forms.data_from_downtime(original, submissions.new_token(), now())
    return _page(request, data, mode=EDIT, original=original)


@editor_required
@require_GET
def clone(request: HttpRequest, downtime_id: str) -> HttpResponse:
    original = _fetch(request, downtime_id)
    if isinstance(original, HttpResponse):
        return original
    data = forms.data_from_downtime(original, submissions.new_token(), now(), clone=True)
    return _page(request, data, mode=NEW, clone_of=original)


@editor_required
@require_GET
def submission(request: HttpRequest, token: str) -> HttpResponse:
    """Where a repeated submit waits for the first one's outcome."""
    found = SubmissionToken.objects.filter(token=token).first()
    if found is not None and found.state == SubmissionToken.State.DONE and found.downtime_id:
        return redirect("downtimes:detail", found.downtime_id)
    pending = found is not None and submissions.waiting(found, now())
    return render(request, "downtimes/submission.html", {"row": found, "pending": pending})


# --- submitting -----------------------------------------------------------------------------


def _summary(mode: str, attributes: dict[str, Any], changed: list[str] | None = None) -> str:
    identifier = attributes.get("monitor_identifier") or {}
    if "monitor_id" in identifier:
        what = f"monitor {identifier['monitor_id']}"
    elif identifier.get("monitor_tags") == ["*"]:
        what = "every monitor"
    else:
        what = "monitors tagged " + ", ".join(identifier.get("monitor_tags") or ())
    if mode == EDIT:
        return "Changed " + ", ".join(changed or ()) if changed else "Edited"
    return f"Scheduled for {what} over {attributes.get('scope')}"


BASELINE = "_baseline"


def _baseline_text(data: MultiValueDict, original: Downtime | None) -> str:
    """The attributes the edit form was first built from, carried through every re-render.

    Saving compares them with the downtime as it is then, so that an edit sends only what this
    person changed and never quietly undoes what someone else changed meanwhile.
    """
    if data.get(BASELINE):
        return data[BASELINE]
    return json.dumps(attributes_of(original), sort_keys=True) if original else ""


def _baseline(data: MultiValueDict) -> dict[str, Any] | None:
    try:
        found = json.loads(data.get(BASELINE) or "null")
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _submit(request: HttpRequest, *, mode: str, original: Downtime | None) -> HttpResponse:
    moment = now()
    viewer = viewer_zone(request.GET.get("tz", ""), request.COOKIES.get(TZ_COOKIE))
    data: MultiValueDict = request.POST.copy()
    action = data.get("_action") or "save"
    for name in ("_action", "_duration", "csrfmiddlewaretoken"):
        data.pop(name, None)
    page = {"mode": mode, "original": original}
    if request.POST.get("_duration"):
        data = data.copy()
        data["duration"], data["end_mode"] = request.POST["_duration"], forms.END_AFTER
        return _page(request, data, **page)
    if action == "add":
        zone = _zone_or(data.get("timezone"), viewer)
        return _page(request, forms.add_recurrence(forms.resolve(data), moment, zone), **page)
    if action.startswith("remove-"):
        index = _int(action.removeprefix("remove-"))
        return _page(
            request, forms.remove_recurrence(data, index if index is not None else -1), **page
        )
    if action == "find":
        return _page(request, data, **page)
    draft = forms.Draft(
        data, now=moment, original=original, locked_start=_locked_start(original, moment)
    )
    if action != "save" or not draft.is_valid():
        return _page(request, draft.data, draft=draft, show_errors=True, **page)
    if original is not None and original.status == datadog.CANCELED:
        return _page(
            request,
            draft.data,
            draft=draft,
            show_errors=True,
            banner="This downtime is canceled; Datadog does not change canceled downtimes. "
            "Clone it to schedule a new one.",
            **page,
        )
    attributes = draft.attributes()
    kept: list[str] = []
    if mode == EDIT and original is not None:
        before = attributes_of(original)
        baseline = _baseline(data) or before
        mine = planning.changed_attributes(baseline, attributes)
        theirs = planning.changed_attributes(baseline, before)
        clashes = sorted(name for name in set(mine) & set(theirs) if name in mine)
        if clashes:
            # Both changed the same thing: show theirs, keep what was typed, let them decide.
            data = draft.data.copy()
            data[BASELINE] = json.dumps(before, sort_keys=True)
            return _page(
                request,
                data,
                show_errors=True,
                banner=(
                    f"While you were editing, someone changed {', '.join(clashes)} of this "
                    "downtime (see its page). Nothing was saved. What you typed is still here: "
                    "save again to replace their change with yours."
                ),
                **page,
            )
        kept = sorted(theirs)
        sent = planning.changed_attributes(before, {name: attributes[name] for name in mine})
        if not sent:
            messages.info(request, "Nothing changed: the downtime is as it was.")
            return redirect("downtimes:detail", original.id)
    else:
        before, sent = None, attributes
    claim = submissions.claim(
        draft.form.cleaned_data["token"],
        request.user,
        action=mode,
        attributes=sent,
        now=moment,
        downtime_id=original.id if original else "",
    )
    if claim.outcome == submissions.DONE:
        messages.info(
            request, "This form had already been submitted; here is the downtime it saved."
        )
        return redirect("downtimes:detail", claim.row.downtime_id)
    if claim.outcome == submissions.IN_FLIGHT:
        return redirect("downtimes:submission", claim.row.token)
    if claim.unsure and mode == NEW:
        earlier = _earlier_result(claim)
        if isinstance(earlier, str):
            submissions.failed(claim.row, earlier, uncertain=True)
            return _page(request, draft.data, draft=draft, show_errors=True, banner=earlier, **page)
        if earlier is not None:
            submissions.succeeded(claim.row, earlier.id)
            messages.success(
                request,
                "Downtime scheduled. The earlier attempt that timed out had gone through, so "
                "nothing was sent again.",
            )
            return redirect("downtimes:detail", earlier.id)
    response = _send(request, draft, claim, mode=mode, original=original, before=before, sent=sent)
    if kept and response.status_code == 302:
        messages.info(
            request,
            f"Someone else changed {', '.join(kept)} while you were editing; "
            "their change was kept.",
        )
    return response


def _zone_or(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    try:
        return schedules.get_zone(name or "")
    except schedules.ScheduleError:
        return fallback


def _earlier_result(claim: submissions.Claim) -> Downtime | str | None:
    """After an unknown outcome: the downtime it made, None if none, or why we cannot tell."""
    try:
        downtimes = datadog.list_all_downtimes()
    except datadog.DatadogError as error:
        return (
            "An earlier attempt to save this form timed out, and Datadog cannot be asked "
            f"whether it went through ({error}). Nothing was sent, so that no second downtime "
            "is made; submit again in a moment."
        )
    return submissions.earlier_result(claim.unsure, downtimes)


def _send(
    request: HttpRequest,
    draft: forms.Draft,
    claim: submissions.Claim,
    *,
    mode: str,
    original: Downtime | None,
    before: dict[str, Any] | None,
    sent: dict[str, Any],
) -> HttpResponse:
    page = {"mode": mode, "original": original}
    if mode == EDIT and original is not None:
        action = AuditEntry.Action.EDIT
        summary = _summary(mode, sent, sorted(sent))

        def call() -> Downtime:
            return datadog.update_downtime(original.id, attributes=sent)

    else:
        action = AuditEntry.Action.CREATE
        summary = _summary(mode, sent)

        def call() -> Downtime:
            return datadog.create_downtime(attributes=sent)

    try:
        result = audit.perform(
            request.user,
            action,
            call,
            downtime_id=original.id if original else "",
            summary=summary,
            before=before,
            after=attributes_of,
        )
    except datadog.BadRequest as error:
        submissions.failed(claim.row, str(error), uncertain=False)
        monitor_field = (
            "monitor_tags" if draft.data.get("target") == forms.TARGET_TAGS else "monitor_id"
        )
        for message in error.errors or (str(error),):
            draft.add_upstream_error(
                message, planning.place_error(message, monitor_field=monitor_field)
            )
        return _page(request, draft.data, draft=draft, show_errors=True, **page)
    except (datadog.Unavailable, datadog.MalformedResponse) as error:
        submissions.failed(claim.row, str(error), uncertain=True)
        return _page(
            request,
            draft.data,
            draft=draft,
            show_errors=True,
            banner=f"{error}. Everything you typed is still here. Submitting again is safe: the "
            "dashboard first checks whether the downtime was made, and will not make a second.",
            **page,
        )
    except datadog.DatadogError as error:
        submissions.failed(claim.row, str(error), uncertain=False)
        return _page(
            request,
            draft.data,
            draft=draft,
            show_errors=True,
            banner=f"Nothing was saved: {error}. Everything you typed is still here.",
            **page,
        )
    submissions.succeeded(claim.row, result.id)
    if mode == EDIT:
        messages.success(
            request,
            "Downtime updated: " + ", ".join(n.replace("_", " ") for n in sorted(sent)) + ".",
        )
    else:
        messages.success(request, "Downtime scheduled.")
    return redirect("downtimes:detail", result.id)


# --- htmx partials --------------------------------------------------------------------------


def _preview_original(downtime_id: str) -> Downtime | None:
    snapshot = store.current().snapshot
    found = snapshot.get(downtime_id) if snapshot and downtime_id else None
    if found is None and downtime_id:
        try:
            found = datadog.get_downtime(downtime_id)
        except datadog.DatadogError:
            return None
    return found


@editor_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    moment = now()
    viewer = viewer_zone("", request.COOKIES.get(TZ_COOKIE))
    data = request.POST.copy()
    mode = EDIT if data.get("_mode") == EDIT else NEW
    original = _preview_original(data.get("_downtime") or "") if mode == EDIT else None
    draft = forms.Draft(
        data, now=moment, original=original, locked_start=_locked_start(original, moment)
    )
    result = build_preview(draft, moment=moment, viewer=viewer, mode=mode, original=original)
    return render(request, "downtimes/partials/_preview.html", {"preview": result, "mode": mode})


@editor_required
@require_POST
def recurrence(request: HttpRequest) -> HttpResponse:
    """After a change in one recurrence: the side that must follow the other, out of band.

    Only that side is swapped, never what the user is changing, so a second change made while
    the first one's answer is on its way is not overwritten.
    """
    index = _int(request.POST.get("_index")) or 0
    prefix = f"{forms.PREFIX}-{index}-"
    rule = (request.POST.get(prefix + "rrule") or "").strip()
    data = forms.resolve(request.POST.copy())
    # Also swap the controls when the server filled some in (the nth weekday of the month).
    filled = any(
        (request.POST.get(prefix + name) or "") != (data.get(prefix + name) or "")
        for name in ("nth", "nth_weekday")
    )
    form = forms.RecurrenceForm(data, prefix=prefix.rstrip("-"))
    form.is_valid()
    context = {
        "rform": form,
        "index": index,
        "rule_side": filled or (bool(rule) and rule != (request.POST.get(prefix + "synced") or "")),
        "show_errors": True,
        "weekday_choices": forms.WEEKDAY_CHOICES,
        "nth_choices": list(forms.NTH_LABELS.items()),
        "month_days": list(range(1, 32)),
    }
    return render(request, "downtimes/partials/_recurrence_sync.html", context)


@editor_required
@require_GET
def scope_check(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("scope", "")
    return render(
        request,
        "downtimes/partials/_scope_check.html",
        {
            "scope_problem": check_scope(text) if text.strip() else "",
            "scope_chips": scope_chips(text) if text.strip() else (),
        },
    )


@editor_required
@require_GET
def monitor_search(request: HttpRequest) -> HttpResponse:
    context = _monitor_choices(
        request.GET.get("monitor_query", ""), _int(request.GET.get("monitor_id"))
    )
    return render(request, "downtimes/partials/_monitor_results.html", context)


@editor_required
@require_GET
def tag_matches(request: HttpRequest) -> HttpResponse:
    tags = forms.split_tags(" ".join(request.GET.getlist("monitor_tags")))
    return render(request, "downtimes/partials/_tag_matches.html", _tag_matches(tags))
