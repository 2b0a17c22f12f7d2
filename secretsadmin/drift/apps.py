from django.apps import AppConfig


class DriftConfig(AppConfig):
    name = "secretsadmin.drift"
    label = "drift"
    verbose_name = "Changes made outside the dashboard"
