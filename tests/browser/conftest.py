"""Playwright on Debian's Chromium (Playwright's own browser download does not work here)."""

from __future__ import annotations

import os
import shutil

import pytest

# Playwright's sync API runs an event loop on the test thread; Django's ORM calls made from that
# thread (fixtures, assertions) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def seeded(transactional_db, frozen_now):
    """The demo org, seeded at the frozen NOW (the live server shares the sandbox clock)."""
    from django.contrib.auth.models import Group

    from downtimes_app.web.access import ROLES
    from sandbox import seed

    # transactional_db empties every table after each test, the roles that migration 0002
    # made included; without this only the first browser test of a run could sign in.
    for role in ROLES:
        Group.objects.get_or_create(name=role)

    seed.seed(downtimes=0, now=frozen_now)
    return seed.current_org()


def sign_in(page, live_server, username: str, role: str | None):
    from tests.conftest import make_user

    make_user(username, role)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", username)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/downtimes/**")
    return page


@pytest.fixture
def editor_page(page, live_server, seeded):
    """A browser page signed in as an editor, on the downtime list, with the demo org."""
    return sign_in(page, live_server, "erin", "editor")


@pytest.fixture
def viewer_page(page, live_server, seeded):
    return sign_in(page, live_server, "victor", "viewer")
