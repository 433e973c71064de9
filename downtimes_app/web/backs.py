"""Where a downtime's quick action answers when it was taken on another page than its own.

The actions (cancel, end, extend) live with the downtime's page. A page that lists downtimes
and offers those actions in place (the attention view) posts `back=<its name>` and registers
how it answers here; the action looks the name up. So the downtime's views never import that
page's, and a page added later offers the same actions by registering.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from downtimes_app.core.domain import Downtime

# (request, the downtime as it is now or None, the message level, its text, "ok" or "error")
Answer = Callable[[HttpRequest, Downtime | None, int, str, str], HttpResponse]

_answers: dict[str, Answer] = {}


def register(name: str, answer: Answer) -> None:
    _answers[name] = answer


def answer_for(name: str | None) -> Answer | None:
    return _answers.get(name or "")


def known(name: str | None) -> str:
    """`name` when a page answers to it, else "" (a `back` from a link is not trusted)."""
    return name if name and name in _answers else ""


def after_change(response: HttpResponse, level: int, success: int) -> HttpResponse:
    """After a write redrawn in place, the top bar's attention count asks for itself again."""
    if level == success:
        response["HX-Trigger"] = "attention-changed"
    return response
