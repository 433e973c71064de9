"""Scheduling maintenance: the create, edit and clone pages, and what a submit leads to.

The page posts to itself. Its buttons say what the post is for (`_action`): save, preview, find
monitors, add or remove a recurrence, or a quick duration, so that every part of the form works
without JavaScript (with it, htmx fills the same partials as the user types: `form_parts.py`).
Saving is `saving.save_downtime`; this module turns its outcome into a page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.views.decorators.http import require_GET, require_http_methods

from downtimes_app.core import presenters, schedules
from downtimes_app.core.clock import now
from downtimes_app.core.domain import CANCELED, Downtime
from downtimes_app.core.planning import place_error
from downtimes_app.editing import preview, reminding, saving, submissions
from downtimes_app.editing.forms import prefill, recurrences, remind
from downtimes_app.editing.forms.downtime import TOKEN_LENGTH
from downtimes_app.editing.forms.draft import Draft, Problem
from downtimes_app.editing.forms.values import END_AFTER, PREFIX, split_tags, wall_text
from downtimes_app.editing.views import parts as form_parts
from downtimes_app.models import ApprovalRequest, SubmissionToken
from downtimes_app.notify import outbox
from downtimes_app.web.access import editor_required
from downtimes_app.web.plumbing import Request, downtime_or_error

NEW, EDIT = "new", "edit"
SEEN = "_seen"  # the `modified` time of the downtime an edit form was drawn from


def _tz_options(viewer: ZoneInfo, chosen: str) -> list[tuple[str, str]]:
    """IANA names, the viewer's own first; an unknown chosen name stays so its error shows."""
    first = [viewer.key] + (["UTC"] if viewer.key != "UTC" else [])
    options = [(name, f"{name} (yours)" if name == viewer.key else name) for name in first]
    if chosen and chosen not in schedules.timezone_names() and chosen != "UTC":
        options.insert(0, (chosen, f"{chosen} (unknown)"))
    options += [(n, n) for n in schedules.timezone_names() if n not in first]
    return options


def _original_context(original: Downtime | None, draft: Draft, moment: datetime) -> dict:
    """A window in progress, whose start is shown but cannot be changed."""
    locked = form_parts.locked_start(original, moment)
    if original is None or locked is None:
        return {"locked_start": None, "locked_start_value": ""}
    try:
        zone = schedules.get_zone(draft.data.get("timezone") or "UTC")
    except schedules.ScheduleError:
        zone = ZoneInfo("UTC")
    return {
        "locked_start": presenters.Moment(
            locked, schedules.get_zone(original.display_timezone or "UTC"), moment
        ),
        "locked_start_value": wall_text(schedules.to_local(locked, zone)),
    }


def _page(
    request: Request,
    draft: Draft,
    *,
    mode: str,
    original: Downtime | None = None,
    clone_of: Downtime | None = None,
    show_errors: bool = False,
    banner: str = "",
    focus: int | str | None = None,
    action_url: str = "",
    policy_refused: bool = False,
) -> HttpResponse:
    moment, data = now(), draft.data
    editing = original if mode == EDIT else None
    problems = [Problem("", e) for e in draft.upstream_errors] + draft.problems()
    context = {
        "mode": mode,
        "title": "Edit downtime" if mode == EDIT else "Schedule downtime",
        "draft": draft,
        "form": draft.form,
        "recurrences": draft.recurrences,
        "original": original,
        "original_row": presenters.row(original, moment, request.zone) if original else None,
        "clone_of": clone_of,
        "canceled": original is not None and original.status == CANCELED,
        "show_errors": show_errors,
        # Above the form, linked to the fields: on a phone the preview's list is far below.
        "problems": problems if show_errors else [],
        "banner": banner,
        "policy_refused": policy_refused,
        "preview": preview.build(
            draft, now=moment, viewer=request.zone, editing=editing, user=request.user
        ),
        "tz_options": _tz_options(request.zone, data.get("timezone") or ""),
        "action_url": action_url
        or (reverse("downtimes:edit", args=[original.id]) if editing else reverse("downtimes:new")),
        # An ISO time is 32 characters; a posted value is only ever compared, never parsed.
        "seen": (data.get(SEEN) or "")[:64]
        or (editing.modified.isoformat() if editing and editing.modified else ""),
        # After adding or removing a recurrence without JavaScript, the reloaded page puts the
        # cursor (and so the scroll position) back where the user was working.
        "focus": focus,
        **_original_context(original, draft, moment),
        **reminding.context(data.getlist(remind.FIELD)),
        **form_parts.scope_context(data.get("scope") or ""),
        **form_parts.monitor_choices(
            data.get("monitor_query") or "", form_parts.to_int(data.get("monitor_id"))
        ),
        **form_parts.tag_matches(split_tags(data.get("monitor_tags") or "")),
    }
    return render(request, "editing/form.html", context)


def _draft(data: MultiValueDict, original: Downtime | None) -> Draft:
    moment = now()
    locked = form_parts.locked_start(original, moment)
    return Draft(data, now=moment, original=original, locked_start=locked)


# --- pages --------------------------------------------------------------------------------------


@editor_required
@require_http_methods(["GET", "POST"])
def new(request: Request) -> HttpResponse:
    if request.method == "POST":
        return _submit(request, mode=NEW, original=None)
    data = prefill.data_from_query(request.GET, submissions.new_token(), now(), request.zone)
    data = remind.with_choice(data, reminding.names(), asked=request.GET.get("remind"))
    return _page(request, _draft(data, None), mode=NEW)


@editor_required
@require_http_methods(["GET", "POST"])
def edit(request: Request, downtime_id: str) -> HttpResponse:
    # A fresh read to edit from: never the cached copy, which may be out of date.
    found = downtime_or_error(request, downtime_id, stale_ok=False)
    if isinstance(found, HttpResponse):
        if request.method == "POST" and found.status_code == 503:
            # Datadog is down: keep what was typed and say so, rather than lose the form.
            return _page(
                request,
                _draft(request.POST.copy(), None),
                mode=EDIT,
                banner="Datadog could not be reached to load this downtime, so nothing was "
                "saved. Your changes are still here; try again in a moment.",
                # Still this downtime's edit: a resubmit must edit it, never create another.
                action_url=reverse("downtimes:edit", args=[downtime_id]),
            )
        return found
    original, _ = found
    if request.method == "POST":
        return _submit(request, mode=EDIT, original=original)
    token = submissions.new_token()
    saving.remember_baseline(token, original)
    data = prefill.data_from_downtime(original, token, now())
    data = remind.with_choice(data, reminding.names(), chosen=outbox.chosen(original.id))
    return _page(request, _draft(data, original), mode=EDIT, original=original)


@editor_required
@require_GET
def clone(request: Request, downtime_id: str) -> HttpResponse:
    found = downtime_or_error(request, downtime_id, stale_ok=False)
    if isinstance(found, HttpResponse):
        return found
    original, _ = found
    data = prefill.data_from_downtime(original, submissions.new_token(), now(), clone=True)
    data = remind.with_choice(data, reminding.names())
    return _page(request, _draft(data, None), mode=NEW, clone_of=original)


@editor_required
@require_GET
def submission(request: Request, token: str) -> HttpResponse:
    """Where a repeated submit waits for the first one's outcome."""
    # A token longer than the column holds was never made here (and some databases refuse it).
    known = len(token) <= TOKEN_LENGTH
    found = SubmissionToken.objects.filter(token=token).first() if known else None
    if found is not None and found.state == SubmissionToken.State.DONE and found.downtime_id:
        return redirect("downtimes:detail", found.downtime_id)
    pending = found is not None and submissions.waiting(found, now())
    return render(request, "editing/submission.html", {"row": found, "pending": pending})


# --- submitting -----------------------------------------------------------------------------


def _rework(request: Request, data: MultiValueDict, action: str) -> MultiValueDict | None:
    """A post that changes the form rather than saving it: None when it is a save or preview."""
    if request.POST.get("_duration"):
        data["duration"], data["end_mode"] = request.POST["_duration"], END_AFTER
        return data
    if action == "add":
        try:
            zone = schedules.get_zone(data.get("timezone") or "")
        except schedules.ScheduleError:
            zone = request.zone
        return recurrences.add_recurrence(recurrences.resolve(data), now(), zone)
    if action.startswith("remove-"):
        index = form_parts.to_int(action.removeprefix("remove-"))
        return recurrences.remove_recurrence(data, index if index is not None else -1)
    if action == "find":
        return data
    return None


def _submit(request: Request, *, mode: str, original: Downtime | None) -> HttpResponse:
    data: MultiValueDict = request.POST.copy()
    action = data.get("_action") or "save"
    for name in ("_action", "_duration", "csrfmiddlewaretoken"):
        data.pop(name, None)
    page = {"mode": mode, "original": original}
    reworked = _rework(request, data, action)
    if reworked is not None:
        return _page(request, _draft(reworked, original), **page)
    draft = _draft(data, original)
    if action != "save" or not draft.is_valid():
        return _page(request, draft, show_errors=True, **page)
    token = draft.form.cleaned_data["token"]
    outcome = saving.save_downtime(
        request.user,
        draft.definition(),
        token=token,
        now=draft.now,
        original=original,
        baseline=saving.baseline(token, original, data.get(SEEN, "")) if original else None,
        remind_to=remind.chosen(data, reminding.names()),
        ends_on_recovery=bool(draft.form.cleaned_data.get("ends_on_recovery")),
    )
    return _answer(request, draft, outcome, page)


def _answer(
    request: Request, draft: Draft, outcome: saving.Outcome, page: dict[str, Any]
) -> HttpResponse:
    """The page for a save's outcome: the downtime, or the form again saying why."""
    match outcome:
        case saving.Saved(downtime=downtime, sent=sent, kept=kept, recovered=recovered):
            messages.success(request, _saved_words(sent, recovered))
            if kept:
                messages.info(
                    request,
                    f"Someone else changed {', '.join(kept)} while you were editing; "
                    "their change was kept.",
                )
            return redirect("downtimes:detail", downtime.id)
        case saving.AlreadySaved(downtime_id=downtime_id):
            messages.info(
                request, "This form had already been submitted; here is the downtime it saved."
            )
            return redirect("downtimes:detail", downtime_id)
        case saving.InFlight(token=token):
            return redirect("downtimes:submission", token)
        case saving.Unchanged(downtime_id=downtime_id, reminders=None):
            messages.info(request, "Nothing changed: the downtime is as it was.")
            return redirect("downtimes:detail", downtime_id)
        case saving.Unchanged(downtime_id=downtime_id, reminders=names):
            where = ", ".join(names) if names else "nowhere"
            messages.success(request, f"Nothing changed in Datadog; reminders now go to {where}.")
            return redirect("downtimes:detail", downtime_id)
        case saving.Clash(attributes=clashes, before=before, known=known):
            return _clash(request, draft, _clash_words(clashes, known), before, page)
        case saving.Refused(messages=said):
            monitor_field = "monitor_tags" if draft.data.get("target") == "tags" else "monitor_id"
            for message in said:
                draft.add_upstream_error(message, place_error(message, monitor_field=monitor_field))
            return _page(request, draft, show_errors=True, **page)
        case saving.Failed(banner=banner):
            return _page(request, draft, show_errors=True, banner=banner, **page)
        case saving.Forbidden(breaches=breaches):
            for breach in breaches:
                draft.add_upstream_error(breach.words, _policy_field(draft, breach.part))
            return _page(request, draft, show_errors=True, policy_refused=True, **page)
        case saving.Asked(request=asked):
            messages.info(request, _asked_words(asked))
            return redirect("downtimes:approval", asked.pk)
    raise AssertionError(outcome)  # pragma: no cover


def _policy_field(draft: Draft, part: str) -> str | None:
    """The field a policy rule is placed beside: the end, the message or the target."""
    data = draft.data
    if part == "message":
        return "message"
    if part == "target":
        return {"tags": "monitor_tags", "monitor": "monitor_id"}.get(data.get("target", ""))
    if draft.recurring:
        return f"{PREFIX}-0-duration"
    return "duration" if data.get("end_mode") == END_AFTER else "end"


def _asked_words(asked: ApprovalRequest) -> str:
    if asked.state != asked.State.PENDING:
        return "This form had already asked for approval; here is that request."
    return "Nothing was sent yet: the policy asks a second editor to approve this downtime."


def _saved_words(sent: tuple[str, ...], recovered: bool) -> str:
    if recovered:
        return (
            "Downtime scheduled. The earlier attempt that timed out had gone through, so "
            "nothing was sent again."
        )
    if sent:
        return "Downtime updated: " + ", ".join(n.replace("_", " ") for n in sent) + "."
    return "Downtime scheduled."


def _clash_words(clashes: tuple[str, ...], known: bool) -> str:
    names = ", ".join(clashes)
    if known:
        return (
            f"While you were editing, someone changed {names} of this downtime (see its "
            "page). Nothing was saved. What you typed is still here: save again to replace "
            "their change with yours."
        )
    return (
        "This downtime changed while you were editing (see its page), and this form no longer "
        f"knows which of {names} you changed. Nothing was saved. What you typed is still here: "
        "save again to make the downtime exactly this."
    )


def _clash(
    request: Request, draft: Draft, banner: str, before: Downtime, page: dict[str, Any]
) -> HttpResponse:
    """Someone else changed it too: show theirs, keep what was typed, let them decide."""
    data = draft.data.copy()
    saving.remember_baseline(draft.form.cleaned_data["token"], before)
    data[SEEN] = before.modified.isoformat() if before.modified else ""
    return _page(request, _draft(data, before), show_errors=True, banner=banner, **page)
