"""The approvals' addresses (included by the root `urls`, in the `downtimes` namespace)."""

from django.urls import path

from downtimes_app.approvals import views

urlpatterns = [
    path("approvals/", views.approval_list, name="approvals"),
    path("approvals/<int:pk>/", views.approval_detail, name="approval"),
    path("approvals/<int:pk>/approve", views.approval_approve, name="approval_approve"),
    path("approvals/<int:pk>/decline", views.approval_decline, name="approval_decline"),
]
