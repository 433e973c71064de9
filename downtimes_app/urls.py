"""The dashboard's addresses: one `include` per feature, each feature's `urls` holding its own.

All of them answer to the one `downtimes` namespace (`reverse("downtimes:list")`), as links and
bookmarks always have. The form's come before the downtimes' own: `downtimes/new/` and
`downtimes/form/…` would otherwise be read as downtime ids.
"""

from django.urls import include, path

app_name = "downtimes"

urlpatterns = [
    path("", include("downtimes_app.editing.urls")),
    path("", include("downtimes_app.downtimes.urls")),
    path("", include("downtimes_app.calendar.urls")),
    path("", include("downtimes_app.monitors.urls")),
    path("", include("downtimes_app.attention.urls")),
    path("", include("downtimes_app.audit.urls")),
    path("", include("downtimes_app.policy.urls")),
    path("", include("downtimes_app.history.urls")),
    path("", include("downtimes_app.approvals.urls")),
    path("", include("downtimes_app.api.urls")),
    path("", include("downtimes_app.slack.urls")),
]
