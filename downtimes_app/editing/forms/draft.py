"""A posted schedule form, validated as a whole: the downtime form with its recurrences.

`Draft` binds both Django forms to the same data and reads what they validated: the typed
`Definition` a save sends, the schedule alone for the preview (even while another field is
wrong), and the problems to list. It only uses the forms' public API (`is_valid`, `errors`,
`cleaned_data`, `add_error`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.datastructures import MultiValueDict

from downtimes_app.core import parsing, schedules
from downtimes_app.core.domain import (
    Definition,
    Downtime,
    MonitorIdentifier,
    Recurrence,
    RecurringSchedule,
    Schedule,
)
from downtimes_app.editing.forms.downtime import DowntimeForm, RecurrenceFormSet
from downtimes_app.editing.forms.recurrences import resolve
from downtimes_app.editing.forms.values import (
    NOTIFY_END_STATES,
    NOTIFY_END_TYPES,
    PREFIX,
    RECURRING,
    START_NOW,
    TARGET_ALL,
    TARGET_MONITOR,
    TARGET_TAGS,
)


@dataclass(frozen=True)
class Problem:
    field_id: str  # the id of the input it concerns, or "" for the form as a whole
    message: str


def _field_id(name: str) -> str:
    return f"id_{name}"


class Draft:
    """The schedule form as posted, recurrences brought into step: valid or not, and why."""

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
        # Datadog's 400 messages that no field could take, and whether Datadog refused at all.
        self.upstream_errors: list[str] = []
        self.refused = False
        self._valid: bool | None = None
        self._definition: Definition | None = None

    @property
    def recurring(self) -> bool:
        return self.data.get("schedule") == RECURRING

    @property
    def starts_now(self) -> bool:
        """A one-time window that starts when it is saved."""
        return (
            not self.recurring
            and self.form.locked_start is None
            and (self.data.get("start_mode") or START_NOW) == START_NOW
        )

    def is_valid(self) -> bool:
        if self._valid is None:
            valid = self.form.is_valid()
            if self.recurring:
                valid = self.recurrences.is_valid() and valid
                valid = self._every_rule_occurs() and valid
                if valid and self.first_start() is None:
                    self.form.add_error(
                        None, "This schedule has no windows after now; move its start or its end."
                    )
                    valid = False
            self._valid = valid and not self.form.errors
        return self._valid

    def _every_rule_occurs(self) -> bool:
        """A rule with no occurrence within the span windows are looked for is an error beside
        it, not a schedule that quietly mutes nothing (FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4)."""
        zone = self.form.cleaned_data.get("timezone") or "UTC"
        occurs = True
        for form in self.recurrences.forms:
            if form.is_valid() and schedules.never_occurs(form.spec(), zone):
                form.add_error("rrule", schedules.NEVER_OCCURS)
                occurs = False
        return occurs

    # --- what was validated ---------------------------------------------------------------------

    def schedule(self) -> Schedule | None:
        """The schedule, when that part of the form is valid (the rest may not be)."""
        self.is_valid()
        if not self.recurring:
            return self.form.cleaned_data.get("one_time")
        return self._recurring_schedule()

    def _recurring_schedule(self) -> RecurringSchedule | None:
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
                Recurrence(form.cleaned_data["rrule"], form.cleaned_data["duration"], start)
            )
        return RecurringSchedule(self.form.cleaned_data["timezone"], tuple(recurrences))

    def first_start(self) -> datetime | None:
        """When the first window starts (for a recurrence: the first one after now)."""
        self.form.is_valid()
        if not self.recurring:
            return self.form.cleaned_data.get("first_start")
        schedule = self._recurring_schedule()
        if schedule is None:
            return None
        specs = [f.spec() for f in self.recurrences.forms]
        ahead = schedules.upcoming_windows(specs, schedule.timezone, self.now, 1)
        return ahead[0].start if ahead else None

    def monitor_identifier(self) -> MonitorIdentifier | None:
        data = self.form.cleaned_data
        target = data.get("target")
        if target == TARGET_MONITOR and data.get("monitor_id"):
            return MonitorIdentifier(monitor_id=data["monitor_id"])
        tags_ok = data.get("monitor_tags") and "monitor_tags" not in self.form.errors
        if target == TARGET_TAGS and tags_ok:
            return MonitorIdentifier(monitor_tags=tuple(data["monitor_tags"]))
        if target == TARGET_ALL:
            return MonitorIdentifier(monitor_tags=("*",))
        return None

    def definition(self) -> Definition:
        """What Datadog is sent on create (and what an edit is compared with).

        Read once: Datadog's messages added afterwards (`add_upstream_error`) do not unmake it.
        """
        if not self.is_valid():
            raise ValueError("the draft has errors")
        if self._definition is None:
            self._definition = self._read_definition()
        return self._definition

    def _read_definition(self) -> Definition:
        data = self.form.cleaned_data
        identifier, schedule = self.monitor_identifier(), self.schedule()
        assert identifier is not None and schedule is not None
        picked, kinds = set(data["notify_end_states"]), set(data["notify_end_types"])
        return Definition(
            scope=data["scope"],
            monitor_identifier=identifier,
            schedule=schedule,
            message=data["message"] or None,
            # Datadog requires a recurring schedule's zone to equal the display zone.
            display_timezone=data["timezone"],
            notify_end_states=tuple(v for v, _ in NOTIFY_END_STATES if v in picked),
            notify_end_types=tuple(v for v, _ in NOTIFY_END_TYPES if v in kinds),
            mute_first_recovery_notification=data["mute_first_recovery_notification"],
        )

    # --- what is wrong --------------------------------------------------------------------------

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
        if field and field.startswith(f"{PREFIX}-") and field.count("-") >= 2:
            _, index, name = field.split("-", 2)
            forms = self.recurrences.forms
            position = parsing.maybe_whole(index, high=len(forms) - 1)
            if position is not None and name in forms[position].fields:
                forms[position].add_error(name, message)
                return
        if field and field in self.form.fields:
            self.form.add_error(field, message)
            return
        self.upstream_errors.append(message)
