"""Password guessing: refused after a few failures, for a cool-down that grows, said in words.

The counts live in the database (django-axes); the two-process check is in
tests/signin/test_guessing_processes.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.db.models import F
from django.test import Client
from django.urls import reverse

from downtimes_app.models import AuditEntry
from downtimes_app.signin import guessing
from tests.conftest import make_user

Action = AuditEntry.Action
LOGIN = reverse("login")
HOME = "203.0.113.10"  # documentation addresses (RFC 5737): nothing is sent anywhere
ELSEWHERE = "198.51.100.20"


def attempt(client: Client, name: str, password: str, address: str = HOME):
    return client.post(LOGIN, {"username": name, "password": password}, REMOTE_ADDR=address)


def signed_in(client: Client) -> bool:
    return client.get(reverse("downtimes:list")).status_code == 200


def time_passes(seconds: int) -> None:
    """As if `seconds` had gone by since every remembered failure."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(seconds=seconds))


@pytest.fixture
def erin(db) -> User:
    return make_user("erin", "editor")


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(0, None), (4, None), (5, 60), (6, 120), (7, 240), (10, 1920), (11, 3600), (99, 3600)],
)
def test_the_cooldown_starts_at_the_limit_and_doubles_up_to_its_cap(failures, seconds):
    wait = guessing.cooldown(failures, limit=5, base=60, cap=3600)
    assert (wait.total_seconds() if wait else None) == seconds


def test_wait_words_say_when_and_how_long_in_the_viewers_zone():
    now = datetime(2026, 11, 16, 9, 30, 10, tzinfo=UTC)
    zone = ZoneInfo("Europe/Paris")
    assert (
        guessing.wait_words(now + timedelta(seconds=59), now, zone) == "at 10:31 CET, in 59 seconds"
    )
    assert (
        guessing.wait_words(now + timedelta(seconds=61), now, zone) == "at 10:31 CET, in 2 minutes"
    )
    assert (
        guessing.wait_words(now + timedelta(hours=1), now, UTC) == "at 10:30 UTC, in about 1 hour"
    )


def test_the_right_password_is_refused_after_the_configured_failures(erin, client):
    for _ in range(4):
        assert attempt(client, "erin", "guess").status_code == 200  # the form again
    locked = attempt(client, "erin", "guess")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed sign-ins for this name or from this address." in page
    assert "You can try again at " in page and "in 1 minute." in page
    assert 'value="erin"' in page  # what was typed is kept
    right = attempt(client, "erin", "erin")
    assert right.status_code == 429
    assert not signed_in(client)
    trail = AuditEntry.objects.order_by("id")
    assert [e.action for e in trail] == [Action.SIGN_IN_FAILED] * 4 + [Action.LOCKED_OUT]
    assert {(e.actor_name, e.address) for e in trail} == {("erin", HOME)}
    assert "after 5 failures" in trail.last().summary


def test_the_lockout_ends_after_its_cooldown_and_the_next_failure_doubles_it(erin, client):
    for _ in range(5):
        attempt(client, "erin", "guess")
    time_passes(61)
    again = attempt(client, "erin", "guess")  # allowed to try, wrong: locked again, longer
    assert again.status_code == 429
    assert "in 2 minutes." in again.content.decode()
    time_passes(60)
    assert attempt(client, "erin", "erin").status_code == 429  # not yet
    time_passes(61)
    assert attempt(client, "erin", "erin").status_code == 302  # the cool-down is over
    assert signed_in(client)
    assert not AccessAttempt.objects.exists()  # success forgets the failures


def test_attempts_refused_during_a_lockout_neither_count_nor_extend_it(erin, client):
    for _ in range(5):
        attempt(client, "erin", "guess")
    until = guessing.remembered()[0].until
    for _ in range(10):
        assert attempt(client, "erin", "guess").status_code == 429
    assert AccessAttempt.objects.get().failures_since_start == 5
    assert guessing.remembered()[0].until == until
    assert AuditEntry.objects.filter(action=Action.LOCKED_OUT).count() == 1


def test_one_address_trying_many_names_is_locked_out_and_others_are_not(erin, client):
    for name in ("admin", "root", "demo", "ops", "erin"):
        attempt(client, name, "guess")
    assert attempt(client, "erin", "erin").status_code == 429  # every name, from this address
    assert attempt(Client(), "erin", "erin", address=ELSEWHERE).status_code == 302


def test_one_name_tried_from_many_addresses_is_locked_out(erin):
    for n in range(5):
        attempt(Client(), "erin", "guess", address=f"198.51.100.{n + 1}")
    assert attempt(Client(), "erin", "erin", address=ELSEWHERE).status_code == 429


def test_behind_proxies_the_address_is_the_one_the_outer_proxy_saw(erin, settings, client):
    settings.DASHBOARD_PROXY_COUNT = 1
    forged = {"HTTP_X_FORWARDED_FOR": f"192.0.2.99, {ELSEWHERE}"}
    client.post(LOGIN, {"username": "erin", "password": "guess"}, REMOTE_ADDR=HOME, **forged)
    assert AccessAttempt.objects.get().ip_address == ELSEWHERE  # not the client's own claim
    assert AuditEntry.objects.get().address == ELSEWHERE


def test_staff_see_a_lockout_and_lift_it(erin, client):
    for _ in range(5):
        attempt(client, "erin", "guess")
    staff = make_user("sam", "viewer")
    staff.is_staff = True
    staff.save()
    desk = Client()
    desk.force_login(staff)
    page = desk.get(reverse("lockouts")).content.decode()
    assert "name <code>erin</code>" in page and f"address <code>{HOME}</code>" in page
    assert page.count("Locked out</strong>: may try again at ") == 2
    # Every failure was erin's, from one address: forgetting the name's lifts both.
    lifted = desk.post(reverse("lockout_lift"), {"kind": "name", "value": "erin"}, follow=True)
    assert "No failed password sign-ins in the last day." in lifted.content.decode()
    assert attempt(client, "erin", "erin").status_code == 302
    entry = AuditEntry.objects.get(action=Action.LOCKOUT_LIFTED)
    assert (entry.summary, entry.actor) == ("Lifted the lockout of the name 'erin'", staff)


def test_only_staff_may_see_or_lift_lockouts(erin, client, viewer_client):
    for _ in range(5):
        attempt(client, "erin", "guess")
    assert viewer_client.get(reverse("lockouts")).status_code == 403
    refused = viewer_client.post(reverse("lockout_lift"), {"kind": "name", "value": "erin"})
    assert refused.status_code == 403
    assert AccessAttempt.objects.exists()


def test_password_failures_do_not_lock_out_single_sign_on(sso, client):
    from tests.oidc_provider.harness import Person
    from tests.signin.support import sign_in

    for name in ("alice", "root", "admin", "ops", "alice"):
        attempt(client, name, "guess", address="127.0.0.1")
    assert attempt(client, "anyone", "guess", address="127.0.0.1").status_code == 429
    assert sign_in(client, Person(sso, "alice")).status_code == 302
    assert signed_in(client)
