"""One downtime: its permalink page, the monitors it mutes, and its quick actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from downtimes_app import datadog, store
from downtimes_app.core import presenters, schedules
from downtimes_app.core.clock import now
from downtimes_app.core.domain import Downtime, Monitor, RecurringSchedule
from downtimes_app.downtimes import actions, sharing
from downtimes_app.history import reading
from downtimes_app.models import AuditEntry, Delivery
from downtimes_app.muting import monitoring
from downtimes_app.notify import outbox, reminders
from downtimes_app.web import backs, plumbing
from downtimes_app.web.access import editor_required, link_preview
from downtimes_app.web.plumbing import Request, downtime_or_error, is_fragment, render_page

HISTORY_LIMIT = 50
# A shared link is read by people in many zones: its preview speaks UTC.
UTC_ZONE = schedules.get_zone("UTC")
# Enough names to recognise what a cancel unmutes; the rest are counted.
CONFIRM_MONITORS = 12
MONITORS_SHOWN = 200


def _datadog_ui(downtime: Downtime) -> dict[str, str]:
    """Links into Datadog's UI; none in sandbox mode, where its objects exist nowhere else."""
    if settings.DATADOG_SANDBOX:
        return {}
    app = settings.DATADOG_APP_URL
    links = {"downtime": sharing.datadog_downtime_url(app, downtime.id)}
    if downtime.monitor_id is not None:
        links["monitor"] = sharing.datadog_monitor_url(app, downtime.monitor_id)
    return links


def _api_url(request: Request) -> str:
    """Where a copied command should send its request: Datadog, or this dashboard's sandbox.

    The site's public API, not DD_API_URL: that may be an internal proxy, possibly with
    credentials in it, and the command is for someone's own shell and keys.
    """
    if settings.DATADOG_SANDBOX:
        return request.build_absolute_uri("/" + settings.SANDBOX_URL_PREFIX).rstrip("/")
    return settings.DATADOG_SITE.api_url


def _recurrences(downtime: Downtime) -> list[dict[str, Any]]:
    schedule = downtime.schedule
    if not isinstance(schedule, RecurringSchedule):
        return []
    return [
        {
            "words": schedules.describe_recurrence(r.start, r.rrule, r.duration),
            "rule": r.rrule,
            "rule_words": schedules.describe_rule(r.rrule, r.start),
            "duration": r.duration,
            "start": r.start,
        }
        for r in schedule.recurrences
    ]


def _canceled_by(entries: list[AuditEntry]) -> AuditEntry | None:
    cancels = (AuditEntry.Action.CANCEL, AuditEntry.Action.BULK_CANCEL)
    return next(
        (e for e in entries if e.action in cancels and e.outcome == AuditEntry.Outcome.OK), None
    )


def page_context(
    request: Request,
    downtime: Downtime,
    *,
    failure: datadog.DatadogError | None = None,
    notice: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Everything the page (and the partial the actions return) shows about one downtime."""
    moment = now()
    zone = request.zone
    row = presenters.row(downtime, moment, zone)
    # Who changed it through the dashboard is for people who signed in (anonymous reads too).
    members = request.user.is_authenticated
    history = AuditEntry.objects.filter(downtime_id=downtime.id)[:HISTORY_LIMIT]
    entries = list(history) if members else []
    offers = actions.offers(downtime)

    def at(value):
        return presenters.Moment(value, zone, moment) if value else None

    return {
        "downtime": downtime,
        "row": row,
        "failure": failure,
        "notice": notice,
        "zone": zone.key,
        "zone_label": moment.astimezone(zone).strftime("%Z"),
        "windows": (windows := presenters.next_windows(downtime, moment, zone)),
        "windows_note": "" if windows else presenters.windows_note(downtime, moment),
        "schedule_zone": downtime.schedule_zone,
        "viewer_zone": zone.key,
        "recurrences": _recurrences(downtime),
        "message_html": presenters.render_message(downtime.message),
        "notify": presenters.notify_words(downtime),
        "created": at(downtime.created),
        "modified": at(downtime.modified),
        "canceled": at(downtime.canceled),
        "canceled_by": _canceled_by(entries) if downtime.canceled else None,
        "entries": entries,
        **_versions(downtime.id, members),
        "members": members,
        "offers": offers,
        "extensions": [(key, words) for key, (_, words) in actions.EXTENSIONS.items()],
        "until_default": _until_default(offers, row, moment, zone) if offers.extend else "",
        "end_now_seconds": int(actions.END_NOW_MARGIN.total_seconds()),
        "unmutes": actions.unmutes(downtime),
        "ui": _datadog_ui(downtime),
        "permalink": request.build_absolute_uri(reverse("downtimes:detail", args=[downtime.id])),
        # A reminder's link: the extend choices are ready, and nothing changes until a click.
        "extend_prompt": request.GET.get("extend") == "1",
        **_messages_context(downtime, moment, zone, members),
        "share_title": presenters.share_title(downtime, moment),
        "share_description": presenters.share_description(downtime, moment, UTC_ZONE),
        **_copies(request, downtime, moment),
    }


def _versions(downtime_id: str, members: bool) -> dict[str, Any]:
    """Its newest versions from the history, for people who signed in (they name people)."""
    versions, total = reading.shown(downtime_id) if members else ([], 0)
    return {"versions": versions, "versions_total": total}


def _messages_context(downtime: Downtime, moment, zone, members: bool) -> dict[str, Any]:
    """Who is reminded about this downtime, the next reminder, and every message and its fate."""
    if not members:
        return {}
    known = outbox.destinations()
    names = outbox.chosen(downtime.id)
    upcoming = reminders.next_due(downtime, moment, outbox.lead()) if names else None
    rows = outbox.history(downtime.id)
    if not known and not rows:
        return {}

    def at(value):
        return presenters.Moment(value, zone, moment) if value else None

    return {
        "messages_card": True,
        "remind_labels": [known[name].label for name in names],
        "reminder_lead": presenters.span(outbox.lead()),
        "next_reminder": at(upcoming.at) if upcoming else None,
        "next_reminder_end": at(upcoming.end) if upcoming else None,
        "deliveries": [
            {
                "kind": row.get_kind_display(),
                "to": known[row.destination].label if row.destination in known else row.destination,
                "state": row.state,
                "state_label": row.get_state_display(),
                "when": at(row.sent_at or row.due),
                "window_end": at(row.window_end),
                "attempts": row.attempts,
                "error": row.error,
                "retrying": row.state == Delivery.State.PENDING and row.attempts > 0,
            }
            for row in rows
        ],
    }


def _until_default(offers: actions.Offers, row: presenters.Row, moment, zone) -> str:
    """What "extend until" proposes: an hour past the end (or past now, for no end)."""
    base = row.end.at if row.end is not None else moment
    return f"{(base + actions.EXTENSIONS['1h'][0]).astimezone(zone):%Y-%m-%dT%H:%M}"


def _copies(request: Request, downtime: Downtime, moment) -> dict[str, str]:
    """The downtime as a curl command, a Terraform resource and JSON."""
    return {
        "copy_curl": sharing.curl_command(downtime, _api_url(request)),
        "copy_terraform": sharing.terraform_resource(downtime),
        "copy_json": sharing.request_json(downtime),
        "copy_note": sharing.copy_note(downtime, moment),
    }


@link_preview
@require_safe  # GET, and HEAD for link unfurlers that ask first
def downtime_detail(request: Request, downtime_id: str) -> HttpResponse:
    """The permalink: one fresh read from Datadog, or the cached copy when Datadog fails."""
    if not request.user.is_authenticated and not settings.DASHBOARD_ANONYMOUS_READ:
        return _link_preview(request, downtime_id)
    found = downtime_or_error(request, downtime_id)
    if isinstance(found, HttpResponse):
        if found.status_code == 404 and (last := reading.last_known(downtime_id[:64])):
            return _forgotten(request, last)
        return found
    downtime, failure = found
    context = page_context(request, downtime, failure=failure)
    return render_page(
        request, "downtimes/detail.html", "downtimes/partials/_downtime.html", context
    )


def _forgotten(request: Request, last: reading.Version) -> HttpResponse:
    """A downtime Datadog no longer has, as the history last saw it, with every version."""
    downtime, moment, zone = last.downtime, now(), request.zone
    members = request.user.is_authenticated
    context = {
        "downtime": downtime,
        "last": last,
        "row": presenters.row(downtime, moment, zone),
        "forgotten_at": presenters.Moment(last.row.valid_until or moment, zone, moment)
        if last.row.valid_until
        else None,
        "seen": presenters.Moment(last.row.seen_at, zone, moment),
        "zone": zone.key,
        "members": members,
        **_versions(downtime.id, members),
        "entries": list(AuditEntry.objects.filter(downtime_id=downtime.id)[:HISTORY_LIMIT])
        if members
        else [],
        "message_html": presenters.render_message(downtime.message),
    }
    return render(request, "downtimes/forgotten.html", context, status=200)


def _link_preview(request: Request, downtime_id: str) -> HttpResponse:
    """What an unsigned visitor (a chat tool unfurling a link) sees: the preview, nothing more.

    It comes from the copy of the whole set, refreshed on its normal schedule: an unsigned request
    never causes a call of its own (right after a restart it waits for the first copy).
    """
    snapshot = store.current().snapshot
    downtime = snapshot.get(downtime_id) if snapshot else None
    if downtime is None:
        return redirect_to_login(request.get_full_path())
    moment = now()
    return plumbing.link_preview(
        request,
        presenters.share_title(downtime, moment),
        presenters.share_description(downtime, moment, UTC_ZONE),
    )


# --- the monitors a downtime mutes ---------------------------------------------------------------


def matched_monitors(
    downtime: Downtime, limit: int
) -> tuple[list[Monitor] | None, int, datadog.DatadogError | None]:
    """(monitors, how many in all, failure); None for tags `*`, which match every monitor."""
    if downtime.monitor_id is not None:
        monitor = downtime.monitor or Monitor(
            id=downtime.monitor_id, name=f"Monitor {downtime.monitor_id}"
        )
        return [monitor], 1, None
    tags = tuple(t for t in downtime.monitor_tags if t)
    if not tags or tags == ("*",):
        return None, 0, None
    ordered = monitoring.carrying(tags)  # the monitor copy, when there is one
    if ordered is None:
        try:
            found = datadog.list_monitors(monitor_tags=tags).monitors
        except datadog.DatadogError as error:
            return [], 0, error
        ordered = sorted(found, key=lambda m: m.name.lower())
    return ordered[:limit], len(ordered), None


@require_GET
def downtime_monitors(request: Request, downtime_id: str) -> HttpResponse:
    """The monitors a downtime's tags match now (loaded after the page, or as a page of its own)."""
    found = downtime_or_error(request, downtime_id)
    if isinstance(found, HttpResponse):
        return found
    downtime, _failure = found  # the page itself already says when its copy is stale
    monitors, total, error = matched_monitors(downtime, MONITORS_SHOWN)
    context = {
        "downtime": downtime,
        "monitors": monitors,
        "total": total,
        "error": error,
        "app_url": "" if settings.DATADOG_SANDBOX else settings.DATADOG_APP_URL,
        "row": presenters.row(downtime, now(), request.zone),
    }
    return render_page(
        request, "downtimes/monitors.html", "downtimes/partials/_monitors.html", context
    )


# --- quick actions -------------------------------------------------------------------------------


def _write_failure_words(error: datadog.DatadogError) -> str:
    if isinstance(error, datadog.BadRequest):
        said = "; ".join(error.errors) or str(error)
        return f"Datadog refused the change: {said}. Nothing was changed."
    if isinstance(error, datadog.RateLimited | datadog.AuthError):
        return f"{error}. Nothing was changed."
    text = str(error)
    if "may or may not" not in text:
        text += "; it may or may not have been applied"
    return f"{text}. Below is the downtime as Datadog reports it now."


Action = Callable[[], tuple[Downtime, str]]


def _act(request: Request, downtime_id: str, run: Action) -> HttpResponse:
    """Run a quick action; answer with the updated partial (htmx) or a redirect and a flash."""
    downtime: Downtime | None = None
    try:
        downtime, text = run()
        level = messages.SUCCESS
    except actions.Refused as refusal:
        downtime, text, level = refusal.downtime, str(refusal), messages.ERROR
    except datadog.NotFound:
        downtime, text, level = None, "Datadog has no downtime with this id.", messages.ERROR
    except datadog.DatadogError as error:
        downtime, text, level = None, _write_failure_words(error), messages.ERROR
    tone = "ok" if level == messages.SUCCESS else "error"
    answer = backs.answer_for(request.POST.get("back"))
    if answer is not None:
        return answer(request, downtime, level, text, tone)
    detail = reverse("downtimes:detail", args=[downtime_id])
    if not is_fragment(request):
        messages.add_message(request, level, text)
        return redirect(detail)
    failure = None
    if downtime is None:
        found = downtime_or_error(request, downtime_id)
        if not isinstance(found, HttpResponse):
            downtime, failure = found
    if downtime is None:
        # Nothing to redraw in place: let the whole page say what happened.
        messages.add_message(request, level, text)
        response = HttpResponse(status=204)
        response["HX-Redirect"] = detail
        return response
    context = page_context(request, downtime, failure=failure, notice=(tone, text))
    return _changed(render(request, "downtimes/partials/_downtime.html", context), level)


def _changed(response: HttpResponse, level: int) -> HttpResponse:
    return backs.after_change(response, level, messages.SUCCESS)


@require_http_methods(["GET", "POST"])
@editor_required
def downtime_cancel(request: Request, downtime_id: str) -> HttpResponse:
    """GET: the confirmation, naming what will be unmuted. POST: cancel (Datadog's DELETE)."""
    if request.method == "POST":
        return _act(request, downtime_id, lambda: actions.cancel(request.user, downtime_id, now()))
    found = downtime_or_error(request, downtime_id)
    if isinstance(found, HttpResponse):
        return found
    downtime, failure = found
    monitors, total, error = matched_monitors(downtime, CONFIRM_MONITORS)
    context = {
        **page_context(request, downtime, failure=failure),
        "back": backs.known(request.GET.get("back")),
        "monitors": monitors,
        "monitor_total": total,
        "monitor_more": max(0, total - len(monitors or ())),
        "monitor_error": error,
    }
    return render_page(
        request, "downtimes/confirm_cancel.html", "downtimes/partials/_confirm_cancel.html", context
    )


@require_POST
@editor_required
def downtime_end(request: Request, downtime_id: str) -> HttpResponse:
    seen = request.POST.get("seen", "")
    return _act(
        request, downtime_id, lambda: actions.end_now(request.user, downtime_id, now(), seen=seen)
    )


@require_POST
@editor_required
def downtime_extend(request: Request, downtime_id: str) -> HttpResponse:
    return _act(
        request,
        downtime_id,
        lambda: actions.extend(
            request.user,
            downtime_id,
            now(),
            by=request.POST.get("by", ""),
            until=request.POST.get("until", ""),
            zone=request.zone,
            seen=request.POST.get("seen", ""),
        ),
    )
