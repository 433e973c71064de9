"""The top bar's "Needs attention" count, for every page's frame (a context processor)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from downtimes_app.attention import counting
from downtimes_app.core.clock import now
from downtimes_app.web.access import reads_pages


def _attention_count(request: HttpRequest) -> int:
    """From the copies as they are (never a call to Datadog), and only for someone who may read
    the list."""
    if not reads_pages(request):
        return 0
    return counting.count(now())


def attention_count(request: HttpRequest) -> dict[str, Any]:
    # Lazy: worked out only by a page that shows the top bar.
    return {"attention_count": SimpleLazyObject(lambda: _attention_count(request))}
