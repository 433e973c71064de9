from django.apps import AppConfig


class DowntimesAppConfig(AppConfig):
    name = "downtimes_app"
    verbose_name = "Downtimes"
    default_auto_field = "django.db.models.BigAutoField"
