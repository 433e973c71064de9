"""Sign-in, roles, headers, redirects, secrets and hostile text: the security model, checked."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sandbox import faults
from sandbox.models import SandboxDowntime
from tests.conftest import make_user
from tests.signin.modes import MODES, apply_mode
from tests.web.support import plant_hostile

ROOT = Path(__file__).resolve().parents[2]
# Routes anyone may reach: the sign-in page and single sign-on's start and return, the health
# check, and the sandbox's own API (which checks Datadog-style keys instead of a session); a
# calendar feed, whose secret token stands for its owner because calendar apps cannot sign in
# (tests/calendar/test_views_calendar.py).
PUBLIC = (
    "login",
    "logout",
    "downtimes:healthz",
    "sso_start",
    "sso_callback",
    "downtimes:calendar_feed",
    # Signed by Slack, not by a session: tests/slack refuses bad, stale and missing signatures.
    "downtimes:slack_commands",
    "downtimes:slack_actions",
)
API_REFUSALS = (401, 404)  # no token; the catch-all's pattern, filled, is no address
# Routes where anyone signed in, a viewer too, changes only their own settings (not Datadog).
OWN_SETTINGS = (
    "downtimes:calendar_subscribe",
    "downtimes:account_tokens",  # a viewer's own read-only token
    "downtimes:account_token_revoke",
    "downtimes:slack_link",  # links their own Slack person (an unknown link: nothing)
)


def _dashboard_routes() -> list[tuple[str, str]]:
    """(name, path template) for every named route of the dashboard, found in the URLconf."""
    found = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or namespace
                if ns in ("sandbox", "admin"):
                    continue
                walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found.append((name, prefix + str(pattern.pattern)))

    walk(get_resolver().url_patterns, "/", "")
    return [(n, p) for n, p in found if n not in PUBLIC]


def _fill(path: str, downtime_id: str) -> str:
    # A request for approval is a number, an export's format csv; everything else here is a
    # downtime's id.
    path = re.sub(r"<int:\w+>", "1", path)
    path = re.sub(r"<fmt:\w+>", "csv", path)
    return re.sub(r"<(?:\w+:)?\w+>", downtime_id, path)


@pytest.fixture
def downtime_id(org) -> str:
    return str(SandboxDowntime.objects.get(message__contains="Failover drill").uuid)


@pytest.fixture(params=MODES)
def sign_in_mode(request, settings) -> str:
    """The walks below hold with passwords only, with single sign-on beside them, or SSO only."""
    apply_mode(settings, request.param)
    return request.param


def test_the_route_walk_finds_the_pages():
    names = {name for name, _ in _dashboard_routes()}
    assert {"downtimes:list", "downtimes:detail", "downtimes:audit", "downtimes:home"} <= names


@pytest.mark.usefixtures("sign_in_mode")
@pytest.mark.parametrize(("name", "path"), _dashboard_routes())
def test_anonymous_requests_to_every_page_are_sent_to_sign_in(client, downtime_id, name, path):
    if name.startswith("downtimes:api_"):
        _api_refuses_in_json(client, downtime_id, path)
        return
    for method in ("get", "post"):
        response = getattr(client, method)(_fill(path, downtime_id))
        assert response.status_code == 302, (name, method)
        assert response["Location"].startswith(reverse("login") + "?next="), (name, method)


def _api_refuses_in_json(client, downtime_id: str, path: str) -> None:
    """The API answers a script, not a browser: never a sign-in page, always JSON."""
    url = "/api/anything" if "(" in path else _fill(path, downtime_id)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code in (401, 404, 405), (url, method)
        assert response["Content-Type"] == "application/json"


def test_htmx_requests_without_a_session_say_so_in_place(client, org):
    """A live preview or a poll must not navigate away from what someone is typing."""
    response = client.post(
        reverse("downtimes:form_preview"),
        {"scope": "env:prod"},
        headers={
            "HX-Request": "true",
            "HX-Current-URL": "http://testserver/downtimes/new/?scope=env:prod",
        },
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#session-notice"
    page = response.content.decode()
    assert "Your session has ended." in page
    assert f"{reverse('login')}?next=/downtimes/new/%3Fscope%3Denv%3Aprod" in page
    off_site = client.get(
        reverse("downtimes:list"),
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example.com/phish"},
    )
    assert "next=/phish" not in off_site.content.decode()
    assert "next=/%" not in off_site.content.decode() and 'next=/"' in off_site.content.decode()


@pytest.mark.usefixtures("sign_in_mode")
@pytest.mark.parametrize(("name", "path"), _dashboard_routes())
def test_viewers_cannot_write_anywhere(viewer_client, downtime_id, name, path):
    """A POST by a viewer is refused (403) or not a method the route takes (405): never done."""
    if "(" in path:
        path = "/api/anything"  # the API's catch-all: nothing there to write
    response = viewer_client.post(_fill(path, downtime_id), {"scope": "*", "ids": downtime_id})
    if name == "downtimes:slack_link":
        assert response.status_code == 404, name  # no such link: nobody is linked
    elif name in OWN_SETTINGS:
        assert response.status_code == 302, name
    elif "anything" in path:
        assert response.status_code == 404, name
    else:
        assert response.status_code in (403, 405), name
    assert SandboxDowntime.objects.get(uuid=downtime_id).canceled is None


def test_viewers_see_no_write_controls(viewer_client, org, downtime_id):
    page = viewer_client.get(reverse("downtimes:list")).content.decode()
    assert "Schedule downtime" not in page
    assert "data-select" not in page
    assert "viewer" in page  # the role is shown next to the name
    detail = viewer_client.get(reverse("downtimes:detail", args=[downtime_id])).content.decode()
    for name in ("edit", "clone", "cancel", "end", "extend"):
        assert reverse(f"downtimes:{name}", args=[downtime_id]) not in detail, name
    assert viewer_client.get(reverse("downtimes:new")).status_code == 403


def test_editors_see_the_write_controls(editor_client, org, downtime_id):
    assert "Schedule downtime" in editor_client.get(reverse("downtimes:list")).content.decode()
    detail = editor_client.get(reverse("downtimes:detail", args=[downtime_id])).content.decode()
    for name in ("edit", "clone", "cancel", "end", "extend"):
        assert reverse(f"downtimes:{name}", args=[downtime_id]) in detail, name


def test_editors_and_superusers_are_editors(db):
    from downtimes_app.web.access import can_write

    assert can_write(make_user("ed", "editor"))
    assert not can_write(make_user("vi", "viewer"))
    assert not can_write(make_user("nobody", None))
    assert can_write(User.objects.create_superuser("root", "root@example.com", "x"))


def test_sign_in_refuses_an_off_site_next(db, client):
    make_user("erin", "editor")
    for target in ("https://evil.example.com/", "//evil.example.com/", "https:///evil.example.com"):
        response = client.post(
            reverse("login"), {"username": "erin", "password": "erin", "next": target}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("downtimes:list"), target
        client.logout()
    response = client.post(
        reverse("login"), {"username": "erin", "password": "erin", "next": "/audit/"}
    )
    assert response["Location"] == "/audit/"


def test_proxy_header_signs_in_only_when_enabled(org, settings):
    plain = Client().get(reverse("downtimes:list"), headers={"X-Forwarded-User": "sso.alice"})
    assert plain.status_code == 302  # the header means nothing unless configured
    settings.DASHBOARD_PROXY_USER_HEADER = "X-Forwarded-User"
    settings.AUTHENTICATION_BACKENDS = [
        "downtimes_app.signin.proxy.ProxyUserBackend",
        *settings.AUTHENTICATION_BACKENDS,
    ]
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("django_htmx.middleware.HtmxMiddleware"),
        "downtimes_app.signin.proxy.ProxyUserMiddleware",
    )
    settings.MIDDLEWARE = middleware
    response = Client().get(reverse("downtimes:list"), headers={"X-Forwarded-User": "sso.alice"})
    assert response.status_code == 200
    alice = User.objects.get(username="sso.alice")
    assert list(alice.groups.values_list("name", flat=True)) == ["viewer"]
    assert "Schedule downtime" not in response.content.decode()


@pytest.mark.usefixtures("sign_in_mode")
def test_anonymous_read_only_when_enabled(org, settings, downtime_id):
    assert Client().get(reverse("downtimes:list")).status_code == 302
    settings.DASHBOARD_ANONYMOUS_READ = True
    anonymous = Client()
    assert anonymous.get(reverse("downtimes:list")).status_code == 200
    assert anonymous.get(reverse("downtimes:detail", args=[downtime_id])).status_code == 200
    for name, path in _dashboard_routes():
        response = anonymous.post(_fill(path, downtime_id), {"scope": "*", "ids": downtime_id})
        # The API asks for a token (401) even when pages may be read without one.
        api = API_REFUSALS if name.startswith("downtimes:api_") else ()
        assert response.status_code in (302, 403, 405, *api), name
    assert SandboxDowntime.objects.get(uuid=downtime_id).canceled is None


# --- headers --------------------------------------------------------------------------------------


def test_pages_carry_a_strict_csp_and_security_headers(viewer_client, org):
    response = viewer_client.get(reverse("downtimes:list"))
    csp = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    )
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_templates_have_no_inline_script_style_or_handlers():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{path.name}: inline <script>")
        if re.search(r"\sstyle\s*=", text):
            offenders.append(f"{path.name}: style attribute")
        if re.search(r"\son[a-z]+\s*=", text) or "hx-on" in text:
            offenders.append(f"{path.name}: inline event handler")
    assert offenders == []


def test_check_deploy_is_clean_with_production_settings():
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        "DEBUG": "false",
        "SECRET_KEY": "k3N9-vQ2mZ8xR1tL7yB4wE6uI0oP5aS3dF8gH2jK9lZ1xC4vB7nM0qW6eR2tY5u",
        "ALLOWED_HOSTS": "downtimes.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_hsts_is_sent_over_https_in_production(viewer_client, org, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = viewer_client.get(reverse("downtimes:list"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


# --- the keys never leave the server -----------------------------------------------------------

API_KEY = "ddapikey-7f3b9c1e5a2d4b6f8e0a1c3d5e7f9b2a"
APP_KEY = "ddappkey-0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b"


def _everything_a_user_can_see(client: Client, downtime_id: str) -> list:
    responses = []
    for _name, path in _dashboard_routes():
        url = _fill(path, downtime_id)
        responses.append(client.get(url))
        responses.append(client.get(url, headers={"HX-Request": "true"}))
    responses.append(client.get(reverse("downtimes:list"), {"status": "all", "per_page": 100}))
    responses.append(
        client.get(reverse("downtimes:detail", args=["00000000-0000-1234-0000-000000000000"]))
    )
    responses.append(client.get(reverse("downtimes:detail", args=["not-an-id"])))
    responses.append(client.get("/no/such/page/"))
    responses.append(client.get(reverse("downtimes:healthz")))
    return responses


def _assert_secret_free(responses, caplog) -> None:
    for response in responses:
        text = response.content.decode(errors="replace") + str(dict(response.items()))
        assert API_KEY not in text and APP_KEY not in text, response.request["PATH_INFO"]
    assert API_KEY not in caplog.text and APP_KEY not in caplog.text


@pytest.mark.usefixtures("sign_in_mode")
def test_configured_keys_appear_in_no_page_header_or_log(
    viewer_client, org, settings, caplog, downtime_id
):
    caplog.set_level(logging.DEBUG)
    settings.SANDBOX_API_KEY = settings.DATADOG_API_KEY = API_KEY
    settings.SANDBOX_APP_KEY = settings.DATADOG_APP_KEY = APP_KEY
    responses = _everything_a_user_can_see(viewer_client, downtime_id)
    assert any(r.status_code == 200 for r in responses)
    _assert_secret_free(responses, caplog)


def test_keys_stay_hidden_when_datadog_refuses_or_fails(
    viewer_client, org, settings, caplog, downtime_id, monkeypatch
):
    from downtimes_app.datadog import client as service

    monkeypatch.setattr(service, "_sleep", lambda s: None)
    caplog.set_level(logging.DEBUG)
    settings.DATADOG_API_KEY = API_KEY  # the sandbox expects another key: every call is refused
    settings.DATADOG_APP_KEY = APP_KEY
    refused = _everything_a_user_can_see(viewer_client, downtime_id)
    assert b"keys refused" in refused[-1].content
    settings.SANDBOX_API_KEY, settings.SANDBOX_APP_KEY = API_KEY, APP_KEY
    with faults.inject(rates={"500": 0.5, "malformed": 0.3, "429": 0.2}, seed=3):
        failing = _everything_a_user_can_see(viewer_client, downtime_id)
    _assert_secret_free(refused + failing, caplog)


# --- hostile text from Datadog is inert -------------------------------------------------------

RAW_MARKERS = ("<script>alert", "<img src=x", "<svg/onload", 'href="javascript:', "<b>bold</b>")


@pytest.fixture
def hostile(org, frozen_now) -> tuple[str, str]:
    return plant_hostile(frozen_now)


def test_hostile_text_is_rendered_inert_on_every_page(editor_client, hostile):
    main, tagged = hostile
    pages = []
    for downtime_id in (main, tagged):
        for _name, path in _dashboard_routes():
            response = editor_client.get(_fill(path, downtime_id))
            # Pages: an .ics download is calendar text, sent with nosniff, never read as HTML.
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                pages.append((path, response.content.decode()))
    for query in ({"status": "all"}, {"q": "mallory"}, {"q": "bold"}):
        pages.append(("list", editor_client.get(reverse("downtimes:list"), query).content.decode()))
    assert any(
        "&lt;script&gt;alert(&quot;msg&quot;)" in page for _, page in pages
    )  # shown, escaped
    for path, page in pages:
        for marker in RAW_MARKERS:
            assert marker not in page, (path, marker)


def test_link_previews_show_unsigned_visitors_only_the_preview(
    org, settings, downtime_id, upstream_calls, viewer_client
):
    anonymous = Client()
    url = reverse("downtimes:detail", args=[downtime_id])
    assert anonymous.get(url).status_code == 302  # off by default
    settings.DASHBOARD_LINK_PREVIEWS = True
    viewer_client.get(reverse("downtimes:list"))  # someone signed in has loaded the set
    upstream_calls.clear()
    response = anonymous.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert '<meta property="og:title" content="Active' in page
    assert "service:payments-db" in page  # the scope, in the description
    assert "Failover drill" not in page  # the message is for signed-in people
    assert "Sign in to see this downtime" in page
    assert upstream_calls == []  # unsigned requests never reach Datadog
    assert anonymous.head(url).status_code == 200
    # Nothing else opens up: other pages, fragments and writes still need sign-in.
    assert anonymous.get(reverse("downtimes:list")).status_code == 302
    assert anonymous.get(reverse("downtimes:monitors", args=[downtime_id])).status_code == 302
    assert anonymous.post(reverse("downtimes:cancel", args=[downtime_id])).status_code == 302
    unknown = anonymous.get(
        reverse("downtimes:detail", args=["00000000-0000-1234-0000-000000000000"])
    )
    assert unknown.status_code == 302
