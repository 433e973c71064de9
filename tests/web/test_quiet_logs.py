"""Production logs: a refused request is one line with no traceback and no secret in it.

A real server (gunicorn, production settings, DEBUG off) is sent refused requests of every kind
and its log read back; an error still logs its traceback (checked in-process, through the same
filter the production logging configuration puts on its console handler).
"""

from __future__ import annotations

import http.client
import io
import logging
import re
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
from django.conf import settings
from django.core.servers.basehttp import (
    WSGIRequestHandler,
    WSGIServer,
    get_internal_wsgi_application,
)
from django.test import Client
from django.utils.module_loading import import_string

from downtimes_app.web.logs import RefusalsOnOneLine
from tests.oidc_provider.harness import free_port
from tests.processes import ROOT, manage, process_env

PASSWORD_TYPED = "correct-horse-battery-staple-42"  # typed into the name field by mistake
SECRET_KEY = "k3N9-vQ2mZ8xR1tL7yB4wE6uI0oP5aS3dF8gH2jK9lZ1xC4vB7nM0qW6eR2tY5u"


@pytest.fixture
def server(tmp_path, request):
    port = free_port()
    env = process_env(
        tmp_path,
        DEBUG=getattr(request, "param", "false"),
        SECRET_KEY=SECRET_KEY,
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        ALLOWED_HOSTS="127.0.0.1",
    )
    manage(env, "migrate", "--noinput")
    manage(env, "ensure_demo_user")
    log = tmp_path / "server.log"
    with log.open("w") as sink:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "dashboard.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-",
        ]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=sink, stdout=sink)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield base, log
        process.terminate()
        process.wait(timeout=30)


def _sign_in(browser: requests.Session, base: str, name: str, password: str) -> requests.Response:
    browser.get(f"{base}/accounts/login/", timeout=10)
    return browser.post(
        f"{base}/accounts/login/",
        data={
            "username": name,
            "password": password,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )


def test_refused_requests_log_one_line_each_without_traceback_or_secret(server):
    base, log = server
    viewer = requests.Session()
    assert _sign_in(viewer, base, "viewer", "viewer").status_code == 302
    session = viewer.cookies["sessionid"]
    refused = {
        "Forbidden (Permission denied): /downtimes/new/": viewer.get(f"{base}/downtimes/new/"),
        "Forbidden (Permission denied): /accounts/lockouts/": viewer.get(
            f"{base}/accounts/lockouts/"
        ),
        "Not Found: /no/such/page/": viewer.get(f"{base}/no/such/page/"),
        "Invalid HTTP_HOST header": viewer.get(f"{base}/downtimes/", headers={"Host": "evil.test"}),
    }
    assert [r.status_code for r in refused.values()] == [403, 403, 404, 400]
    guesser = requests.Session()
    answers = [_sign_in(guesser, base, PASSWORD_TYPED, "wrong").status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]
    time.sleep(0.5)  # let the server write its last lines (no assertion depends on time)
    text = log.read_text()
    assert "Traceback" not in text
    for start, _response in refused.items():
        assert sum(start in line for line in text.splitlines()) == 1, start
    assert text.count("Password sign-in failed from 127.0.0.1") == 4
    assert text.count("Password sign-in locked out until") == 1
    assert "Too Many Requests" not in text  # the lockout's own line says it, once
    for secret in (PASSWORD_TYPED, "wrong", session, SECRET_KEY, "sandbox-api-key"):
        assert secret not in text.replace("wrong name", ""), secret


def test_an_error_still_logs_its_traceback(db, monkeypatch):
    from downtimes_app.downtimes.views import browse

    def broken() -> str:
        raise RuntimeError("the health check broke")

    monkeypatch.setattr(browse, "_datadog_health", broken)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RefusalsOnOneLine())
    logging.getLogger().addHandler(handler)
    try:
        assert Client(raise_request_exception=False).get("/healthz").status_code == 500
        Client().get("/no/such/page/")
    finally:
        logging.getLogger().removeHandler(handler)
    text = stream.getvalue()
    assert "Internal Server Error: /healthz" in text
    assert "Traceback" in text and "RuntimeError: the health check broke" in text
    assert "Not Found: /no/such/page/" in text.splitlines()[-1]  # one line, no traceback after
    assert "RefusalsOnOneLine" in str(settings.LOGGING["filters"])


def _feed_url(base: str) -> str:
    """A real feed: the demo viewer signs in and asks for one, as a person would."""
    viewer = requests.Session()
    assert _sign_in(viewer, base, "viewer", "viewer").status_code == 302
    subscribe = f"{base}/calendar/subscribe/"
    viewer.get(subscribe, timeout=10)
    viewer.post(
        subscribe,
        data={"action": "regenerate", "csrfmiddlewaretoken": viewer.cookies["csrftoken"]},
        headers={"Referer": subscribe},
        timeout=10,
    )
    page = viewer.get(subscribe, timeout=10).text
    return re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', page).group(1)


def feed_spellings(token: str) -> list[str]:
    """The feed's own path first, then the same feed as a server may be sent it: the second is
    decoded to the feed (and refused, not being as given); the rest are not routed to it."""
    return [
        f"/calendar/feed/{token}.ics",
        f"/calendar/%66eed/{token}.ics",
        f"/%63alendar/%66%65%65%64/{token}.ics",
        f"/calendar/feed/{token}.ics/",  # Not Found, naming the path
        f"//calendar//feed/{token}.ics",
        f"/calendar/x/../feed/{token}.ics",
        f"/Calendar/FEED/{token}.ics",
        f"/calendar/feed/{token[:8]}%{token[8:10]}{token[10:]}.ics",
        # A `#` or `?` decoded inside the token: the part before it looks like the whole token.
        f"/calendar/feed/{token[:8]}%23{token[8:]}.ics",
        f"/calendar/feed/{token[:8]}%3F{token[8:]}.ics",
        # A quote or a space decoded inside the token: a path in a log line stops there.
        f"/calendar/feed/{token[:8]}%27{token[8:]}.ics",
        f"/calendar/feed/{token[:8]}%22{token[8:]}.ics",
        f"/calendar/feed/{token[:8]}%20{token[8:]}.ics",
        f"/calendar\\feed\\{token}.ics",
        f"/calendar/%25%36%36eed/{token}.ics?q=db",
        f"/calendar/feed/'{token}.ics",
    ]


@contextmanager
def console_output() -> Iterator[io.StringIO]:
    """What the dashboard's console handler, as settings.LOGGING configured it, writes."""
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    stream = io.StringIO()
    earlier = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(earlier)


def assert_no_token(text: str, token: str) -> None:
    assert "/calendar/feed/[token]" in text  # the lines are there, blanked
    for part in (token, token[:20], token[-20:], token[10:40]):
        assert part not in text, part


def test_djangos_request_log_blanks_a_feed_token_however_its_path_is_spelled(db):
    token = secrets.token_hex(32)
    with console_output() as output:
        for path in feed_spellings(token)[1:]:
            # As gunicorn hands it over: decoded, with the request line as sent beside it.
            Client().get(path, RAW_URI=path)
    assert output.getvalue().count("Not Found: ") == len(feed_spellings(token)) - 1
    assert_no_token(output.getvalue(), token)


def test_runservers_request_lines_blank_a_feed_token_however_its_path_is_spelled(
    transactional_db,
):
    token = secrets.token_hex(32)
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)  # runserver's server and lines
    server.set_app(get_internal_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with console_output() as output:
        try:
            answers = [_sent_as_written(base, path) for path in feed_spellings(token)]
        finally:  # the server writes a request's line after its answer: all written once stopped
            server.shutdown()
            server.server_close()
    assert set(answers) == {404}  # no such feed; each request line is logged all the same
    assert output.getvalue().count('"GET ') == len(answers)
    assert_no_token(output.getvalue(), token)


@pytest.mark.parametrize("server", ["false", "true"], indirect=True, ids=["prod", "debug"])
def test_a_feed_token_never_reaches_the_log_however_its_path_is_spelled(server):
    base, log = server
    url = _feed_url(base)
    token = re.search(r"/calendar/feed/([0-9a-f]{64})\.ics", url).group(1)
    spellings = feed_spellings(token)
    answers = [_sent_as_written(base, path) for path in spellings]
    assert answers[:2] == [200, 404] and set(answers[2:]) == {404}, answers
    time.sleep(0.5)  # let the server write its last lines (no assertion depends on time)
    assert_no_token(log.read_text(), token)


def _sent_as_written(base: str, path: str) -> int:
    """The status for `path` sent byte for byte (requests would tidy `%66` into `f` first)."""
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=10)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def _console_handler(stream: io.StringIO) -> logging.Handler:
    """The console handler as settings.LOGGING builds it (its filters, in order), into `stream`."""
    handler = logging.StreamHandler(stream)
    for name in settings.LOGGING["handlers"]["console"]["filters"]:
        handler.addFilter(import_string(settings.LOGGING["filters"][name]["()"])())
    return handler


def test_a_name_from_outside_cannot_write_a_log_line_or_audit_entry_of_its_own(db):
    from django.contrib.auth.models import User

    from downtimes_app.models import AuditEntry

    forged = "INFO downtimes_app.signin: demo signed in with a password from 10.0.0.1"
    eve = User.objects.create_user(f"eve\n{forged}")  # a provider's claim can say anything
    stream = io.StringIO()
    handler = _console_handler(stream)
    logging.getLogger().addHandler(handler)
    try:
        Client().force_login(eve, backend="django.contrib.auth.backends.ModelBackend")
    finally:
        logging.getLogger().removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert lines and not any(line.startswith("INFO downtimes_app.signin") for line in lines)
    assert any(f"eve\\n{forged}" in line for line in lines)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN)
    assert "\n" not in entry.actor_name and f"eve\\n{forged}"[:150] == entry.actor_name
