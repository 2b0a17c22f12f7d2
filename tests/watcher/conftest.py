import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from secretsadmin.watcher.context import Context
from secretsadmin.watcher.registry import discover, jobs

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture
def registered() -> Iterator[Callable[[str, Callable[[Context], None]], None]]:
    """Registers jobs for one test, beside the apps' own (found first, as the command does)."""
    discover()
    names = []

    def register(name: str, run: Callable[[Context], None]) -> None:
        jobs.register(name, run)
        names.append(name)

    yield register
    for name in names:
        jobs.unregister(name)


def database_url() -> str:
    """This run's test database, as a watcher process is told it."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return (
        f"postgres://{settings['USER']}{password}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


class WatcherProcess:
    """`manage.py watch` in a process of its own, its JSON log lines in a file."""

    def __init__(self, log: Path, *arguments: str, interval: float) -> None:
        self.log = log
        env = {
            "PATH": f"{BIN}:/usr/bin:/bin",
            "HOME": str(log.parent),
            "SECRET_KEY": django_settings.SECRET_KEY,
            "DATABASE_URL": database_url(),
            "WATCH_INTERVAL_SECONDS": str(interval),
            "LOG_FORMAT": "json",
        }
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "watch", *arguments],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def lines(self) -> list[dict]:
        found = []
        for line in self.log.read_text().splitlines():
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                found.append({"message": line})  # a traceback's lines
        return found

    def said(self, event: str, **fields: object) -> list[dict]:
        return [
            line
            for line in self.lines()
            if line.get("event") == event and all(line.get(k) == v for k, v in fields.items())
        ]

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@contextmanager
def watchers(tmp_path: Path, count: int, *arguments: str, interval: float) -> Iterator[list]:
    started = [
        WatcherProcess(tmp_path / f"watcher-{n}.log", *arguments, interval=interval)
        for n in range(count)
    ]
    try:
        yield started
    finally:
        for watcher in started:
            if watcher.process.poll() is None:
                watcher.process.terminate()
        for watcher in started:
            try:
                watcher.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(watcher.process.pid, signal.SIGKILL)


def wait_until(condition: Callable[[], object], seconds: float, *logs: WatcherProcess) -> float:
    """Seconds it took for `condition` to hold; fails with the processes' logs after `seconds`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            pytest.fail(
                f"not within {seconds} s:\n"
                + "\n---\n".join(watcher.log.read_text() for watcher in logs)
            )
        time.sleep(0.05)
    return time.monotonic() - started
