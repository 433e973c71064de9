"""Slack's request URLs and the linking page (included by the root `urls`)."""

from django.urls import path

from downtimes_app.slack import views

urlpatterns = [
    path("slack/commands", views.commands, name="slack_commands"),
    path("slack/actions", views.actions, name="slack_actions"),
    path("slack/link/<str:token>/", views.link, name="slack_link"),
]
