"""Quiet production logs: a refused request is one line, an error keeps its traceback.

Django logs a 403 or 404 raised as an exception with its traceback, and a suspicious request
(a bad Host header, a tampered session) likewise; none of it tells an operator anything the
line's first words do not. This filter, on the console handler, drops the traceback from
records about answers below 500. Errors (500s and everything not about a request) are untouched.

`ControlsEscaped` keeps each record one line: a newline, carriage return or other control
character that came in a request (a path, a header, a provider's words) is written as an escape,
so nobody outside can write a line of their own into the log. `one_line` does the same for the
audit trail's texts.

`SecretsFilter` is what Django's error pages (DEBUG only) use to blank settings: webhook URLs too.
"""

from __future__ import annotations

import logging
import re

from django.views.debug import SafeExceptionReporterFilter

# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """`text` with every control character written as an escape (`\\n`, `\\x1b`)."""
    return _CONTROLS.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


class Rewrite(logging.Filter):
    """A filter that rewrites each record's message (its arguments merged in) with `rewrite`."""

    @staticmethod
    def rewrite(message: str) -> str:
        return message

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        rewritten = self.rewrite(message)
        if rewritten != message:
            record.msg, record.args = rewritten, None
        return True


class ControlsEscaped(Rewrite):
    """A record's message as one line; its traceback, which the server writes, is left alone."""

    rewrite = staticmethod(one_line)


class RefusalsOnOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        refused = isinstance(status, int) and status < 500
        if refused or record.name.startswith("django.security"):
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True


class SecretsFilter(SafeExceptionReporterFilter):
    """Django's error pages (DEBUG) also blank settings and environment variables that hold
    webhook URLs (DASHBOARD_NOTIFY), and any URL, which may carry a password."""

    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|NOTIFY|WEBHOOK|HUEY|URL",
        flags=re.IGNORECASE,
    )
