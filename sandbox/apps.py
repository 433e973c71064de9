from django.apps import AppConfig
from django.conf import settings


class SandboxConfig(AppConfig):
    """A fake Datadog: a Datadog-compatible Downtime API with its own tables.

    The dashboard never imports it; settings wire it in by dotted path (DATADOG_TRANSPORT,
    DASHBOARD_CLOCK, SANDBOX_URLCONF).
    """

    name = "sandbox"
    label = "sandbox"
    verbose_name = "Datadog sandbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from . import faults, resources
        from .models import SandboxDowntime

        # A typo in SANDBOX_FAULTS stops start-up with one sentence, not the first request.
        faults.parse_rates(settings.SANDBOX_FAULTS)
        # A saved downtime's remembered answers go, whatever saved it.
        post_save.connect(resources.forget_saved, sender=SandboxDowntime)
