from django.apps import AppConfig


class DowntimesAppConfig(AppConfig):
    name = "downtimes_app"
    verbose_name = "Downtimes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the receiver that records every sign-in in the audit trail.
        from .signin import trail  # noqa: F401
