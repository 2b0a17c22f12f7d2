from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "secretsadmin.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the audit receivers
