from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "secretsadmin.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the audit receivers


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin, opened to the admin role rather than to the staff flag."""

    default = False  # named in INSTALLED_APPS; this module's default is AccountsConfig
    default_site = "secretsadmin.accounts.admin_site.RoleAdminSite"
