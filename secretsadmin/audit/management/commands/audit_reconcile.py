from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from secretsadmin.audit.fields import Unreadable
from secretsadmin.audit.reconcile import reconcile_pending
from secretsadmin.audit.selectors import UNKNOWN_AFTER


class Command(BaseCommand):
    help = (
        "Concludes attempts left without an outcome (a crash, a timeout) from each provider's "
        "current state; lists those it cannot conclude yet."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=int(UNKNOWN_AFTER.total_seconds() // 60),
            metavar="MINUTES",
        )

    def handle(self, *args: Any, older_than: int, **options: Any) -> None:
        concluded = left = 0
        for reconciled in reconcile_pending(timedelta(minutes=older_than)):
            event = reconciled.attempt
            label = (
                f"#{event.sequence} {_when(event.time)} {event.actor_username} "
                f"{event.action} {event.provider} {event.account} {event.target}"
            )
            if reconciled.outcome is None:
                left += 1
                self.stdout.write(f"{label}: left unknown (the provider's state cannot be read)")
            else:
                concluded += 1
                outcome = reconciled.outcome
                self.stdout.write(f"{label}: {outcome.outcome} ({outcome.error_message})")
        self.stdout.write(
            f"{concluded} attempt(s) concluded, {left} left unknown, "
            f"of those older than {older_than} minutes."
        )


def _when(time: datetime | Unreadable) -> str:
    if isinstance(time, datetime):
        return f"{time:%Y-%m-%d %H:%M:%S}"
    return f"(unreadable time {time!r})"
