"""The policy's address (included by the root `urls`, in the `downtimes` namespace)."""

from django.urls import path

from downtimes_app.policy import views

urlpatterns = [
    path("policies/", views.policies, name="policies"),
]
