from django.urls import path

from .views import audit, browse, downtime

app_name = "downtimes"

urlpatterns = [
    path("", browse.home, name="home"),
    path("healthz", browse.healthz, name="healthz"),
    path("audit/", audit.audit_list, name="audit"),
    path("downtimes/", browse.downtime_list, name="list"),
    path("downtimes/<str:downtime_id>/", downtime.downtime_detail, name="detail"),
]
