"""What the policy's tests share: a policy in force for one test, and a second editor."""

from __future__ import annotations

from django.test import Client

from downtimes_app.policy.config import parse
from tests.conftest import make_user


def use_policy(settings, **keys) -> None:
    """Put this policy (the file's keys, `groups` as a dict of tables) in force."""
    settings.DASHBOARD_POLICY = parse(keys)


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def second_editor(name: str = "sam"):
    return make_user(name, "editor")
