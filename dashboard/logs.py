"""Log lines never carry a calendar feed's secret token, nor a webhook's URL.

A feed URL (`/calendar/feed/<token>.ics`) is the only credential a calendar app has, and it
sits in the path, which Django's request log ("Not Found: /calendar/feed/…"), runserver's
request lines and gunicorn's access log all print. A server decodes the path before Django
routes it, so `/calendar/%66eed/<token>.ics` and `//calendar//feed/<token>.ics` are the same
feed, or a 404 that still names the token: every path in a line is decoded and normalised
before it is looked at, and one that is a feed's, however spelled, is printed as
`/calendar/feed/[token]`. `RedactFeedTokens` does it for every record the dashboard's handler
writes (settings.LOGGING, which also sends Django's own loggers through that handler when DEBUG
is on); `GunicornLogger` for gunicorn's access and error logs, and `gunicorn.conf.py` at the top
of the repository makes gunicorn use it. A proxy in front keeps its own access log: leave the
path out of it, or blank the same pattern there.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote

from django.conf import settings
from gunicorn.glogging import Logger

from downtimes_app.logs import ControlsEscaped, Rewrite

FEED = "/calendar/feed/"
HIDDEN = FEED + "[token]"
# Anything that may be a path or a URL's path: from a slash to the next space or quote.
_PATH = re.compile(r"/[^\s\"'<>]*")


def _canonical(path: str) -> str:
    """The path as Django would route it, and then some: decoded (twice-encoded too), its
    `.`, `..` and doubled slashes resolved, in lower case."""
    for _ in range(3):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    return posixpath.normpath("/" + path.lstrip("/")).lower()


# The usual spelling, whose filters (`.ics?q=db`) can stay in the line once the token is out.
_PLAIN = re.compile(r"/calendar/feed/[^/?#.\s\"'<>%]+(?=[.?#/]|$)")


def _hide(match: re.Match[str]) -> str:
    raw = match.group(0)
    if FEED not in _canonical(raw):
        return raw
    kept = _PLAIN.sub(HIDDEN, raw, count=1)
    # Anything but the usual spelling, or a second feed path in it: the whole path goes.
    return kept if FEED not in _canonical(kept.replace(HIDDEN, "", 1)) else HIDDEN


def redact(text: str) -> str:
    return _PATH.sub(_hide, text) if "/" in text else text


class RedactFeedTokens(Rewrite):
    rewrite = staticmethod(redact)


class GunicornLogger(Logger):
    """gunicorn's logger, with feed tokens blanked from the request line, path and referer, and
    its error log's lines kept to one line each, tokens blanked."""

    def setup(self, cfg):  # type: ignore[no-untyped-def]
        super().setup(cfg)
        for line_filter in (RedactFeedTokens(), ControlsEscaped()):
            self.error_log.addFilter(line_filter)

    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str) and "/" in value:
                atoms[key] = redact(value)
        return atoms


# --- webhook URLs ------------------------------------------------------------------------------
# A webhook's URL (its path above all: Slack's holds the token) is the only credential needed to
# post to a channel. The dashboard never logs one itself (destinations print as name, kind and
# host); this filter is the belt to those braces, for a library that might.


def _webhook_secrets() -> list[str]:
    found = []
    for destination in getattr(settings, "DASHBOARD_NOTIFY", ()):
        found.append(destination.url)
        path = destination.url.split(destination.host, 1)[-1]
        if len(path) > 8:  # a path worth hiding: "/" alone says nothing
            found.append(path)
    return found


def redact_webhooks(text: str) -> str:
    for secret in _webhook_secrets():
        text = text.replace(secret, "[webhook]")
    return text


class RedactWebhooks(Rewrite):
    rewrite = staticmethod(redact_webhooks)
