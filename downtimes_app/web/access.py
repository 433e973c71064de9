"""Who may do what: `viewer` reads, `editor` writes, superusers are editors; an account with
neither role reads nothing.

Roles are Django groups, read from the database on every request, so a role removed takes effect
on the next one. Every write view is wrapped in `editor_required`, so the check happens on the
server whatever the page showed; templates use `can_write` only to hide what a viewer cannot
use. `SignInMiddleware` sends a signed-in account without a role to one page that says so.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

VIEWER = "viewer"
EDITOR = "editor"
ROLES = (VIEWER, EDITOR)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _has_role(user: AbstractBaseUser | AnonymousUser, roles: tuple[str, ...], memo: str) -> bool:
    """Active, and a superuser or in one of `roles`: asked of the database once per request
    (the user object is the request's own), so a role removed applies on the next one."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, memo, None)
    if cached is None:
        cached = user.groups.filter(name__in=roles).exists()
        setattr(user, memo, cached)
    return cached


def can_write(user: AbstractBaseUser | AnonymousUser) -> bool:
    return _has_role(user, (EDITOR,), "_can_write")


def can_read(user: AbstractBaseUser | AnonymousUser) -> bool:
    """A signed-in, active account with a role (viewer or editor), or a superuser."""
    return _has_role(user, ROLES, "_can_read")


def reads_pages(request: HttpRequest) -> bool:
    """Whether the frame shows the pages: a role, or anonymous reads for someone not signed in."""
    user = getattr(request, "user", None)
    if user is None:
        return False
    return can_read(user) or (settings.DASHBOARD_ANONYMOUS_READ and not user.is_authenticated)


def role_free(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a page a signed-in account without a role may still open (the no-access page)."""
    view.role_free = True  # type: ignore[attr-defined]
    return view


def _needs_role(request: HttpRequest, view_func: Callable[..., Any]) -> bool:
    """Every page but those open without sign-in, signing out, the admin (its own permissions)
    and pages marked `role_free`."""
    if not getattr(view_func, "login_required", True) or getattr(view_func, "role_free", False):
        return False
    match = request.resolver_match
    return not (match and (match.namespace == "admin" or match.url_name == "logout"))


def no_access(request: HttpRequest) -> HttpResponse:
    """A signed-in account without a role: one page (or, for htmx, a line) that says so and whom
    to ask, 403 either way."""
    context = {"contact": settings.DASHBOARD_ACCESS_CONTACT}
    htmx = getattr(request, "htmx", None)
    template = "signin/partials/_no_access.html" if htmx else "signin/no_access.html"
    return render(request, template, context, status=403)


def editor_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse (403) anyone who is not an editor, before the view runs."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_write(request.user):
            raise PermissionDenied("Only editors can change downtimes.")
        return view(request, *args, **kwargs)

    wrapper.writes = True  # type: ignore[attr-defined]
    return wrapper


def members_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a page that needs sign-in even when DASHBOARD_ANONYMOUS_READ opens the rest.

    The audit trail (names, addresses, failed sign-ins) and pages that exist only to write are
    for people who signed in.
    """
    view.members_only = True  # type: ignore[attr-defined]
    return view


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse (403) anyone who is not staff, before the view runs; never open to anonymous reads."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            raise PermissionDenied("Only staff can see and lift lockouts.")
        return view(request, *args, **kwargs)

    return members_only(role_free(wrapper))


def link_preview(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a page whose link preview unsigned visitors may see when DASHBOARD_LINK_PREVIEWS is on.

    The view itself decides what an unsigned visitor gets (only the preview); the mark only lets
    the request through to it.
    """
    view.link_preview = True  # type: ignore[attr-defined]
    return view


class SignInMiddleware(LoginRequiredMiddleware):
    """Sign-in for every page, with two documented exceptions.

    - `DASHBOARD_ANONYMOUS_READ`: anyone may read (trusted networks); writes still need an editor,
      and pages marked `members_only` still need sign-in.
    - A signed-in account without a role gets the no-access page instead of any page that needs
      one, anonymous reads or not.
    - `DASHBOARD_LINK_PREVIEWS`: unsigned visitors of a page marked `link_preview` get its preview.
    - htmx requests whose session ended are sent to the sign-in page as a whole page, not
      swapped into a fragment.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):  # type: ignore[override]
        user = request.user
        if user.is_authenticated and not can_read(user) and _needs_role(request, view_func):
            return no_access(request)
        if request.method in SAFE_METHODS and not getattr(view_func, "writes", False):
            if settings.DASHBOARD_ANONYMOUS_READ and not getattr(view_func, "members_only", False):
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
