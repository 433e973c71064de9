"""Turning single sign-on on for a test, the way the environment would at start-up."""

from __future__ import annotations

from dashboard.env import Env
from downtimes_app.signin import oidc
from downtimes_app.signin.config import read_oidc

MODES = ("local accounts", "OIDC beside local accounts", "OIDC only")


def enable_oidc(settings, *, local_accounts: bool = True, **environ: str) -> None:
    """Configure OIDC from these variables (an issuer and groups by default); no network yet."""
    environ = {
        "OIDC_ISSUER": "https://idp.example.com/realms/ops",
        "OIDC_CLIENT_ID": "dashboard",
        "OIDC_CLIENT_SECRET": "dashboard-client-secret",
        "OIDC_EDITOR_GROUPS": "sre",
        "OIDC_VIEWER_GROUPS": "engineering",
        **environ,
    }
    settings.OIDC = read_oidc(Env(environ))
    settings.OIDC_ENABLED = True
    settings.DASHBOARD_LOCAL_ACCOUNTS = local_accounts
    if not local_accounts:
        settings.AUTHENTICATION_BACKENDS = [
            b for b in settings.AUTHENTICATION_BACKENDS if not b.endswith(".ModelBackend")
        ]
    oidc.forget_provider()


def apply_mode(settings, mode: str) -> None:
    if mode != "local accounts":
        enable_oidc(settings, local_accounts=mode == "OIDC beside local accounts")
