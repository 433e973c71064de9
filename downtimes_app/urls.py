from django.urls import path

from .views import audit, browse, bulk, downtime

app_name = "downtimes"

urlpatterns = [
    path("", browse.home, name="home"),
    path("healthz", browse.healthz, name="healthz"),
    path("audit/", audit.audit_list, name="audit"),
    path("downtimes/", browse.downtime_list, name="list"),
    # Fixed paths before `downtimes/<id>/`, or they would be read as downtime ids.
    path("downtimes/bulk-cancel/", bulk.bulk_cancel, name="bulk_cancel"),
    path("downtimes/<str:downtime_id>/", downtime.downtime_detail, name="detail"),
    path("downtimes/<str:downtime_id>/monitors/", downtime.downtime_monitors, name="monitors"),
    path("downtimes/<str:downtime_id>/cancel/", downtime.downtime_cancel, name="cancel"),
    path("downtimes/<str:downtime_id>/end/", downtime.downtime_end, name="end"),
    path("downtimes/<str:downtime_id>/extend/", downtime.downtime_extend, name="extend"),
]
