"""The history's addresses (included by the root `urls`, in the `downtimes` namespace)."""

from django.urls import path, register_converter

from downtimes_app.history import views


class Format:
    regex = "csv|json"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(Format, "fmt")

urlpatterns = [
    path("history/", views.moment_page, name="history"),
    path("history/moment.<fmt:fmt>", views.moment_export, name="history_export"),
    path(
        "downtimes/<str:downtime_id>/history.<fmt:fmt>",
        views.downtime_export,
        name="downtime_history",
    ),
]
