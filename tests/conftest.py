from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from huey.contrib.djhuey import HUEY

from downtimes_app.attention import counting
from downtimes_app.core.schedules import scan
from downtimes_app.history import recording
from sandbox import clock, faults, seed
from tests.factories import NOW

SANDBOX_HEADERS = {"DD-API-KEY": "sandbox-api-key", "DD-APPLICATION-KEY": "sandbox-app-key"}


@pytest.fixture(autouse=True)
def _isolated_sandbox() -> Iterator[None]:
    """Each test starts with real time, no injected faults, an empty cache and no attention
    count remembered (a count asked for by an earlier test's page is not asked for), and no
    history shortcut kept from an earlier test's database."""
    cache.clear()
    scan.forget()
    counting.forget()
    recording.forget()
    yield
    # A refresh's thread may still be recording what it found: it finishes within its test.
    for thread in threading.enumerate():
        if thread.name.endswith("-refresh"):
            thread.join(timeout=30)
    clock.set_now(None)
    faults.reset()
    cache.clear()


@pytest.fixture
def queue():
    """The task queue as a consumer finds it: tasks wait in it (in memory) until run, rather
    than running as they are queued, as the rest of the suite has them."""
    HUEY.immediate = False
    HUEY.storage = HUEY.get_immediate_storage()
    yield HUEY
    HUEY.immediate = True  # and a new, empty memory queue


@pytest.fixture
def frozen_now() -> datetime:
    clock.set_now(NOW)
    return NOW


@pytest.fixture
def org(db, frozen_now) -> seed.Org:
    """The hand-written demo org (no generated volume), seeded at NOW."""
    seed.seed(downtimes=0, now=frozen_now)
    return seed.current_org()


STORIES = {
    "incident": "Failover drill on payments-db",
    "forgotten": "Decommissioning legacy-batch-01",
    "upgrade": "Elasticsearch 8 rolling upgrade",
    "tomorrow": "Redis 7.2 upgrade",
    "next_week": "certificate rotation",
    "ended": "Staging rebuilt",
    "canceled": "Broker disk replacement",
    "patching": "Weekly OS patch window",
    "nightly": "Nightly ETL",
    "monthly": "third Wednesday",
    "reindex": "Reindex after the schema change",
}


@pytest.fixture
def stories(org) -> dict:
    """The demo org's hand-written downtimes, by a short name, as the sandbox stores them."""
    from sandbox.models import SandboxDowntime

    return {
        name: SandboxDowntime.objects.get(message__contains=text) for name, text in STORIES.items()
    }


class SandboxApi:
    """Calls the sandbox over Django's test client, with the sandbox's keys."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers=None,
        **params,
    ):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs: dict[str, Any] = {"headers": {**SANDBOX_HEADERS, **(headers or {})}}
        if data is not None:
            kwargs.update(data=data, content_type="application/json")
        url = f"/sandbox{path}"
        if params:
            kwargs["QUERY_STRING"] = "&".join(f"{k}={v}" for k, v in params.items())
        return getattr(self.client, method.lower())(url, **kwargs)

    def get(self, path: str, **params):
        return self.call("GET", path, **params)

    def post(self, path: str, body: Any = None, **kwargs):
        return self.call("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs):
        return self.call("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.call("DELETE", path, **kwargs)


@pytest.fixture
def api(db) -> SandboxApi:
    return SandboxApi(Client())


def create_body(**attributes: Any) -> dict[str, Any]:
    attributes.setdefault("scope", "env:prod")
    attributes.setdefault("monitor_identifier", {"monitor_tags": ["team:payments"]})
    return {"data": {"type": "downtime", "attributes": attributes}}


def make_user(username: str, role: str | None):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(
        username=username, password=username, first_name=username.title()
    )
    if role:
        # get_or_create: transactional tests truncate the groups that migration 0002 made.
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def editor(db):
    return make_user("erin", "editor")


@pytest.fixture
def viewer(db):
    return make_user("victor", "viewer")


@pytest.fixture
def editor_client(editor) -> Client:
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def viewer_client(viewer) -> Client:
    client = Client()
    client.force_login(viewer)
    return client


@pytest.fixture
def walk_steps(monkeypatch) -> list[tuple[int, int, int]]:
    """Every period (hour, day, week, month or year) any search for windows steps into."""
    from downtimes_app.core.schedules import scan

    walked: list[tuple[int, int, int]] = []
    original = scan.Walk.step

    def counting(self, day):
        walked.append(day)
        return original(self, day)

    monkeypatch.setattr(scan.Walk, "step", counting)
    return walked


@pytest.fixture
def upstream_calls(monkeypatch) -> list[tuple[str, str]]:
    """Every call the service module makes to Datadog (or the sandbox), as (method, path)."""
    from downtimes_app.datadog import client as service

    calls: list[tuple[str, str]] = []
    original = service._request

    def counting(method, path, **kwargs):
        calls.append((method, path))
        return original(method, path, **kwargs)

    monkeypatch.setattr(service, "_request", counting)
    return calls


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory) -> Iterator:
    """A real OpenID Connect provider (tests/oidc_provider), started once for the session."""
    from tests.oidc_provider.harness import IdentityProvider

    provider = IdentityProvider(tmp_path_factory.mktemp("idp")).start("http://testserver")
    yield provider
    provider.stop()


@pytest.fixture
def sso(settings, identity_provider, db):
    """The dashboard configured, as by its environment, for the test provider."""
    from tests.signin.modes import enable_oidc

    enable_oidc(settings, **identity_provider.environment())
    identity_provider.tweak_id_tokens()
    yield identity_provider
    identity_provider.tweak_id_tokens()


# --- message destinations ----------------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator:
    """A webhook receiver on a free local port (tests/webhook_receiver.py)."""
    from tests import webhook_receiver

    with webhook_receiver.running() as running:
        yield running


@pytest.fixture
def destinations(settings, receiver):
    """`hook` (a plain webhook, the first, so the default) and `sre` (Slack), both local."""
    from downtimes_app.notify.destinations import parse
    from tests.notify.support import HOOK_PATH, SLACK_PATH

    settings.DASHBOARD_NOTIFY = parse(
        f"hook=webhook:{receiver.url(HOOK_PATH)},sre=slack:{receiver.url(SLACK_PATH)}"
    )
    settings.DASHBOARD_URL = "https://downtimes.example.com"
    settings.NOTIFY_TIMEOUT = (1, 1)
    return settings.DASHBOARD_NOTIFY
