"""Reading settings from environment variables, with errors that name the variable.

Each reader raises `ImproperlyConfigured` with the variable's name and the values it accepts, so
a typo stops start-up with a sentence instead of a surprise later.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from downtimes_app.notify.destinations import BadDestinations, Destination
from downtimes_app.notify.destinations import parse as parse_destinations

TRUE = ("true", "1", "yes", "on")
FALSE = ("false", "0", "no", "off", "")


class Env:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def given(self, name: str) -> bool:
        """Whether the variable is set to something (a default was not taken)."""
        return bool(self.environ.get(name, "").strip())

    def str(self, name: str, default: str = "") -> str:
        return self.environ.get(name, default).strip()

    def bool(self, name: str, default: bool = False) -> bool:
        raw = self.environ.get(name)
        if raw is None:
            return default
        value = raw.strip().lower()
        if value in TRUE:
            return True
        if value in FALSE:
            return False
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a boolean; use one of: {', '.join(TRUE + FALSE[:-1])}"
        )

    def number(self, name: str, default: float, *, minimum: float = 0, why: str = "") -> float:
        """A finite number of at least `minimum`; `why` says, in the error, why that minimum."""
        raw = self.environ.get(name, "").strip()
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or value < minimum:
            because = f": {why}" if why else ""
            raise ImproperlyConfigured(
                f"{name}={raw!r} must be a number of at least {minimum:g}{because}"
            )
        return value

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.str(name) or default
        if value not in choices:
            raise ImproperlyConfigured(f"{name}={value!r} must be one of: {', '.join(choices)}")
        return value

    def list(self, name: str, default: str = "") -> list[str]:
        return [item.strip() for item in self.str(name, default).split(",") if item.strip()]

    def destinations(self, name: str) -> tuple[Destination, ...]:
        """Named message destinations (`sre=slack:https://…,ops=webhook:https://…`).

        Unlike the other readers, the error never repeats the value: it holds webhook URLs,
        which are secrets.
        """
        try:
            return parse_destinations(self.str(name))
        except BadDestinations as exc:
            raise ImproperlyConfigured(
                f"{name}: {exc}; write name=slack:URL or name=webhook:URL, separated by commas"
            ) from None

    def names(self, name: str, among: tuple[str, ...], what: str) -> tuple[str, ...]:
        """Comma-separated names, each one of `among` (`what` says where those come from)."""
        names = tuple(dict.fromkeys(n.strip() for n in self.str(name).split(",") if n.strip()))
        unknown = [n for n in names if n not in among]
        if unknown:
            known = ", ".join(among) or "none"
            raise ImproperlyConfigured(
                f"{name} names {unknown[0][:40]!r}, which is not one of {what} ({known})"
            )
        return names

    def url(self, name: str, *, schemes: tuple[str, ...] = ("http", "https")) -> str:
        """A base URL (no query or fragment), without its trailing slash; '' when unset."""
        raw = self.str(name)
        if not raw:
            return ""
        try:
            parts = urlsplit(raw)
            port = parts.port  # raises ValueError on a bad port
        except ValueError:
            parts, port = None, None
        if (
            parts is None
            or parts.scheme not in schemes
            or not parts.hostname
            or parts.query
            or parts.fragment
        ):
            raise ImproperlyConfigured(
                f"{name}={raw!r} is not a valid base URL; expected "
                f"{' or '.join(s + '://' for s in schemes)}host[:port][/path], "
                "for example https://api.datadoghq.com"
            )
        del port
        return raw.rstrip("/")
