"""The schedule form's addresses: new, edit, clone, its parts and a sent form's page
(included by the root `urls`, in the `downtimes` namespace, before the downtimes' own: its fixed
paths would otherwise be read as downtime ids)."""

from django.urls import path

from downtimes_app.editing.views import form, parts

urlpatterns = [
    path("downtimes/new/", form.new, name="new"),
    path("downtimes/form/preview/", parts.preview_part, name="form_preview"),
    path("downtimes/form/recurrence/", parts.recurrence_part, name="form_recurrence"),
    path("downtimes/form/scope/", parts.scope_check, name="form_scope"),
    path("downtimes/form/monitors/", parts.monitor_search, name="form_monitors"),
    path("downtimes/form/tags/", parts.tag_search, name="form_tags"),
    path("downtimes/form/sent/<str:token>/", form.submission, name="submission"),
    path("downtimes/<str:downtime_id>/edit/", form.edit, name="edit"),
    path("downtimes/<str:downtime_id>/clone/", form.clone, name="clone"),
]
