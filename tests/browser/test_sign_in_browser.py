"""Signing in as a person does: through the provider's own page, and past a lockout message."""

from __future__ import annotations

from tests.conftest import make_user
from tests.signin.modes import enable_oidc


def test_a_person_signs_in_with_the_provider_and_out_of_both(
    page, live_server, seeded, identity_provider, settings
):
    identity_provider.allow("http://testserver", live_server.url)
    enable_oidc(settings, **identity_provider.environment())
    page.goto(f"{live_server.url}/downtimes/?status=all")
    page.click("text=Sign in with Test IdP")
    page.wait_for_url(f"{identity_provider.url}/login/**")  # the provider's own page
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "alice")
    page.click("text=Continue")
    page.wait_for_url(f"{live_server.url}/downtimes/?status=all")
    assert page.locator(".who").inner_text() == "Alice Example · editor"
    assert page.locator("text=Schedule downtime").count() >= 1
    page.click("text=Sign out")
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    # Signed out of the provider too: signing in again asks for the password again.
    page.click("text=Sign in with Test IdP")
    page.wait_for_url(f"{identity_provider.url}/login/**")


def test_a_locked_out_person_is_told_when_to_try_again(page, live_server, seeded):
    make_user("erin", "editor")
    page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(5):
        page.fill("input[name=username]", "erin")
        page.fill("input[name=password]", "not-her-password")
        page.click("button[type=submit]")
    message = page.locator("#lockout").inner_text()
    assert message.startswith("Too many failed sign-ins for this name or from this address.")
    assert "You can try again at " in message and "in 1 minute." in message
    assert page.locator("input[name=username]").input_value() == "erin"
