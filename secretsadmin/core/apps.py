from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "secretsadmin.core"
    label = "core"
    verbose_name = "Core"
