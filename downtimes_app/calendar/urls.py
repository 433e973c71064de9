"""The calendar's addresses, its feeds and one downtime's .ics (included by the root `urls`,
in the `downtimes` namespace)."""

from django.urls import path

from downtimes_app.calendar import views

urlpatterns = [
    path("calendar/", views.calendar_page, name="calendar"),
    path("calendar/subscribe/", views.subscribe, name="calendar_subscribe"),
    # The token is the feed's only credential: dashboard/logs.py keeps it out of the logs.
    path("calendar/feed/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("downtimes/<str:downtime_id>/calendar.ics", views.downtime_ics, name="ics"),
]
