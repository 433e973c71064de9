"""The downtime form: what to mute, when, how to notify; its recurrences; links that fill it.

The form always works on *data* (what a browser would post): a new form starts from defaults,
a prefilled link or an existing downtime turned into data; a submit is the posted data. So a
link, a clone, a preview and a submit all go through the same validation.

Recurrences keep their repeat controls and raw RRULE in step. Each recurrence posts the rule it
was last shown with (`synced`): when the posted rule differs from it, the user (or a link) wrote
the rule and the controls are read from it; otherwise the controls were used and the rule is
written from them. This works the same with and without JavaScript.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.forms import formset_factory
from django.utils.datastructures import MultiValueDict

from . import schedules
from .datadog import Downtime, OneTimeSchedule, RecurringSchedule
from .scope import check_scope

TARGET_MONITOR, TARGET_TAGS, TARGET_ALL = "monitor", "tags", "all"
ONCE, RECURRING = "once", "recurring"
START_NOW, START_AT = "now", "at"
END_NEVER, END_AT, END_AFTER = "never", "at", "after"
QUICK_DURATIONS = (
    ("30m", "30 min"),
    ("1h", "1 h"),
    ("2h", "2 h"),
    ("4h", "4 h"),
    ("8h", "8 h"),
    ("1d", "1 day"),
)
NOTIFY_END_STATES = (("alert", "Alert"), ("warn", "Warn"), ("no data", "No data"))
NOTIFY_END_TYPES = (("expired", "it ends on schedule"), ("canceled", "it is canceled early"))
# Datadog's own defaults, so that an untouched form sends what Datadog would assume.
DEFAULT_END_STATES = ("alert", "no data", "warn")
DEFAULT_END_TYPES = ("expired",)
WALL_FORMAT = "%Y-%m-%dT%H:%M"
PREFIX = "r"
MAX_RECURRENCES = schedules.MAX_RECURRENCES
_TAG_SPLIT = re.compile(r"[\s,]+")
WEEKDAY_CHOICES = [(d, schedules.WEEKDAY_SHORT[d]) for d in schedules.WEEKDAYS]
NTH_LABELS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


def wall_text(moment: datetime) -> str:
    """A naive wall time as a datetime-local value; seconds only when there are some."""
    return moment.strftime(WALL_FORMAT + (":%S" if moment.second else ""))


def parse_wall(text: str, zone: ZoneInfo | None = None) -> datetime:
    """`2026-11-17T02:00` (local wall time). A time with an offset is turned into `zone`'s."""
    value = (text or "").strip()
    try:
        moment = datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        raise ValueError(
            f"{value!r} is not a date and time; write it like 2026-11-17T02:00"
        ) from None
    if moment.tzinfo is not None:
        moment = schedules.to_local(moment, zone or ZoneInfo("UTC"))
    return moment.replace(microsecond=0)


def split_tags(text: str) -> list[str]:
    """`team:db, env:prod` or `team:db env:prod` -> ["team:db", "env:prod"] (no repeats)."""
    return list(dict.fromkeys(t for t in _TAG_SPLIT.split(text or "") if t))


def next_hour(now: datetime, zone: ZoneInfo) -> datetime:
    local = schedules.to_local(now, zone)
    return local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


# --- fields --------------------------------------------------------------------------------------


class WallTimeField(forms.Field):
    """A local date and time without offset, from a datetime-local input."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"})

    def to_python(self, value: Any) -> datetime | None:
        if isinstance(value, datetime):
            return value
        if value in self.empty_values:
            return None
        try:
            return parse_wall(str(value))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class RecurrenceForm(forms.Form):
    """One recurrence: its start, its length, and its repeat rule (controls and raw text)."""

    start = WallTimeField(required=True)
    duration = forms.CharField(required=True, max_length=20)
    freq = forms.ChoiceField(
        choices=[(f, f.capitalize()) for f in schedules.FREQUENCIES], required=False
    )
    interval = forms.IntegerField(min_value=1, max_value=999, required=False)
    weekdays = forms.MultipleChoiceField(choices=WEEKDAY_CHOICES, required=False)
    monthly = forms.ChoiceField(
        choices=[(schedules.MONTHLY_DAY, "day"), (schedules.MONTHLY_WEEKDAY, "weekday")],
        required=False,
    )
    month_day = forms.IntegerField(min_value=-1, max_value=31, required=False)
    nth = forms.TypedChoiceField(
        choices=[(str(n), label) for n, label in NTH_LABELS.items()],
        coerce=int,
        required=False,
        empty_value=None,
    )
    nth_weekday = forms.ChoiceField(choices=[("", ""), *WEEKDAY_CHOICES], required=False)
    ends = forms.ChoiceField(
        choices=[
            (schedules.ENDS_NEVER, "never"),
            (schedules.ENDS_UNTIL, "on"),
            (schedules.ENDS_COUNT, "after"),
        ],
        required=False,
    )
    until = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    count = forms.IntegerField(min_value=1, max_value=10_000, required=False)
    rrule = forms.CharField(required=True, max_length=500)
    synced = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Why the controls are switched off for this rule, when they cannot show it.
        self.custom_reason = ""
        rule = (self.data.get(self.add_prefix("rrule")) or "").strip() if self.is_bound else ""
        if rule:
            try:
                schedules.controls_from_rrule(rule)
            except schedules.NotExpressible as exc:
                self.custom_reason = str(exc)
            except schedules.ScheduleError:
                pass

    @property
    def index(self) -> int:
        return int(self.prefix.rsplit("-", 1)[1]) if self.prefix else 0

    def clean_duration(self) -> str:
        try:
            return str(schedules.parse_duration(self.cleaned_data["duration"]))
        except schedules.ScheduleError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_rrule(self) -> str:
        rule = self.cleaned_data["rrule"].strip()
        try:
            schedules.check_rrule(rule)
        except schedules.ScheduleError as exc:
            raise forms.ValidationError(str(exc)) from None
        return rule

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.custom_reason or "rrule" not in data:
            return data
        try:
            data["rrule"] = written_or_built(data["rrule"], controls_from_cleaned(data))
        except schedules.ScheduleError as exc:
            self.add_error(_control_field(str(exc)), str(exc))
        return data

    def spec(self) -> schedules.RecurrenceSpec:
        data = self.cleaned_data
        return schedules.RecurrenceSpec(
            data["start"], data["rrule"], schedules.parse_duration(data["duration"])
        )


def _control_field(message: str) -> str:
    text = message.lower()
    if "weekday of the month" in text:
        return "nth"
    if "day of the month" in text:
        return "month_day"
    if "how many times" in text:
        return "count"
    if "last window" in text:
        return "until"
    if "repeat every" in text:
        return "interval"
    return "freq"


def controls_from_cleaned(data: Mapping[str, Any]) -> schedules.RuleControls:
    freq = data.get("freq") or "WEEKLY"
    monthly = data.get("monthly") or schedules.MONTHLY_DAY
    return schedules.RuleControls(
        freq=freq,
        interval=data.get("interval") or 1,
        weekdays=tuple(data.get("weekdays") or ()) if freq == "WEEKLY" else (),
        monthly=monthly if freq == "MONTHLY" else schedules.MONTHLY_DAY,
        month_day=(
            data.get("month_day")
            if freq == "MONTHLY" and monthly == schedules.MONTHLY_DAY
            else None
        ),
        nth=data.get("nth") if freq == "MONTHLY" and monthly == schedules.MONTHLY_WEEKDAY else None,
        nth_weekday=(
            data.get("nth_weekday") or None
            if freq == "MONTHLY" and monthly == schedules.MONTHLY_WEEKDAY
            else None
        ),
        ends=data.get("ends") or schedules.ENDS_NEVER,
        until=data.get("until") if data.get("ends") == schedules.ENDS_UNTIL else None,
        count=data.get("count") if data.get("ends") == schedules.ENDS_COUNT else None,
    )


class BaseRecurrenceFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": f"A downtime can have at most {MAX_RECURRENCES} recurrences; remove one.",
        "too_few_forms": "A recurring downtime needs at least one recurrence.",
    }


RecurrenceFormSet = formset_factory(
    RecurrenceForm,
    formset=BaseRecurrenceFormSet,
    extra=0,
    min_num=1,
    max_num=MAX_RECURRENCES,
    absolute_max=MAX_RECURRENCES,
    validate_min=True,
    validate_max=True,
)


class DowntimeForm(forms.Form):
    token = forms.CharField(
        widget=forms.HiddenInput,
        error_messages={"required": "This form has no one-time token; reload the page."},
    )
    scope = forms.CharField(
        max_length=2000,
        error_messages={"required": "Give a scope: * for every group, or terms such as env:prod"},
    )
    target = forms.ChoiceField(
        choices=[
            (TARGET_MONITOR, "One monitor"),
            (TARGET_TAGS, "Monitors with all of these tags"),
            (TARGET_ALL, "Every monitor"),
        ]
    )
    monitor_query = forms.CharField(required=False, max_length=200)
    monitor_id = forms.IntegerField(required=False, min_value=1)
    monitor_tags = forms.CharField(required=False, max_length=1000)
    schedule = forms.ChoiceField(choices=[(ONCE, "One time"), (RECURRING, "Recurring")])
    timezone = forms.CharField(max_length=64)
    start_mode = forms.ChoiceField(choices=[(START_NOW, "Now"), (START_AT, "At")], required=False)
    start = WallTimeField(required=False)
    end_mode = forms.ChoiceField(
        choices=[(END_AFTER, "After"), (END_AT, "At"), (END_NEVER, "Never")], required=False
    )
    end = WallTimeField(required=False)
    duration = forms.CharField(required=False, max_length=20)
    message = forms.CharField(required=False, max_length=4000, strip=False)
    notify_end_states = forms.MultipleChoiceField(choices=NOTIFY_END_STATES, required=False)
    notify_end_types = forms.MultipleChoiceField(choices=NOTIFY_END_TYPES, required=False)
    mute_first_recovery_notification = forms.BooleanField(required=False)

    def __init__(
        self,
        *args: Any,
        now: datetime,
        original: Downtime | None = None,
        locked_start: datetime | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        self.original = original
        self.locked_start = locked_start
        self.zone: ZoneInfo | None = None
        self.schedule_value: dict[str, Any] | None = None
        self.first_start: datetime | None = None

    def clean_scope(self) -> str:
        scope = self.cleaned_data["scope"].strip()
        problem = check_scope(scope)
        if problem:
            raise forms.ValidationError(f"Scope: {problem}")
        return scope

    def clean_timezone(self) -> str:
        name = self.cleaned_data["timezone"].strip()
        try:
            self.zone = schedules.get_zone(name)
        except schedules.ScheduleError as exc:
            raise forms.ValidationError(str(exc)) from None
        return name

    def clean_monitor_tags(self) -> list[str]:
        return split_tags(self.cleaned_data["monitor_tags"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self._clean_target(data)
        if self.zone is not None and data.get("schedule") == ONCE:
            self._clean_one_time(data)
        return data

    def _clean_target(self, data: dict[str, Any]) -> None:
        target = data.get("target")
        if target == TARGET_MONITOR and not data.get("monitor_id"):
            self.add_error("monitor_id", "Choose a monitor: type part of its name, then pick it.")
        elif target == TARGET_TAGS:
            tags = data.get("monitor_tags") or []
            if not tags:
                self.add_error("monitor_tags", "Give at least one monitor tag, e.g. team:db.")
            elif "*" in tags:
                self.add_error(
                    "monitor_tags", "* is not a tag: choose “Every monitor” to mute them all."
                )

    def _exact(self, posted: datetime, original: datetime | None) -> datetime:
        """The original moment when the form shows it unchanged (inputs drop seconds)."""
        zone = self.zone or ZoneInfo("UTC")
        if original is not None:
            shown = schedules.to_local(original, zone).replace(second=0, microsecond=0)
            if posted.replace(second=0) == shown:
                return original
        return schedules.to_utc(posted, zone)

    def _clean_one_time(self, data: dict[str, Any]) -> None:
        """The one-time schedule; the start and the end are each checked, whatever the other."""
        zone = self.zone
        assert zone is not None
        original = (
            self.original.schedule
            if self.original and isinstance(self.original.schedule, OneTimeSchedule)
            else None
        )
        original_start = (original.start or self.original.created) if original else None
        start_ok = True
        start: datetime | None = None
        if self.locked_start is not None:
            start = self.locked_start
            posted = data.get("start")
            if data.get("start_mode") == START_NOW or (
                posted and self._exact(posted, self.locked_start) != self.locked_start
            ):
                self.add_error(
                    "start",
                    "This window is in progress: Datadog does not let its start move. "
                    "Change its end instead.",
                )
        elif data.get("start_mode") == START_AT:
            if data.get("start") is None:
                start_ok = False
                if "start" not in self.errors:
                    self.add_error("start", "Give the start date and time, or choose “Now”.")
            else:
                start = self._exact(data["start"], original_start)
                unchanged = original_start is not None and start == original_start
                if not unchanged and start < self.now.replace(second=0, microsecond=0):
                    start_ok = False
                    self.add_error(
                        "start",
                        f"{data['start']:%Y-%m-%d %H:%M} {zone.key} is in the past; choose a "
                        "later time, or “Now”.",
                    )
        begins = start or self.now
        end: datetime | None = None
        mode = data.get("end_mode")
        if mode == END_AT:
            if data.get("end") is None:
                if "end" not in self.errors:
                    self.add_error("end", "Give the end date and time, or choose another ending.")
                return
            end = self._exact(data["end"], original.end if original else None)
            if end <= self.now:
                self.add_error("end", "The end is in the past; choose a later time.")
                return
            if start_ok and end <= begins:
                self.add_error("end", "The end must be after the start.")
                return
        elif mode == END_AFTER:
            try:
                duration = schedules.parse_duration(data.get("duration") or "")
            except schedules.ScheduleError as exc:
                self.add_error("duration", str(exc))
                return
            end = _after(begins, duration, zone)
        if not start_ok:
            return
        self.first_start = begins
        self.schedule_value = {
            "start": start.astimezone(UTC).isoformat() if start else None,
            "end": end.astimezone(UTC).isoformat() if end else None,
        }


def _after(start: datetime, duration: schedules.Duration, zone: ZoneInfo) -> datetime:
    """Days and weeks are calendar amounts in the schedule's zone, as in recurrences."""
    if duration.is_calendar:
        return schedules.to_utc(duration.end_of(schedules.to_local(start, zone)), zone)
    return start + duration.delta


# --- the form and its recurrences, validated together ----------------------------------------


@dataclass
class Problem:
    field_id: str  # the id of the input it concerns, or "" for the form as a whole
    message: str


class Draft:
    """A bound `DowntimeForm` with its recurrences: validation, attributes, problems."""

    def __init__(
        self,
        data: MultiValueDict,
        *,
        now: datetime,
        original: Downtime | None = None,
        locked_start: datetime | None = None,
    ) -> None:
        data = resolve(data)
        self.data = data
        self.now = now
        self.original = original
        self.form = DowntimeForm(data, now=now, original=original, locked_start=locked_start)
        self.recurrences = RecurrenceFormSet(data, prefix=PREFIX)
        self.upstream_errors: list[str] = []
        self.refused = False  # Datadog answered 400: its messages are beside fields or above
        self._valid: bool | None = None

    @property
    def recurring(self) -> bool:
        return self.data.get("schedule") == RECURRING

    def is_valid(self) -> bool:
        if self._valid is None:
            valid = self.form.is_valid()
            if self.recurring:
                valid = self.recurrences.is_valid() and valid
                if valid:
                    valid = self._check_windows_ahead()
            self._valid = valid and not self.form.errors
        return self._valid

    def _check_windows_ahead(self) -> bool:
        specs = [f.spec() for f in self.recurrences.forms]
        timezone = self.form.cleaned_data["timezone"]
        ahead = schedules.upcoming_windows(specs, timezone, self.now, 1)
        if not ahead:
            self.form.add_error(
                None, "This schedule has no windows after now; move its start or its end."
            )
            return False
        self.form.first_start = ahead[0].start
        return True

    def schedule_value(self) -> dict[str, Any] | None:
        """The `schedule` attribute, when the schedule part of the form is valid."""
        self.is_valid()
        if not self.recurring:
            return self.form.schedule_value
        if "timezone" not in self.form.cleaned_data or not self.recurrences.is_valid():
            return None
        originals = (
            self.original.schedule.recurrences
            if self.original and isinstance(self.original.schedule, RecurringSchedule)
            else ()
        )
        recurrences = []
        for index, form in enumerate(self.recurrences.forms):
            start = form.cleaned_data["start"]
            before = originals[index].start if index < len(originals) else None
            if before is not None and before.replace(second=0) == start.replace(second=0):
                start = before  # the input dropped its seconds; the user did not change it
            recurrences.append(
                {
                    "start": start.strftime("%Y-%m-%dT%H:%M:%S"),
                    "duration": form.cleaned_data["duration"],
                    "rrule": form.cleaned_data["rrule"],
                }
            )
        return {"timezone": self.form.cleaned_data["timezone"], "recurrences": recurrences}

    def monitor_identifier(self) -> dict[str, Any] | None:
        data = self.form.cleaned_data
        target = data.get("target")
        if target == TARGET_MONITOR and data.get("monitor_id"):
            return {"monitor_id": data["monitor_id"]}
        if (
            target == TARGET_TAGS
            and data.get("monitor_tags")
            and "monitor_tags" not in self.form.errors
        ):
            return {"monitor_tags": data["monitor_tags"]}
        if target == TARGET_ALL:
            return {"monitor_tags": ["*"]}
        return None

    def attributes(self) -> dict[str, Any]:
        """What Datadog is sent on create (and what an edit is compared with)."""
        if not self.is_valid():
            raise ValueError("the draft has errors")
        data = self.form.cleaned_data
        picked = set(data["notify_end_states"])
        kinds = set(data["notify_end_types"])
        return {
            "scope": data["scope"],
            "monitor_identifier": self.monitor_identifier(),
            # Datadog requires a recurring schedule's zone to equal the display zone.
            "display_timezone": data["timezone"],
            "schedule": self.schedule_value(),
            "message": data["message"] or None,
            "notify_end_states": [v for v, _ in NOTIFY_END_STATES if v in picked],
            "notify_end_types": [v for v, _ in NOTIFY_END_TYPES if v in kinds],
            "mute_first_recovery_notification": data["mute_first_recovery_notification"],
        }

    def problems(self) -> list[Problem]:
        self.is_valid()
        found = [Problem("", e) for e in self.form.non_field_errors()]
        found += [Problem("", e) for e in self.recurrences.non_form_errors()]
        for name, errors in self.form.errors.items():
            if name != "__all__":
                found += [Problem(_field_id(name), e) for e in errors]
        if self.recurring:
            for form in self.recurrences.forms:
                for name, errors in form.errors.items():
                    field_id = _field_id(form.add_prefix(name)) if name != "__all__" else ""
                    found += [Problem(field_id, e) for e in errors]
        return found

    def add_upstream_error(self, message: str, field: str | None) -> None:
        """A Datadog 400 message, beside its field when it can be placed."""
        self.is_valid()
        self.refused = True
        if field and field.startswith(f"{PREFIX}-"):
            index = int(field.split("-")[1])
            if index < len(self.recurrences.forms):
                form = self.recurrences.forms[index]
                form._errors.setdefault(field.rsplit("-", 1)[1], form.error_class()).append(message)
                return
        if field and field in self.form.fields:
            self.form._errors.setdefault(field, self.form.error_class()).append(message)
            return
        self.upstream_errors.append(message)


def _field_id(name: str) -> str:
    return f"id_{name}"


# --- data: defaults, links, existing downtimes ----------------------------------------------


def recurrence_fields(
    index: int, start: datetime, duration: str, rrule: str, *, synced: bool = True
) -> dict[str, Any]:
    """Form data for one recurrence; controls included when they can show the rule."""
    prefix = f"{PREFIX}-{index}-"
    fields: dict[str, Any] = {
        "start": wall_text(start),
        "duration": duration,
        "rrule": rrule,
        "synced": rrule if synced else "",
    }
    with contextlib.suppress(schedules.ScheduleError):
        fields.update(control_fields(schedules.controls_from_rrule(rrule)))
    return {prefix + key: value for key, value in fields.items()}


def control_fields(c: schedules.RuleControls) -> dict[str, Any]:
    return {
        "freq": c.freq,
        "interval": str(c.interval),
        "weekdays": list(c.weekdays),
        "monthly": c.monthly,
        "month_day": "" if c.month_day is None else str(c.month_day),
        "nth": "" if c.nth is None else str(c.nth),
        "nth_weekday": c.nth_weekday or "",
        "ends": c.ends,
        "until": c.until.isoformat() if c.until else "",
        "count": "" if c.count is None else str(c.count),
    }


def management_fields(total: int) -> dict[str, str]:
    return {
        f"{PREFIX}-TOTAL_FORMS": str(total),
        f"{PREFIX}-INITIAL_FORMS": "0",
        f"{PREFIX}-MIN_NUM_FORMS": "1",
        f"{PREFIX}-MAX_NUM_FORMS": str(MAX_RECURRENCES),
    }


def to_data(values: Mapping[str, Any]) -> MultiValueDict:
    data = MultiValueDict()
    for key, value in values.items():
        if isinstance(value, list | tuple):
            data.setlist(key, [str(v) for v in value])
        elif value is not None:
            data[key] = str(value)
    return data


def default_recurrence(index: int, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    start = next_hour(now, zone)
    rule = schedules.build_rrule(schedules.default_controls(start))
    return recurrence_fields(index, start, "1h", rule)


def defaults(token: str, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """A new form: one hour, starting now. Never a mute without an end by default."""
    start = next_hour(now, zone)
    return {
        "token": token,
        "scope": "",
        "target": TARGET_MONITOR,
        "schedule": ONCE,
        "timezone": zone.key,
        "start_mode": START_NOW,
        "start": wall_text(start),
        "end_mode": END_AFTER,
        "end": wall_text(start + timedelta(hours=1)),
        "duration": "1h",
        "message": "",
        "notify_end_states": list(DEFAULT_END_STATES),
        "notify_end_types": list(DEFAULT_END_TYPES),
        **management_fields(1),
        **default_recurrence(0, now, zone),
    }


def _values(query: Mapping[str, Any], name: str) -> list[str]:
    getter: Callable[[str], list[str]] | None = getattr(query, "getlist", None)
    raw = getter(name) if getter else ([query[name]] if name in query else [])
    return [v.strip() for v in raw if v is not None and v.strip()]


def _listed(query: Mapping[str, Any], name: str) -> list[str]:
    return [item for value in _values(query, name) for item in split_tags(value)]


def _wall_or_raw(text: str, zone: ZoneInfo) -> str:
    """A link's time as the form shows it; left as typed when unreadable (the form says why)."""
    try:
        return wall_text(parse_wall(text, zone))
    except ValueError:
        return text


def data_from_query(
    query: Mapping[str, Any], token: str, now: datetime, viewer: ZoneInfo
) -> MultiValueDict:
    """A new form filled from a link: every field can be given in the query string.

    Short names for the common case: `scope`, `monitor_id`, `monitor_tags` (repeat or comma
    separate; `*` for every monitor), `timezone`, `message`; one-time `start` (or `now`), `end`
    (or `never`) and `duration`; recurring `rrule` with its `start` and `duration` (repeat the
    three for more recurrences); `notify_end_states`, `notify_end_types`,
    `mute_first_recovery_notification=1`.
    """
    first = {name: (_values(query, name) or [""])[0] for name in query}
    zone_name = first.get("timezone") or viewer.key
    try:
        zone = schedules.get_zone(zone_name)
    except schedules.ScheduleError:
        zone = viewer  # the form keeps the bad name and says so beside the field
    values = defaults(token, now, zone)
    values["timezone"] = zone_name
    for name in ("scope", "message", "monitor_query"):
        if first.get(name):
            values[name] = first[name]
    tags = _listed(query, "monitor_tags")
    if first.get("monitor_id"):
        values.update(target=TARGET_MONITOR, monitor_id=first["monitor_id"])
    elif tags == ["*"]:
        values["target"] = TARGET_ALL
    elif tags:
        values.update(target=TARGET_TAGS, monitor_tags=", ".join(tags))
    if first.get("target") in (TARGET_MONITOR, TARGET_TAGS, TARGET_ALL):
        values["target"] = first["target"]
    for name, choices in (
        ("notify_end_states", NOTIFY_END_STATES),
        ("notify_end_types", NOTIFY_END_TYPES),
    ):
        if name in query:
            allowed = {v for v, _ in choices}
            given = [v for v in _values(query, name) for v in v.split(",")]
            values[name] = [v.strip() for v in given if v.strip() in allowed]
    if first.get("mute_first_recovery_notification", "").lower() in ("1", "true", "yes", "on"):
        values["mute_first_recovery_notification"] = "on"
    rules = _values(query, "rrule")
    if rules or first.get("schedule") == RECURRING:
        _recurring_from_query(values, query, rules, now, zone)
    else:
        _one_time_from_query(values, first, zone)
    return to_data(values)


def _one_time_from_query(values: dict[str, Any], first: dict[str, str], zone: ZoneInfo) -> None:
    start = first.get("start", "")
    if start and start.lower() != "now":
        values.update(start_mode=START_AT, start=_wall_or_raw(start, zone))
    end = first.get("end", "")
    if end.lower() == "never":
        values["end_mode"] = END_NEVER
    elif end:
        values.update(end_mode=END_AT, end=_wall_or_raw(end, zone))
    elif first.get("duration"):
        values.update(end_mode=END_AFTER, duration=first["duration"])
    for name, choices in (
        ("start_mode", (START_NOW, START_AT)),
        ("end_mode", (END_NEVER, END_AT, END_AFTER)),
    ):
        if first.get(name) in choices:
            values[name] = first[name]


def _recurring_from_query(
    values: dict[str, Any],
    query: Mapping[str, Any],
    rules: list[str],
    now: datetime,
    zone: ZoneInfo,
) -> None:
    values["schedule"] = RECURRING
    starts, durations = _values(query, "start"), _values(query, "duration")
    count = max(len(rules), 1)
    for key in [k for k in values if k.startswith(f"{PREFIX}-")]:
        del values[key]
    default_start = next_hour(now, zone)
    for index in range(count):
        start_text = starts[index] if index < len(starts) else ""
        try:
            start, unreadable = (
                (parse_wall(start_text, zone) if start_text else default_start),
                False,
            )
        except ValueError:
            start, unreadable = default_start, True
        rule = rules[index] if index < len(rules) else ""
        rule = rule or schedules.build_rrule(schedules.default_controls(start))
        duration = durations[index] if index < len(durations) else "1h"
        fields = recurrence_fields(index, start, duration, rule, synced=False)
        if unreadable:
            fields[f"{PREFIX}-{index}-start"] = start_text  # kept as given; the form says why
        values.update(fields)
    values.update(management_fields(count))


def data_from_downtime(
    downtime: Downtime, token: str, now: datetime, *, clone: bool = False
) -> MultiValueDict:
    """The form for editing `downtime`, or (clone) for creating another one like it."""
    schedule = downtime.schedule
    zone_name = (
        schedule.timezone
        if isinstance(schedule, RecurringSchedule)
        else downtime.display_timezone or "UTC"
    )
    try:
        zone = schedules.get_zone(zone_name)
    except schedules.ScheduleError:
        zone_name, zone = "UTC", schedules.get_zone("UTC")
    values = defaults(token, now, zone)
    values.update(
        scope=downtime.scope,
        message=downtime.message or "",
        notify_end_states=list(downtime.notify_end_states),
        notify_end_types=list(downtime.notify_end_types),
    )
    if downtime.mute_first_recovery_notification:
        values["mute_first_recovery_notification"] = "on"
    if downtime.monitor_id is not None:
        values.update(target=TARGET_MONITOR, monitor_id=str(downtime.monitor_id))
    elif list(downtime.monitor_tags) in ([], ["*"]):
        values["target"] = TARGET_ALL
    else:
        values.update(target=TARGET_TAGS, monitor_tags=", ".join(downtime.monitor_tags))
    if isinstance(schedule, RecurringSchedule):
        values["schedule"] = RECURRING
        for key in [k for k in values if k.startswith(f"{PREFIX}-")]:
            del values[key]
        for index, recurrence in enumerate(schedule.recurrences):
            start = recurrence.start or schedules.to_local(downtime.created or now, zone)
            if clone:
                start = _next_start(start, recurrence.rrule, zone, now)
            values.update(
                recurrence_fields(index, start, recurrence.duration, recurrence.rrule, synced=False)
            )
        values.update(management_fields(len(schedule.recurrences) or 1))
    else:
        start = schedule.start or downtime.created or now
        if clone:
            values["start_mode"] = START_NOW
            if schedule.end is None:
                values["end_mode"] = END_NEVER
            else:
                values.update(
                    end_mode=END_AFTER,
                    duration=str(schedules.duration_from_delta(schedule.end - start)),
                )
        else:
            values.update(start_mode=START_AT, start=wall_text(schedules.to_local(start, zone)))
            if schedule.end is None:
                values["end_mode"] = END_NEVER
            else:
                values.update(
                    end_mode=END_AT, end=wall_text(schedules.to_local(schedule.end, zone))
                )
    values["timezone"] = zone_name
    return to_data(values)


def _next_start(start: datetime, rule: str, zone: ZoneInfo, now: datetime) -> datetime:
    """A clone's recurrence starts at the series' next occurrence rather than in the past."""
    if schedules.to_utc(start, zone) >= now:
        return start
    try:
        spec = schedules.RecurrenceSpec(start, rule, schedules.parse_duration("1m"))
        upcoming = schedules.upcoming_windows([spec], zone.key, now, 1)
    except schedules.ScheduleError:
        return start
    return schedules.to_local(upcoming[0].start, zone) if upcoming else start


# --- keeping controls and the raw rule in step ------------------------------------------------


def _raw_controls(data: MultiValueDict, prefix: str) -> schedules.RuleControls:
    """Controls from posted strings, as RecurrenceForm would clean them (ValueError if not)."""
    form = RecurrenceForm(data, prefix=prefix.rstrip("-"))
    for name in ("rrule", "start", "duration"):
        form.fields[name].required = False
    if not form.is_valid() and any(
        n in form.errors
        for n in (
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
    ):
        raise ValueError("the controls are incomplete")
    return controls_from_cleaned(form.cleaned_data)


def written_or_built(rule: str, controls: schedules.RuleControls) -> str:
    """The rule as written while the controls still say the same; else the controls' rule.

    `BYDAY=3WE` stays as the user wrote it until a control changes what it means.
    """
    try:
        if rule and schedules.controls_from_rrule(rule) == controls:
            return rule
    except schedules.ScheduleError:
        pass
    return schedules.build_rrule(controls)


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


def resolve(data: MultiValueDict) -> MultiValueDict:
    """Posted data with each recurrence's controls and raw rule brought into step."""
    data = data.copy()
    try:
        total = min(_total_forms(data), MAX_RECURRENCES + 1)
    except ValueError:
        return data
    for index in range(total):
        prefix = f"{PREFIX}-{index}-"
        rule = (data.get(prefix + "rrule") or "").strip()
        synced = data.get(prefix + "synced") or ""
        if rule and (rule != synced or prefix + "freq" not in data):
            # The raw rule was written (by the user or a link): the controls follow it.
            try:
                controls = schedules.controls_from_rrule(rule)
            except schedules.ScheduleError:
                data[prefix + "synced"] = rule
                continue
            for key, value in control_fields(controls).items():
                if isinstance(value, list):
                    data.setlist(prefix + key, value)
                else:
                    data[prefix + key] = value
            data[prefix + "synced"] = rule
            continue
        try:
            if rule:
                schedules.controls_from_rrule(rule)
        except schedules.NotExpressible:
            continue  # the controls were switched off for this rule; it stays as written
        except schedules.ScheduleError:
            pass
        _fill_monthly_weekday(data, prefix)
        try:
            built = written_or_built(rule, _raw_controls(data, prefix))
        except (ValueError, schedules.ScheduleError):
            continue  # incomplete controls: the form says which one
        data[prefix + "rrule"] = built
        data[prefix + "synced"] = built
    return data


def _total_forms(data: Any) -> int:
    """How many recurrences the posted form says it has; a tampered count reads as none."""
    raw = str(data.get(f"{PREFIX}-TOTAL_FORMS") or "0")
    return max(0, min(int(raw), MAX_RECURRENCES + 1)) if raw.isdigit() else 0


def add_recurrence(data: MultiValueDict, now: datetime, zone: ZoneInfo) -> MultiValueDict:
    data = data.copy()
    total = _total_forms(data)
    if total >= MAX_RECURRENCES:
        return data
    for key, value in default_recurrence(total, now, zone).items():
        if isinstance(value, list):
            data.setlist(key, value)
        else:
            data[key] = value
    data[f"{PREFIX}-TOTAL_FORMS"] = str(total + 1)
    return data


def remove_recurrence(data: MultiValueDict, index: int) -> MultiValueDict:
    """Drop recurrence `index`; later ones move up so that the numbering stays dense."""
    total = _total_forms(data)
    if total <= 1 or not 0 <= index < total:
        return data.copy()
    kept = MultiValueDict()
    for key, values in data.lists():
        match = re.match(rf"^{PREFIX}-(\d+)-(.+)$", key)
        if not match:
            kept.setlist(key, values)
            continue
        position, name = int(match.group(1)), match.group(2)
        if position == index:
            continue
        kept.setlist(f"{PREFIX}-{position - 1 if position > index else position}-{name}", values)
    kept[f"{PREFIX}-TOTAL_FORMS"] = str(total - 1)
    return kept


# --- the link that fills the form ------------------------------------------------------------


def share_query(data: MultiValueDict) -> str:
    """The query string of a link that opens this form as it is now (never with the token)."""
    params: list[tuple[str, str]] = []

    def add(name: str, value: str | None) -> None:
        if value:
            params.append((name, value))

    add("scope", (data.get("scope") or "").strip())
    target = data.get("target")
    if target == TARGET_MONITOR:
        add("monitor_id", data.get("monitor_id"))
    elif target == TARGET_TAGS:
        add("monitor_tags", ",".join(split_tags(data.get("monitor_tags") or "")))
    elif target == TARGET_ALL:
        add("monitor_tags", "*")
    add("timezone", data.get("timezone"))
    if data.get("schedule") == RECURRING:
        total = _total_forms(data)
        for index in range(min(total, MAX_RECURRENCES)):
            prefix = f"{PREFIX}-{index}-"
            params += [
                ("rrule", data.get(prefix + "rrule") or ""),
                ("start", data.get(prefix + "start") or ""),
                ("duration", data.get(prefix + "duration") or ""),
            ]
    else:
        if data.get("start_mode") == START_AT:
            add("start", data.get("start"))
        mode = data.get("end_mode")
        if mode == END_AT:
            add("end", data.get("end"))
        elif mode == END_NEVER:
            add("end", "never")
        else:
            add("duration", data.get("duration"))
    add("message", data.get("message"))
    states = data.getlist("notify_end_states")
    if sorted(states) != sorted(DEFAULT_END_STATES):
        params.append(("notify_end_states", ",".join(states)))
    types = data.getlist("notify_end_types")
    if sorted(types) != sorted(DEFAULT_END_TYPES):
        params.append(("notify_end_types", ",".join(types)))
    if data.get("mute_first_recovery_notification"):
        params.append(("mute_first_recovery_notification", "1"))
    return urlencode(params, safe=":*,")
