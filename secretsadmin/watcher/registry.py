"""The watcher's jobs: what each app registers in its `watch` module, found at the command's
start (as Django's admin finds `admin` modules), so that the web processes never import them."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.utils.module_loading import autodiscover_modules

from .context import Context

Run = Callable[[Context], None]


@dataclass(frozen=True)
class Job:
    name: str
    run: Run
    # Seconds between two runs; 0 runs it every round. Counted in rounds (at least one).
    every: float = 0.0

    def due(self, round_number: int, interval: float) -> bool:
        """Whether the job runs in round `round_number` (0, the first one a leader runs: all do)."""
        return round_number % max(1, round(self.every / interval)) == 0


class Registry:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}

    def register(self, name: str, run: Run, *, every: float = 0.0) -> Job:
        if name in self._jobs:
            raise ValueError(f"a watcher job named {name!r} is registered already")
        if every < 0:
            raise ValueError("a job's `every` is a number of seconds, 0 or more")
        job = self._jobs[name] = Job(name, run, every)
        return job

    def unregister(self, name: str) -> None:
        del self._jobs[name]

    def job(self, name: str, *, every: float = 0.0) -> Callable[[Run], Run]:
        """The decorator form of `register`."""

        def registering(run: Run) -> Run:
            self.register(name, run, every=every)
            return run

        return registering

    def __iter__(self) -> Iterator[Job]:
        """The jobs in their apps' order in INSTALLED_APPS (whichever was imported first), each
        app's in the order it registered them; jobs of no app (a test's) last."""
        order = {config.name: n for n, config in enumerate(apps.get_app_configs())}

        def place(job: Job) -> int:
            config = apps.get_containing_app_config(getattr(job.run, "__module__", "") or "")
            return order[config.name] if config is not None else len(order)

        return iter(sorted(self._jobs.values(), key=place))


jobs = Registry()


def discover() -> None:
    """Imports every installed app's `watch` module, each registering its jobs."""
    autodiscover_modules("watch")
