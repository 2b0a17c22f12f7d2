"""`make run` with no provider token: a seeded demo on the built-in emulators, and the watcher."""

import contextlib
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from gcore import Gcore

from secretsadmin.watcher.leadership import FileLock
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def start_dashboard(tmp_path):
    """Starts `make run` with the given variables and none of the caller's provider settings."""
    processes = []

    def start(**variables: str):
        port = free_port()
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PIPECAT_", "GCORE_", "DATABASE_URL", "CACHE_URL", "REDIS_URL"))
            and key not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DEMO_MODE")
        }
        env.update({"PORT": str(port), "DATA_DIR": str(tmp_path), **variables})
        process = subprocess.Popen(
            [ROOT / "scripts" / "run"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"make run did not serve: {process.stdout.read()}")
                time.sleep(0.2)
        return base, tmp_path, process

    yield start
    for process in processes:
        with contextlib.suppress(ProcessLookupError):  # nothing left: all stopped already
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


@pytest.fixture
def dashboard(start_dashboard):
    return start_dashboard()


def read_env_file(path: Path) -> dict[str, str]:
    """The variables of an `export NAME=value` file, unquoted as the shell would."""
    pairs = (shlex.split(line.removeprefix("export "))[0] for line in path.read_text().splitlines())
    return dict(pair.split("=", 1) for pair in pairs)


def test_make_run_serves_a_demo_on_the_emulators(dashboard):
    base, data, _ = dashboard
    with httpx.Client(base_url=base, follow_redirects=True) as browser:
        login = browser.get("/")
        assert login.url.path == "/accounts/login/"
        assert "Demo: emulated providers." in login.text
        assert "demo-editor" in login.text
        response = browser.post(
            "/accounts/login/",
            data={
                "username": "demo-editor",
                "password": "demo",
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
                "next": "/",
            },
            headers={"Referer": f"{base}/accounts/login/"},
        )
        assert response.url.path == "/"
        assert '<span class="user-roles">editor</span>' in response.text
    deadline = time.monotonic() + 30
    while "watcher: leading" not in (data / "watch.log").read_text():
        assert time.monotonic() < deadline, (data / "watch.log").read_text()
        time.sleep(0.2)
    assert not FileLock(data / "db.sqlite3.watch.lock").acquire()  # the watcher holds it
    for kept in ("db.sqlite3", "secret_key", "audit_key", "emulators.env"):
        # Keys, the database and the demo's tokens: readable by their owner alone.
        assert (data / kept).stat().st_mode & 0o077 == 0, kept
    emulators = read_env_file(data / "emulators.env")
    sets = httpx.get(
        f"{emulators['PIPECAT_API_URL']}/v1/secrets",
        headers={"Authorization": f"Bearer {emulators['PIPECAT_API_KEY']}"},
    ).json()["sets"]
    assert {s["status"] for s in sets} == {"ready", "pending", "failed"}
    assert "imagePullSecret" in {s["type"] for s in sets}
    prod = Gcore(
        api_key=emulators["GCORE_PROD_API_KEY"],
        base_url=emulators["GCORE_PROD_API_URL"],
        cloud_project_id=int(emulators["GCORE_PROD_PROJECT"]),
        max_retries=0,
    )
    certificates = [
        s.name
        for region in emulators["GCORE_PROD_REGIONS"].split(",")
        for s in prod.cloud.secrets.list(region_id=int(region))
        if s.secret_type == "certificate"
    ]
    assert "www-example-com" in certificates and "cdn-origin-example-com" in certificates


def test_make_run_with_a_gcore_account_starts_no_demo(start_dashboard):
    base, data, _ = start_dashboard(
        GCORE_ACCOUNTS="prod",
        GCORE_PROD_API_KEY="1$not-a-real-key",
        GCORE_PROD_API_URL="http://127.0.0.1:9",
        GCORE_PROD_PROJECT="1",
    )

    login = httpx.get(f"{base}/accounts/login/")

    assert "Demo: emulated providers." not in login.text
    assert not (data / "emulators.env").exists()


def test_make_run_stops_everything_it_started_when_it_is_told_to(dashboard):
    base, data, process = dashboard
    emulators = read_env_file(data / "emulators.env")
    process.send_signal(signal.SIGTERM)  # to the script alone, as a process manager sends it
    assert process.wait(timeout=20) != 0
    for url in (f"{base}/healthz", f"{emulators['PIPECAT_API_URL']}/v1/secrets"):
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=2)
    watcher = FileLock(data / "db.sqlite3.watch.lock")
    assert watcher.acquire()  # the watcher is gone too
    watcher.release()
