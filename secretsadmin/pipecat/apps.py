from django.apps import AppConfig


class PipecatConfig(AppConfig):
    name = "secretsadmin.pipecat"
    label = "pipecat"
