from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections, transaction

from secretsadmin.audit.protection import grant_app_role


class Command(BaseCommand):
    help = (
        "Applies the migrations: as the owner role of MIGRATE_DATABASE_URL when it is set, then "
        "granting the dashboard's own role (DATABASE_URL's) what it needs and no more of the "
        "audit log than to read and append to it."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        owner = "migrate" if "migrate" in settings.DATABASES else "default"
        call_command("migrate", database=owner, interactive=False, verbosity=options["verbosity"])
        if owner == "default" or connections[owner].vendor != "postgresql":
            return
        role = settings.DATABASES["default"]["USER"]
        # At once: between a grant of every table and the revokes that follow it, the role could
        # change the log and its summaries.
        with transaction.atomic(using=owner), connections[owner].cursor() as cursor:
            grant_app_role(cursor, role)
        self.stdout.write(f"granted {role} the tables, and the audit log to read and append")
