import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir

# Property tests draw the same examples on every run and machine, and keep no example database.
# Each test sets its own bound on examples. What Hypothesis still caches (the constants it reads
# from our source) goes to the temporary directory, not into the checkout.
hypothesis_settings.register_profile("secretsadmin", derandomize=True, database=None, deadline=None)
hypothesis_settings.load_profile("secretsadmin")
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "secretsadmin-hypothesis"))

pytest_plugins = [
    "tests.fixtures.personas",
    "tests.fixtures.pipecat",
    "tests.fixtures.gcore",
    "tests.fixtures.audit",
]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: shared reads, locks and counters are per test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client():
    """A test client that enforces CSRF checks, as a browser would meet them."""
    return Client(enforce_csrf_checks=True, HTTP_HOST="localhost")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs Debian's chromium for the browser tests: .ci/run installs it.")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


def at_once(work: Callable[[], str], times: int) -> list[str]:
    """Runs `work` in `times` threads released together; what they returned, sorted. Each
    thread closes the database connection it opened."""
    start, outcomes = threading.Barrier(times), []

    def run() -> None:
        start.wait()
        try:
            outcomes.append(work())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)
