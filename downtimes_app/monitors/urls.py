"""The monitor list, a monitor's page and quick mute (included by the root `urls`, in the
`downtimes` namespace)."""

from django.urls import path

from downtimes_app.monitors.views import mute, pages

urlpatterns = [
    path("monitors/", pages.monitor_list, name="monitors_list"),
    path("monitors/<str:monitor_id>/", pages.monitor_detail, name="monitor"),
    path("monitors/<str:monitor_id>/mute/", mute.monitor_mute, name="monitor_mute"),
]
