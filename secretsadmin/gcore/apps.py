from django.apps import AppConfig


class GcoreConfig(AppConfig):
    name = "secretsadmin.gcore"
    label = "gcore"
