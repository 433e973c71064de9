"""Set up the test provider's people and applications: `manage.py idp setup|groups|redirect`."""

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from oauth2_provider.models import Application

# name: (first name, groups); each password is the name.
PEOPLE = {
    "alice": ("Alice", ["sre"]),
    "bob": ("Bob", ["engineering"]),
    "carol": ("Carol", []),
    "dave": ("Dave", ["sre", "engineering"]),
}
CLIENTS = {"dashboard": "dashboard-client-secret", "other": "other-client-secret"}


class Command(BaseCommand):
    help = "Test identity provider: people, groups and the applications registered with it."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["setup", "groups", "redirect"])
        parser.add_argument("values", nargs="*")

    def handle(self, action, values, **options):
        if action == "setup":
            for name, (first, groups) in PEOPLE.items():
                user = User.objects.create_user(
                    name, f"{name}@example.com", name, first_name=first, last_name="Example"
                )
                user.groups.set([Group.objects.get_or_create(name=g)[0] for g in groups])
            for client_id, secret in CLIENTS.items():
                Application.objects.create(
                    name=client_id,
                    client_id=client_id,
                    client_secret=secret,
                    client_type=Application.CLIENT_CONFIDENTIAL,
                    authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
                    algorithm=Application.RS256_ALGORITHM,
                    skip_authorization=True,
                    redirect_uris="",
                    post_logout_redirect_uris="",
                )
        elif action == "groups":
            user = User.objects.get(username=values[0])
            user.groups.set([Group.objects.get_or_create(name=g)[0] for g in values[1:]])
        else:  # redirect: every application may send people back to these dashboards
            callbacks = " ".join(f"{base}/accounts/sso/callback/" for base in values)
            signed_out = " ".join(f"{base}/accounts/login/" for base in values)
            Application.objects.update(
                redirect_uris=callbacks, post_logout_redirect_uris=signed_out
            )
