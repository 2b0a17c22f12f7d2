from django.apps import AppConfig


class StreamingConfig(AppConfig):
    name = "secretsadmin.streaming"
    label = "streaming"
    verbose_name = "Audit log streaming"
