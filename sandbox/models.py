"""The sandbox org's tables: users, monitors and downtimes, stored the way the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db import models


class SandboxUser(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, null=True, blank=True)
    handle = models.CharField(max_length=200, unique=True)
    email = models.CharField(max_length=200)
    title = models.CharField(max_length=200, null=True, blank=True)
    icon = models.CharField(max_length=500, null=True, blank=True)
    disabled = models.BooleanField(default=False)
    service_account = models.BooleanField(default=False)
    # Datadog records the owner of the application key as the creator of API-made downtimes.
    owns_app_key = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    modified_at = models.DateTimeField()

    class Meta:
        ordering = ["handle"]

    def __str__(self) -> str:
        return self.handle


class SandboxMonitor(models.Model):
    id = models.BigIntegerField(primary_key=True)
    name = models.CharField(max_length=500)
    type = models.CharField(max_length=50)
    query = models.TextField()
    message = models.TextField(blank=True, default="")
    tags = models.JSONField(default=list)
    overall_state = models.CharField(max_length=20, default="OK")
    # What the monitor evaluates separately, from its query's `by {...}`: each group's name
    # (`host:web-3`), the tags a downtime's scope is matched against, and its state. Empty
    # means one group, `*`, carrying the query's own tags.
    groups = models.JSONField(default=list, blank=True)
    priority = models.IntegerField(null=True, blank=True)
    creator = models.ForeignKey(SandboxUser, null=True, on_delete=models.SET_NULL)
    created = models.DateTimeField()
    modified = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class SandboxDowntime(models.Model):
    # The integer primary key keeps creation order, which is the order the list pages through;
    # the API's id is the UUID.
    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    scope = models.TextField()
    message = models.TextField(null=True, blank=True)
    display_timezone = models.CharField(max_length=64, default="UTC")
    monitor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    monitor_tags = models.JSONField(null=True, blank=True)
    # One-time: {"start": iso, "end": iso|null}; recurring: {"timezone", "recurrences": [...]}.
    schedule = models.JSONField()
    notify_end_states = models.JSONField(default=list)
    notify_end_types = models.JSONField(default=list)
    mute_first_recovery_notification = models.BooleanField(default=False)
    created_by = models.ForeignKey(SandboxUser, null=True, on_delete=models.SET_NULL)
    created = models.DateTimeField()
    modified = models.DateTimeField()
    # Indexed: every list counts the downtimes not canceled too long ago to show.
    canceled = models.DateTimeField(null=True, blank=True, db_index=True)
    # A one-time window's end, kept from `schedule` on every save, so that a list can leave out
    # the ones that ended too long ago to show (SANDBOX_ENDED_RETENTION_DAYS) without reading
    # each schedule. Null for no end and for recurring schedules.
    ends = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.uuid} {self.scope}"

    def save(self, *args, **kwargs) -> None:
        self.ends = one_time_end(self.schedule)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "ends"}
        super().save(*args, **kwargs)


def one_time_end(schedule: Any) -> datetime | None:
    """The end of a one-time schedule as stored (`{"start", "end"}`), else None."""
    if not isinstance(schedule, dict) or "recurrences" in schedule or not schedule.get("end"):
        return None
    return datetime.fromisoformat(schedule["end"])
