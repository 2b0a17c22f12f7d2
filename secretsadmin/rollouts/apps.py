from django.apps import AppConfig


class RolloutsConfig(AppConfig):
    name = "secretsadmin.rollouts"
    label = "rollouts"
