"""Signing in through a reverse proxy's header (`DASHBOARD_PROXY_USER_HEADER`): the middleware
that reads it and the backend that makes or refuses the account it names.

Kept apart from the role check (`web.access`), which stands on the user and its groups alone.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.backends import RemoteUserBackend
from django.contrib.auth.middleware import RemoteUserMiddleware
from django.contrib.auth.models import AbstractBaseUser, Group
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import cached_property

from downtimes_app.models import ProxyAccount
from downtimes_app.signin import trail


class ProxyUserMiddleware(RemoteUserMiddleware):
    """Trust a reverse proxy's header naming the signed-in user (SSO gateways).

    Only installed when DASHBOARD_PROXY_USER_HEADER is set; the proxy must strip or overwrite that
    header in what clients send, or anyone could claim any name (README, "Behind a signing-in
    proxy"). A session signed in some other way (a password, single sign-on) is kept: the header
    neither replaces it nor signs it out. The sign-in page itself is left alone, so that after
    "Sign out" (which lands there) a password account can still sign in beside the proxy.
    """

    async_capable = False
    # A header that disappears signs out only the sessions the header itself made.
    force_logout_if_no_header = True

    @cached_property
    def header(self) -> str:  # type: ignore[override]
        name = settings.DASHBOARD_PROXY_USER_HEADER.upper().replace("-", "_")
        return name if name.startswith("HTTP_") else f"HTTP_{name}"

    def process_request(self, request: HttpRequest) -> None:
        user = request.user
        if user.is_authenticated and request.session.get(BACKEND_SESSION_KEY) != PROXY_BACKEND:
            return
        if request.path_info == reverse(settings.LOGIN_URL):
            return
        super().process_request(request)


PROXY_BACKEND = "downtimes_app.signin.proxy.ProxyUserBackend"


def proxy_may_be(user: AbstractBaseUser) -> str:
    """Why the header may not sign in as this account ('' when it may).

    Unless DASHBOARD_PROXY_LOCAL_ACCOUNTS allows it, the header reaches only accounts it created
    itself (`ProxyAccount`), and never a superuser, a staff member, or someone who signs in with
    a password, so a forged or mistaken header cannot become an administrator or claim an
    account made in the shell or the admin.
    """
    if settings.DASHBOARD_PROXY_LOCAL_ACCOUNTS:
        return ""
    if user.is_superuser or user.is_staff:
        return "it names an administrator account"
    if user.password and user.has_usable_password():
        return "it names an account that signs in with a password"
    if not ProxyAccount.objects.filter(user=user).exists():
        return "it names an account the header did not create"
    return ""


class ProxyUserBackend(RemoteUserBackend):
    """Users first seen through the proxy header get the configured role (viewer by default)."""

    def authenticate(self, request, remote_user):  # type: ignore[override]
        user = super().authenticate(request, remote_user)
        refusal = proxy_may_be(user) if user is not None else ""
        if refusal:
            trail.proxy_refused(request, user.get_username(), refusal)
            return None
        return user

    def configure_user(self, request, user, created=True):  # type: ignore[override]
        if created:
            # The header is this account's only way in, and the mark says the header made it.
            user.set_unusable_password()
            user.save(update_fields=["password"])
            ProxyAccount.objects.get_or_create(user=user)
            if settings.DASHBOARD_PROXY_DEFAULT_ROLE:
                role = Group.objects.get_or_create(name=settings.DASHBOARD_PROXY_DEFAULT_ROLE)[0]
                user.groups.add(role)
        return user
