"""The list, a downtime's page and its actions, bulk cancel, and the home and health addresses
(included by the root `urls`, in the `downtimes` namespace)."""

from django.urls import path

from downtimes_app.downtimes.views import aftermath, browse, bulk, page

urlpatterns = [
    path("", browse.home, name="home"),
    path("healthz", browse.healthz, name="healthz"),
    path("downtimes/", browse.downtime_list, name="list"),
    # Before `downtimes/<id>/`, or it would be read as a downtime id.
    path("downtimes/bulk-cancel/", bulk.bulk_cancel, name="bulk_cancel"),
    path("downtimes/<str:downtime_id>/", page.downtime_detail, name="detail"),
    path("downtimes/<str:downtime_id>/monitors/", page.downtime_monitors, name="monitors"),
    path("downtimes/<str:downtime_id>/aftermath/", aftermath.downtime_aftermath, name="aftermath"),
    path("downtimes/<str:downtime_id>/cancel/", page.downtime_cancel, name="cancel"),
    path("downtimes/<str:downtime_id>/end/", page.downtime_end, name="end"),
    path("downtimes/<str:downtime_id>/extend/", page.downtime_extend, name="extend"),
]
