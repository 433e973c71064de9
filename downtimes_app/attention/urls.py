"""The attention view's addresses (included by the root `urls`, in the `downtimes` namespace)."""

from django.urls import path

from downtimes_app.attention import views

urlpatterns = [
    path("attention/", views.attention_list, name="attention"),
    path("attention/count", views.attention_count, name="attention_count"),
]
