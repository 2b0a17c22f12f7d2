import shlex
import threading
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from emulators import demo


class Command(BaseCommand):
    help = "Serves the Pipecat Cloud and Gcore emulators, seeded with demo data, until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--pipecat-port", type=int, default=0, help="0 picks a free port")
        parser.add_argument("--gcore-port", type=int, default=0, help="0 picks a free port")
        parser.add_argument(
            "--latency",
            type=float,
            default=0.0,
            metavar="SECONDS",
            help="added to every answer, as a distant API would (load tests, drills)",
        )
        parser.add_argument(
            "--env-file",
            type=Path,
            help="write the variables that point the dashboard at the emulators here, once ready",
        )

    def handle(self, *args, host, pipecat_port, gcore_port, latency, env_file, **options):
        if latency < 0:
            raise CommandError(f"--latency must be 0 or more seconds, not {latency}")
        servers = demo.start(host, pipecat_port, gcore_port, latency)
        environment = servers.environment()
        if env_file:
            lines = [f"export {name}={shlex.quote(value)}" for name, value in environment.items()]
            partial = env_file.with_suffix(".partial")
            partial.write_text("\n".join(lines) + "\n")
            partial.rename(env_file)  # appears whole, so a reader never sees half of it
        self.stdout.write(f"Pipecat Cloud emulator: {servers.pipecat.url}")
        self.stdout.write(f"Gcore emulator:         {servers.gcore.url}")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            servers.stop()
