"""OIDC settings from the environment, checked at start-up, and the group-to-role mapping.

Pure: reads an `Env` (dashboard/env.py) and returns a frozen record; nothing here talks to the
provider, so a provider that is down never stops the dashboard from starting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256")
LOOPBACK = ("localhost", "127.0.0.1", "::1")
WELL_KNOWN = "/.well-known/openid-configuration"
EVERYONE = "*"


class EnvReader(Protocol):
    def str(self, name: str, default: str = "") -> str: ...
    def list(self, name: str, default: str = "") -> list[str]: ...
    def url(self, name: str, *, schemes: tuple[str, ...] = ...) -> str: ...
    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str: ...


@dataclass(frozen=True)
class OidcConfig:
    """Where the provider is, who the dashboard is to it, and what its groups mean here."""

    discovery_url: str
    issuer: str  # '' when only the discovery URL was given: the document's issuer is taken
    client_id: str
    client_secret: str
    scopes: str
    algorithm: str
    groups_claim: str
    username_claim: str
    editor_groups: frozenset[str]
    viewer_groups: frozenset[str]
    provider_name: str

    def role_for(self, groups: Iterable[str]) -> str | None:
        """`editor`, `viewer`, or None for someone in no group that may use the dashboard."""
        held = set(groups)
        if held & self.editor_groups:
            return "editor"
        if EVERYONE in self.viewer_groups or held & self.viewer_groups:
            return "viewer"
        return None


def groups_in(claims: dict[str, Any], claim: str) -> list[str]:
    """The groups in a claim that may be a list, or one string separated by spaces or commas."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [g for g in value.replace(",", " ").split() if g]
    if isinstance(value, list | tuple):
        return [str(g) for g in value if isinstance(g, str | int)]
    return []


def _https_unless_loopback(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https" and parts.hostname not in LOOPBACK:
        raise ImproperlyConfigured(
            f"{name}={url!r} must use https:// (plain http is accepted only for localhost)"
        )


def read_oidc(env: EnvReader) -> OidcConfig | None:
    """The OIDC configuration, or None when OIDC_ISSUER and OIDC_DISCOVERY_URL are both unset."""
    issuer = env.url("OIDC_ISSUER")
    discovery = env.url("OIDC_DISCOVERY_URL")
    client_id = env.str("OIDC_CLIENT_ID")
    secret = env.str("OIDC_CLIENT_SECRET")
    if not issuer and not discovery:
        if client_id or secret:
            raise ImproperlyConfigured(
                "OIDC_CLIENT_ID or OIDC_CLIENT_SECRET is set but neither OIDC_ISSUER nor "
                "OIDC_DISCOVERY_URL says where the identity provider is"
            )
        return None
    for name, url in (("OIDC_ISSUER", issuer), ("OIDC_DISCOVERY_URL", discovery)):
        if url:
            _https_unless_loopback(name, url)
    for name, value in (("OIDC_CLIENT_ID", client_id), ("OIDC_CLIENT_SECRET", secret)):
        if not value:
            raise ImproperlyConfigured(
                f"{name} is required for single sign-on; copy it from the dashboard's "
                "registration at the identity provider"
            )
    editors = frozenset(env.list("OIDC_EDITOR_GROUPS"))
    viewers = frozenset(env.list("OIDC_VIEWER_GROUPS"))
    if not editors and not viewers:
        raise ImproperlyConfigured(
            "OIDC_EDITOR_GROUPS and OIDC_VIEWER_GROUPS are both empty, so nobody could sign in "
            "with single sign-on: name the provider's groups, or set OIDC_VIEWER_GROUPS=* to let "
            "everyone the provider signs in read"
        )
    scopes = env.str("OIDC_SCOPES") or "openid email profile"
    if "openid" not in scopes.split():
        raise ImproperlyConfigured(f"OIDC_SCOPES={scopes!r} must include openid")
    return OidcConfig(
        discovery_url=discovery or issuer + WELL_KNOWN,
        issuer=issuer,
        client_id=client_id,
        client_secret=secret,
        scopes=" ".join(scopes.split()),
        algorithm=env.choice("OIDC_SIGN_ALGORITHM", ALGORITHMS, "RS256"),
        groups_claim=env.str("OIDC_GROUPS_CLAIM") or "groups",
        username_claim=env.str("OIDC_USERNAME_CLAIM") or "preferred_username",
        editor_groups=editors,
        viewer_groups=viewers,
        provider_name=env.str("OIDC_PROVIDER_NAME") or urlsplit(issuer or discovery).hostname or "",
    )
