from datetime import timedelta

from django.core.management.base import BaseCommand

from secretsadmin.audit.selectors import UNKNOWN_AFTER, pending_attempts


class Command(BaseCommand):
    help = (
        "Lists attempts left without an outcome (a crash, a timeout). Concluding them from each "
        "provider's state comes with the provider clients; until then they show as unknown."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=int(UNKNOWN_AFTER.total_seconds() // 60),
            metavar="MINUTES",
        )

    def handle(self, *args, older_than, **options):
        pending = pending_attempts(timedelta(minutes=older_than))
        for event in pending.iterator():
            self.stdout.write(
                f"#{event.sequence} {event.time:%Y-%m-%d %H:%M:%S} {event.actor_username} "
                f"{event.action} {event.provider} {event.account} {event.target}"
            )
        if not pending.exists():
            self.stdout.write(f"No attempt older than {older_than} minutes lacks an outcome.")
