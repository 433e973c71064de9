"""`manage.py api_token USERNAME [--name NAME]`: print a new API token for that person (for
set-up scripts). Only its digest is kept; the printed token is the one copy."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from downtimes_app.api import tokens


class Command(BaseCommand):
    help = "Print a new API token for a user (it acts with that user's role)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="made with manage.py api_token")

    def handle(self, *args, username: str, name: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username} is not active: a token of theirs would not work.")
        _, token = tokens.make(user, name)
        self.stdout.write(token)
