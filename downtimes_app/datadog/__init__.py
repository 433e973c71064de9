"""The service module: Datadog's v2 Downtime API (and the v1 monitor reads) as typed calls.

Calls take and return the records of `downtimes_app.core.domain`; `codec` is where they become JSON.
"""

from downtimes_app.datadog.client import (
    answer_within,
    cancel_downtime,
    create_downtime,
    get_downtime,
    list_downtimes,
    probe,
    seconds_left,
    threads_allowed,
    update_downtime,
    upstream,
    validate_keys,
)
from downtimes_app.datadog.codec import attributes_of, parse_attributes, request_body
from downtimes_app.datadog.errors import (
    AuthError,
    BadRequest,
    DatadogError,
    MalformedResponse,
    NotFound,
    RateLimited,
    Unavailable,
)
from downtimes_app.datadog.monitors import (
    get_monitor,
    list_all_monitors,
    list_monitor_downtimes,
    list_monitors,
    search_monitors,
)
from downtimes_app.datadog.whole import Loaded, list_all_downtimes, load_all_downtimes

__all__ = [
    "AuthError",
    "BadRequest",
    "DatadogError",
    "Loaded",
    "MalformedResponse",
    "NotFound",
    "RateLimited",
    "Unavailable",
    "answer_within",
    "attributes_of",
    "cancel_downtime",
    "create_downtime",
    "get_downtime",
    "get_monitor",
    "list_all_downtimes",
    "list_all_monitors",
    "list_downtimes",
    "list_monitor_downtimes",
    "list_monitors",
    "load_all_downtimes",
    "parse_attributes",
    "probe",
    "request_body",
    "search_monitors",
    "seconds_left",
    "threads_allowed",
    "update_downtime",
    "upstream",
    "validate_keys",
]
