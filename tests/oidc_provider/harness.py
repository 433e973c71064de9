"""Starting the test provider for real, and being a person in front of its sign-in page."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class IdentityProvider:
    """django-oauth-toolkit's OpenID Connect provider, served by gunicorn on 127.0.0.1."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.url}/o"
        self.env = {
            **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
            "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
            "IDP_STATE": str(state),
        }
        self.server: subprocess.Popen | None = None

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self, *dashboards: str) -> IdentityProvider:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        (self.state / "key.pem").write_bytes(pem)
        self.manage("migrate", "--noinput")
        self.manage("idp", "setup")
        self.allow(*dashboards)
        command = [sys.executable, "-m", "gunicorn", "tests.oidc_provider.wsgi"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "4"]
        self.server = subprocess.Popen(command, cwd=ROOT, env=self.env, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            try:
                if requests.get(self.discovery_url, timeout=2).ok:
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the test identity provider did not start")

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=30)
            self.server = None

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def allow(self, *dashboards: str) -> None:
        """Register these dashboard base URLs' callback and sign-out pages with every client."""
        self.manage("idp", "redirect", *dashboards)

    def set_groups(self, username: str, *groups: str) -> None:
        self.manage("idp", "groups", username, *groups)

    def tweak_id_tokens(self, **claims: str) -> None:
        """Have the provider sign ID tokens with these claims replaced (none: as usual)."""
        path = self.state / "tweaks.json"
        if claims:
            path.write_text(json.dumps(claims))
        else:
            path.unlink(missing_ok=True)

    def environment(self, **more: str) -> dict[str, str]:
        """The dashboard's OIDC variables for this provider."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": "dashboard",
            "OIDC_CLIENT_SECRET": "dashboard-client-secret",
            "OIDC_SCOPES": "openid email profile groups",
            "OIDC_EDITOR_GROUPS": "sre",
            "OIDC_VIEWER_GROUPS": "engineering",
            "OIDC_PROVIDER_NAME": "Test IdP",
            **more,
        }


class Person:
    """Someone's browser at the provider: a cookie jar, following the provider's redirects only."""

    def __init__(self, provider: IdentityProvider, username: str) -> None:
        self.provider = provider
        self.username = username
        self.browser = requests.Session()

    def _follow(self, url: str) -> requests.Response:
        """Follow redirects while they stay at the provider; return the first that leaves it."""
        for _ in range(10):
            response = self.browser.get(url, allow_redirects=False, timeout=10)
            location = response.headers.get("Location", "")
            target = urljoin(url, location) if location else ""
            if not target or urlsplit(target).netloc != urlsplit(self.provider.url).netloc:
                return response
            if urlsplit(target).path == "/login/":
                return self._sign_in(target)
            url = target
        raise AssertionError("the provider redirected too often")

    def _sign_in(self, login_url: str) -> requests.Response:
        page = self.browser.get(login_url, timeout=10)
        assert page.status_code == 200, page.status_code
        token = self.browser.cookies["idp_csrftoken"]
        next_url = dict(p.split("=", 1) for p in urlsplit(login_url).query.split("&"))["next"]
        posted = self.browser.post(
            login_url,
            data={
                "username": self.username,
                "password": self.username,
                "csrfmiddlewaretoken": token,
                "next": requests.utils.unquote(next_url),
            },
            headers={"Referer": login_url},
            allow_redirects=False,
            timeout=10,
        )
        assert posted.status_code == 302, f"the provider refused {self.username}'s sign-in"
        return self._follow(urljoin(login_url, posted.headers["Location"]))

    def visit(self, url: str) -> str:
        """Open a provider URL (authorize, sign-out); where the provider sends the browser next."""
        response = self._follow(url)
        assert response.status_code in (301, 302), response.status_code
        return urljoin(url, response.headers["Location"])
