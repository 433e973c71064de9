from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from downtimes_app.web.access import EDITOR, VIEWER

DEMO_ACCOUNTS = (("demo", EDITOR), ("viewer", VIEWER))
PUBLISHED_KEYS = ("sandbox-api-key", "sandbox-app-key")  # in README; never a real key


class Command(BaseCommand):
    help = "In sandbox mode, make sure the demo accounts exist and say how to sign in."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DATADOG_SANDBOX:
            self.stdout.write(
                "Connected to a real Datadog org: no demo account is created. Create the first "
                "account with: python manage.py createsuperuser"
            )
            return
        User = get_user_model()
        for username, role in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=username)
            # Demo data only: the password is the user name, and is printed below on purpose.
            user.set_password(username)
            user.first_name = f"Demo {role}"
            user.save()
            user.groups.set([Group.objects.get(name=role)])
        self.stdout.write(
            self.style.SUCCESS(
                "Sandbox mode: sign in as demo / demo (editor) or viewer / viewer (read-only)."
            )
        )
        published = (settings.SANDBOX_API_KEY, settings.SANDBOX_APP_KEY) == PUBLISHED_KEYS
        keys = (
            "its published default keys (sandbox-api-key, sandbox-app-key)"
            if published
            else "the keys in SANDBOX_API_KEY and SANDBOX_APP_KEY"
        )
        self.stdout.write(
            f"The sandbox's API under /sandbox/ accepts {keys} from anyone who can reach this "
            "server, and the demo passwords are printed above: serve it on 127.0.0.1 only."
        )
