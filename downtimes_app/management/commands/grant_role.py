"""`manage.py grant_role USERNAME viewer|editor|none`: give an account its role from the shell.

A person who signs in for the first time (a password account made in the admin, a new proxy or
single sign-on account without a mapped group) has no role and is told whom to ask; this is what
that person's administrator runs. The change is in the audit trail like any other role change.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from downtimes_app.models import AuditEntry
from downtimes_app.signin.trail import record_event
from downtimes_app.web.access import EDITOR, ROLES, VIEWER

NONE = "none"


class Command(BaseCommand):
    help = "Give an account the viewer or editor role, or take its role away (none)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=(VIEWER, EDITOR, NONE))

    def handle(self, *args: Any, username: str, role: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no account named {username!r}.")
        held = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        before = next((r for r in (EDITOR, VIEWER) if r in held), NONE)
        user.groups.remove(*Group.objects.filter(name__in=ROLES))
        if role != NONE:
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        record_event(
            user,
            AuditEntry.Action.ROLE_CHANGED,
            summary=f"Role changed from {before} to {role} with manage.py grant_role",
        )
        self.stdout.write(
            f"{username} is now {role} (was {before}); it applies on their next page."
        )
