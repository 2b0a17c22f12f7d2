from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError

from secretsadmin.accounts.roles import Role

PASSWORD = "demo"  # noqa: S105 - demo mode only, on the loopback; the command refuses otherwise


class Command(BaseCommand):
    help = "Creates demo-viewer, demo-editor, demo-auditor, demo-admin (password demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Refused: demo users with a known password exist only in DEMO_MODE.")
        for role in Role:
            user, created = User.objects.get_or_create(username=f"demo-{role}")
            if created:
                user.set_password(PASSWORD)
                user.save()
            user.groups.add(Group.objects.get_or_create(name=role.value)[0])
        self.stdout.write(
            "Demo users: "
            + ", ".join(f"demo-{role}" for role in Role)
            + f" (password {PASSWORD!r})"
        )
