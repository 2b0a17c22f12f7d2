"""The collectors of facts computed at scrape time (see the package's docstring)."""

import functools
from collections.abc import Callable, Iterable

from django.utils.module_loading import autodiscover_modules
from prometheus_client.metrics_core import Metric

type Collect = Callable[[], Iterable[Metric]]


class Collectors:
    def __init__(self) -> None:
        self._collectors: dict[str, Collect] = {}

    def collector(self, name: str) -> Callable[[Collect], Collect]:
        def register(collect: Collect) -> Collect:
            if name in self._collectors:
                raise ValueError(f"a metrics collector is already named {name!r}")
            self._collectors[name] = collect
            return collect

        return register

    def all(self) -> list[tuple[str, Collect]]:
        _discover()
        return sorted(self._collectors.items())


collectors = Collectors()


@functools.cache
def _discover() -> None:
    """Imports every installed app's `metrics` module, which registers its collectors."""
    autodiscover_modules("metrics")
