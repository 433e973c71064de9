"""Single sign-on's settings: a mistake stops start-up in one sentence; groups map to roles."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from dashboard.env import Env
from downtimes_app.signin.config import groups_in, read_oidc
from tests.conftest import make_user
from tests.signin.modes import enable_oidc
from tests.web.support import _start

GOOD = {
    "OIDC_ISSUER": "https://login.example.com/realms/ops",
    "OIDC_CLIENT_ID": "dashboard",
    "OIDC_CLIENT_SECRET": "s3cret",
    "OIDC_EDITOR_GROUPS": "sre, oncall",
    "OIDC_VIEWER_GROUPS": "engineering",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"OIDC_CLIENT_SECRET": ""}, "OIDC_CLIENT_SECRET is required for single sign-on"),
        (
            {"OIDC_ISSUER": "", "OIDC_DISCOVERY_URL": ""},
            "OIDC_CLIENT_ID or OIDC_CLIENT_SECRET is set but neither OIDC_ISSUER nor",
        ),
        (
            {"OIDC_ISSUER": "http://login.example.com"},
            "OIDC_ISSUER='http://login.example.com' must use https://",
        ),
        (
            {"OIDC_EDITOR_GROUPS": "", "OIDC_VIEWER_GROUPS": ""},
            "OIDC_EDITOR_GROUPS and OIDC_VIEWER_GROUPS are both empty, so nobody could sign in",
        ),
        ({"OIDC_SIGN_ALGORITHM": "none"}, "OIDC_SIGN_ALGORITHM='none' must be one of: RS256"),
        ({"OIDC_SCOPES": "email profile"}, "OIDC_SCOPES='email profile' must include openid"),
    ],
)
def test_a_bad_oidc_setting_stops_start_up_naming_the_variable(change, message):
    result = _start({"DEBUG": "1", **GOOD, **change})
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_turning_local_accounts_off_needs_another_way_in():
    alone = _start({"DEBUG": "1", "DASHBOARD_LOCAL_ACCOUNTS": "false"})
    assert "DASHBOARD_LOCAL_ACCOUNTS=false leaves no way to sign in" in alone.stderr
    code = "from django.conf import settings as s; print(s.AUTHENTICATION_BACKENDS)"
    with_sso = _start({"DEBUG": "1", "DASHBOARD_LOCAL_ACCOUNTS": "false", **GOOD}, code)
    assert with_sso.returncode == 0, with_sso.stderr
    assert "ModelBackend" not in with_sso.stdout and "SsoBackend" in with_sso.stdout


def test_good_settings_start_and_name_the_provider_after_its_host():
    config = read_oidc(Env(GOOD))
    assert config.discovery_url == GOOD["OIDC_ISSUER"] + "/.well-known/openid-configuration"
    assert config.provider_name == "login.example.com"
    assert config.scopes == "openid email profile"
    assert _start({"DEBUG": "1", **GOOD}).returncode == 0


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        (["sre"], "editor"),
        (["engineering", "oncall"], "editor"),
        (["engineering"], "viewer"),
        (["finance"], None),
        ([], None),
    ],
)
def test_groups_map_to_the_highest_role_they_give(groups, role):
    assert read_oidc(Env(GOOD)).role_for(groups) == role


def test_a_star_lets_everyone_the_provider_signs_in_read():
    config = read_oidc(Env({**GOOD, "OIDC_VIEWER_GROUPS": "*"}))
    assert config.role_for(["finance"]) == "viewer"
    assert config.role_for(["sre"]) == "editor"


@pytest.mark.parametrize(
    ("value", "groups"),
    [(["a", "b"], ["a", "b"]), ("a b,c", ["a", "b", "c"]), (None, []), ({"x": 1}, [])],
)
def test_groups_are_read_from_a_list_or_a_string(value, groups):
    assert groups_in({"groups": value}, "groups") == groups


def test_the_sign_in_page_offers_the_provider_and_hides_passwords_when_they_are_off(
    settings, client, db
):
    enable_oidc(settings, OIDC_PROVIDER_NAME="Okta")
    both = client.get(reverse("login")).content.decode()
    assert "Sign in with Okta" in both and 'name="password"' in both
    enable_oidc(settings, local_accounts=False, OIDC_PROVIDER_NAME="Okta")
    only = client.get(reverse("login")).content.decode()
    assert "Sign in with Okta" in only and 'name="password"' not in only
    make_user("erin", "editor")
    refused = client.post(reverse("login"), {"username": "erin", "password": "erin"})
    assert refused.status_code == 403
    assert "Password sign-in is turned off here." in refused.content.decode()
    assert client.get(reverse("downtimes:list")).status_code == 302


def test_a_provider_that_cannot_be_reached_is_said_in_words(settings, client, db):
    enable_oidc(settings, OIDC_ISSUER="http://127.0.0.1:9/o", OIDC_PROVIDER_NAME="Okta")
    response = client.get(reverse("sso_start"), {"next": "/audit/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=%2Faudit%2F"
    said = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "Single sign-on did not start: Okta cannot be reached right now" in said


def test_single_sign_on_routes_are_absent_when_it_is_not_configured(client, db):
    assert client.get(reverse("sso_start")).status_code == 404
    assert client.get(reverse("sso_callback"), {"code": "x", "state": "y"}).status_code == 404


def test_signing_out_may_redirect_to_the_providers_origin_and_nowhere_else(settings, client, db):
    assert "form-action 'self';" in client.get(reverse("login"))["Content-Security-Policy"]
    enable_oidc(settings, OIDC_ISSUER="https://login.example.com/realms/ops")
    csp = client.get(reverse("login"))["Content-Security-Policy"]
    assert "form-action 'self' https://login.example.com;" in csp
    assert "script-src 'self';" in csp
