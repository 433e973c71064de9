"""Log lines never carry a calendar feed's secret token, nor a webhook's URL.

A feed URL (`/calendar/feed/<token>.ics`) is the only credential a calendar app has, and it
sits in the path, which Django's request log ("Not Found: /calendar/feed/…"), runserver's
request lines and gunicorn's access log all print. `RedactFeedTokens` blanks it in every record
the dashboard's handler writes (settings.LOGGING); `GunicornLogger` does the same for gunicorn's
access log, and `gunicorn.conf.py` at the top of the repository makes gunicorn use it. A proxy
in front keeps its own access log: leave the path out of it, or blank the same pattern there.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from gunicorn.glogging import Logger

FEED_PATH = re.compile(r"(/calendar/feed/)[^/?#.\s\"']+")
HIDDEN = r"\1[token]"


def redact(text: str) -> str:
    return FEED_PATH.sub(HIDDEN, text)


class RedactFeedTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/calendar/feed/" in message:
            record.msg, record.args = redact(message), None
        return True


class GunicornLogger(Logger):
    """gunicorn's logger, with feed tokens blanked from the request line, path and referer."""

    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str) and "/calendar/feed/" in value:
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


class RedactWebhooks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        secrets = _webhook_secrets()
        if secrets:
            message = record.getMessage()
            if any(secret in message for secret in secrets):
                record.msg, record.args = redact_webhooks(message), None
        return True
