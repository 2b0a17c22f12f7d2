from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "secretsadmin.audit"
    label = "audit"
