"""Single sign-on with OpenID Connect: mozilla-django-oidc, told where the provider is.

mozilla-django-oidc does the dance (state, nonce, PKCE, the code exchange, the signature against
the provider's keys). This module adds what it leaves to its users:

- the endpoints, from the provider's discovery document (fetched when first needed and kept for
  an hour, so a provider that is down never stops the dashboard from starting);
- the ID token's issuer and audience, checked (the library verifies neither);
- accounts linked by issuer and subject, created on first sign-in with no password, never
  matched to a local account by name or e-mail;
- the role, from the provider's groups, re-applied at every sign-in;
- reasons in words when a sign-in is refused, and the provider's sign-out URL.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import resolve_url
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from downtimes_app.models import SsoIdentity
from downtimes_app.signin import trail
from downtimes_app.signin.config import OidcConfig, groups_in
from downtimes_app.web.access import EDITOR, ROLES, VIEWER

DISCOVERY_SECONDS = 3600
REQUIRED_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")
NOT_IN_A_USERNAME = re.compile(r"[^\w.@+-]")


class ProviderUnavailable(Exception):
    """The discovery document could not be had, or does not describe a usable provider."""


class SignInRefused(Exception):
    """A sign-in the provider completed but the dashboard refuses, with the reason in words."""

    def __init__(self, reason: str, *, name: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.name = name


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str


def current() -> OidcConfig:
    return settings.OIDC


def read_discovery(document: Any, *, expected_issuer: str, name: str) -> Provider:
    """The endpoints a discovery document names, refused unless it is for the expected issuer."""
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"{name}'s discovery document is not a JSON object")
    issuer = document.get("issuer")
    if not isinstance(issuer, str) or not issuer:
        raise ProviderUnavailable(f"{name}'s discovery document names no issuer")
    if expected_issuer and issuer.rstrip("/") != expected_issuer.rstrip("/"):
        raise ProviderUnavailable(
            f"{name}'s discovery document is for the issuer {issuer!r}, not OIDC_ISSUER"
        )
    missing = [key for key in REQUIRED_ENDPOINTS if not isinstance(document.get(key), str)]
    if missing:
        raise ProviderUnavailable(f"{name}'s discovery document lacks {', '.join(missing)}")
    end_session = document.get("end_session_endpoint")
    return Provider(
        issuer=issuer,
        end_session_endpoint=end_session if isinstance(end_session, str) else "",
        **{key: document[key] for key in REQUIRED_ENDPOINTS},
    )


_known: dict[str, tuple[float, Provider]] = {}
_lock = threading.Lock()


def provider() -> Provider:
    """The provider's endpoints, from its discovery document (kept for an hour per process)."""
    config = current()
    with _lock:
        kept = _known.get(config.discovery_url)
    if kept and kept[0] > time.monotonic():
        return kept[1]
    try:
        response = requests.get(config.discovery_url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError):
        raise ProviderUnavailable(
            f"{config.provider_name} cannot be reached right now; try again in a moment"
        ) from None
    found = read_discovery(document, expected_issuer=config.issuer, name=config.provider_name)
    with _lock:
        _known[config.discovery_url] = (time.monotonic() + DISCOVERY_SECONDS, found)
    return found


def forget_provider() -> None:
    """Read the discovery document again on next use (tests, or a provider that moved)."""
    with _lock:
        _known.clear()


def check_id_token(claims: dict[str, Any], *, issuer: str, client_id: str) -> None:
    """The checks OpenID Connect Core 3.1.3.7 asks of a client that the library leaves out."""
    if claims.get("iss") != issuer:
        raise SignInRefused(
            f"its token was issued by {str(claims.get('iss'))[:200]!r}, not {issuer!r}"
        )
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or client_id not in audiences:
        raise SignInRefused("its token was issued to another application")
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise SignInRefused("its token names several applications and was not issued to this one")
    if not claims.get("sub") or "exp" not in claims:
        raise SignInRefused("its token lacks the subject or the expiry")


# The errors a provider may send back to the callback (OAuth 2.0, RFC 6749 4.1.2.1; OpenID
# Connect Core 3.1.2.6), in the dashboard's own words. The provider's `error_description` is
# never shown or recorded: anyone can put a sentence (and a link) in a callback URL.
PROVIDER_ERRORS = {
    "access_denied": "the sign-in was declined there",
    "login_required": "it needs you to sign in there first",
    "interaction_required": "it needs you to finish something there first",
    "consent_required": "it needs you to consent to this dashboard there first",
    "account_selection_required": "it needs you to choose an account there first",
    "invalid_request": "it refused the request; start again",
    "invalid_scope": "it refused the scopes asked for (OIDC_SCOPES)",
    "unauthorized_client": "it does not let this dashboard sign people in (OIDC_CLIENT_ID)",
    "unsupported_response_type": "it does not support this kind of sign-in",
    "server_error": "it had an error of its own; try again",
    "temporarily_unavailable": "it is unavailable for the moment; try again",
}


def provider_error_words(code: str) -> str:
    """Why the provider sent the browser back without signing in, in our words; the code is
    named only when it is one of the known ones."""
    known = PROVIDER_ERRORS.get(code.strip().lower())
    if known is None:
        return "it refused the sign-in"
    return f"{known} ({code.strip().lower()})"


def _refusal_words(error: Exception) -> str:
    if isinstance(error, requests.HTTPError):
        return "the provider refused to exchange the sign-in code; start again"
    if isinstance(error, requests.RequestException):
        return f"{current().provider_name} could not be reached"
    if isinstance(error, jwt.ExpiredSignatureError):
        return "its token has expired"
    if isinstance(error, SuspiciousOperation | jwt.PyJWTError):
        return f"its token failed a check ({str(error)[:200]})"
    return f"its answer could not be read ({type(error).__name__})"


class SsoBackend(OIDCAuthenticationBackend):
    """Answers only the provider's callback, and only while OIDC is configured."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django builds every backend for every sign-in, password ones included: read nothing
        # here (the library's own __init__ would insist on endpoint settings we discover).
        self.UserModel = get_user_model()

    # The attributes the library reads, from the environment and the discovery document.
    OIDC_RP_IDP_SIGN_KEY = None

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return current().client_id

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:
        return current().client_secret

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:
        return current().algorithm

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return provider().token_endpoint

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str:
        return provider().userinfo_endpoint

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return provider().jwks_uri

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> AbstractBaseUser | None:
        if not settings.OIDC_ENABLED or request is None or "nonce" not in kwargs:
            return None  # a password or header sign-in: not ours
        try:
            return super().authenticate(request, **kwargs)
        except SignInRefused as refused:
            request.sso_refusal, request.sso_name = refused.reason, refused.name  # type: ignore[attr-defined]
        except (
            ProviderUnavailable,
            requests.RequestException,
            SuspiciousOperation,
            jwt.PyJWTError,
            ValueError,
            KeyError,
            TypeError,
        ) as error:
            request.sso_refusal = (  # type: ignore[attr-defined]
                str(error) if isinstance(error, ProviderUnavailable) else _refusal_words(error)
            )
        return None

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        claims = super().verify_token(token, **kwargs)
        if "nonce" in kwargs:  # the ID token (the user info answer may be a JWT too)
            check_id_token(claims, issuer=provider().issuer, client_id=current().client_id)
        return claims

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: dict
    ) -> AbstractBaseUser:
        info = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(info, dict) or info.get("sub") != payload.get("sub"):
            raise SignInRefused("its user information is about someone else")
        claims = {**payload, **info}
        config = current()
        name = username_from(claims, config.username_claim)
        groups = groups_in(claims, config.groups_claim)
        role = config.role_for(groups)
        if role is None:
            raise SignInRefused(
                f"{name} is in none of the groups that may use this dashboard", name=name
            )
        with transaction.atomic():
            user = _account(provider().issuer, str(claims["sub"]), name, claims)
            if not user.is_active:
                raise SignInRefused(
                    f"the account {user.get_username()} is switched off here", name=name
                )
            apply_role(self.request, user, role, groups=groups, provider_name=config.provider_name)
        return user


def username_from(claims: dict[str, Any], claim: str) -> str:
    raw = claims.get(claim) or claims.get("email") or claims.get("sub") or "sso-user"
    return NOT_IN_A_USERNAME.sub("_", str(raw).strip())[:140] or "sso-user"


def _free_username(wanted: str) -> str:
    User = get_user_model()
    for candidate in [wanted, *(f"{wanted}-sso{n or ''}" for n in range(100))]:
        if not User.objects.filter(username=candidate).exists():
            return candidate
    raise SignInRefused(f"no free account name near {wanted!r}", name=wanted)


def _account(issuer: str, subject: str, name: str, claims: dict[str, Any]) -> AbstractBaseUser:
    """The account linked to this subject, made on first sign-in (no password), names refreshed."""
    identity = (
        SsoIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    )
    if identity is None:
        user = get_user_model()(username=_free_username(name))
        user.set_unusable_password()
        user.save()
        SsoIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    else:
        user = identity.user
    fresh = {
        "first_name": str(claims.get("given_name") or "")[:150],
        "last_name": str(claims.get("family_name") or "")[:150],
        "email": str(claims.get("email") or "")[:254],
    }
    changed = [field for field, value in fresh.items() if value and getattr(user, field) != value]
    for field in changed:
        setattr(user, field, fresh[field])
    if changed:
        user.save(update_fields=changed)
    return user


def apply_role(
    request: HttpRequest | None,
    user: AbstractBaseUser,
    role: str,
    *,
    groups: list[str],
    provider_name: str,
) -> None:
    """Make `role` the account's only role; a change (the first one included) goes in the trail."""
    held = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    if held == {role}:
        return
    before = EDITOR if EDITOR in held else VIEWER if VIEWER in held else None
    user.groups.remove(*Group.objects.filter(name__in=held - {role}))
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    user._can_write = None  # type: ignore[attr-defined]
    trail.role_changed(
        request, user, before=before, after=role, groups=groups, provider=provider_name
    )


def provider_logout_url(request: HttpRequest) -> str:
    """Where signing out goes: the provider's sign-out when it has one, else the sign-in page."""
    local = resolve_url(settings.LOGOUT_REDIRECT_URL)
    id_token = request.session.get("oidc_id_token")
    if not settings.OIDC_ENABLED or not id_token:
        return local
    try:
        end_session = provider().end_session_endpoint
    except ProviderUnavailable:
        return local
    if not end_session:
        return local
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": current().client_id,
            "post_logout_redirect_uri": request.build_absolute_uri(local),
        }
    )
    return f"{end_session}{'&' if urlsplit(end_session).query else '?'}{query}"
