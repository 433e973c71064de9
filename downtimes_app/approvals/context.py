"""The top bar's count of requests waiting for approval, for every page's frame.

Asked only while the policy holds some downtimes for approval, and only by a page that shows
the top bar to a signed-in person: one count over an indexed column, no call to Datadog.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from downtimes_app.core.clock import now
from downtimes_app.models import ApprovalRequest
from downtimes_app.policy import judging


def _waiting(request: HttpRequest) -> int:
    if not request.user.is_authenticated or not judging.asks_for_approval():
        return 0
    return ApprovalRequest.objects.filter(
        state=ApprovalRequest.State.PENDING, expires_at__gt=now()
    ).count()


def approvals_waiting(request: HttpRequest) -> dict[str, Any]:
    return {"approvals_waiting": SimpleLazyObject(lambda: _waiting(request))}
