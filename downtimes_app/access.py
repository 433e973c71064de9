"""Who may do what: `viewer` reads, `editor` writes, superusers are editors.

Roles are Django groups. Every write view is wrapped in `editor_required`, so the check happens
on the server whatever the page showed; templates use `can_write` only to hide what a viewer
cannot use.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.backends import RemoteUserBackend
from django.contrib.auth.middleware import LoginRequiredMiddleware, RemoteUserMiddleware
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import cached_property

VIEWER = "viewer"
EDITOR = "editor"
ROLES = (VIEWER, EDITOR)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def can_write(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_can_write", None)
    if cached is None:
        cached = user.groups.filter(name=EDITOR).exists()
        user._can_write = cached
    return cached


def editor_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse (403) anyone who is not an editor, before the view runs."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_write(request.user):
            raise PermissionDenied("Only editors can change downtimes.")
        return view(request, *args, **kwargs)

    wrapper.writes = True  # type: ignore[attr-defined]
    return wrapper


def link_preview(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a page whose link preview unsigned visitors may see when DASHBOARD_LINK_PREVIEWS is on.

    The view itself decides what an unsigned visitor gets (only the preview); the mark only lets
    the request through to it.
    """
    view.link_preview = True  # type: ignore[attr-defined]
    return view


class SignInMiddleware(LoginRequiredMiddleware):
    """Sign-in for every page, with two documented exceptions.

    - `DASHBOARD_ANONYMOUS_READ`: anyone may read (trusted networks); writes still need an editor.
    - `DASHBOARD_LINK_PREVIEWS`: unsigned visitors of a page marked `link_preview` get its preview.
    - htmx requests whose session ended are sent to the sign-in page as a whole page, not
      swapped into a fragment.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):  # type: ignore[override]
        if request.method in SAFE_METHODS and not getattr(view_func, "writes", False):
            if settings.DASHBOARD_ANONYMOUS_READ:
                return None
            if settings.DASHBOARD_LINK_PREVIEWS and getattr(view_func, "link_preview", False):
                return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    def handle_no_permission(self, request, view_func):  # type: ignore[override]
        htmx = getattr(request, "htmx", None)
        if not htmx:
            return super().handle_no_permission(request, view_func)
        # A fragment (a live preview, a poll) cannot sign in. Leaving the page would lose what
        # was typed, and `next` would be the fragment's URL; say so in place instead.
        page = urlsplit(htmx.current_url or "")
        here = page.path if page.netloc in ("", request.get_host()) and page.path else "/"
        if page.query:
            here += "?" + page.query
        response = render(request, "partials/_session_ended.html", {"next": here})
        response["HX-Retarget"] = "#session-notice"
        response["HX-Reswap"] = "innerHTML"
        return response


class ProxyUserMiddleware(RemoteUserMiddleware):
    """Trust a reverse proxy's header naming the signed-in user (SSO gateways).

    Only installed when DASHBOARD_PROXY_USER_HEADER is set; the proxy must strip that header from
    what clients send, or anyone could claim any name.
    """

    @cached_property
    def header(self) -> str:  # type: ignore[override]
        name = settings.DASHBOARD_PROXY_USER_HEADER.upper().replace("-", "_")
        return name if name.startswith("HTTP_") else f"HTTP_{name}"


class ProxyUserBackend(RemoteUserBackend):
    """Users first seen through the proxy header get the configured role (viewer by default)."""

    def configure_user(self, request, user, created=True):  # type: ignore[override]
        if created and settings.DASHBOARD_PROXY_DEFAULT_ROLE:
            user.groups.add(Group.objects.get(name=settings.DASHBOARD_PROXY_DEFAULT_ROLE))
        return user
