import sys
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from secretsadmin.audit.protection import weaknesses


class Command(BaseCommand):
    help = (
        "Says, loudly, whether the dashboard's database role could switch off the audit log's "
        "append-only protection (PostgreSQL); exit status 0 either way."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write(
                "audit log: on SQLite the dashboard refuses changes and verify finds them; "
                "nothing in the database stops them"
            )
            return
        with connection.cursor() as cursor:
            found = weaknesses(cursor)
        if not found:
            self.stdout.write("audit log: this role may only read and append to it")
            return
        for weakness in found:
            print(f"WARNING: audit log protection: {weakness}", file=sys.stderr)
        print(
            "WARNING: run the dashboard as a role that does not own the audit table "
            "(MIGRATE_DATABASE_URL for migrations; see README, Audit log)",
            file=sys.stderr,
        )
