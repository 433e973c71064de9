"""Quiet production logs: a refused request is one line, an error keeps its traceback.

Django logs a 403 or 404 raised as an exception with its traceback, and a suspicious request
(a bad Host header, a tampered session) likewise; none of it tells an operator anything the
line's first words do not. This filter, on the console handler, drops the traceback from
records about answers below 500. Errors (500s and everything not about a request) are untouched.

`SecretsFilter` is what Django's error pages (DEBUG only) use to blank settings: webhook URLs too.
"""

from __future__ import annotations

import logging
import re

from django.views.debug import SafeExceptionReporterFilter


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
