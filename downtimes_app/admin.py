from __future__ import annotations

from django.contrib import admin

from downtimes_app.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is only ever added to, by the writes themselves."""

    list_display = ("at", "actor_name", "action", "downtime_id", "outcome", "summary")
    list_filter = ("action", "outcome")
    search_fields = ("actor_name", "downtime_id", "summary")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
