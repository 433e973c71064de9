from django.apps import AppConfig


class DowntimesAppConfig(AppConfig):
    name = "downtimes_app"
    verbose_name = "Downtimes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connect their receivers: every sign-in recorded in the audit trail, and what a write
        # through the dashboard means for its messages, its reminders and an end on recovery,
        # and every refresh and write compared with the history.
        from downtimes_app.history import recording  # noqa: F401
        from downtimes_app.notify import worker  # noqa: F401
        from downtimes_app.recovery import watching  # noqa: F401
        from downtimes_app.signin import trail  # noqa: F401
