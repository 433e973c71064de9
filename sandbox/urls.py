from django.urls import path

from . import views

app_name = "sandbox"

urlpatterns = [
    path("api/v2/downtime", views.downtimes, name="downtimes"),
    path("api/v2/downtime/<str:downtime_id>", views.downtime, name="downtime"),
    path(
        "api/v2/monitor/<str:monitor_id>/downtime_matches",
        views.downtime_matches,
        name="downtime-matches",
    ),
    path("api/v1/monitor", views.monitor_list, name="monitors"),
    path("api/v1/monitor/search", views.monitor_search, name="monitor-search"),
    path("api/v1/monitor/<str:monitor_id>", views.monitor_detail, name="monitor"),
    path("api/v1/validate", views.validate, name="validate"),
]
