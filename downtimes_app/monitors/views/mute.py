"""Quick mute of a monitor or one of its groups: the confirmation that names what goes quiet
(reached from the monitor's page, or from the link in its alert), and the mute itself, which the
form's one-time token saves once however often it is sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from downtimes_app import datadog
from downtimes_app.core.clock import now
from downtimes_app.core.domain import Monitor
from downtimes_app.editing import reminding, saving, submissions
from downtimes_app.editing.forms import remind
from downtimes_app.monitors import quickmute
from downtimes_app.monitors.views.pages import monitor_number, not_found, unavailable
from downtimes_app.muting import monitoring
from downtimes_app.recovery import watching
from downtimes_app.web.access import editor_required
from downtimes_app.web.plumbing import Request, render_page


def _form(request: Request) -> dict[str, Any]:
    data = request.POST if request.method == "POST" else request.GET
    names = reminding.names()
    # A quick mute always has an end: reminded, like the form's one-time windows, by default.
    chosen = remind.chosen(data, names)
    return {
        "group": data.get("group", "")[:1000],
        "duration": data.get("duration", "") or quickmute.DEFAULT,
        "until": data.get("until", "")[:40],
        "cap": data.get("cap", "") or quickmute.DEFAULT_CAP,
        "message": data.get("message", "")[: quickmute.MAX_MESSAGE + 1],
        "remind": names[:1] if chosen is None else chosen,
    }


def _more_options(monitor: Monitor, target: quickmute.Target | None, form: dict, zone) -> str:
    """The full form, prefilled with the same mute, for what the quick one does not offer: a
    group refused as a pattern arrives there as the scope it asked for, checked and previewed."""
    scope = target.scope if target else (quickmute.scope_for(form["group"]) or "*")
    params = {"monitor_id": str(monitor.id), "scope": scope}
    params["timezone"] = zone.key
    if form["duration"] in quickmute.DURATIONS:
        params["duration"] = form["duration"]
    elif form["duration"] == quickmute.RECOVERS and form["cap"] in quickmute.CAPS:
        params.update(duration=form["cap"], ends_on_recovery="1")
    elif form["until"]:
        params.update(start="now", end=form["until"])
    if form["message"].strip():
        params["message"] = form["message"].strip()
    if reminding.names():
        params["remind"] = ",".join(form["remind"]) or "none"
    return reverse("downtimes:new") + "?" + urlencode(params)


def _plan(
    target: quickmute.Target, form: dict[str, Any], moment: datetime, zone: ZoneInfo
) -> quickmute.Plan:
    """The mute the form asks for, from now; raises quickmute.Refused, in words."""
    return quickmute.plan(
        target,
        moment,
        duration=form["duration"],
        until=form["until"],
        cap=form["cap"],
        zone=zone,
        message=form["message"],
    )


def _confirm(
    request: Request,
    monitor: Monitor,
    form: dict[str, Any],
    *,
    errors: list[str] | None = None,
    token: str = "",
    status: int = 200,
) -> HttpResponse:
    """The confirmation, naming what goes quiet and until when; or why it cannot be muted."""
    moment, zone = now(), request.zone
    errors = list(errors or ())
    target, words = None, ""
    try:
        target = quickmute.target(monitor, form["group"])
        chosen = _plan(target, form, moment, zone)
        words = quickmute.quiet_words(chosen, zone, moment, watching.settle_words())
    except quickmute.Refused as refusal:
        if str(refusal) not in errors:
            errors.append(str(refusal))
    default_until = (moment + quickmute.DURATIONS["1h"][0]).astimezone(zone)
    context: dict[str, Any] = {
        "monitor": monitor,
        "target": target,
        "form": form,
        "words": words,
        "errors": errors,
        "token": token or submissions.new_token(),
        "durations": [(key, label) for key, (_, label) in quickmute.DURATIONS.items()],
        "caps": [(key, label) for key, (_, label) in quickmute.CAPS.items()],
        "settle": watching.settle_words(),
        "until_value": form["until"] or f"{default_until:%Y-%m-%dT%H:%M}",
        "more_options": _more_options(monitor, target, form, zone),
        "whole_url": reverse("downtimes:monitor_mute", args=[monitor.id]),
        "nav": "monitors",
        **reminding.context(form["remind"]),
    }
    return render_page(
        request, "monitors/mute.html", "monitors/partials/_mute.html", context, status=status
    )


@require_http_methods(["GET", "POST"])
@editor_required
def monitor_mute(request: Request, monitor_id: str) -> HttpResponse:
    """GET: the confirmation (also where an alert's link lands). POST: create the downtime."""
    number = monitor_number(monitor_id)
    if number is None:
        return not_found(request, monitor_id, "This is not a monitor id.")
    try:
        monitor = monitoring.find_monitor(number, monitoring.overview())
    except datadog.NotFound:
        return not_found(request, monitor_id, "Datadog has no monitor with this id.")
    except datadog.DatadogError as error:
        return unavailable(request, monitor_id, error)
    form = _form(request)
    if request.method == "GET":
        return _confirm(request, monitor, form)
    return _mute(request, monitor, form)


def _mute(request: Request, monitor: Monitor, form: dict[str, Any]) -> HttpResponse:
    moment, zone = now(), request.zone
    token = quickmute.clean_token(request.POST.get("token", ""))
    if not token:
        problem = "This form has no one-time token this dashboard made; nothing was sent."
        return _confirm(request, monitor, form, errors=[problem], status=400)
    try:
        chosen = _plan(quickmute.target(monitor, form["group"]), form, moment, zone)
    except quickmute.Refused as refusal:
        return _confirm(request, monitor, form, errors=[str(refusal)], token=token, status=400)
    outcome = quickmute.mute(
        request.user, chosen, token=token, now=moment, remind_to=form["remind"]
    )
    return _answer(request, monitor, form, chosen, outcome, token, moment)


def _answer(
    request: Request,
    monitor: Monitor,
    form: dict[str, Any],
    chosen: quickmute.Plan,
    outcome: saving.Outcome,
    token: str,
    moment: datetime,
) -> HttpResponse:
    match outcome:
        case saving.Saved(downtime=downtime):
            words = quickmute.quiet_words(chosen, request.zone, moment, watching.settle_words())
            messages.success(request, f"Muted: {words}")
            return redirect("downtimes:detail", downtime.id)
        case saving.AlreadySaved(downtime_id=downtime_id):
            messages.info(request, "This mute had already been sent; here is the downtime it made.")
            return redirect("downtimes:detail", downtime_id)
        case saving.InFlight(token=token):
            return redirect("downtimes:submission", token)
        case saving.Refused(messages=said):
            errors = [f"Datadog refused it: {m}" for m in said]
            return _confirm(request, monitor, form, errors=errors, token=token, status=400)
        case saving.Failed(banner=banner):
            return _confirm(request, monitor, form, errors=[banner], token=token, status=502)
        case saving.Forbidden(breaches=breaches):
            errors = [f"The dashboard's policy does not allow it: {b.words}" for b in breaches]
            return _confirm(request, monitor, form, errors=errors, token=token, status=403)
        case saving.Asked(request=asked):
            messages.info(
                request,
                "Nothing was sent yet: the policy asks a second editor to approve this mute.",
            )
            return redirect("downtimes:approval", asked.pk)
    raise AssertionError(outcome)  # pragma: no cover
