from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "secretsadmin.alerts"
    label = "alerts"
    verbose_name = "Alerts"
