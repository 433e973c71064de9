"""The audit trail's address (included by the root `urls`, in the `downtimes` namespace)."""

from django.urls import path

from downtimes_app.audit import views

urlpatterns = [
    path("audit/", views.audit_list, name="audit"),
]
