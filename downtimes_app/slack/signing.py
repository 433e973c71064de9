"""Slack's request signature, as Slack documents it: `v0=` and the HMAC-SHA256, keyed by the
app's signing secret, of `v0:<timestamp>:<body>`; refused when the timestamp is more than five
minutes from now (a replay of an old request). Pure."""

from __future__ import annotations

import hashlib
import hmac

MAX_AGE = 5 * 60


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def refusal(secret: str, timestamp: str, body: bytes, sent: str, now: float) -> str:
    """Why the request is not Slack's, or "" when it is."""
    if not secret:
        return "Slack is not set up here."
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        return "The request has no timestamp."
    if abs(now - int(timestamp)) > MAX_AGE:
        return "The request is older than five minutes."
    if not hmac.compare_digest(signature(secret, timestamp, body), sent or ""):
        return "The request's signature does not match."
    return ""
