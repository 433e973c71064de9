"""Single sign-on against a real OpenID Connect provider, started by the tests.

The provider (tests/oidc_provider: django-oauth-toolkit in its own gunicorn process) signs
people in on its own page; the dashboard, through mozilla-django-oidc, reads its discovery
document, exchanges the code at its token endpoint, checks the ID token against its published
keys and asks its user-information endpoint, all over HTTP. Nothing on that path is mocked.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.urls import reverse

from downtimes_app.models import AuditEntry, SsoIdentity
from sandbox.models import SandboxDowntime
from tests.conftest import make_user
from tests.oidc_provider.harness import Person
from tests.signin.support import come_back, sign_in, start

Action = AuditEntry.Action


def refusal(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.fixture
def incident(org) -> str:
    return str(SandboxDowntime.objects.get(message__contains="Failover drill").uuid)


def test_an_editor_group_member_signs_in_with_the_provider_and_can_write(sso, client, incident):
    response = sign_in(client, Person(sso, "alice"), "/downtimes/?status=all")
    assert response.status_code == 302
    assert response["Location"] == "/downtimes/?status=all"
    alice = User.objects.get(username="alice")
    assert (alice.first_name, alice.email) == ("Alice", "alice@example.com")
    assert not alice.has_usable_password()  # no password: the provider is the way in
    assert SsoIdentity.objects.get(user=alice).issuer == sso.issuer
    page = client.get(reverse("downtimes:list")).content.decode()
    assert "Schedule downtime" in page and "editor" in page
    canceled = client.post(reverse("downtimes:cancel", args=[incident]))
    assert canceled.status_code == 302
    assert SandboxDowntime.objects.get(uuid=incident).canceled is not None
    trail = AuditEntry.objects.filter(actor=alice)
    assert trail.get(action=Action.SIGN_IN).summary == "Signed in with single sign-on"
    assert (
        "to editor by the groups at Test IdP (sre)" in trail.get(action=Action.ROLE_CHANGED).summary
    )
    assert trail.get(action=Action.CANCEL).outcome == "ok"


def test_a_viewer_group_member_signs_in_and_cannot_write(sso, client, incident):
    assert sign_in(client, Person(sso, "bob")).status_code == 302
    assert client.get(reverse("downtimes:list")).status_code == 200
    assert client.get(reverse("downtimes:new")).status_code == 403
    assert client.post(reverse("downtimes:cancel", args=[incident])).status_code == 403
    assert SandboxDowntime.objects.get(uuid=incident).canceled is None
    bob = User.objects.get(username="bob")
    assert list(bob.groups.values_list("name", flat=True)) == ["viewer"]


def test_leaving_the_editor_group_takes_effect_at_the_next_sign_in(sso, client):
    dave = Person(sso, "dave")
    sign_in(client, dave)
    assert client.get(reverse("downtimes:new")).status_code == 200  # sre: an editor
    sso.set_groups("dave", "engineering")  # someone removes Dave from sre at the provider
    client.post(reverse("logout"))
    sign_in(client, dave)
    assert client.get(reverse("downtimes:new")).status_code == 403
    account = User.objects.get(username="dave")
    assert list(account.groups.values_list("name", flat=True)) == ["viewer"]
    change = AuditEntry.objects.filter(actor=account, action=Action.ROLE_CHANGED).first()
    assert change.summary.startswith("Role changed from editor to viewer")
    assert User.objects.filter(sso_identity__isnull=False, username__startswith="dave").count() == 1


def test_someone_in_no_mapped_group_is_refused_in_words(sso, client):
    response = sign_in(client, Person(sso, "carol"))
    assert response["Location"] == reverse("login")
    assert "carol is in none of the groups that may use this dashboard" in refusal(response)
    assert not User.objects.filter(username="carol").exists()
    entry = AuditEntry.objects.get(action=Action.SIGN_IN_FAILED)
    assert (entry.actor_name, entry.address) == ("carol", "127.0.0.1")
    assert client.get(reverse("downtimes:list")).status_code == 302  # still signed out


def test_a_code_issued_to_another_client_is_refused(sso, client):
    """An application the attacker registered at the same provider, sending its code here."""
    authorize = start(client).replace("client_id=dashboard", "client_id=other")
    response = come_back(client, Person(sso, "alice").visit(authorize))
    assert response["Location"] == reverse("login")
    assert "the provider refused to exchange the sign-in code" in refusal(response)
    assert client.get(reverse("downtimes:list")).status_code == 302
    assert not User.objects.filter(username="alice").exists()


@pytest.mark.parametrize(
    ("claims", "words"),
    [
        ({"aud": "other"}, "its token was issued to another application"),
        ({"aud": ["dashboard", "other"], "azp": "other"}, "names several applications"),
        ({"iss": "http://127.0.0.1:9/o"}, "its token was issued by 'http://127.0.0.1:9/o'"),
    ],
)
def test_a_signed_token_for_another_audience_or_issuer_is_refused(sso, client, claims, words):
    sso.tweak_id_tokens(**claims)  # the provider signs it with its real key all the same
    response = sign_in(client, Person(sso, "alice"))
    assert response["Location"] == reverse("login")
    assert words in refusal(response)
    assert client.get(reverse("downtimes:list")).status_code == 302
    assert AuditEntry.objects.get(action=Action.SIGN_IN_FAILED).outcome == "failed"


def test_a_providers_error_is_said_in_the_dashboards_words_never_in_the_senders(sso, client):
    lure = "Your password expired. Re-enter it at https://evil.example/reset"
    callback = reverse("sso_callback")
    for code, words in (("access_denied", "the sign-in was declined there"), ("x", "refused")):
        response = client.get(callback, {"error": code, "error_description": lure + "\nINFO x"})
        assert response.status_code == 302 and response["Location"] == reverse("login")
        said = refusal(response)
        assert words in said and "evil.example" not in said and "password expired" not in said
        page = client.get(reverse("login")).content.decode()
        assert "evil.example" not in page
    entries = AuditEntry.objects.filter(action=Action.SIGN_IN_FAILED)
    assert entries.count() == 2
    assert not any("evil.example" in e.summary or "\n" in e.summary for e in entries)
    assert any("(access_denied)" in e.summary for e in entries)


def test_a_replayed_callback_is_refused_without_an_error_page(sso, client):
    callback = Person(sso, "alice").visit(start(client))
    assert come_back(client, callback).status_code == 302  # signed in
    client.post(reverse("logout"))
    again = come_back(client, callback)
    assert again["Location"] == reverse("login")
    assert client.get(reverse("downtimes:list")).status_code == 302


def test_signing_out_ends_the_providers_session_too(sso, client):
    alice = Person(sso, "alice")
    sign_in(client, alice)
    response = client.post(reverse("logout"))
    end_session = urlsplit(response["Location"])
    assert (
        f"{end_session.scheme}://{end_session.netloc}{end_session.path}" == f"{sso.issuer}/logout/"
    )
    query = parse_qs(end_session.query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert query["id_token_hint"]
    assert client.get(reverse("downtimes:list")).status_code == 302  # the dashboard's ended
    assert alice.visit(response["Location"]) == "http://testserver/accounts/login/"
    # The provider's ended too: the next sign-in asks Alice for her password again.
    authorize = start(client)
    asked = alice.browser.get(authorize, allow_redirects=False, timeout=10)
    assert urlsplit(asked.headers["Location"]).path == "/login/"


def test_the_provider_never_reaches_a_local_account_of_the_same_name(sso, client):
    local = make_user("alice", None)
    local.is_superuser = local.is_staff = True
    local.save()
    sign_in(client, Person(sso, "alice"))
    signed_in = client.get(reverse("downtimes:list")).wsgi_request.user
    assert signed_in.username == "alice-sso" and not signed_in.is_superuser
    local.refresh_from_db()
    assert local.is_superuser and local.has_usable_password()
