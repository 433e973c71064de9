from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """An embedded, Datadog-compatible Downtime API with its own tables."""

    name = "downtimes_app.sandbox"
    label = "sandbox"
    verbose_name = "Datadog sandbox"
    default_auto_field = "django.db.models.BigAutoField"
