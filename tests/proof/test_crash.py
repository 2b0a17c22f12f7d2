"""A gunicorn worker killed (SIGKILL) while Pipecat Cloud is slow to carry out a change: the
attempt committed before the call stays in the audit log, `manage.py audit_reconcile` concludes it
from what the provider did, and the chain verifies. gunicorn runs as the image runs it
(`gunicorn.conf.py`, its workers and threads), on this run's database (SQLite or PostgreSQL)."""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from django.conf import settings as django_settings
from django.db import connection

from emulators.clock import Clock
from emulators.faults import Fault
from emulators.pipecat import PipecatEmulator
from emulators.pipecat.store import SecretSet, SetType
from emulators.server import EmulatorServer
from secretsadmin.accounts.roles import Role
from secretsadmin.audit.models import AuditEvent
from secretsadmin.pipecat import actions
from tests.conftest import free_port
from tests.core.test_gunicorn import serving as gunicorn
from tests.fixtures.personas import client_for, make_user
from tests.fixtures.pipecat import PIPECAT_ORG, PIPECAT_TOKEN

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SLOW = 4.0  # seconds Pipecat Cloud takes over the change: the worker dies before it answers
SET = "voice-agent"
REMOVABLE = re.compile(r'data-remove-key="([^"]+)" data-once="([^"]+)"')

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="finds the worker in /proc"),
]


@pytest.fixture
def pipecat():
    """Pipecat Cloud on a real clock, over HTTP, holding one ready set of two keys."""
    app = PipecatEmulator({PIPECAT_TOKEN: PIPECAT_ORG}, clock=Clock(), provisioning_delay=0.0)
    now = app.clock.now()
    values = {"OPENAI_API_KEY": "sk-1", "DEEPGRAM_API_KEY": "dg-1"}
    app.store.add(PIPECAT_ORG, SecretSet(SET, SetType.REGULAR, "us-west", now, now, values=values))
    with EmulatorServer(app) as server:
        yield server


@pytest.fixture
def dashboard(tmp_path, pipecat):
    """gunicorn with the image's config, pointed at the emulator and this run's database."""
    home = tmp_path / "home"
    home.touch()  # the image's home cannot be written
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        database = f"sqlite:///{settings['NAME']}"
    else:
        database = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(home),
        "SECRET_KEY": django_settings.SECRET_KEY,  # which signs the session made here
        "DATABASE_URL": database,
        "SECURE_COOKIES": "false",
        "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
        "PIPECAT_API_URL": pipecat.url,
        "PIPECAT_API_KEY": PIPECAT_TOKEN,
        **{k: v for k, v in os.environ.items() if k in ("CACHE_URL", "REDIS_URL")},
    }
    with serving(env, tmp_path / "gunicorn.log") as server:
        yield Dashboard(env, server, f"http://{env['GUNICORN_BIND']}")


class Dashboard:
    def __init__(self, env: dict[str, str], server: subprocess.Popen, base: str) -> None:
        self.env, self.server, self.base = env, server, base

    def manage(self, *command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def workers(self) -> list[int]:
        """The pids of the gunicorn master's children."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            if int(fields[1]) == self.server.pid:
                found.append(int(stat.parent.name))
        return found

    def worker_calling(self, port: int) -> int | None:
        """The worker with a connection open to `port`: the one waiting for the provider."""
        inodes = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                if remote_port == port and fields[3] == "01":  # ESTABLISHED
                    inodes.add(f"socket:[{fields[9]}]")
        for pid in self.workers():
            try:
                if inodes & {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}:
                    return pid
            except OSError:
                continue
        return None


@contextmanager
def serving(env: dict[str, str], log: Path):
    """gunicorn as tests/core/test_gunicorn.py starts it, once it answers."""
    with gunicorn(env, log) as server:
        wait_until(lambda: answers(f"http://{env['GUNICORN_BIND']}/healthz"), 30, log)
        yield server


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def wait_until(condition, seconds: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s" + (f":\n{log.read_text()}" if log else ""))
        time.sleep(0.05)


def signed_in_editor(dashboard: Dashboard) -> httpx.Client:
    session = client_for(make_user("eddie", Role.EDITOR)).cookies["sessionid"].value
    return httpx.Client(base_url=dashboard.base, cookies={"sessionid": session}, timeout=30)


def remove_key_while_the_worker_is_killed(dashboard: Dashboard, pipecat, key: str) -> int:
    """Sends the key's removal as its page would, and kills the worker serving it once its
    attempt is in the audit log, while Pipecat Cloud is still carrying it out. The attempt."""
    browser = signed_in_editor(dashboard)
    page = browser.get(f"/pipecat/default/sets/{SET}/")
    once = dict(REMOVABLE.findall(page.text))[key]
    form = {"csrfmiddlewaretoken": browser.cookies["csrftoken"], "once": once, "reason": "crash"}
    answered: list[object] = []

    def send() -> None:
        try:
            answered.append(
                browser.post(f"/pipecat/default/sets/{SET}/keys/{key}/delete/", data=form)
            )
        except httpx.TransportError as exc:
            answered.append(exc)

    sending = threading.Thread(target=send)
    sending.start()
    attempts = AuditEvent.objects.filter(action=actions.KEY_DELETE, outcome="attempted")
    wait_until(attempts.exists, 20)
    worker = None

    def found() -> bool:
        nonlocal worker
        worker = dashboard.worker_calling(pipecat.port)
        return worker is not None

    wait_until(found, 5)
    os.kill(worker, signal.SIGKILL)
    sending.join(timeout=30)
    browser.close()
    assert isinstance(answered[0], httpx.TransportError)  # the person's request died with it
    return attempts.get().sequence


@pytest.mark.parametrize(
    ("fault", "outcome", "how"),
    [
        ({}, "succeeded", "the key is gone"),  # carried out, after the delay
        ({"status": 503}, "failed", "the key is still there"),  # not carried out
    ],
)
def test_a_change_cut_off_by_a_killed_worker_is_recorded_reconciled_and_chained(
    dashboard, pipecat, fault, outcome, how
):
    app = pipecat.app
    app.faults.add(Fault("delete_key", delay=SLOW, **fault))

    sequence = remove_key_while_the_worker_is_killed(dashboard, pipecat, "OPENAI_API_KEY")

    attempt = AuditEvent.objects.get(sequence=sequence)
    assert (attempt.actor_username, attempt.target, attempt.keys) == (
        "eddie",
        SET,
        ["OPENAI_API_KEY"],
    )
    assert not AuditEvent.objects.filter(attempt=attempt).exists()  # nobody lived to conclude it
    wait_until(lambda: app.calls("delete_key") == 1, SLOW + 10)  # the provider is done with it
    assert answers(f"{dashboard.base}/healthz")  # gunicorn replaced the worker

    reconciled = dashboard.manage("audit_reconcile", "--older-than", "0")
    assert reconciled.returncode == 0, reconciled.stderr
    assert f"#{sequence} " in reconciled.stdout and f": {outcome} (" in reconciled.stdout
    assert "1 attempt(s) concluded, 0 left unknown" in reconciled.stdout
    [concluded] = AuditEvent.objects.filter(attempt=attempt)
    assert (concluded.outcome, concluded.error_code) == (outcome, "reconciled")
    assert how in concluded.error_message

    verified = dashboard.manage("audit_verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith(f"{AuditEvent.objects.count() - 1} events verified")
