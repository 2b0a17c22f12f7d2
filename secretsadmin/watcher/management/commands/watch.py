import signal
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from secretsadmin.watcher import records
from secretsadmin.watcher.budget import Budget
from secretsadmin.watcher.leadership import lease_for
from secretsadmin.watcher.loop import Watcher
from secretsadmin.watcher.registry import discover, jobs


class Command(BaseCommand):
    help = (
        "Runs the watcher's jobs every WATCH_INTERVAL_SECONDS, in the one process that leads "
        "among those running it (the others wait to take over)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Run one round and exit (for cron, a Kubernetes CronJob); nothing when another "
            "watcher leads. Exits with 1 when a job failed.",
        )

    def handle(self, *args: Any, once: bool, **options: Any) -> None:
        discover()
        records.count_calls_from_now()
        interval = settings.WATCH_INTERVAL_SECONDS
        watcher = Watcher(
            jobs, lease_for(), Budget(settings.WATCH_CALLS_PER_MINUTE, interval), interval
        )
        if once:
            try:
                done = watcher.once()
            finally:
                watcher.release()
            if done is not None and done.failed:
                raise CommandError(f"watcher job(s) failed: {', '.join(done.failed)}")
            return

        def stop(signum: int, frame: FrameType | None) -> None:
            watcher.stopping.set()

        # The job under way ends, then the lease is given up: a follower need not wait for it.
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        watcher.run()
