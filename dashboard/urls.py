from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("downtimes_app.urls")),
    path("sandbox/", include("downtimes_app.sandbox.urls")),
    path("admin/", admin.site.urls),
]
