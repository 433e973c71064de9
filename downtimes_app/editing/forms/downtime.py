"""The Django forms of the schedule page: the downtime, and each of its recurrences.

They only validate. What a valid form means is read from `cleaned_data` (the one-time schedule
included, as a record) by `draft.Draft`; nothing here builds a request or saves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.validators import RegexValidator
from django.forms import formset_factory

from downtimes_app.core import parsing, schedules
from downtimes_app.core.domain import Downtime, OneTimeSchedule
from downtimes_app.core.scope import MAX_TYPED, check_scope
from downtimes_app.editing import submissions
from downtimes_app.editing.forms import repeat
from downtimes_app.editing.forms.values import (
    END_AFTER,
    END_AT,
    END_NEVER,
    MAX_RECURRENCES,
    MONITOR_QUERY_MAX,
    NOTIFY_END_STATES,
    NOTIFY_END_TYPES,
    NTH_LABELS,
    ONCE,
    QUICK_DURATIONS,
    SCHEDULE_CHOICES,
    START_AT,
    START_CHOICES,
    START_NOW,
    TARGET_CHOICES,
    TARGET_MONITOR,
    TARGET_TAGS,
    WEEKDAY_CHOICES,
    parse_wall,
    split_tags,
)
from downtimes_app.models import SubmissionToken

RECOVERS_ONCE = (
    "Until it recovers is for a one-time window: a recurring one repeats whatever recovers."
)
RECOVERS_WITH_AN_END = (
    "Until it recovers needs an end, the latest it lasts (Datadog ends it then even if the "
    "dashboard is down): choose After or At."
)


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


TOKEN_LENGTH = SubmissionToken._meta.get_field("token").max_length


class WholeNumberField(forms.Field):
    """A whole number in ASCII digits, within bounds (`parsing`): Django's IntegerField reads
    full-width digits, and its bounds come after `int()` has read any number of digits."""

    widget = forms.NumberInput

    def __init__(self, *, low: int, high: int, signed: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.low, self.high, self.signed = low, high, signed

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        read = parsing.signed_number if self.signed else parsing.whole_number
        try:
            return read(str(value), low=self.low, high=self.high, what="a whole number")
        except parsing.Unreadable as exc:
            raise forms.ValidationError(str(exc)) from None


def _checked(check: Callable[[str], Any], value: str) -> Any:
    """`check(value)`, its ScheduleError as the field's error (its message says how to fix it)."""
    try:
        return check(value)
    except schedules.ScheduleError as exc:
        raise forms.ValidationError(str(exc)) from None


# --- one recurrence -----------------------------------------------------------------------------


class RecurrenceForm(forms.Form):
    """One recurrence: its start, its length, and its repeat rule (controls and raw text)."""

    month_days = range(1, 32)

    start = WallTimeField(required=True)
    duration = forms.CharField(required=True, max_length=20)
    freq = forms.ChoiceField(
        choices=[(f, f.capitalize()) for f in repeat.FREQUENCIES], required=False
    )
    interval = WholeNumberField(low=1, high=999, required=False)
    weekdays = forms.MultipleChoiceField(choices=WEEKDAY_CHOICES, required=False)
    monthly = forms.ChoiceField(
        choices=[(repeat.MONTHLY_DAY, "day"), (repeat.MONTHLY_WEEKDAY, "weekday")],
        required=False,
    )
    month_day = WholeNumberField(low=-1, high=31, signed=True, required=False)
    nth = forms.TypedChoiceField(
        choices=[(str(n), label) for n, label in NTH_LABELS.items()],
        coerce=int,
        required=False,
        empty_value=None,
    )
    nth_weekday = forms.ChoiceField(choices=[("", ""), *WEEKDAY_CHOICES], required=False)
    ends = forms.ChoiceField(
        choices=[
            (repeat.ENDS_NEVER, "never"),
            (repeat.ENDS_UNTIL, "on"),
            (repeat.ENDS_COUNT, "after"),
        ],
        required=False,
    )
    until = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    count = WholeNumberField(low=1, high=10_000, required=False)
    rrule = forms.CharField(required=True, max_length=500)
    synced = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Why the controls are switched off for this rule, when they cannot show it.
        self.custom_reason = ""
        rule = (self.data.get(self.add_prefix("rrule")) or "").strip() if self.is_bound else ""
        if rule:
            try:
                repeat.controls_from_rrule(rule)
            except repeat.NotExpressible as exc:
                self.custom_reason = str(exc)
            except schedules.ScheduleError:
                pass

    def clean_duration(self) -> str:
        return str(_checked(schedules.parse_duration, self.cleaned_data["duration"]))

    def clean_rrule(self) -> str:
        rule = self.cleaned_data["rrule"].strip()
        _checked(schedules.check_rrule, rule)
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
    """The control a message from `build_rrule` is about."""
    text = message.lower()
    for words, field in (
        ("weekday of the month", "nth"),
        ("day of the month", "month_day"),
        ("how many times", "count"),
        ("last window", "until"),
        ("repeat every", "interval"),
    ):
        if words in text:
            return field
    return "freq"


def controls_from_cleaned(data: Mapping[str, Any]) -> repeat.RuleControls:
    """The repeat controls a cleaned recurrence shows; only what its frequency uses."""
    freq = data.get("freq") or "WEEKLY"
    monthly = data.get("monthly") or repeat.MONTHLY_DAY
    by_day = freq == "MONTHLY" and monthly == repeat.MONTHLY_DAY
    by_weekday = freq == "MONTHLY" and monthly == repeat.MONTHLY_WEEKDAY
    ends = data.get("ends") or repeat.ENDS_NEVER
    return repeat.RuleControls(
        freq=freq,
        interval=data.get("interval") or 1,
        weekdays=tuple(data.get("weekdays") or ()) if freq == "WEEKLY" else (),
        monthly=monthly if freq == "MONTHLY" else repeat.MONTHLY_DAY,
        month_day=data.get("month_day") if by_day else None,
        nth=data.get("nth") if by_weekday else None,
        nth_weekday=(data.get("nth_weekday") or None) if by_weekday else None,
        ends=ends,
        until=data.get("until") if ends == repeat.ENDS_UNTIL else None,
        count=data.get("count") if ends == repeat.ENDS_COUNT else None,
    )


def written_or_built(rule: str, controls: repeat.RuleControls) -> str:
    """The rule as written while the controls still say the same; else the controls' rule.

    `BYDAY=3WE` stays as the user wrote it until a control changes what it means.
    """
    try:
        if rule and repeat.controls_from_rrule(rule) == controls:
            return rule
    except schedules.ScheduleError:
        pass
    return repeat.build_rrule(controls)


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


# --- the downtime -------------------------------------------------------------------------------


class DowntimeForm(forms.Form):
    """What to mute and how to notify, and a one-time schedule's start and end.

    A valid one-time schedule is left in `cleaned_data["one_time"]` (a record, in UTC) with the
    moment its window starts in `cleaned_data["first_start"]`.
    """

    quick_durations = QUICK_DURATIONS

    token = forms.CharField(
        widget=forms.HiddenInput,
        # The column that claims it holds 64; a longer one was not made here.
        max_length=TOKEN_LENGTH,
        validators=[
            RegexValidator(
                submissions.TOKEN_SHAPE,
                "This form's one-time token is not one this dashboard made; reload the page.",
            )
        ],
        error_messages={
            "required": "This form has no one-time token; reload the page.",
            "max_length": "This form's one-time token is not one this dashboard made; reload "
            "the page.",
        },
    )
    scope = forms.CharField(
        max_length=MAX_TYPED,
        error_messages={"required": "Give a scope: * for every group, or terms such as env:prod"},
    )
    target = forms.ChoiceField(choices=TARGET_CHOICES)
    monitor_query = forms.CharField(required=False, max_length=MONITOR_QUERY_MAX)
    monitor_id = WholeNumberField(low=1, high=parsing.MAX_ID, required=False)
    monitor_tags = forms.CharField(required=False, max_length=1000)
    schedule = forms.ChoiceField(choices=SCHEDULE_CHOICES)
    timezone = forms.CharField(max_length=64)
    start_mode = forms.ChoiceField(choices=START_CHOICES, required=False)
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
    # "Until it recovers": a new one-time window that the dashboard ends once what it mutes has
    # been OK a while; its end above is the latest it lasts (`recovery`).
    ends_on_recovery = forms.BooleanField(required=False)

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

    def clean_scope(self) -> str:
        scope = self.cleaned_data["scope"].strip()
        problem = check_scope(scope)
        if problem:
            raise forms.ValidationError(f"Scope: {problem}")
        return scope

    def clean_timezone(self) -> str:
        name = self.cleaned_data["timezone"].strip()
        _checked(schedules.get_zone, name)
        return name

    def clean_monitor_tags(self) -> list[str]:
        return split_tags(self.cleaned_data["monitor_tags"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self._clean_target(data)
        if "timezone" in data and data.get("schedule") == ONCE:
            OneTimeCheck(self, data).run()
        if data.get("ends_on_recovery") and self.original is None:
            if data.get("schedule") != ONCE:
                self.add_error("ends_on_recovery", RECOVERS_ONCE)
            elif data.get("end_mode") not in (END_AFTER, END_AT):  # never, or not said
                self.add_error("ends_on_recovery", RECOVERS_WITH_AN_END)
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


class OneTimeCheck:
    """The one-time start and end of a `DowntimeForm`: each is checked, whatever the other.

    A start of "now" with an end "after" a duration is sent with an explicit start, the form's
    "now": a window meant to last two hours lasts exactly that, whatever the clock says when
    Datadog receives it.
    """

    def __init__(self, form: DowntimeForm, data: dict[str, Any]) -> None:
        self.form = form
        self.data = data
        self.zone: ZoneInfo = schedules.get_zone(data["timezone"])
        original = form.original
        self.original = (
            original.schedule
            if original and isinstance(original.schedule, OneTimeSchedule)
            else None
        )
        self.original_start = (
            (self.original.start or original.created) if self.original and original else None
        )

    def exact(self, posted: datetime, original: datetime | None) -> datetime:
        """The original moment when the form shows it unchanged (inputs drop seconds)."""
        if original is not None:
            shown = schedules.to_local(original, self.zone).replace(second=0, microsecond=0)
            if posted.replace(second=0) == shown:
                return original
        return schedules.to_utc(posted, self.zone)

    def run(self) -> None:
        start, start_ok = self.start()
        begins = start or self.form.now.replace(microsecond=0)
        end, end_ok = self.end(begins, start_ok)
        if not (start_ok and end_ok):
            return
        if start is None and self.data.get("end_mode") == END_AFTER:
            start = begins
        self.data["first_start"] = begins
        self.data["one_time"] = OneTimeSchedule(start, end)

    def start(self) -> tuple[datetime | None, bool]:
        """The start (None: when Datadog receives it), and whether it is acceptable."""
        form, data = self.form, self.data
        if form.locked_start is not None:
            posted = data.get("start")
            if data.get("start_mode") == START_NOW or (
                posted and self.exact(posted, form.locked_start) != form.locked_start
            ):
                form.add_error(
                    "start",
                    "This window is in progress: Datadog does not let its start move. "
                    "Change its end instead.",
                )
            return form.locked_start, True
        if data.get("start_mode") != START_AT:
            return None, True
        if data.get("start") is None:
            if "start" not in form.errors:
                form.add_error("start", "Give the start date and time, or choose “Now”.")
            return None, False
        start = self.exact(data["start"], self.original_start)
        unchanged = self.original_start is not None and start == self.original_start
        if not unchanged and start < form.now.replace(second=0, microsecond=0):
            form.add_error(
                "start",
                f"{data['start']:%Y-%m-%d %H:%M} {self.zone.key} is in the past; choose a "
                "later time, or “Now”.",
            )
            return start, False
        return start, True

    def end(self, begins: datetime, start_ok: bool) -> tuple[datetime | None, bool]:
        form, data = self.form, self.data
        mode = data.get("end_mode")
        if mode == END_AT:
            if data.get("end") is None:
                if "end" not in form.errors:
                    form.add_error("end", "Give the end date and time, or choose another ending.")
                return None, False
            end = self.exact(data["end"], self.original.end if self.original else None)
            if end <= form.now:
                form.add_error("end", "The end is in the past; choose a later time.")
                return None, False
            if start_ok and end <= begins:
                form.add_error("end", "The end must be after the start.")
                return None, False
            return end, True
        if mode == END_AFTER:
            try:
                duration = schedules.parse_duration(data.get("duration") or "")
                return _after(begins, duration, self.zone), True
            except schedules.ScheduleError as exc:
                form.add_error("duration", str(exc))
                return None, False
        return None, True


def _after(start: datetime, duration: schedules.Duration, zone: ZoneInfo) -> datetime:
    """Days and weeks are calendar amounts in the schedule's zone, as in recurrences."""
    if duration.is_calendar:
        return schedules.to_utc(duration.end_of(schedules.to_local(start, zone)), zone)
    return (start + duration.delta).astimezone(UTC)
