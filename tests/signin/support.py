"""What the sign-in tests share: single sign-on walked through as a browser does it, from
"Sign in with …" to the provider and back."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.test import Client
from django.urls import reverse

from tests.oidc_provider.harness import Person


def sign_in(client: Client, person: Person, next_url: str = "/downtimes/"):
    return come_back(client, person.visit(start(client, next_url)))


def start(client: Client, next_url: str = "/downtimes/") -> str:
    """Press "Sign in with …": where the dashboard sends the browser (the provider's authorize)."""
    response = client.get(reverse("sso_start"), {"next": next_url})
    assert response.status_code == 302
    return response["Location"]


def come_back(client: Client, callback: str):
    """The provider's redirect back to the dashboard, followed by the dashboard's browser."""
    parts = urlsplit(callback)
    assert parts.netloc == "testserver", callback
    return client.get(parts.path, parse_qs(parts.query))
