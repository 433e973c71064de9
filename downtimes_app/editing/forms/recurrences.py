"""Keeping each recurrence's repeat controls and its raw RRULE in step, and the list of them.

Each recurrence posts the rule it was last shown with (`synced`): when the posted rule differs
from it, the user (or a link) wrote the rule and the controls are read from it; otherwise the
controls were used and the rule is written from them. This works the same with and without
JavaScript. Every function takes posted data and returns new data; none validates or saves.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.datastructures import MultiValueDict

from downtimes_app.core import schedules
from downtimes_app.editing.forms import repeat
from downtimes_app.editing.forms.downtime import (
    RecurrenceForm,
    controls_from_cleaned,
    written_or_built,
)
from downtimes_app.editing.forms.values import (
    MAX_RECURRENCES,
    PREFIX,
    control_fields,
    default_recurrence,
    parse_wall,
    set_values,
    total_forms,
)

CONTROLS = (
    "freq",
    "interval",
    "weekdays",
    "monthly",
    "month_day",
    "nth",
    "nth_weekday",
    "ends",
    "until",
    "count",
)


def _raw_controls(data: MultiValueDict, prefix: str) -> repeat.RuleControls:
    """Controls from posted strings, as RecurrenceForm would clean them (ValueError if not)."""
    form = RecurrenceForm(data, prefix=prefix.rstrip("-"))
    for name in ("rrule", "start", "duration"):
        form.fields[name].required = False
    if not form.is_valid() and any(name in form.errors for name in CONTROLS):
        raise ValueError("the controls are incomplete")
    return controls_from_cleaned(form.cleaned_data)


def _fill_monthly_weekday(data: MultiValueDict, prefix: str) -> None:
    """Choosing "on the nth weekday" starts from the first window's: its weekday, its week."""
    if data.get(prefix + "freq") != "MONTHLY" or data.get(prefix + "monthly") != "weekday":
        return
    if data.get(prefix + "nth") and data.get(prefix + "nth_weekday"):
        return
    try:
        start = parse_wall(data.get(prefix + "start") or "")
    except ValueError:
        return
    if not data.get(prefix + "nth"):
        week = (start.day - 1) // 7 + 1
        last = (start + timedelta(days=7)).month != start.month
        data[prefix + "nth"] = "-1" if last or week > 4 else str(week)
    if not data.get(prefix + "nth_weekday"):
        data[prefix + "nth_weekday"] = schedules.WEEKDAYS[start.weekday()]


def _resolve_one(data: MultiValueDict, prefix: str) -> None:
    rule = (data.get(prefix + "rrule") or "").strip()
    synced = data.get(prefix + "synced") or ""
    if rule and (rule != synced or prefix + "freq" not in data):
        # The raw rule was written (by the user or a link): the controls follow it.
        try:
            written = repeat.controls_from_rrule(rule)
        except schedules.ScheduleError:
            written = None
        if written is not None:
            set_values(data, {prefix + k: v for k, v in control_fields(written).items()})
        data[prefix + "synced"] = rule
        return
    try:
        if rule:
            repeat.controls_from_rrule(rule)
    except repeat.NotExpressible:
        return  # the controls were switched off for this rule; it stays as written
    except schedules.ScheduleError:
        pass
    _fill_monthly_weekday(data, prefix)
    try:
        built = written_or_built(rule, _raw_controls(data, prefix))
    except (ValueError, schedules.ScheduleError):
        return  # incomplete controls: the form says which one
    data[prefix + "rrule"] = built
    data[prefix + "synced"] = built


def resolve(data: MultiValueDict) -> MultiValueDict:
    """Posted data with each recurrence's controls and raw rule brought into step.

    The count of recurrences is written back as `total_forms` read it, so the formset sees the
    recurrences brought into step here, and no others: Django's own reading takes 30 nines as
    five forms, whose empty ones would validate with nothing in them.
    """
    data = data.copy()
    total = total_forms(data)
    if f"{PREFIX}-TOTAL_FORMS" in data:
        data[f"{PREFIX}-TOTAL_FORMS"] = str(total)
    for index in range(total):
        _resolve_one(data, f"{PREFIX}-{index}-")
    return data


def add_recurrence(data: MultiValueDict, now: datetime, zone: ZoneInfo) -> MultiValueDict:
    data = data.copy()
    total = total_forms(data)
    if total >= MAX_RECURRENCES:
        return data
    set_values(data, default_recurrence(total, now, zone))
    data[f"{PREFIX}-TOTAL_FORMS"] = str(total + 1)
    return data


def remove_recurrence(data: MultiValueDict, index: int) -> MultiValueDict:
    """Drop recurrence `index`; later ones move up so that the numbering stays dense."""
    total = total_forms(data)
    if total <= 1 or not 0 <= index < total:
        return data.copy()
    kept = MultiValueDict()
    for key, values in data.lists():
        match = re.fullmatch(rf"{PREFIX}-([0-9]{{1,3}})-(.+)", key, re.DOTALL)
        if not match:
            kept.setlist(key, values)
            continue
        position, name = int(match.group(1)), match.group(2)
        if position == index:
            continue
        kept.setlist(f"{PREFIX}-{position - 1 if position > index else position}-{name}", values)
    kept[f"{PREFIX}-TOTAL_FORMS"] = str(total - 1)
    return kept
