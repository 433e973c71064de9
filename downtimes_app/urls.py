from django.urls import path

from downtimes_app.attention import views as attention
from downtimes_app.audit import views as audit
from downtimes_app.calendar import views as calendar_views
from downtimes_app.downtimes.views import aftermath, browse, bulk
from downtimes_app.downtimes.views import page as downtime
from downtimes_app.editing.views import form as schedule
from downtimes_app.editing.views import parts as form_parts
from downtimes_app.monitors.views import mute as muting
from downtimes_app.monitors.views import pages as monitors

app_name = "downtimes"

urlpatterns = [
    path("", browse.home, name="home"),
    path("healthz", browse.healthz, name="healthz"),
    path("attention/", attention.attention_list, name="attention"),
    path("attention/count", attention.attention_count, name="attention_count"),
    path("audit/", audit.audit_list, name="audit"),
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar/subscribe/", calendar_views.subscribe, name="calendar_subscribe"),
    # The token is the feed's only credential: dashboard/logs.py keeps it out of the logs.
    path("calendar/feed/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("downtimes/", browse.downtime_list, name="list"),
    # Fixed paths before `downtimes/<id>/`, or they would be read as downtime ids.
    path("downtimes/new/", schedule.new, name="new"),
    path("downtimes/bulk-cancel/", bulk.bulk_cancel, name="bulk_cancel"),
    path("downtimes/form/preview/", form_parts.preview_part, name="form_preview"),
    path("downtimes/form/recurrence/", form_parts.recurrence_part, name="form_recurrence"),
    path("downtimes/form/scope/", form_parts.scope_check, name="form_scope"),
    path("downtimes/form/monitors/", form_parts.monitor_search, name="form_monitors"),
    path("downtimes/form/tags/", form_parts.tag_search, name="form_tags"),
    path("downtimes/form/sent/<str:token>/", schedule.submission, name="submission"),
    path("downtimes/<str:downtime_id>/", downtime.downtime_detail, name="detail"),
    path("downtimes/<str:downtime_id>/edit/", schedule.edit, name="edit"),
    path("downtimes/<str:downtime_id>/calendar.ics", calendar_views.downtime_ics, name="ics"),
    path("downtimes/<str:downtime_id>/clone/", schedule.clone, name="clone"),
    path("downtimes/<str:downtime_id>/monitors/", downtime.downtime_monitors, name="monitors"),
    path("downtimes/<str:downtime_id>/aftermath/", aftermath.downtime_aftermath, name="aftermath"),
    path("downtimes/<str:downtime_id>/cancel/", downtime.downtime_cancel, name="cancel"),
    path("downtimes/<str:downtime_id>/end/", downtime.downtime_end, name="end"),
    path("downtimes/<str:downtime_id>/extend/", downtime.downtime_extend, name="extend"),
    path("monitors/", monitors.monitor_list, name="monitors_list"),
    path("monitors/<str:monitor_id>/", monitors.monitor_detail, name="monitor"),
    path("monitors/<str:monitor_id>/mute/", muting.monitor_mute, name="monitor_mute"),
]
