"""Log lines never carry a calendar feed's secret token, nor a webhook's URL.

A feed URL (`/calendar/feed/<token>.ics`) is the only credential a calendar app has, and it
sits in the path, which Django's request log ("Not Found: /calendar/feed/…"), runserver's
request lines and gunicorn's access log all print. A server decodes the path before Django
routes it, so `/calendar/%66eed/<token>.ics` and `//calendar//feed/<token>.ics` are the same
feed, or a 404 that still names the token: every path in a line is decoded and normalised
(backslashes read as slashes) before it is looked at, and one that is a feed's, however
spelled, is printed as `/calendar/feed/[token]`. A token's shape (64 hex digits) is blanked
wherever else it stands, and in a line that names a feed so is any piece of one (16 hex digits
or more), so a spelling no rule foresaw still leaves no token behind.
`RedactFeedTokens` does it for every record the dashboard's handler writes (settings.LOGGING,
which also sends Django's own loggers through that handler when DEBUG is on); `GunicornLogger`
for gunicorn's access and error logs, and `gunicorn.conf.py` at the top of the repository makes
gunicorn use it. A proxy in front keeps its own access log: leave the
path out of it, or blank the same pattern there.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote

from django.conf import settings
from gunicorn.glogging import Logger

from downtimes_app.web.logs import ControlsEscaped, Rewrite

FEED = "/calendar/feed/"
HIDDEN = FEED + "[token]"
# Anything that may be a path or a URL's path: from a slash (or a backslash, or either one
# percent-encoded) to the next space or quote.
_PATH = re.compile(r"(?:[/\\]|%2f|%5c)[^\s\"'<>]*", re.IGNORECASE)
# A token's shape (64 hex digits), however it came to be in a line: a 64-digit run or longer.
_TOKEN_SHAPED = re.compile(r"[0-9a-f]{64,}", re.IGNORECASE)
# More rounds of decoding than any server does; a path encoded deeper is no feed's.
_DECODINGS = 8


def _canonical(path: str) -> str:
    """The path as Django would route it, and then some: decoded (again and again), its
    backslashes read as slashes, its `.`, `..` and doubled slashes resolved, in lower case."""
    for _ in range(_DECODINGS):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    path = path.replace("\\", "/")
    return posixpath.normpath("/" + path.lstrip("/")).lower()


# The usual spelling, whose filters (`.ics?q=db`) can stay in the line once the token is out.
_PLAIN = re.compile(r"/calendar/feed/[^/?#.\s\"'<>%]+(?=[.?#/]|$)")
# What the usual spelling may leave once its token is out: `.ics` and a query, nothing else. A
# `#` or `?` decoded from inside a token makes the part before it look like the whole token,
# and what stood after it (the rest of the token) must not stay as a "fragment" or a "query":
# a query holding a piece of a token (16 hex digits in a row; filters have no such thing) goes.
_KEPT = re.compile(re.escape(HIDDEN) + r"(?:\.ics)?(?:\?[^#]*)?")
_TOKEN_PIECE = re.compile(r"[0-9a-f]{16,}", re.IGNORECASE)


def _names_a_feed(path: str) -> bool:
    canonical = _canonical(path)
    return FEED in canonical or _TOKEN_SHAPED.search(canonical) is not None


def _hide(match: re.Match[str]) -> str:
    raw = match.group(0)
    if not _names_a_feed(raw):
        return raw
    kept = _PLAIN.sub(HIDDEN, raw, count=1)
    # Anything but the usual spelling, or a second feed path in it: the whole path goes.
    rest = kept.replace(HIDDEN, "", 1)
    if _KEPT.fullmatch(kept) and not (_names_a_feed(rest) or _TOKEN_PIECE.search(rest)):
        return kept
    return HIDDEN


def redact(text: str) -> str:
    """`text` with every feed path blanked, and any token-shaped run outside a path too. In a
    line that names a feed, every piece of a token (16 hex digits or more) goes as well: a quote
    or a space decoded from inside a token ends the path there, and the rest of the token
    would otherwise stand after it."""
    redacted = _TOKEN_SHAPED.sub("[token]", _PATH.sub(_hide, text))
    if HIDDEN in redacted:
        redacted = _TOKEN_PIECE.sub("[token]", redacted)
    return redacted


class RedactFeedTokens(Rewrite):
    rewrite = staticmethod(redact)


class GunicornLogger(Logger):
    """gunicorn's logger, with feed tokens blanked from every line of its access and error logs
    (request line, path, query, referer, any header a format names) and each line kept to one:
    gunicorn refuses C0 controls in a request, but lets C1 ones and Unicode's line separators
    through into a header."""

    def setup(self, cfg):  # type: ignore[no-untyped-def]
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for earlier in [
                f for f in log.filters if isinstance(f, RedactFeedTokens | ControlsEscaped)
            ]:
                log.removeFilter(earlier)  # a configuration reload runs setup again
            for line_filter in (RedactFeedTokens(), ControlsEscaped()):
                log.addFilter(line_filter)


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
